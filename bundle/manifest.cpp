#include "bundle/manifest.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <toml++/toml.h>

#include "bundle/paths.hpp"
#include "bundle/semver.hpp"
#include "bundle/toml_bounds.hpp"
#include "common/byte_size.hpp"
#include "common/error.hpp"
#include "common/names.hpp"
#include "policy/duration.hpp"

namespace pdai::bundle {

namespace {

constexpr int kMaxGpus = 64;
constexpr int kMaxCpus = 4096;
constexpr std::int64_t kMaxMemMib = std::int64_t{64} << 20;  // 64 TiB
constexpr int kMaxInputsPerShard = 10'000'000;
constexpr std::size_t kMaxDescriptionBytes = 4096;
constexpr std::size_t kMaxTemplateBytes = 4096;

const char* type_name(toml::node_type t) {
    switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
    }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
            diag = up;
        }
    }
    return row[b.size()];
}

bool valid_date(int y, int m, int d) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// Returns an error message for a bad template, or "" when every placeholder is known.
std::string check_template(std::string_view t, std::set<std::string>* used) {
    std::vector<TemplatePiece> pieces;
    if (auto err = split_template(t, pieces); !err.empty()) return err;
    for (const auto& p : pieces) {
        if (!p.placeholder) continue;
        if (std::find(std::begin(kPlaceholders), std::end(kPlaceholders), p.text) == std::end(kPlaceholders)) {
            std::string known;
            for (const char* k : kPlaceholders) known += std::string(known.empty() ? "" : ", ") + "{" + k + "}";
            return "uses unknown placeholder {" + p.text + "}; known: " + known;
        }
        if (used) used->insert(p.text);
    }
    return "";
}

bool control_free(std::string_view s, bool allow_newlines) {
    for (unsigned char c : s)
        if ((c < 0x20 && !(allow_newlines && (c == '\n' || c == '\t'))) || c == 0x7f) return false;
    return true;
}

// Reads one manifest, remembering the source name for messages.
class Reader {
public:
    explicit Reader(std::string source) : source_(std::move(source)) {}

    [[noreturn]] void fail(const toml::node* at, const std::string& key, const std::string& what,
                           std::string help = {}) const {
        std::string where = source_;
        if (at && at->source().begin.line > 0) where += ":" + std::to_string(at->source().begin.line);
        throw Error(Errc::usage, where + ": '" + key + "' " + what, std::move(help));
    }

    [[noreturn]] void missing(const toml::table& t, const std::string& prefix,
                              const std::string& key, const std::string& example) const {
        std::string where = source_;
        if (!prefix.empty() && t.source().begin.line > 0)
            where += ":" + std::to_string(t.source().begin.line);
        throw Error(Errc::usage, where + ": missing required key '" + join(prefix, key) + "'",
                    "add it, e.g. " + key + " = " + example);
    }

    static std::string join(const std::string& prefix, std::string_view key) {
        return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
    }

    void check_keys(const toml::table& t, const std::string& prefix,
                    const std::vector<std::string_view>& allowed) const {
        for (const auto& [k, node] : t) {
            std::string_view key = k.str();
            if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
            std::string help = "see pdai-bundle(5) for the keys a manifest may hold";
            std::size_t best = 3;
            for (auto a : allowed)
                if (auto d = edit_distance(key, a); d < best) {
                    best = d;
                    help = "did you mean '" + join(prefix, a) + "'?";
                }
            std::string where = source_;
            if (k.source().begin.line > 0) where += ":" + std::to_string(k.source().begin.line);
            else if (node.source().begin.line > 0) where += ":" + std::to_string(node.source().begin.line);
            throw Error(Errc::usage, where + ": unknown key '" + join(prefix, key) + "'", help);
        }
    }

    const toml::node* get(const toml::table& t, std::string_view key) const { return t.get(key); }

    std::optional<std::string> opt_string(const toml::table& t, const std::string& prefix,
                                          std::string_view key) const {
        const toml::node* n = get(t, key);
        if (!n) return std::nullopt;
        if (!n->is_string())
            fail(n, join(prefix, key), std::string("must be a string, not ") + type_name(n->type()));
        return n->as_string()->get();
    }

    std::string string(const toml::table& t, const std::string& prefix, std::string_view key,
                       const std::string& example) const {
        auto v = opt_string(t, prefix, key);
        if (!v) missing(t, prefix, std::string(key), example);
        return *v;
    }

