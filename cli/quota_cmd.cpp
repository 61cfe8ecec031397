// pdai quota set|show|check
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/json.hpp"
#include "app/quota.hpp"
#include "app/vocabulary.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"
#include "policy/duration.hpp"

namespace pdai::cli {

namespace {

std::vector<std::pair<std::string, std::string>> quota_fields(const catalog::Quota& q) {
    std::string types;
    for (const auto& t : q.gpu_types) types += (types.empty() ? "" : ",") + t;
    return {{"bureau", q.bureau},
            {"period", q.period},
            {"budget", fmt_number(q.budget_cuh) + " CUH"},
            {"max GPUs", q.max_gpus ? std::to_string(*q.max_gpus) : "no limit"},
            {"max time", q.max_time_minutes
                             ? policy::format_human(static_cast<int>(*q.max_time_minutes))
                             : "no limit"},
            {"GPU types", types.empty() ? "all" : types},
            {"updated", pdai::format_time(q.updated_at) + " by " + q.updated_by}};
}

void run_check(Context& ctx, const app::QuotaCheck& o) {
    const auto v = app::quota_preview(ctx.app, o);
    const auto& d = v.decision;
    const bool admitted = d.admitted();
    if (ctx.out.format == Format::json) {
        std::cout << nlohmann::json(v).dump(2) << '\n';
    } else {
        std::vector<std::pair<std::string, std::string>> f = {
            {"verdict", std::string(policy::to_string(d.verdict))},
            {"bureau", d.bureau.empty() ? "-" : d.bureau},
            {"period", d.period_label.empty() ? "-" : d.period_label}};
        if (d.gpus > 0 && !d.gpu_type.empty()) {
            f.emplace_back("needs", fmt_number(d.bound_cuh, 3) + " CUH (" +
                                        std::to_string(d.array_tasks) + " x " +
                                        std::to_string(d.gpus) + " " + d.gpu_type + " x " +
                                        policy::format_human(d.time_limit_minutes) + ")");
            f.emplace_back("left", fmt_number(d.remaining_cuh, 3) + " CUH");
            f.emplace_back("cost", fmt_number(d.cost_cny) + " CNY");
        }
        if (admitted) f.emplace_back("message", d.message);
        ctx.out.object(f, ctx.out.needs_json() ? nlohmann::json(v) : nlohmann::json());
    }
    if (!admitted) {
        // Exit 3; the message is the plugin's line without its "pdai: " prefix.
        const std::string_view m = d.message;
        throw Error(Errc::refused, std::string(m.rfind("pdai: ", 0) == 0 ? m.substr(6) : m));
    }
}

// Used, liens, left, burn rate and run-out date of the current period (pdai quota show).
std::string runs_out_text(const usage::QuotaStatus& st) {
    if (st.exhausted) return "exhausted";
    if (!st.runs_out_at) return "-";
    if (*st.runs_out_at >= st.period.end) return "not this period";
    return policy::utc_date(*st.runs_out_at);
}

std::vector<std::pair<std::string, std::string>> status_fields(const usage::QuotaStatus& st) {
    return {{"this period", st.period.label + " (" + policy::utc_date(st.period.start) + " to " +
                                policy::utc_date(st.period.end - 1) + ")"},
            {"used", fmt_number(st.used_cuh, 3) + " CUH"},
            {"liens", fmt_number(st.liens_cuh, 3) + " CUH (active jobs at the last sync)"},
            {"left", fmt_number(st.left_cuh, 3) + " CUH"},
            {"burn rate", fmt_number(st.burn_cuh_per_day, 3) + " CUH/day"},
            {"runs out", runs_out_text(st)}};
}

}  // namespace

void set_quota_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "quota", "Set and show each bureau's GPU budget and limits");

    auto o = std::make_shared<app::SetQuota>();
    auto* set = grp->add_subcommand("set", "Create or change a bureau's quota");
    set->add_option("BUREAU", o->bureau, "Bureau code")->required();
    // A kind of period; --period elsewhere (usage) is one period's label, such as 2026-11.
    set->add_option("--period-kind", o->period, "How often the budget renews: month (default), quarter or year")
        ->check(one_of(app::period_kind_names()));
    add_old_spelling(set, ctx, "--period", "--period-kind", o->period)->check(one_of(app::period_kind_names()));
    set->add_option("--budget", o->budget_cuh, "Budget in compute-unit-hours per period")
        ->type_name("CUH");
    set->add_option("--max-gpus", o->max_gpus, "Cap on GPUs in use at once, or 'none'")
        ->type_name("N|none");
    set->add_option("--max-time", o->max_time, "Longest time limit a job may ask for, or 'none'")
        ->type_name("DUR|none");
    set->add_option("--gpu-types", o->gpu_types, "Allowed GPU types, comma-separated, or 'all'")
        ->type_name("T1,T2|all");
    on_run(set, ctx, [&ctx, o] {
        const auto u = app::set_quota(ctx.app, *o);
        const auto& q = u.value;
        ctx.out.done(change_text(u.changed,
                                 "quota of " + q.bureau + ": " + fmt_number(q.budget_cuh) + " CUH per " + q.period,
                                 "the quota of " + q.bureau),
                     u);
    });

    auto bureau = std::make_shared<std::string>();
    auto* show = grp->add_subcommand("show", "Show one bureau's quota, or every quota");
    show->add_option("BUREAU", *bureau, "Bureau code (default: all)");
    on_run(show, ctx, [&ctx, bureau] {
        if (!bureau->empty()) {
            const auto s = app::show_quota(ctx.app, *bureau);
            auto fields = quota_fields(s.quota);
            auto more = status_fields(s.status);
            fields.insert(fields.begin() + 3, more.begin(), more.end());
            ctx.out.object(fields, s);
            return;
        }
        const auto all = app::list_quotas(ctx.app);
        Table t{{"BUREAU", "PERIOD", "BUDGET CUH", "USED CUH", "LIENS CUH", "LEFT CUH", "RUNS OUT",
                 "MAX GPUS", "MAX TIME", "GPU TYPES"},
                {}};
        for (const auto& [q, st] : all) {
            auto f = quota_fields(q);
            t.rows.push_back({q.bureau, q.period, fmt_number(q.budget_cuh), fmt_number(st.used_cuh),
                              fmt_number(st.liens_cuh), fmt_number(st.left_cuh), runs_out_text(st),
                              f[3].second, f[4].second, f[5].second});
        }
        ctx.out.listing(t, all);
    });

    auto k = std::make_shared<app::QuotaCheck>();
    auto* check = grp->add_subcommand(
        "check", "Would the cluster admit this job? The job_submit plugin's answer, offline");
    check->add_option("BUREAU", k->bureau, "Bureau code or Slurm account")->required();
    check->add_option("--gpus", k->gpus,
                      "GPUs per node, as --gres=gpu:TYPE:N (TYPE optional); several types "
                      "comma-separated: a100:1,t4:4")
        ->type_name("TYPE:N")
        ->required();
    check->add_option("--time", k->time, "Time limit: 4h, 90m, 1d12h or 04:00:00")
        ->type_name("DUR")
        ->required();
    check->add_option("--nodes", k->nodes, "Nodes (-N): GPUs per node count on each")->type_name("N");
    check->add_option("--array", k->array, "Job array, as sbatch --array: 0-15%4")->type_name("SPEC");
    check->add_flag("--exclusive", k->exclusive,
                    "As sbatch --exclusive: priced at every GPU of its node(s), from the node "
                    "inventory");
    check->add_option("--partition,-p", k->partition,
                      "As sbatch -p: a partition that gives whole nodes (OverSubscribe=EXCLUSIVE, "
                      "ExclusiveUser) prices the job as --exclusive (default: the default partition)")
        ->type_name("NAME");
    check->add_option("--user", k->user, "Check for this unix user (default: you)")->type_name("USER");
    check->add_option("--plugin-conf", k->plugin_conf,
                      "pdai_plugin.conf to take exemptions and the default time from "
                      "(default: the plugin's, when present)")
        ->type_name("FILE");
    on_run(check, ctx, [&ctx, k] { run_check(ctx, *k); });
}

}  // namespace pdai::cli
