// pdai catalog init|check|backup|restore|path
#include <iostream>

#include "app/catalog_care.hpp"
#include "app/json.hpp"
#include "cli/context.hpp"

namespace pdai::cli {

void set_catalog_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "catalog", "Create, check, back up and restore the catalog");

    auto* init = grp->add_subcommand(
        "init", "Create the catalog (or migrate an existing one to this pdai's schema)");
    on_run(init, ctx, [&ctx] {
        const auto r = app::init_catalog(ctx.app);
        ctx.out.done((r.created ? "created catalog " : "catalog is up to date: ") + r.path, r);
    });

    auto* check = grp->add_subcommand(
        "check", "Run SQLite's integrity and foreign-key checks; exit 8 when a problem is found");
    on_run(check, ctx, [&ctx] {
        const auto c = app::check_catalog(ctx.app);
        const auto& r = c.report;
        if (ctx.out.format == Format::json) {
            ctx.out.done("", r);
        } else if (r.ok()) {
            ctx.out.done("catalog " + r.path + " is healthy (schema version " +
                             std::to_string(r.schema_version) + ")",
                         r);
        } else {
            for (const auto& p : r.problems) std::cout << r.path << ": " << p << '\n';
        }
        if (c.failure) throw *c.failure;
    });

    auto* backup = grp->add_subcommand(
        "backup", "Copy the catalog to DEST with SQLite's online backup (safe while others write)");
    auto b = std::make_shared<app::BackupRequest>();
    auto* dest_opt = backup->add_option("DEST", b->dest, "Backup file to write");
    auto* force_opt = backup->add_flag("--force", b->force, "Replace DEST if it exists");
    auto* dir_opt = backup->add_option(
        "--dir", b->dir, "Write DIR/catalog-<UTC time>.db instead of DEST (for cron)");
    backup->add_option("--keep", b->keep, "With --dir: keep the N newest backups, delete older ones")
        ->check(CLI::Range(1, 100000))
        ->needs(dir_opt);
    dir_opt->excludes(dest_opt)->excludes(force_opt);
    on_run(backup, ctx, [&ctx, b] {
        const auto r = app::backup_catalog(ctx.app, *b);
        if (r.rotated) {
            ctx.out.done("backed up " + r.catalog + " to " + r.path + " (" +
                             std::to_string(r.rotated->kept.size()) + " kept, " +
                             std::to_string(r.rotated->removed.size()) + " removed)",
                         r);
            return;
        }
        ctx.out.done("backed up " + r.catalog + " to " + b->dest, r);
    });

    auto* restore = grp->add_subcommand(
        "restore", "Replace the catalog with backup SRC, after checking SRC's integrity");
    auto src = std::make_shared<std::string>();
    restore->add_option("SRC", *src, "Backup file to restore")->required()->check(CLI::ExistingFile);
    on_run(restore, ctx, [&ctx, src] {
        const auto r = app::restore_catalog(ctx.app, *src);
        ctx.out.done("restored " + r.catalog + " from " + r.source, r);
    });

    auto* path = grp->add_subcommand("path", "Print the catalog path pdai would use, and why");
    on_run(path, ctx, [&ctx] {
        const auto r = app::catalog_path(ctx.app);
        if (ctx.out.format == Format::json)
            ctx.out.done("", r);
        else
            std::cout << r.location.path << '\n';
    });
}

}  // namespace pdai::cli