    std::optional<std::int64_t> opt_int(const toml::table& t, const std::string& prefix,
                                        std::string_view key, std::int64_t lo, std::int64_t hi) const {
        const toml::node* n = get(t, key);
        if (!n) return std::nullopt;
        auto range = std::to_string(lo) + ".." + std::to_string(hi);
        if (!n->is_integer())
            fail(n, join(prefix, key),
                 "must be an integer " + range + ", not " + type_name(n->type()));
        std::int64_t v = n->as_integer()->get();
        if (v < lo || v > hi)
            fail(n, join(prefix, key), "must be in " + range + ", not " + std::to_string(v));
        return v;
    }

    // An array of strings; each element is checked by `check` (returns an error or "").
    std::vector<std::string> strings(const toml::node* n, const std::string& key,
                                     const std::function<std::string(const std::string&)>& check) const {
        const toml::array* arr = n->as_array();
        if (!arr) fail(n, key, std::string("must be an array of strings, not ") + type_name(n->type()));
        std::vector<std::string> out;
        for (std::size_t i = 0; i < arr->size(); ++i) {
            const toml::node& e = (*arr)[i];
            std::string ekey = key + "[" + std::to_string(i) + "]";
            if (!e.is_string())
                fail(&e, ekey, std::string("must be a string, not ") + type_name(e.type()));
            std::string v = e.as_string()->get();
            if (auto err = check(v); !err.empty()) fail(&e, ekey, err);
            out.push_back(std::move(v));
        }
        return out;
    }

    const std::string& source() const { return source_; }

private:
    std::string source_;
};

std::string identifier_error(std::string_view what, const std::string& v) {
    try {
        validate_identifier(what, v);
    } catch (const Error& e) {
        std::string m = e.what();
        // validate_identifier starts with `what`; the key name already says it.
        return m.rfind(what, 0) == 0 ? m.substr(what.size() + 1) : m;
    }
    return "";
}

Resources read_resources(const Reader& r, const toml::table& root) {
    const toml::node* n = root.get("resources");
    const toml::table* t = n ? n->as_table() : nullptr;
    if (!n) {
        std::string where = r.source();
        throw Error(Errc::usage, where + ": missing required table '[resources]'",
                    "add [resources] with at least gpus and time, e.g. gpus = 1, time = \"2h\"");
    }
    if (!t) r.fail(n, "resources", std::string("must be a table, not ") + type_name(n->type()));
    const std::string p = "resources";
    r.check_keys(*t, p, {"gpu_types", "gpus", "cpus", "mem", "time"});
    Resources res;
    if (const toml::node* g = t->get("gpu_types")) {
        res.gpu_types = r.strings(g, "resources.gpu_types",
                                  [](const std::string& v) { return identifier_error("GPU type", v); });
        std::set<std::string> seen;
        for (const auto& s : res.gpu_types)
            if (!seen.insert(s).second) r.fail(g, "resources.gpu_types", "lists '" + s + "' twice");
    }
    auto gpus = r.opt_int(*t, p, "gpus", 0, kMaxGpus);
    if (!gpus) r.missing(*t, p, "gpus", "1");
    res.gpus = static_cast<int>(*gpus);
    res.cpus = static_cast<int>(r.opt_int(*t, p, "cpus", 1, kMaxCpus).value_or(1));
    if (const toml::node* m = t->get("mem")) {
        std::optional<std::uint64_t> bytes;
        if (m->is_string()) bytes = parse_byte_size(m->as_string()->get(), 1 << 20);
        else r.fail(m, "resources.mem", std::string("must be a string like \"32G\", not ") + type_name(m->type()));
        if (!bytes)
            r.fail(m, "resources.mem", "'" + m->as_string()->get() + "' is not a size",
                   "write a number with a unit K, M, G or T, e.g. \"32G\" (no unit: MiB)");
        std::uint64_t mib = *bytes >> 20;
        if (mib < 1 || mib > static_cast<std::uint64_t>(kMaxMemMib))
            r.fail(m, "resources.mem", "must be between 1M and 64T");
        res.mem_mib = static_cast<std::int64_t>(mib);
    }
    const toml::node* tn = t->get("time");
    if (!tn) r.missing(*t, p, "time", "\"2h\"");
    std::string text;
    if (tn->is_integer()) text = std::to_string(tn->as_integer()->get());
    else if (tn->is_string()) text = tn->as_string()->get();
    else r.fail(tn, "resources.time", std::string("must be a string like \"2h\", not ") + type_name(tn->type()));
    auto limit = policy::parse_time_limit(text);
    if (!limit) r.fail(tn, "resources.time", limit.error());
    if (limit->unlimited() || *limit->minutes <= 0)
        r.fail(tn, "resources.time", "must be a finite, positive time limit",
               "jobs are charged by their time limit; give one, e.g. time = \"2h\"");
    res.time_minutes = *limit->minutes;
    return res;
}

