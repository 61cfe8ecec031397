// pdai catalog init|check|backup|restore|path
#include <filesystem>
#include <optional>
#include <spdlog/spdlog.h>

#include "catalog/audit.hpp"
#include "catalog/maintenance.hpp"
#include "catalog/migrations.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"

namespace pdai::cli {

void set_catalog_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "catalog", "Create, check, back up and restore the catalog");

    auto* init = grp->add_subcommand(
        "init", "Create the catalog (or migrate an existing one to this pdai's schema)");
    on_run(init, ctx, [&ctx] {
        auto path = ctx.catalog_path();
        auto [c, created] = catalog::Catalog::init(path, ctx.config.busy_timeout_ms);
        nlohmann::json j = {{"path", path},
                            {"created", created},
                            {"schema_version", c.schema_version()}};
        c.write([&] { catalog::audit(c, "catalog.init", "catalog", path, nullptr, &j); });
        ctx.out.done((created ? "created catalog " : "catalog is up to date: ") + path, j);
    });

    auto* check = grp->add_subcommand(
        "check", "Run SQLite's integrity and foreign-key checks; exit 6 when a problem is found");
    on_run(check, ctx, [&ctx] {
        auto r = catalog::check_catalog(ctx.catalog_path(), ctx.config.busy_timeout_ms);
        if (ctx.out.format == Format::json) {
            ctx.out.done("", r);
        } else if (r.ok()) {
            ctx.out.done("catalog " + r.path + " is healthy (schema version " +
                             std::to_string(r.schema_version) + ")",
                         r);
        } else {
            for (const auto& p : r.problems) std::cout << r.path << ": " << p << '\n';
        }
        if (!r.ok())
            throw Error(Errc::corrupt,
                        "catalog " + r.path + " has " + std::to_string(r.problems.size()) +
                            " problem(s)",
                        "restore the last good backup with 'pdai catalog restore FILE'");
    });

    auto* backup = grp->add_subcommand(
        "backup", "Copy the catalog to DEST with SQLite's online backup (safe while others write)");
    auto dest = std::make_shared<std::string>();
    auto force = std::make_shared<bool>(false);
    auto dir = std::make_shared<std::string>();
    auto keep = std::make_shared<std::optional<int>>();
    auto* dest_opt = backup->add_option("DEST", *dest, "Backup file to write");
    auto* force_opt = backup->add_flag("--force", *force, "Replace DEST if it exists");
    auto* dir_opt = backup->add_option(
        "--dir", *dir, "Write DIR/catalog-<UTC time>.db instead of DEST (for cron)");
    backup->add_option("--keep", *keep, "With --dir: keep the N newest backups, delete older ones")
        ->check(CLI::Range(1, 100000))
        ->needs(dir_opt);
    dir_opt->excludes(dest_opt)->excludes(force_opt);
    on_run(backup, ctx, [&ctx, dest, force, dir, keep] {
        if (dest->empty() && dir->empty())
            throw Error(Errc::usage, "give the backup file DEST, or --dir DIR",
                        "for example 'pdai catalog backup --dir /var/backups/pdai --keep 8'");
        auto c = ctx.open_catalog(false);
        if (!dir->empty()) {
            auto r = catalog::backup_rotating(c, *dir, *keep, catalog::now_unix());
            spdlog::info("backup {} written and verified ({} bytes)", r.path, r.bytes);
            for (const auto& old : r.removed) spdlog::info("removed old backup {}", old);
            nlohmann::json j = r;
            j["catalog"] = c.path();
            ctx.out.done("backed up " + c.path() + " to " + r.path + " (" +
                             std::to_string(r.kept.size()) + " kept, " +
                             std::to_string(r.removed.size()) + " removed)",
                         j);
            return;
        }
        catalog::backup_catalog(c, *dest, *force);
        nlohmann::json j = {{"catalog", c.path()},
                            {"backup", std::filesystem::absolute(*dest).string()},
                            {"bytes", std::filesystem::file_size(*dest)}};
        ctx.out.done("backed up " + c.path() + " to " + *dest, j);
    });

    auto* restore = grp->add_subcommand(
        "restore", "Replace the catalog with backup SRC, after checking SRC's integrity");
    auto src = std::make_shared<std::string>();
    restore->add_option("SRC", *src, "Backup file to restore")->required()->check(CLI::ExistingFile);
    on_run(restore, ctx, [&ctx, src] {
        auto path = ctx.catalog_path();
        catalog::restore_catalog(*src, path, ctx.config.busy_timeout_ms);
        auto c = ctx.open_catalog(true);
        nlohmann::json j = {{"catalog", path}, {"restored_from", *src}};
        c.write([&] { catalog::audit(c, "catalog.restore", "catalog", path, nullptr, &j); });
        ctx.out.done("restored " + path + " from " + *src, j);
    });

    auto* path = grp->add_subcommand("path", "Print the catalog path pdai would use, and why");
    on_run(path, ctx, [&ctx] {
        auto p = ctx.catalog_path();
        std::string why = ctx.opts.catalog                ? "--catalog"
                          : std::getenv("PDAI_CATALOG")   ? "$PDAI_CATALOG"
                          : ctx.config.catalog            ? "config file"
                                                          : "default";
        nlohmann::json j = {{"path", p},
                            {"source", why},
                            {"exists", std::filesystem::exists(p)},
                            {"config_files", ctx.config.loaded_from}};
        if (ctx.out.format == Format::json)
            ctx.out.done("", j);
        else
            std::cout << p << '\n';
    });
}

}  // namespace pdai::cli
