#include "app/settings.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <toml++/toml.h>

#include "bundle/toml_bounds.hpp"
#include "common/byte_size.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/unix_user.hpp"
#include "inventory/gpu_weight.hpp"
#include "pdai/build_config.hpp"

namespace pdai::app {

namespace fs = std::filesystem;

namespace {

std::string where(const std::string& path, const toml::node& n) {
    return path + ":" + std::to_string(n.source().begin.line);
}

std::string get_string(const std::string& path, const std::string& key, const toml::node& n) {
    if (auto v = n.value<std::string>()) return *v;
    throw Error(Errc::usage, where(path, n) + ": '" + key + "' must be a string");
}

// A positive size: an integer count of bytes, or a string with a unit ("64G", "512MiB").
std::uint64_t get_size(const std::string& path, const std::string& key, const toml::node& n) {
    std::optional<std::uint64_t> v;
    if (auto i = n.value_exact<int64_t>(); i && *i > 0) v = static_cast<std::uint64_t>(*i);
    if (auto s = n.value_exact<std::string>()) v = parse_byte_size(*s, 1);
    if (!v || *v == 0)
        throw Error(Errc::usage, where(path, n) + ": '" + key +
                                     "' must be a positive byte count or a size like \"64G\"");
    return *v;
}

std::string home_or_root() {
    auto h = home_dir();
    return h.empty() ? "/" : h;
}

// The file's text, at most the TOML bound; a symlink is followed (dotfile managers link
// ~/.config files), and a character device is read too (`--config /dev/null`: no settings),
// bounded like a file. A directory, a FIFO (it would block) or an unreadable file is an
// error naming it.
std::string read_config_text(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));  // a FIFO must not block here
    if (!fd) throw Error(Errc::usage, "cannot read config file " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)))
        throw Error(Errc::usage, "config file " + path + " is not a regular file");
    std::string text;
    read_all(fd, path, [&](const char* p, std::size_t n) {
        if (text.size() + n > bundle::kMaxTomlBytes)
            throw Error(Errc::usage, path + " is larger than 1 MiB; a pdai.conf is a few lines of TOML");
        text.append(p, n);
    });
    return text;
}

}  // namespace

bool is_system_key(std::string_view key) {
    return std::ranges::find(kSystemKeys, key) != std::end(kSystemKeys);
}

std::string system_config_path() {
    std::string system = std::string(PDAI_INSTALL_SYSCONFDIR) + "/pdai/pdai.conf";
    if (PDAI_INSTALL_SYSCONFDIR != std::string("/etc") && !fs::exists(system)) system = "/etc/pdai/pdai.conf";
    return system;
}

ConfigLevel explicit_config_level(const std::string& path, unsigned uid) {
    if (uid == 0) return ConfigLevel::system;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && st.st_uid == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0)
        return ConfigLevel::system;
    std::error_code ec;
    if (!fs::exists(system_config_path(), ec)) return ConfigLevel::system;
    return ConfigLevel::user;
}

void load_settings_file(const std::string& path, Settings& cfg, ConfigLevel level) {
    apply_settings_text(read_config_text(path), path, cfg, level);
}