InferConvention read_infer(const Reader& r, const toml::node* n) {
    const toml::table* t = n->as_table();
    if (!t) r.fail(n, "infer", std::string("must be a table, not ") + type_name(n->type()));
    r.check_keys(*t, "infer", {"args", "env", "input_patterns", "inputs_per_shard"});
    InferConvention inf;
    std::set<std::string> used;
    auto check_tmpl = [&](const std::string& v) -> std::string {
        if (v.size() > kMaxTemplateBytes) return "is longer than 4096 bytes";
        if (!control_free(v, false)) return "contains a control character";
        return check_template(v, &used);
    };
    if (const toml::node* a = t->get("args")) inf.args = r.strings(a, "infer.args", check_tmpl);
    if (const toml::node* e = t->get("env")) {
        const toml::table* et = e->as_table();
        if (!et) r.fail(e, "infer.env", std::string("must be a table, not ") + type_name(e->type()));
        for (const auto& [k, v] : *et) {
            std::string name(k.str());
            std::string key = "infer.env." + name;
            bool ok = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
            for (char c : name)
                ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '_');
            if (!ok) r.fail(&v, key, "is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
            if (name.rfind("PDAI_", 0) == 0 || name.rfind("SLURM_", 0) == 0)
                r.fail(&v, key, "uses a reserved prefix (PDAI_ and SLURM_ are set by pdai and Slurm)");
            if (!v.is_string())
                r.fail(&v, key, std::string("must be a string, not ") + type_name(v.type()));
            std::string value = v.as_string()->get();
            if (auto err = check_tmpl(value); !err.empty()) r.fail(&v, key, err);
            inf.env.emplace(std::move(name), std::move(value));
        }
    }
    if (const toml::node* ip = t->get("input_patterns"))
        inf.input_patterns = r.strings(ip, "infer.input_patterns", [](const std::string& v) -> std::string {
            if (v.empty()) return "must not be empty";
            if (v.find('/') != std::string::npos) return "matches file names, so it may not hold '/'";
            if (!control_free(v, false) || !is_valid_utf8(v)) return "must be printable UTF-8";
            return "";
        });
    if (auto k = r.opt_int(*t, "infer", "inputs_per_shard", 1, kMaxInputsPerShard))
        inf.inputs_per_shard = static_cast<int>(*k);
    for (const char* needed : {"input_list", "output_dir"})
        if (!used.count(needed))
            r.fail(n, "infer", std::string("never passes {") + needed + "} to the entrypoint",
                   std::string("put {") + needed + "} in infer.args or an infer.env value, e.g. "
                   "args = [\"--inputs\", \"{input_list}\", \"--out\", \"{output_dir}\"]");
    return inf;
}

}  // namespace

const char* to_string(JobKind k) {
    switch (k) {
    case JobKind::run: return "run";
    case JobKind::train: return "train";
    case JobKind::infer: return "infer";
    }
    return "run";
}

std::optional<JobKind> parse_job_kind(std::string_view s) {
    if (s == "run") return JobKind::run;
    if (s == "train") return JobKind::train;
    if (s == "infer") return JobKind::infer;
    return std::nullopt;
}

const std::vector<std::string>& categories() {
    static const std::vector<std::string> all = {"ocr", "vision", "speech", "nlp", "llm", "other"};
    return all;
}

bool Manifest::supports(JobKind k) const {
    return std::find(kinds.begin(), kinds.end(), k) != kinds.end();
}

