#include "catalog/algorithms.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "catalog/audit.hpp"
#include "bundle/semver.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "catalog/vendors.hpp"
#include "common/error.hpp"
#include "common/names.hpp"

namespace pdai::catalog {

namespace {

constexpr const char* kAlgorithmSelect =
    "SELECT a.id, a.name, v.name, a.category, a.description, b.code, a.created_at, a.created_by "
    "FROM algorithms a JOIN vendors v ON v.id = a.vendor_id "
    "LEFT JOIN bureaus b ON b.id = a.owner_bureau_id ";

constexpr const char* kVersionSelect =
    "SELECT av.id, a.name, v.name, av.version, av.archive_sha256, av.tree_sha256, av.size_bytes, "
    "av.file_count, av.store_path, av.manifest_json, av.status, av.licence_expires, "
    "av.signed_by_key, av.signature, av.registered_at, av.registered_by "
    "FROM algorithm_versions av JOIN algorithms a ON a.id = av.algorithm_id "
    "JOIN vendors v ON v.id = a.vendor_id ";

// Visible to bureau ?N: platform-wide, owned by it, or shared with it.
std::string visible_to(int param) {
    std::string p = '?' + std::to_string(param);
    return "(" + p + " IS NULL OR a.owner_bureau_id IS NULL OR b.code = " + p +
           " OR EXISTS (SELECT 1 FROM algorithm_shares s JOIN bureaus sb ON sb.id = s.bureau_id "
           "WHERE s.algorithm_id = a.id AND sb.code = " + p + "))";
}

Algorithm read_algorithm(const Stmt& s) {
    Algorithm a;
    a.id = s.i64(0), a.name = s.text(1), a.vendor = s.text(2), a.category = s.text(3);
    a.description = s.text(4), a.owner_bureau = s.opt_text(5);
    a.created_at = s.i64(6), a.created_by = s.text(7);
    return a;
}

AlgorithmVersion read_version(const Stmt& s) {
    AlgorithmVersion v;
    v.id = s.i64(0), v.algorithm = s.text(1), v.vendor = s.text(2), v.version = s.text(3);
    v.archive_sha256 = s.text(4), v.tree_sha256 = s.text(5);
    v.size_bytes = s.i64(6), v.file_count = s.i64(7), v.store_path = s.text(8);
    try {
        v.manifest = nlohmann::json::parse(s.text(9)).get<bundle::Manifest>();
    } catch (const nlohmann::json::exception& e) {
        throw Error(Errc::corrupt, "the catalog's manifest of " + v.algorithm + "@" + v.version +
                                    " is unreadable: " + e.what());
    }
    v.status = s.text(10), v.licence_expires = s.opt_text(11);
    v.signed_by_key = s.opt_text(12), v.signature = s.opt_text(13);
    v.registered_at = s.i64(14), v.registered_by = s.text(15);
    return v;
}

// Shares, version count and latest version: what a listing shows beside the row.
void complete(Catalog& c, Algorithm& a) {
    auto sh = db_of(c).prepare(
        "SELECT b.code FROM algorithm_shares s JOIN bureaus b ON b.id = s.bureau_id "
        "WHERE s.algorithm_id = ? ORDER BY b.code");
    sh.bind(1, a.id);
    while (sh.step()) a.shared_with.push_back(sh.text(0));
    auto vs = db_of(c).prepare("SELECT version, status FROM algorithm_versions WHERE algorithm_id = ?");
    vs.bind(1, a.id);
    while (vs.step()) {
        ++a.versions;
        std::string v = vs.text(0);
        if (vs.text(1) != "revoked" && (!a.latest_version || bundle::version_less(*a.latest_version, v)))
            a.latest_version = v;
    }
}

std::vector<Algorithm> collect(Catalog& c, Stmt& s) {
    std::vector<Algorithm> out;
    while (s.step()) out.push_back(read_algorithm(s));
    for (auto& a : out) complete(c, a);
    return out;
}

std::string like_pattern(const std::string& text) {
    std::string p = "%";
    for (char ch : text) {
        if (ch == '%' || ch == '_' || ch == '\\') p += '\\';
        p += ch;
    }
    return p + "%";
}

std::string today_utc() { return format_time(now_unix()).substr(0, 10); }

std::string version_list(const std::vector<AlgorithmVersion>& vs, bool usable_only) {
    std::string out;
    for (const auto& v : vs)
        if (!usable_only || v.status != "revoked")
            out += (out.empty() ? "" : ", ") + v.version + (v.status == "active" ? "" : " (" + v.status + ")");
    return out.empty() ? "none" : out;
}

}  // namespace

VersionRef parse_version_ref(std::string_view spec) {
    VersionRef r;
    auto at = spec.find('@');
    r.name = std::string(spec.substr(0, at));
    validate_identifier("algorithm name", r.name);
    if (at != std::string_view::npos) {
        r.version = std::string(spec.substr(at + 1));
        std::string why;
        if (!bundle::parse_semver(*r.version, &why))
            throw Error(Errc::usage, "'" + *r.version + "' is not a version: " + why,
                        "write NAME@VERSION, e.g. ocr-table@1.2.0");
    }
    return r;
}

VersionRef parse_exact_version_ref(std::string_view spec) {
    VersionRef r = parse_version_ref(spec);
    if (!r.version)
        throw Error(Errc::usage, "'" + std::string(spec) + "' names no version",
                    "write NAME@VERSION; 'pdai algo show " + r.name + "' lists the versions");
    return r;
}

std::optional<Algorithm> find_algorithm(Catalog& c, const std::string& name) {
    auto s = db_of(c).prepare(std::string(kAlgorithmSelect) + "WHERE a.name = ?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    Algorithm a = read_algorithm(s);
    complete(c, a);
    return a;
}

Algorithm get_algorithm(Catalog& c, const std::string& name) {
    if (auto a = find_algorithm(c, name)) return *a;
    throw Error(Errc::not_found, "unknown algorithm '" + name + "'",
                "find it with 'pdai algo search TEXT' or 'pdai algo list'");
}

std::vector<Algorithm> list_algorithms(Catalog& c, const AlgorithmFilter& f) {
    if (f.vendor) get_vendor(c, *f.vendor);
    if (f.bureau) get_bureau(c, *f.bureau);
    if (f.category) {
        const auto& cats = bundle::categories();
        if (std::find(cats.begin(), cats.end(), *f.category) == cats.end())
            throw Error(Errc::usage, "unknown category '" + *f.category + "'",
                        "categories: ocr, vision, speech, nlp, llm, other");
    }
    auto s = db_of(c).prepare(std::string(kAlgorithmSelect) +
                            "WHERE (?1 IS NULL OR v.name = ?1) AND (?2 IS NULL OR a.category = ?2) "
                            "AND " + visible_to(3) + " ORDER BY a.name");
    s.bind(1, f.vendor).bind(2, f.category).bind(3, f.bureau);
    return collect(c, s);
}

std::vector<Algorithm> search_algorithms(Catalog& c, const std::string& text,
                                         const std::optional<std::string>& bureau) {
    if (text.empty()) throw Error(Errc::usage, "search text must not be empty");
    if (bureau) get_bureau(c, *bureau);
    auto s = db_of(c).prepare(
        std::string(kAlgorithmSelect) +
        "WHERE (a.name LIKE ?1 ESCAPE '\\' OR a.description LIKE ?1 ESCAPE '\\' "
        "OR a.category LIKE ?1 ESCAPE '\\' OR v.name LIKE ?1 ESCAPE '\\') AND " + visible_to(2) +
        " ORDER BY a.name");
    s.bind(1, like_pattern(text)).bind(2, bureau);
    return collect(c, s);
}

std::vector<AlgorithmVersion> list_versions(Catalog& c, const std::string& name) {
    get_algorithm(c, name);
    auto s = db_of(c).prepare(std::string(kVersionSelect) + "WHERE a.name = ?");
    s.bind(1, name);
    std::vector<AlgorithmVersion> out;
    while (s.step()) out.push_back(read_version(s));
    std::sort(out.begin(), out.end(), [](const AlgorithmVersion& x, const AlgorithmVersion& y) {
        return bundle::version_less(y.version, x.version);
    });
    return out;
}

std::optional<AlgorithmVersion> find_version(Catalog& c, const std::string& name,
                                             const std::string& version) {
    auto s = db_of(c).prepare(std::string(kVersionSelect) + "WHERE a.name = ? AND av.version = ?");
    s.bind(1, name).bind(2, version);
    if (!s.step()) return std::nullopt;
    return read_version(s);
}

AlgorithmVersion get_version(Catalog& c, const std::string& name, const std::string& version) {
    if (auto v = find_version(c, name, version)) return *v;
    auto all = list_versions(c, name);  // not_found for an unknown algorithm
    throw Error(Errc::not_found, "algorithm '" + name + "' has no version " + version,
                "its versions: " + version_list(all, false));
}

std::vector<AlgorithmFile> list_version_files(Catalog& c, std::int64_t version_id) {
    auto s = db_of(c).prepare(
        "SELECT path, sha256, size, mode FROM algorithm_files WHERE version_id = ? ORDER BY path");
    s.bind(1, version_id);
    std::vector<AlgorithmFile> out;
    while (s.step())
        out.push_back({s.text(0), s.text(1), s.i64(2), static_cast<std::uint32_t>(s.i64(3))});
    return out;
}

AlgorithmVersion resolve_algorithm(Catalog& c, std::string_view spec, Purpose purpose) {
    VersionRef ref = parse_version_ref(spec);
    std::optional<AlgorithmVersion> chosen;
    std::vector<AlgorithmVersion> all;
    if (ref.version) {
        chosen = get_version(c, ref.name, *ref.version);
    } else {
        all = list_versions(c, ref.name);
        for (const char* status : {"active", "deprecated"})
            for (const auto& v : all)
                if (!chosen && v.status == status) chosen = v;
        if (!chosen && !all.empty() && purpose == Purpose::inspect) chosen = all.front();
        if (!chosen)
            throw Error(purpose == Purpose::submit && !all.empty() ? Errc::refused : Errc::not_found,
                        "algorithm '" + ref.name + "' has no version that can be used" +
                            (all.empty() ? "" : " (all are revoked)"),
                        "register a new version with 'pdai algo register BUNDLE'");
    }
    if (purpose == Purpose::submit) {
        if (chosen->status == "revoked") {
            if (all.empty()) all = list_versions(c, ref.name);
            throw Error(Errc::refused, chosen->algorithm + "@" + chosen->version +
                                           " is revoked and cannot be submitted",
                        "usable versions: " + version_list(all, true));
        }
        if (chosen->licence_expires && *chosen->licence_expires < today_utc())
            throw Error(Errc::refused, chosen->algorithm + "@" + chosen->version +
                                           ": the vendor's licence expired on " + *chosen->licence_expires,
                        "ask the vendor (" + chosen->vendor + ") for a renewed bundle");
    }
    return *chosen;
}

bool bureau_can_use(Catalog& c, const std::string& algorithm, const std::string& bureau_code) {
    Algorithm a = get_algorithm(c, algorithm);
    get_bureau(c, bureau_code);
    if (!a.owner_bureau || *a.owner_bureau == bureau_code) return true;
    return std::find(a.shared_with.begin(), a.shared_with.end(), bureau_code) != a.shared_with.end();
}

std::pair<AlgorithmVersion, bool> remove_version(Catalog& c, const VersionRef& ref) {
    AlgorithmVersion v = get_version(c, ref.name, ref.version.value_or(""));
    auto count = [&](const char* sql) {
        auto s = db_of(c).prepare(sql);
        s.bind(1, v.id).step();
        return s.i64(0);
    };
    if (auto n = count("SELECT count(*) FROM jobs WHERE algorithm_version_id = ?"); n > 0)
        throw Error(Errc::conflict,
                    ref.str() + " has run in " + std::to_string(n) + " job(s), whose records name it",
                    "keep it, and stop new jobs with 'pdai algo revoke " + ref.str() + "'");
    if (auto n = count("SELECT count(*) FROM algorithm_versions WHERE parent_version_id = ?"); n > 0)
        throw Error(Errc::conflict, ref.str() + " is the parent of " + std::to_string(n) + " trained version(s)",
                    "remove those first, or revoke this one");
    nlohmann::json before = v;
    db_of(c).prepare("DELETE FROM algorithm_versions WHERE id = ?").bind(1, v.id).run();
    audit(c, "algorithm.remove", "algorithm_version", ref.str(), &before, nullptr);
    const Algorithm a = get_algorithm(c, ref.name);
    auto rest = db_of(c).prepare("SELECT count(*) FROM algorithm_versions WHERE algorithm_id = ?");
    rest.bind(1, a.id).step();
    if (rest.i64(0) > 0) return {std::move(v), false};
    nlohmann::json algo = a;
    db_of(c).prepare("DELETE FROM algorithms WHERE id = ?").bind(1, a.id).run();
    audit(c, "algorithm.remove", "algorithm", a.name, &algo, nullptr);
    return {std::move(v), true};
}

bool set_version_status(Catalog& c, const VersionRef& ref, const std::string& status,
                        const std::string& reason) {
    if (status != "deprecated" && status != "revoked")
        throw Error(Errc::usage, "unknown status '" + status + "'");
    AlgorithmVersion v = get_version(c, ref.name, ref.version.value_or(""));
    if (v.status == status) return false;
    if (v.status == "revoked")
        throw Error(Errc::conflict, ref.str() + " is revoked; a revoked version stays revoked",
                    "register a new version instead");
    auto s = db_of(c).prepare("UPDATE algorithm_versions SET status = ? WHERE id = ?");
    s.bind(1, status).bind(2, v.id).run();
    nlohmann::json before = {{"status", v.status}};
    nlohmann::json after = {{"status", status}, {"reason", reason}};
    audit(c, status == "revoked" ? "algorithm.revoke" : "algorithm.deprecate", "algorithm_version",
          ref.str(), &before, &after);
    return true;
}

bool share_algorithm(Catalog& c, const std::string& algorithm, const std::string& bureau_code) {
    Algorithm a = get_algorithm(c, algorithm);
    Bureau b = get_bureau(c, bureau_code);
    if (!a.owner_bureau)
        throw Error(Errc::usage, "algorithm '" + algorithm + "' is platform-wide: every bureau can already use it");
    if (*a.owner_bureau == bureau_code)
        throw Error(Errc::usage, "algorithm '" + algorithm + "' belongs to bureau '" + bureau_code + "'");
    if (std::find(a.shared_with.begin(), a.shared_with.end(), bureau_code) != a.shared_with.end())
        return false;
    auto s = db_of(c).prepare(
        "INSERT INTO algorithm_shares (algorithm_id, bureau_id, shared_at) VALUES (?, ?, ?)");
    s.bind(1, a.id).bind(2, b.id).bind(3, now_unix()).run();
    nlohmann::json after = {{"algorithm", algorithm}, {"bureau", bureau_code}};
    audit(c, "algorithm.share", "algorithm", algorithm, nullptr, &after);
    return true;
}

void unshare_algorithm(Catalog& c, const std::string& algorithm, const std::string& bureau_code) {
    Algorithm a = get_algorithm(c, algorithm);
    Bureau b = get_bureau(c, bureau_code);
    auto s = db_of(c).prepare("DELETE FROM algorithm_shares WHERE algorithm_id = ? AND bureau_id = ?");
    s.bind(1, a.id).bind(2, b.id).run();
    if (db_of(c).changes() == 0)
        throw Error(Errc::not_found, "algorithm '" + algorithm + "' is not shared with bureau '" + bureau_code + "'",
                    "see who it is shared with: pdai algo show " + algorithm);
    nlohmann::json before = {{"algorithm", algorithm}, {"bureau", bureau_code}};
    audit(c, "algorithm.unshare", "algorithm", algorithm, &before, nullptr);
}

Algorithm insert_algorithm(Catalog& c, const bundle::Manifest& m, std::int64_t vendor_id,
                           std::optional<std::int64_t> owner_bureau_id) {
    auto s = db_of(c).prepare(
        "INSERT INTO algorithms (name, vendor_id, category, description, owner_bureau_id, "
        "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, m.name).bind(2, vendor_id).bind(3, m.category).bind(4, m.description);
    s.bind(5, owner_bureau_id).bind(6, now_unix()).bind(7, c.actor()).run();
    Algorithm a = get_algorithm(c, m.name);
    nlohmann::json after = a;
    audit(c, "algorithm.add", "algorithm", a.name, nullptr, &after);
    return a;
}

void update_algorithm_text(Catalog& c, const Algorithm& a, const bundle::Manifest& m) {
    if (a.category == m.category && a.description == m.description) return;
    auto s = db_of(c).prepare("UPDATE algorithms SET category = ?, description = ? WHERE id = ?");
    s.bind(1, m.category).bind(2, m.description).bind(3, a.id).run();
    nlohmann::json before = {{"category", a.category}, {"description", a.description}};
    nlohmann::json after = {{"category", m.category}, {"description", m.description}};
    audit(c, "algorithm.update", "algorithm", a.name, &before, &after);
}

AlgorithmVersion insert_version(Catalog& c, const NewVersion& n) {
    const bundle::Manifest& m = *n.manifest;
    const bundle::Tree& t = *n.tree;
    auto s = db_of(c).prepare(
        "INSERT INTO algorithm_versions (algorithm_id, version, archive_sha256, tree_sha256, "
        "size_bytes, file_count, store_path, manifest_json, licence_expires, signed_by_key, "
        "signature, registered_at, registered_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, n.algorithm_id).bind(2, m.version).bind(3, n.archive_sha256).bind(4, t.sha256);
    s.bind(5, static_cast<std::int64_t>(t.bytes)).bind(6, static_cast<std::int64_t>(t.files));
    s.bind(7, n.store_path).bind(8, nlohmann::json(m).dump()).bind(9, m.licence_expires);
    s.bind(10, n.signed_by_key).bind(11, n.signature).bind(12, now_unix()).bind(13, c.actor());
    s.run();
    std::int64_t id = db_of(c).last_insert_id();
    auto f = db_of(c).prepare(
        "INSERT INTO algorithm_files (version_id, path, sha256, size, mode) VALUES (?, ?, ?, ?, ?)");
    for (const auto& e : t.entries) {
        f.bind(1, id).bind(2, e.path).bind(3, e.sha256).bind(4, static_cast<std::int64_t>(e.size));
        f.bind(5, static_cast<std::int64_t>(e.mode()));
        f.run();
        f.reset();
    }
    AlgorithmVersion v = get_version(c, m.name, m.version);
    nlohmann::json after = v;
    audit(c, "algorithm.register", "algorithm_version", m.name + "@" + m.version, nullptr, &after);
    return v;
}

void to_json(nlohmann::json& j, const Algorithm& a) {
    j = {{"name", a.name},
         {"vendor", a.vendor},
         {"category", a.category},
         {"description", a.description},
         {"owner", a.owner_bureau ? nlohmann::json(*a.owner_bureau) : nlohmann::json(nullptr)},
         {"shared_with", a.shared_with},
         {"latest_version", a.latest_version ? nlohmann::json(*a.latest_version) : nlohmann::json(nullptr)},
         {"versions", a.versions},
         {"created_at", format_time(a.created_at)},
         {"created_by", a.created_by}};
}

void to_json(nlohmann::json& j, const AlgorithmVersion& v) {
    auto opt = [](const std::optional<std::string>& s) {
        return s ? nlohmann::json(*s) : nlohmann::json(nullptr);
    };
    j = {{"algorithm", v.algorithm},
         {"version", v.version},
         {"vendor", v.vendor},
         {"status", v.status},
         {"archive_sha256", v.archive_sha256},
         {"tree_sha256", v.tree_sha256},
         {"size_bytes", v.size_bytes},
         {"file_count", v.file_count},
         {"store_path", v.store_path},
         {"licence_expires", opt(v.licence_expires)},
         {"signed_by", opt(v.signed_by_key)},
         {"registered_at", format_time(v.registered_at)},
         {"registered_by", v.registered_by},
         {"manifest", v.manifest}};
}

void to_json(nlohmann::json& j, const AlgorithmFile& f) {
    char mode[16];
    std::snprintf(mode, sizeof mode, "%o", f.mode);
    j = {{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}, {"mode", mode}};
}

}  // namespace pdai::catalog
