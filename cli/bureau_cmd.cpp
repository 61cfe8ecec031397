// pdai bureau add|list|show|set|remove, pdai bureau member add|remove|list
#include "app/bureaus.hpp"
#include "app/json.hpp"
#include "app/vocabulary.hpp"
#include "cli/context.hpp"

namespace pdai::cli {

namespace {

void set_member_commands(CLI::App& bureau, Context& ctx) {
    auto* grp = add_group(bureau, "member", "Manage who may submit on a bureau's account");
    auto o = std::make_shared<app::AddMember>();

    auto* add = grp->add_subcommand("add", "Add a unix user to a bureau");
    add->add_option("BUREAU", o->bureau, "Bureau code")->required();
    add->add_option("USER", o->user, "Unix user name")->required();
    add->add_option("--role", o->role, "member or admin")
        ->check(one_of(app::member_role_names()))
        ->capture_default_str();
    on_run(add, ctx, [&ctx, o] {
        auto m = app::add_member(ctx.app, *o);
        ctx.out.done("added " + m.unix_user + " to " + m.bureau_code + " as " + m.role, m);
    });

    auto* rm = grp->add_subcommand("remove", "Remove a unix user from a bureau");
    rm->add_option("BUREAU", o->bureau, "Bureau code")->required();
    rm->add_option("USER", o->user, "Unix user name")->required();
    on_run(rm, ctx, [&ctx, o] {
        app::remove_member(ctx.app, o->bureau, o->user);
        ctx.out.done("removed " + o->user + " from " + o->bureau,
                     {{"bureau", o->bureau}, {"removed", o->user}});
    });

    auto* list = grp->add_subcommand("list", "List a bureau's members");
    list->add_option("BUREAU", o->bureau, "Bureau code")->required();
    on_run(list, ctx, [&ctx, o] {
        auto ms = app::list_members(ctx.app, o->bureau);
        ctx.out.listing({"USER", "ROLE", "ADDED"}, ms, [](const auto& m) {
            return std::vector<std::string>{m.unix_user, m.role, pdai::format_time(m.added_at)};
        });
    });
}

}  // namespace

void set_bureau_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "bureau", "Register the bureaus that share the cluster");

    auto a = std::make_shared<app::AddBureau>();
    auto* add = grp->add_subcommand("add", "Register a bureau and its Slurm account");
    add->add_option("CODE", a->code, "Short code: letters, digits, '.', '_', '-'")->required();
    // Not required() here: the old spelling --name may give it instead.
    add->add_option("--display-name", a->display_name, "Display name in any UTF-8, e.g. 财政局 (required)");
    add_old_spelling(add, ctx, "--name", "--display-name", a->display_name);
    add->add_option("--account", a->account, "Slurm account (default: the code)");
    on_run(add, ctx, [&ctx, a] {
        if (a->display_name.empty())
            throw Error(Errc::usage, "missing --display-name, which 'pdai bureau add' needs",
                        "see 'pdai bureau add --help'");
        auto b = app::add_bureau(ctx.app, *a);
        ctx.out.done("added bureau " + b.code + " (" + b.display_name + "), Slurm account " +
                         b.slurm_account,
                     b);
    });

    auto active_only = std::make_shared<bool>(false);
    auto* list = grp->add_subcommand("list", "List bureaus");
    list->add_flag("--active", *active_only, "Only active bureaus");
    on_run(list, ctx, [&ctx, active_only] {
        auto bs = app::list_bureaus(ctx.app, *active_only);
        ctx.out.listing({"CODE", "NAME", "ACCOUNT", "ACTIVE"}, bs, [](const auto& b) {
            return std::vector<std::string>{b.code, b.display_name, b.slurm_account, b.active ? "yes" : "no"};
        });
    });

    auto code = std::make_shared<std::string>();
    auto* show = grp->add_subcommand("show", "Show a bureau, its members and quota");
    show->add_option("CODE", *code, "Bureau code")->required();
    on_run(show, ctx, [&ctx, code] {
        const auto d = app::show_bureau(ctx.app, *code);
        const auto& [b, members, quota] = d;
        std::string who;
        for (const auto& m : members)
            who += (who.empty() ? "" : ", ") + m.unix_user + (m.role == "admin" ? " (admin)" : "");
        ctx.out.object(
            {{"code", b.code},
             {"name", b.display_name},
             {"Slurm account", b.slurm_account},
             {"active", b.active ? "yes" : "no"},
             {"members", who.empty() ? "-" : who},
             {"quota", quota ? fmt_number(quota->budget_cuh) + " CUH per " + quota->period : "-"},
             {"created", pdai::format_time(b.created_at) + " by " + b.created_by}},
            d);
    });

    struct SetOpts {
        std::optional<std::string> name;
        bool active = false, inactive = false;
    };
    auto s = std::make_shared<SetOpts>();
    auto* set = grp->add_subcommand("set", "Change a bureau's display name or active flag");
    set->add_option("CODE", *code, "Bureau code")->required();
    set->add_option("--display-name", s->name, "New display name");
    add_old_spelling(set, ctx, "--name", "--display-name", s->name);
    auto* act = set->add_flag("--active", s->active, "Let the bureau submit again");
    set->add_flag("--inactive", s->inactive, "Stop new submissions (history is kept)")->excludes(act);
    on_run(set, ctx, [&ctx, code, s] {
        catalog::BureauChange ch;
        ch.display_name = s->name;
        if (s->active) ch.active = true;
        if (s->inactive) ch.active = false;
        const auto b = app::set_bureau(ctx.app, *code, ch);
        ctx.out.done(change_text(b.changed, "updated bureau " + b.value.code, "bureau " + b.value.code), b);
    });

    auto* remove = grp->add_subcommand("remove", "Remove a bureau that has no history");
    remove->add_option("CODE", *code, "Bureau code")->required();
    on_run(remove, ctx, [&ctx, code] {
        app::remove_bureau(ctx.app, *code);
        ctx.out.done("removed bureau " + *code, {{"removed", *code}});
    });

    set_member_commands(*grp, ctx);
}

}  // namespace pdai::cli