Manifest parse_manifest(std::string_view text, const std::string& source) {
    Reader r(source);
    if (text.size() > kMaxManifestBytes)
        throw Error(Errc::usage, source + " is larger than 1 MiB; a manifest is a few lines of TOML");
    check_toml_bounds(text, source, kMaxManifestBytes);
    toml::table root;
    try {
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        const auto& b = e.source().begin;
        throw Error(Errc::usage, source + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) +
                                     ": " + std::string(e.description()),
                    "the manifest must be valid TOML (https://toml.io)");
    }
    r.check_keys(root, "", {"format", "name", "version", "vendor", "category", "description",
                            "entrypoint", "kinds", "licence_expires", "resources", "infer"});
    Manifest m;
    if (auto f = r.opt_int(root, "", "format", 1, 1000)) {
        if (*f != kManifestFormat)
            r.fail(root.get("format"), "format",
                   "is " + std::to_string(*f) + "; this pdai reads format " + std::to_string(kManifestFormat),
                   "upgrade pdai, or ask the vendor for a format 1 bundle");
        m.format = static_cast<int>(*f);
    }
    auto check = [&](std::string_view key, const std::string& err) {
        if (!err.empty()) r.fail(root.get(key), std::string(key), err);
    };
    m.name = r.string(root, "", "name", "\"ocr-table\"");
    check("name", identifier_error("name", m.name));
    m.version = r.string(root, "", "version", "\"1.0.0\"");
    std::string why;
    if (!parse_semver(m.version, &why)) check("version", "'" + printable_path(m.version) + "' is not a semantic version: " + why);
    m.vendor = r.string(root, "", "vendor", "\"acme\"");
    check("vendor", identifier_error("vendor", m.vendor));
    m.category = r.string(root, "", "category", "\"ocr\"");
    const auto& cats = categories();
    if (std::find(cats.begin(), cats.end(), m.category) == cats.end())
        r.fail(root.get("category"), "category",
               "'" + printable_path(m.category) + "' is not one of ocr, vision, speech, nlp, llm, other");
    m.description = r.string(root, "", "description", "\"Table OCR for scanned forms\"");
    if (m.description.empty()) check("description", "must not be empty");
    if (m.description.size() > kMaxDescriptionBytes) check("description", "is longer than 4096 bytes");
    if (!is_valid_utf8(m.description) || !control_free(m.description, true))
        check("description", "must be UTF-8 text without control characters");

    std::string ep = r.string(root, "", "entrypoint", "\"bin/run\"");
    auto np = normalize_bundle_path(ep);
    if (!np.ok()) check("entrypoint", "'" + printable_path(ep) + "' " + np.error);
    if (np.path.empty()) check("entrypoint", "must name a file inside the bundle");
    if (np.path == kManifestFile) check("entrypoint", "cannot be the manifest itself");
    m.entrypoint = np.path;

    const toml::node* kn = root.get("kinds");
    if (!kn) r.missing(root, "", "kinds", "[\"run\", \"infer\"]");
    for (const auto& s : r.strings(kn, "kinds", [](const std::string& v) -> std::string {
             return parse_job_kind(v) ? "" : "'" + printable_path(v) + "' is not one of run, train, infer";
         })) {
        JobKind k = *parse_job_kind(s);
        if (m.supports(k)) r.fail(kn, "kinds", "lists '" + s + "' twice");
        m.kinds.push_back(k);
    }
    if (m.kinds.empty()) r.fail(kn, "kinds", "must list at least one of run, train, infer");

    if (const toml::node* le = root.get("licence_expires")) {
        int y = 0, mo = 0, d = 0;
        if (const auto* dt = le->as_date()) {
            y = dt->get().year, mo = dt->get().month, d = dt->get().day;
        } else if (const auto* s = le->as_string()) {
            const std::string& v = s->get();
            char tail = 0;
            if (v.size() != 10 || std::sscanf(v.c_str(), "%4d-%2d-%2d%c", &y, &mo, &d, &tail) != 3)
                y = 0;
        } else {
            r.fail(le, "licence_expires", std::string("must be a date like 2027-12-31, not ") + type_name(le->type()));
        }
        if (!valid_date(y, mo, d)) r.fail(le, "licence_expires", "is not a valid date (YYYY-MM-DD)");
        char buf[48];  // roomy enough for any int, as the compiler cannot see valid_date's bounds
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, mo, d);
        m.licence_expires = buf;
    }

    m.resources = read_resources(r, root);

    const toml::node* in = root.get("infer");
    if (in && !m.supports(JobKind::infer))
        r.fail(in, "infer", "is given but kinds does not list \"infer\"",
               "add \"infer\" to kinds, or remove the [infer] table");
    if (!in && m.supports(JobKind::infer))
        r.fail(kn, "kinds", "lists \"infer\" but there is no [infer] table",
               "add [infer] saying how a shard's inputs and output directory are passed");
    if (in) m.infer = read_infer(r, in);
    return m;
}

