// pdai audit list | verify | accept
#include <iostream>

#include "app/json.hpp"
#include "app/audit.hpp"
#include "app/vocabulary.hpp"
#include "cli/context.hpp"

namespace pdai::cli {

void set_audit_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "audit", "Read and verify the tamper-evident audit log of catalog changes");
    auto o = std::make_shared<app::AuditQuery>();
    auto* list = grp->add_subcommand("list", "List audit entries, newest first");
    list->add_option("--since", o->since, "From a date (2026-11-01) or an age (7d, 12h)")
        ->type_name("WHEN");
    list->add_option("--actor", o->actor, "Only this unix user's changes");
    list->add_option("--entity", o->entity, "Only this kind: vendor, bureau, member, quota, gpu-type, node, ...")
        ->check(one_of(app::audit_entity_names(), app::is_audit_entity));
    list->add_option("--limit", o->limit, "At most this many entries")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    on_run(list, ctx, [&ctx, o] {
        auto es = app::list_audit(ctx.app, *o);
        ctx.out.listing({"TIME", "ACTOR", "ACTION", "ENTITY", "KEY"}, es, [](const auto& e) {
            return std::vector<std::string>{pdai::format_time(e.at), e.actor, e.action, e.entity, e.entity_key};
        });
    });

    auto* verify = grp->add_subcommand(
        "verify",
        "Check that the audit log is whole: recompute its hash chain, check every checkpoint's signature along "
        "the key chain from its first public key, and compare the live access-control state (bureaus, "
        "members, quotas, GPU types, vendor keys, algorithms) with the last checkpoint. Names the first entry, "
        "checkpoint or table that differs and exits 1; see pdai-audit(1) for what it proves");
    on_run(verify, ctx, [&ctx] {
        ctx.out.no_table("pdai audit verify");
        const auto v = app::verify_audit(ctx.app);
        const auto& r = v.report;
        if (ctx.out.format == Format::json) {
            ctx.out.done("", v);
        } else {
            if (r.ok())
                ctx.out.done("audit log of " + r.catalog + " verified: " + std::to_string(r.entries) + " entries, " +
                                 std::to_string(r.checkpoints) + " checkpoints" +
                                 (r.first_key ? ", key chain from " + *r.first_key +
                                                    (r.anchor_pinned ? " (audit_anchor)" : " (not pinned)")
                                              : std::string()),
                             v);
            for (const auto& p : r.problems) std::cout << r.catalog << ": " << p << '\n';
            if (!ctx.out.quiet)
                for (const auto& n : r.notes) std::cout << "note: " << n << '\n';
        }
        if (v.failure) throw *v.failure;
    });

    auto* accept = grp->add_subcommand(
        "accept",
        "Sign the catalog as it is now, although it differs from the last checkpoint (a change you know of, "
        "made without pdai): records an audit.accept entry with the tables that differed and --reason");
    auto reason = std::make_shared<std::string>();
    accept->add_option("--reason", *reason, "Why this state is accepted (kept in the audit log)")->required();
    on_run(accept, ctx, [&ctx, reason] {
        const auto r = app::accept_audit(ctx.app, *reason);
        if (!r.changed)
            return ctx.out.done("the catalog is as checkpoint #" + std::to_string(r.epoch) +
                                    " signed it: nothing to accept, nothing written",
                                r);
        std::string tables;
        for (const auto& t : r.tables) tables += (tables.empty() ? "" : ", ") + t;
        ctx.out.done("accepted the catalog as it is" + (tables.empty() ? std::string() : " (tables " + tables + ")") +
                         ": checkpoint #" + std::to_string(r.epoch) + " signs it",
                     r);
    });
}

}  // namespace pdai::cli
