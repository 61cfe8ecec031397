#include "app/catalog_care.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "app/json.hpp"
#include "catalog/audit.hpp"
#include "common/log.hpp"

namespace pdai::app {

Initialized init_catalog(const Context& ctx, const InitRequest& req) {
    Initialized out;
    auto c = catalog::Catalog::init(
        ctx.catalog.path, ctx.settings.busy_timeout_ms, [&](catalog::Catalog& cat, bool is_new) {
            cat.set_actor(ctx.who.user);
            const bool unsealed = catalog::sealed_state(cat).epoch < 0;
            catalog::install_audit_sealer(cat, {ctx.audit_key_path(), true, req.new_audit_key, false});
            out.path = ctx.catalog.path;
            out.created = is_new;
            out.schema_version = cat.schema_version();
            const nlohmann::json j = {{"path", out.path}, {"created", out.created}, {"schema_version", out.schema_version}};
            cat.write([&] { catalog::audit(cat, "catalog.init", "catalog", out.path, nullptr, &j); });
            out.new_key_chain = unsealed || req.new_audit_key;
        }).first;
    out.audit_key = ctx.audit_key_path();
    out.first_key = catalog::sealed_state(c).first_key;
    return out;
}

Checked check_catalog(const Context& ctx, const CheckRequest& req) {
    Checked out;
    out.report = catalog::check_catalog(ctx.catalog.path, ctx.settings.busy_timeout_ms);
    auto& r = out.report;
    if (r.ok()) {
        // SQLite's checks passed: the audit chain, and the store, are readable.
        auto c = ctx.open_catalog(req.repair);
        out.audit = catalog::verify_audit(c, ctx.settings.audit_anchor, ctx.audit_key_path());
        for (const auto& p : out.audit->problems) r.problems.push_back("audit: " + p);
        catalog::StoreCheckOptions so;
        so.root = ctx.store_root();
        so.verify_trees = req.verify_trees;
        if (req.repair) so.repair_grace_seconds = req.grace_seconds;
        out.store = catalog::check_store(c, so);
        out.repaired = req.repair;
        for (const auto& p : out.store->changed) r.problems.push_back("bundle store: " + p);
    } else if (req.repair) {
        out.failure = Error(Errc::corrupt, "catalog " + r.path + " is damaged; --repair changes nothing in it",
                            "restore the last good backup with 'pdai catalog restore FILE'");
        return out;
    }
    if (!r.ok())
        out.failure = Error(Errc::corrupt,
                            "catalog " + r.path + " has " + std::to_string(r.problems.size()) + " problem(s)",
                            "restore the last good backup with 'pdai catalog restore FILE'");
    return out;
}

BackedUp backup_catalog(const Context& ctx, const BackupRequest& r) {
    if (r.dest.empty() && r.dir.empty())
        throw Error(Errc::usage, "give the backup file DEST, or --dir DIR",
                    "for example 'pdai catalog backup --dir /var/backups/pdai --keep 8'");
    auto c = ctx.open_catalog(false);
    BackedUp out;
    out.catalog = c.path();
    if (!r.dir.empty()) {
        auto rot = catalog::backup_rotating(c, r.dir, r.keep, now_unix());
        log::info("backup " + rot.path + " written and verified (" + std::to_string(rot.bytes) + " bytes)");
        for (const auto& old : rot.removed) log::info("removed old backup " + old);
        out.path = rot.path;
        out.bytes = rot.bytes;
        out.rotated = std::move(rot);
        return out;
    }
    catalog::backup_catalog(c, r.dest, r.force);
    out.path = std::filesystem::absolute(r.dest).string();
    out.bytes = std::filesystem::file_size(r.dest);
    return out;
}

Restored restore_catalog(const Context& ctx, const std::string& src) {
    // Checked here rather than by the parser, so that a missing backup is a not-found (exit 4)
    // in pdai's own words, in --json's error form too.
    std::error_code ec;
    const auto type = std::filesystem::status(src, ec).type();
    if (type == std::filesystem::file_type::not_found)
        throw Error(Errc::not_found, "no backup file '" + src + "'",
                    "name a file that 'pdai catalog backup' wrote (with --dir: DIR/catalog-<UTC time>.db)");
    if (type == std::filesystem::file_type::directory)
        throw Error(Errc::usage, "'" + src + "' is a directory, not a backup file",
                    "name one of the files in it that 'pdai catalog backup --dir' wrote");
    // The checkpoints of the catalog being replaced: the key file has moved past the
    // backup's, and the restored catalog must carry them to stay on the key chain.
    std::vector<catalog::SavedCheckpoint> replaced;
    try {
        if (std::filesystem::exists(ctx.catalog.path)) {
            auto old = ctx.open_catalog(false);
            replaced = catalog::saved_checkpoints(old);
        }
    } catch (const Error&) {
        // A damaged or foreign catalog is what a restore is for: its checkpoints are lost.
    }
    catalog::restore_catalog(src, ctx.catalog.path, ctx.settings.busy_timeout_ms);
    auto c = ctx.open_catalog(true);
    Restored out{ctx.catalog.path, src};
    const nlohmann::json j = out;
    c.write([&] {
        if (!catalog::carry_checkpoints(c, replaced)) {
            // The backup belongs to another key chain (or to none): it starts a new one.
            // The key file may still fit (restored in place of a catalog that is gone); if not,
            // the restore starts a new key chain, which 'pdai audit verify' shows.
            catalog::install_audit_sealer(c, {ctx.audit_key_path(), true, catalog::sealed_state(c).epoch >= 0, false});
        }
        catalog::audit(c, "catalog.restore", "catalog", out.catalog, nullptr, &j);
    });
    return out;
}

CatalogPath catalog_path(const Context& ctx) {
    return {ctx.catalog, std::filesystem::exists(ctx.catalog.path), ctx.settings.loaded_from};
}

}  // namespace pdai::app