std::string split_template(std::string_view t, std::vector<TemplatePiece>& pieces) {
    std::string literal;
    auto flush = [&] {
        if (!literal.empty()) pieces.push_back({false, std::move(literal)});
        literal.clear();
    };
    for (std::size_t i = 0; i < t.size(); ++i) {
        const char c = t[i];
        if ((c == '{' || c == '}') && i + 1 < t.size() && t[i + 1] == c) {
            literal += c;
            ++i;
            continue;
        }
        if (c == '}') {
            flush();
            return "has a '}' without '{' (write '}}' for a literal brace)";
        }
        if (c != '{') {
            literal += c;
            continue;
        }
        const auto end = t.find('}', i);
        if (end == std::string_view::npos) {
            flush();
            return "has a '{' without '}' (write '{{' for a literal brace)";
        }
        flush();
        pieces.push_back({true, std::string(t.substr(i + 1, end - i - 1))});
        i = end;
    }
    flush();
    return "";
}

std::string expand_placeholders(std::string_view t, const ShardContext& ctx) {
    std::vector<TemplatePiece> pieces;
    if (auto err = split_template(t, pieces); !err.empty())
        throw Error(Errc::usage, "template '" + std::string(t) + "' " + err);
    std::string out;
    for (const auto& p : pieces) {
        if (!p.placeholder) out += p.text;
        else if (p.text == "input_list") out += ctx.input_list;
        else if (p.text == "output_dir") out += ctx.output_dir;
        else if (p.text == "shard") out += std::to_string(ctx.shard);
        else if (p.text == "shards") out += std::to_string(ctx.shards);
        else if (p.text == "bundle_dir") out += ctx.bundle_dir;
        else throw Error(Errc::usage, "unknown placeholder in '" + std::string(t) + "'");
    }
    return out;
}

void to_json(nlohmann::json& j, const Manifest& m) {
    nlohmann::json kinds = nlohmann::json::array();
    for (auto k : m.kinds) kinds.push_back(to_string(k));
    const auto& r = m.resources;
    j = {{"format", m.format},
         {"name", m.name},
         {"version", m.version},
         {"vendor", m.vendor},
         {"category", m.category},
         {"description", m.description},
         {"entrypoint", m.entrypoint},
         {"kinds", kinds},
         {"resources",
          {{"gpu_types", r.gpu_types},
           {"gpus", r.gpus},
           {"cpus", r.cpus},
           {"mem_mib", r.mem_mib ? nlohmann::json(*r.mem_mib) : nlohmann::json(nullptr)},
           {"time_minutes", r.time_minutes}}},
         {"infer", nullptr},
         {"licence_expires", m.licence_expires ? nlohmann::json(*m.licence_expires) : nlohmann::json(nullptr)}};
    if (m.infer)
        j["infer"] = {{"args", m.infer->args},
                      {"env", m.infer->env},
                      {"input_patterns", m.infer->input_patterns},
                      {"inputs_per_shard", m.infer->inputs_per_shard ? nlohmann::json(*m.infer->inputs_per_shard)
                                                                      : nlohmann::json(nullptr)}};
}

void from_json(const nlohmann::json& j, Manifest& m) {
    m.format = j.at("format").get<int>();
    j.at("name").get_to(m.name);
    j.at("version").get_to(m.version);
    j.at("vendor").get_to(m.vendor);
    j.at("category").get_to(m.category);
    j.at("description").get_to(m.description);
    j.at("entrypoint").get_to(m.entrypoint);
    m.kinds.clear();
    for (const auto& k : j.at("kinds")) {
        auto kind = parse_job_kind(k.get<std::string>());
        if (!kind) throw Error(Errc::corrupt, "catalog holds a manifest with unknown kind " + k.dump());
        m.kinds.push_back(*kind);
    }
    const auto& r = j.at("resources");
    r.at("gpu_types").get_to(m.resources.gpu_types);
    m.resources.gpus = r.at("gpus").get<int>();
    m.resources.cpus = r.at("cpus").get<int>();
    m.resources.mem_mib = r.at("mem_mib").is_null() ? std::nullopt
                                                    : std::optional(r.at("mem_mib").get<std::int64_t>());
    m.resources.time_minutes = r.at("time_minutes").get<int>();
    m.infer.reset();
    if (const auto& in = j.at("infer"); !in.is_null()) {
        InferConvention c;
        in.at("args").get_to(c.args);
        in.at("env").get_to(c.env);
        in.at("input_patterns").get_to(c.input_patterns);
        if (!in.at("inputs_per_shard").is_null()) c.inputs_per_shard = in.at("inputs_per_shard").get<int>();
        m.infer = std::move(c);
    }
    const auto& le = j.at("licence_expires");
    m.licence_expires = le.is_null() ? std::nullopt : std::optional(le.get<std::string>());
}

}  // namespace pdai::bundle
