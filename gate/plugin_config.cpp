#include "gate/plugin_config.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "policy/duration.hpp"
#include "policy/parse_util.hpp"

namespace pdai::gate {
namespace {

using policy::Parsed;
using policy::detail::iequals;
using policy::detail::trim;

std::string_view unquote(std::string_view v) {
    v = trim(v);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
        return v.substr(1, v.size() - 2);
    return v;
}

// '#' begins a comment at the start of a line or after a blank, outside quotes.
std::string_view strip_comment(std::string_view line) {
    char quote = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
            return line.substr(0, i);
        }
    }
    return line;
}

std::vector<std::string> split_list(std::string_view v) {
    v = trim(v);
    if (v.size() >= 2 && v.front() == '[' && v.back() == ']') v = v.substr(1, v.size() - 2);
    std::vector<std::string> out;
    while (!v.empty()) {
        const auto comma = v.find(',');
        const auto item = unquote(v.substr(0, comma));
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
    }
    return out;
}

std::optional<bool> parse_bool(std::string_view v) {
    for (auto yes : {"yes", "true", "on", "1"})
        if (iequals(v, yes)) return true;
    for (auto no : {"no", "false", "off", "0"})
        if (iequals(v, no)) return false;
    return std::nullopt;
}

// Returns an error message, or empty when the key was applied.
std::string apply(PluginConfig& cfg, std::string_view key, std::string_view raw) {
    const std::string_view v = unquote(raw);
    if (key == "catalog") {
        if (v.empty()) return "catalog needs a path";
        cfg.catalog = std::string(v);
    } else if (key == "fail_mode") {
        if (iequals(v, "open")) {
            cfg.fail_mode = FailMode::open;
        } else if (iequals(v, "closed")) {
            cfg.fail_mode = FailMode::closed;
        } else {
            return "fail_mode must be open or closed";
        }
    } else if (key == "default_account_from_bureau") {
        const auto b = parse_bool(v);
        if (!b) return "default_account_from_bureau must be yes or no";
        cfg.settings.default_account_from_bureau = *b;
    } else if (key == "default_time") {
        if (v.empty() || iequals(v, "none")) {
            cfg.settings.default_time_minutes.reset();
            return {};
        }
        const auto t = policy::parse_slurm_time(v);
        if (!t || t->unlimited() || *t->minutes <= 0)
            return "default_time must be a Slurm time limit such as 4:00:00, or none";
        cfg.settings.default_time_minutes = *t->minutes;
    } else if (key == "exempt_accounts") {
        cfg.settings.exempt_accounts.clear();
        for (auto& a : split_list(raw)) cfg.settings.exempt_accounts.insert(policy::detail::ascii_lower(a));
    } else if (key == "exempt_users") {
        cfg.settings.exempt_users.clear();
        for (auto& u : split_list(raw)) cfg.settings.exempt_users.insert(std::move(u));
    } else if (key == "reload_interval_ms") {
        const auto n = policy::detail::parse_uint(v, kMaxReloadIntervalMs);
        if (!n || *n < kMinReloadIntervalMs)
            return "reload_interval_ms must be a whole number from " +
                   std::to_string(kMinReloadIntervalMs) + " to " +
                   std::to_string(kMaxReloadIntervalMs);
        cfg.reload_interval_ms = static_cast<int>(*n);
    } else if (key == "cluster") {
        cfg.cluster = std::string(v);
    } else if (key == "inventory_max_age_days") {
        const auto n = policy::detail::parse_uint(v, 3650);
        if (!n) return "inventory_max_age_days must be a whole number of days up to 3650 (0: never stale)";
        cfg.settings.inventory_max_age_days = static_cast<int>(*n);
    } else {
        return "unknown key '" + policy::detail::ascii_safe(key) + "'";
    }
    return {};
}

}  // namespace

std::string_view to_string(FailMode m) noexcept {
    return m == FailMode::open ? "open" : "closed";
}

Parsed<PluginConfig> parse_plugin_config(std::string_view text) {
    PluginConfig cfg;
    int line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        line = trim(strip_comment(line));
        if (line.empty()) continue;
        const auto eq = line.find('=');
        if (eq == std::string_view::npos)
            return Parsed<PluginConfig>::fail("line " + std::to_string(line_no) +
                                              ": expected key = value");
        const auto key = trim(line.substr(0, eq));
        if (auto err = apply(cfg, key, line.substr(eq + 1)); !err.empty())
            return Parsed<PluginConfig>::fail("line " + std::to_string(line_no) + ": " + err);
    }
    if (cfg.catalog.empty())
        return Parsed<PluginConfig>::fail("no catalog = PATH line (the pdai catalog to read)");
    return Parsed<PluginConfig>::ok(std::move(cfg));
}

std::string plugin_config_path() {
    if (const char* p = std::getenv("PDAI_PLUGIN_CONF"); p && *p) return p;
    if (const char* conf = std::getenv("SLURM_CONF"); conf && *conf) {
        const std::string s(conf);
        const auto slash = s.rfind('/');
        return (slash == std::string::npos ? std::string(".") : s.substr(0, slash)) +
               "/pdai_plugin.conf";
    }
    return "/etc/slurm/pdai_plugin.conf";
}

Parsed<PluginConfig> load_plugin_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Parsed<PluginConfig>::fail("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    auto cfg = parse_plugin_config(text.str());
    if (!cfg) return Parsed<PluginConfig>::fail(path + ": " + cfg.error());
    return cfg;
}

Parsed<PluginConfigSource> read_plugin_config(const std::optional<std::string>& explicit_path) {
    PluginConfigSource src;
    src.path = explicit_path ? *explicit_path : plugin_config_path();
    struct stat st {};
    if (!explicit_path && ::stat(src.path.c_str(), &st) != 0 && errno == ENOENT)
        return Parsed<PluginConfigSource>::ok(std::move(src));
    auto cfg = load_plugin_config(src.path);
    if (!cfg) return Parsed<PluginConfigSource>::fail(cfg.error());
    src.config = *cfg;
    src.from_file = true;
    return Parsed<PluginConfigSource>::ok(std::move(src));
}

}  // namespace pdai::gate
