#include "app/catalog_care.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "app/json.hpp"
#include "catalog/audit.hpp"
#include "common/log.hpp"

namespace pdai::app {

Initialized init_catalog(const Context& ctx) {
    auto [c, created] = catalog::Catalog::init(ctx.catalog.path, ctx.settings.busy_timeout_ms);
    c.set_actor(ctx.who.user);
    Initialized out{ctx.catalog.path, created, c.schema_version()};
    const nlohmann::json j = out;
    c.write([&] { catalog::audit(c, "catalog.init", "catalog", out.path, nullptr, &j); });
    return out;
}

Checked check_catalog(const Context& ctx) {
    Checked out;
    out.report = catalog::check_catalog(ctx.catalog.path, ctx.settings.busy_timeout_ms);
    const auto& r = out.report;
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
    catalog::restore_catalog(src, ctx.catalog.path, ctx.settings.busy_timeout_ms);
    auto c = ctx.open_catalog(true);
    Restored out{ctx.catalog.path, src};
    const nlohmann::json j = out;
    c.write([&] { catalog::audit(c, "catalog.restore", "catalog", out.catalog, nullptr, &j); });
    return out;
}

CatalogPath catalog_path(const Context& ctx) {
    return {ctx.catalog, std::filesystem::exists(ctx.catalog.path), ctx.settings.loaded_from};
}

}  // namespace pdai::app