void apply_settings_text(std::string_view text, const std::string& path, Settings& cfg, ConfigLevel level) {
    bundle::check_toml_bounds(text, path);
    toml::table tbl;
    try {
        tbl = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        throw Error(Errc::usage, path + ":" + std::to_string(e.source().begin.line) + ": " +
                                     std::string(e.description()));
    }
    for (const auto& [k, node] : tbl) {
        std::string key(k.str());
        if (level == ConfigLevel::user && is_system_key(key))
            throw Error(Errc::usage,
                        where(path, node) + ": '" + key + "' is a system setting: only the system file (" +
                            system_config_path() + ") may set it",
                        "remove it from " + path +
                            "; a user's file holds presentation and defaults only (pdai.conf(5), SYSTEM "
                            "AND USER SETTINGS)");
        if (key == "catalog") {
            cfg.catalog = get_string(path, key, node);
        } else if (key == "bundle_store") {
            cfg.bundle_store = get_string(path, key, node);
        } else if (key == "backend") {
            cfg.backend = get_string(path, key, node);
            if (cfg.backend != "auto" && cfg.backend != "local" && cfg.backend != "slurm")
                throw Error(Errc::usage, where(path, node) + ": backend must be auto, local or slurm");
        } else if (key == "jobs_dir") {
            cfg.jobs_dir = get_string(path, key, node);
        } else if (key == "partition") {
            cfg.partition = get_string(path, key, node);
        } else if (key == "busy_timeout_ms") {
            auto v = node.value_exact<int64_t>();
            if (!v || *v < 0 || *v > 600000)
                throw Error(Errc::usage,
                            where(path, node) + ": busy_timeout_ms must be an integer 0..600000");
            cfg.busy_timeout_ms = static_cast<int>(*v);
        } else if (key == "log_file") {
            cfg.log_file = get_string(path, key, node);
        } else if (key == "log_level") {
            cfg.log_level = get_string(path, key, node);
            static constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn",
                                                           "error", "critical", "off"};
            if (std::ranges::find(kLevels, std::string_view(cfg.log_level)) == std::end(kLevels))
                throw Error(Errc::usage, where(path, node) + ": log_level must be one of trace, debug, "
                                                             "info, warn, error, critical or off");
        } else if (key == "require_signed_bundles" || key == "log_syslog") {
            auto v = node.value_exact<bool>();
            if (!v) throw Error(Errc::usage, where(path, node) + ": " + key + " must be true or false");
            (key == "log_syslog" ? cfg.log_syslog : cfg.require_signed_bundles) = *v;
        } else if (key == "bundle_max_entry_bytes") {
            cfg.bundle_limits.max_entry_bytes = get_size(path, key, node);
        } else if (key == "bundle_max_total_bytes") {
            cfg.bundle_limits.max_total_bytes = get_size(path, key, node);
        } else if (key == "bundle_max_ratio") {
            auto v = node.value_exact<int64_t>();
            if (!v || *v < 0)
                throw Error(Errc::usage, where(path, node) + ": '" + key +
                                             "' must be a whole number, 0 to turn the check off");
            cfg.bundle_limits.max_ratio = static_cast<std::uint64_t>(*v);
        } else if (key == "audit_key") {
            cfg.audit_key = get_string(path, key, node);
        } else if (key == "audit_anchor") {
            cfg.audit_anchor = get_string(path, key, node);
        } else if (key == "bundle_max_entries") {
            auto v = node.value_exact<int64_t>();
            if (!v || *v <= 0)
                throw Error(Errc::usage, where(path, node) + ": '" + key + "' must be a positive integer");
            cfg.bundle_limits.max_entries = static_cast<std::uint64_t>(*v);
        } else if (key == "reference_gpu_type") {
            cfg.reference_gpu_type = get_string(path, key, node);
        } else if (key == "gpu_weight_metric") {
            cfg.gpu_weight_metric = get_string(path, key, node);
            try {
                inventory::validate_weight_metric(cfg.gpu_weight_metric);
            } catch (const Error& e) {
                throw Error(Errc::usage, where(path, node) + ": " + e.what(), e.help());
            }
        } else {
            throw Error(Errc::usage, where(path, node) + ": unknown key '" + key + "'",
                        "see pdai.conf(5) for the keys pdai understands");
        }
    }
    cfg.loaded_from.push_back(path);
}

Settings load_settings(const std::optional<std::string>& explicit_path, unsigned uid) {
    Settings cfg;
    std::error_code ec;
    if (explicit_path && !fs::exists(*explicit_path, ec))
        throw Error(Errc::usage, "config file " + *explicit_path + " does not exist");
    const std::string system = system_config_path();
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    const std::string user = (xdg && *xdg ? std::string(xdg) : home_or_root() + "/.config") + "/pdai/pdai.conf";
    if (explicit_path) {
        // FILE stands in for the file of its level; the other one is read as always.
        if (explicit_config_level(*explicit_path, uid) == ConfigLevel::system) {
            load_settings_file(*explicit_path, cfg, ConfigLevel::system);
            if (fs::exists(user, ec)) load_settings_file(user, cfg, ConfigLevel::user);
            return cfg;
        }
        // Someone else's --config: the admins' policy still holds, FILE adds the defaults.
        if (fs::exists(system, ec)) load_settings_file(system, cfg, ConfigLevel::system);
        load_settings_file(*explicit_path, cfg, ConfigLevel::user);
        return cfg;
    }
    if (fs::exists(system, ec)) load_settings_file(system, cfg, ConfigLevel::system);
    if (fs::exists(user, ec)) load_settings_file(user, cfg, ConfigLevel::user);
    return cfg;
}

const char* to_string(CatalogSource s) noexcept {
    switch (s) {
    case CatalogSource::flag: return "--catalog";
    case CatalogSource::environment: return "$PDAI_CATALOG";
    case CatalogSource::config: return "config file";
    case CatalogSource::fallback: return "default";
    }
    return "default";
}

CatalogLocation locate_catalog(const std::optional<std::string>& flag, const Settings& cfg) {
    if (flag && !flag->empty()) return {*flag, CatalogSource::flag};
    if (const char* env = std::getenv("PDAI_CATALOG"); env && *env) return {env, CatalogSource::environment};
    if (cfg.catalog) return {*cfg.catalog, CatalogSource::config};
    const char* xdg = std::getenv("XDG_DATA_HOME");
    return {(xdg && *xdg ? std::string(xdg) : home_or_root() + "/.local/share") + "/pdai/catalog.db",
            CatalogSource::fallback};
}

}  // namespace pdai::app
