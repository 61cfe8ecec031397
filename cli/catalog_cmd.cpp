// pdai catalog init|check|backup|restore|path
#include <iostream>

#include "app/catalog_care.hpp"
#include "app/json.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"
#include "policy/duration.hpp"

namespace pdai::cli {

void set_catalog_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "catalog", "Create, check, back up and restore the catalog");

    auto* init = grp->add_subcommand(
        "init", "Create the catalog (or migrate an existing one to this pdai's schema) and its audit key");
    auto ir = std::make_shared<app::InitRequest>();
    init->add_flag("--new-audit-key", ir->new_audit_key,
                   "Start a new audit key chain: the key is lost, or belongs to another catalog (recorded in the "
                   "audit log; see pdai-audit(1))");
    on_run(init, ctx, [&ctx, ir] {
        const auto r = app::init_catalog(ctx.app, *ir);
        ctx.out.done((r.created ? "created catalog " : "catalog is up to date: ") + r.path, r);
        if (ctx.out.format != Format::json && !ctx.out.quiet && r.new_key_chain && r.first_key)
            std::cout << "audit key " << r.audit_key << " (admins only); the audit chain starts from public key "
                      << *r.first_key << "\n  record it: audit_anchor = \"" << *r.first_key
                      << "\" in the system pdai.conf makes 'pdai audit verify' hold the chain to it\n";
    });

    auto* check = grp->add_subcommand(
        "check",
        "Check the catalog: SQLite's integrity and foreign keys, the audit chain and its signatures (as 'pdai "
        "audit verify'), and every stored bundle tree against its digests; report orphan trees and stale "
        ".incoming-* directories a crash left in the store. Exit 8 when a problem is found");
    auto cr = std::make_shared<app::CheckRequest>();
    auto grace = std::make_shared<std::string>("1h");
    check->add_flag("--repair", cr->repair,
                    "Remove the orphan trees and stale .incoming-* directories older than --grace, and print "
                    "what was removed (needs write access; never touches a tree a catalog row refers to)");
    check->add_option("--grace", *grace,
                      "With --repair: leave what changed more recently than this (90m, 1h, 0 for everything)")
        ->type_name("AGE")
        ->capture_default_str();
    on_run(check, ctx, [&ctx, cr, grace] {
        ctx.out.no_table("pdai catalog check");
        const auto t = policy::parse_time_limit(*grace);
        if (!t || t->unlimited()) throw Error(Errc::usage, "--grace " + *grace + ": not an age", "e.g. --grace 1h or --grace 0");
        cr->grace_seconds = static_cast<std::int64_t>(*t->minutes) * 60;
        const auto c = app::check_catalog(ctx.app, *cr);
        const auto& r = c.report;
        if (ctx.out.format == Format::json) {
            ctx.out.done("", c);
        } else {
            if (r.ok())
                ctx.out.done("catalog " + r.path + " is healthy (schema version " + std::to_string(r.schema_version) + ")",
                             c);
            else
                for (const auto& p : r.problems) std::cout << r.path << ": " << p << '\n';
            if (c.audit && !ctx.out.quiet) {
                const auto& a = *c.audit;
                if (a.ok() && a.checkpoints > 0)
                    std::cout << "audit log: " << a.entries << " entries, " << a.checkpoints << " checkpoints verified"
                              << (a.first_key ? " (key chain from " + *a.first_key + ")" : std::string()) << '\n';
                for (const auto& n : a.notes) std::cout << "audit log: " << n << '\n';
            }
            if (c.store) {
                const auto& st = *c.store;
                if (!ctx.out.quiet && st.ok())
                    std::cout << "bundle store " << st.root << ": " << st.trees << " trees verified\n";
                for (const auto& o : st.orphans) std::cout << "bundle store: orphan tree " << o << " (no catalog row)\n";
                for (const auto& i : st.stale_incoming)
                    std::cout << "bundle store: left-over unpacking directory " << i << '\n';
                for (const auto& rm : st.removed) std::cout << "removed " << rm << '\n';
                for (const auto& k : st.kept) std::cout << "kept " << k << " (younger than --grace, or in use)\n";
                if (!c.repaired && !st.clean())
                    std::cout << "  'pdai catalog check --repair' removes them\n";
            }
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
    // Not CLI::ExistingFile: app::restore_catalog says "no backup file" itself (exit 4).
    restore->add_option("SRC", *src, "Backup file to restore")->required()->type_name("FILE");
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
