// pdai audit list
#include "app/audit.hpp"
#include "app/vocabulary.hpp"
#include "cli/context.hpp"

namespace pdai::cli {

void set_audit_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "audit", "Read the audit log of catalog changes");
    auto o = std::make_shared<app::AuditQuery>();
    auto* list = grp->add_subcommand("list", "List audit entries, newest first");
    list->add_option("--since", o->since, "From a date (2026-11-01) or an age (7d, 12h)")
        ->type_name("WHEN");
    list->add_option("--actor", o->actor, "Only this unix user's changes");
    list->add_option("--entity", o->entity, "Only this kind: vendor, bureau, quota, node, ...")
        ->check(one_of(app::audit_entity_names()));
    list->add_option("--limit", o->limit, "At most this many entries")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    on_run(list, ctx, [&ctx, o] {
        auto es = app::list_audit(ctx.app, *o);
        ctx.out.listing({"TIME", "ACTOR", "ACTION", "KEY"}, es, [](const auto& e) {
            return std::vector<std::string>{pdai::format_time(e.at), e.actor, e.action, e.entity_key};
        });
    });
}

}  // namespace pdai::cli
