#include "catalog/store_check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "bundle/store.hpp"
#include "catalog/algorithm_bundles.hpp"
#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/log.hpp"

namespace pdai::catalog {

namespace fs = std::filesystem;

namespace {

bool is_hex(const std::string& s, std::size_t n) {
    return s.size() == n && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Seconds since the directory last changed (its own entries).
std::int64_t age_of(const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return 0;
    return now_unix() - static_cast<std::int64_t>(st.st_mtime);
}

void scan(Catalog& c, const StoreCheckOptions& o, StoreReport& r) {
    std::set<std::string> referenced;
    struct Row {
        std::string name, version, path;
    };
    std::vector<Row> rows;
    {
        auto s = db_of(c).prepare(
            "SELECT a.name, v.version, v.store_path FROM algorithm_versions v JOIN algorithms a ON a.id = v.algorithm_id "
            "ORDER BY a.name, v.id");
        while (s.step()) {
            rows.push_back({s.text(0), s.text(1), s.text(2)});
            referenced.insert(fs::path(s.text(2)).lexically_normal().string());
        }
    }
    if (o.verify_trees) {
        for (const auto& row : rows) {
            ++r.trees;
            auto v = verify_version(c, {row.name, row.version});
            const std::string ref = row.name + "@" + row.version;
            std::error_code ec;
            if (!fs::is_directory(fs::symlink_status(row.path, ec))) {
                r.changed.push_back(ref + ": its tree " + row.path + " is missing");
                continue;
            }
            for (const auto& p : v.changed) r.changed.push_back(ref + ": " + p + " (changed)");
            for (const auto& p : v.missing) r.changed.push_back(ref + ": " + p + " (missing)");
            for (const auto& p : v.extra) r.changed.push_back(ref + ": " + p + " (extra)");
        }
    }
    std::error_code ec;
    const fs::path root(o.root);
    if (!fs::is_directory(root, ec)) return;
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.starts_with(".incoming-")) {
            r.stale_incoming.push_back(it->path().string());
            continue;
        }
        if (!is_hex(name, 2) || !it->is_directory(ec)) continue;
        std::error_code ec2;
        for (fs::directory_iterator t(it->path(), ec2), tend; !ec2 && t != tend; t.increment(ec2)) {
            const std::string sha = t->path().filename().string();
            if (!is_hex(sha, 64) || sha.substr(0, 2) != name) continue;
            if (!referenced.count(t->path().lexically_normal().string())) r.orphans.push_back(t->path().string());
        }
    }
}

}  // namespace

StoreReport check_store(Catalog& c, const StoreCheckOptions& o) {
    StoreReport r;
    std::error_code ec;
    r.root = fs::absolute(o.root, ec).lexically_normal().string();
    if (!r.root.empty() && r.root.size() > 1 && r.root.back() == '/') r.root.pop_back();
    StoreCheckOptions opts = o;
    opts.root = r.root;
    if (!o.repair_grace_seconds) {
        scan(c, opts, r);
        return r;
    }
    // Under the write lock: a registration renames its tree and commits its row inside one
    // transaction, so no tree in flight can look like an orphan here.
    c.write([&] {
        scan(c, opts, r);
        auto sweep = [&](const std::vector<std::string>& paths, bool incoming) {
            for (const auto& p : paths) {
                if (age_of(p) < *o.repair_grace_seconds || (incoming && bundle::incoming_in_use(p))) {
                    r.kept.push_back(p);
                    continue;
                }
                bundle::remove_tree(p);
                if (fs::exists(fs::symlink_status(p, ec))) {
                    log::warn("could not remove " + p);
                    r.kept.push_back(p);
                    continue;
                }
                log::info("removed " + p);
                r.removed.push_back(p);
                if (!incoming) fs::remove(fs::path(p).parent_path(), ec);  // the shard directory, if now empty
            }
        };
        sweep(r.orphans, false);
        sweep(r.stale_incoming, true);
    });
    return r;
}

void to_json(nlohmann::json& j, const StoreReport& r) {
    j = {{"path", r.root},           {"trees", r.trees},
         {"ok", r.ok()},             {"changed", r.changed},
         {"orphans", r.orphans},     {"stale_incoming", r.stale_incoming},
         {"removed", r.removed},     {"kept", r.kept}};
}

}  // namespace pdai::catalog
