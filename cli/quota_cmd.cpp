// pdai quota set|show|check
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "catalog/bureaus.hpp"
#include "catalog/policy_snapshot.hpp"
#include "catalog/quotas.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"
#include "common/unix_user.hpp"
#include "gate/plugin_config.hpp"
#include "policy/array_spec.hpp"
#include "policy/duration.hpp"
#include "usage/quota_status.hpp"
#include "policy/gpu_request.hpp"
#include "policy/quota_policy.hpp"

namespace pdai::cli {

namespace {

// "none" clears a limit; otherwise a whole number >= 0.
std::optional<std::int64_t> parse_limit_count(const std::string& flag, const std::string& v) {
    if (v == "none") return std::nullopt;
    std::size_t used = 0;
    long long n = -1;
    try {
        n = std::stoll(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v.size() || n < 0)
        throw Error(Errc::usage, flag + " must be a whole number >= 0 or 'none', not '" + v + "'");
    return n;
}

std::optional<std::int64_t> parse_limit_time(const std::string& v) {
    if (v == "none") return std::nullopt;
    auto t = policy::parse_time_limit(v);
    if (!t) throw Error(Errc::usage, "--max-time: " + t.error(), "e.g. --max-time 24h or 2-00:00:00");
    if (t->unlimited() || *t->minutes == 0) return std::nullopt;
    return *t->minutes;
}

std::vector<std::string> split_types(const std::string& v) {
    std::vector<std::string> out;
    if (v == "all") return out;
    std::string cur;
    for (char ch : v + ",") {
        if (ch == ',') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else {
            cur += ch;
        }
    }
    if (out.empty()) throw Error(Errc::usage, "--gpu-types needs type names, or 'all'");
    return out;
}

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
            {"updated", catalog::format_time(q.updated_at) + " by " + q.updated_by}};
}

struct CheckOpts {
    std::string bureau, gpus, time;
    int nodes = 1;
    std::optional<std::string> array, user, plugin_conf;
};

// The plugin's settings (exemptions, default time, cluster), so the answer is the plugin's:
// --plugin-conf, else pdai_plugin.conf where the plugin looks when it exists, else defaults.
gate::PluginConfig check_settings(const std::optional<std::string>& explicit_path) {
    const std::string path = explicit_path ? *explicit_path : gate::plugin_config_path();
    if (!explicit_path && access(path.c_str(), R_OK) != 0) return gate::PluginConfig{};
    auto cfg = gate::load_plugin_config(path, false);
    if (!cfg) throw Error(Errc::usage, cfg.error(), "fix the file, or pass --plugin-conf PATH");
    return *cfg;
}

// The job as the plugin would see `sbatch -A ACCOUNT -N nodes --gres=gpu:TYPE:N --time ...`.
policy::JobRequest check_request(const CheckOpts& o, const std::string& account) {
    policy::JobRequest job;
    job.account = account;
    job.user = o.user ? *o.user : current_user();
    job.submit_time = catalog::now_unix();
    const auto per_node = policy::parse_cli_gpus(o.gpus);
    if (!per_node) throw Error(Errc::usage, "--gpus: " + per_node.error(), "e.g. --gpus a100:2");
    if (o.nodes < 1) throw Error(Errc::usage, "--nodes must be 1 or more");
    const std::string tres = "gres:gpu:" + (per_node->type ? *per_node->type + ":" : "") +
                             std::to_string(per_node->count);
    policy::JobShape shape;
    shape.min_nodes = o.nodes;
    const auto ask = policy::gpu_ask_from_tres({{}, tres, {}, {}}, shape);
    if (!ask) throw Error(Errc::usage, "--gpus: " + ask.error());
    job.gpus = *ask;
    const auto t = policy::parse_time_limit(o.time);
    if (!t) throw Error(Errc::usage, "--time: " + t.error(), "e.g. --time 4h or --time 04:00:00");
    job.time_limit_minutes = t->minutes.value_or(0);  // UNLIMITED: no limit, as the plugin maps it
    if (o.array) {
        const auto spec = policy::parse_array_spec(*o.array);
        if (!spec) throw Error(Errc::usage, "--array: " + spec.error(), "e.g. --array 0-15%4");
        job.array_tasks = spec->tasks;
        job.array_throttle = spec->throttle;
    }
    return job;
}

nlohmann::json decision_json(const policy::Decision& d, const catalog::PolicySnapshot& s) {
    return {{"verdict", policy::to_string(d.verdict)},
            {"reason", policy::to_string(d.reason)},
            {"bureau", d.bureau},
            {"account", d.account},
            {"period", d.period_label},
            {"gpus", d.gpus},
            {"gpu_type", d.gpu_type},
            {"priced_untyped", d.priced_untyped},
            {"array_tasks", d.array_tasks},
            {"concurrent_gpus", d.concurrent_gpus},
            {"time_limit_minutes", d.time_limit_minutes},
            {"weight", d.weight},
            {"bound_cuh", d.bound_cuh},
            {"remaining_cuh", d.remaining_cuh},
            {"cost_cny", d.cost_cny},
            {"message", d.message},
            {"snapshot_at", catalog::format_time(s.snapshot.taken_at)},
            {"liens_at", s.liens_at ? nlohmann::json(catalog::format_time(*s.liens_at))
                                    : nlohmann::json(nullptr)}};
}

void run_check(Context& ctx, const CheckOpts& o) {
    const auto cfg = check_settings(o.plugin_conf);
    auto c = ctx.open_catalog(false);
    const auto snap = catalog::load_policy_snapshot(c, {catalog::now_unix(), cfg.cluster});
    // BUREAU is a bureau code or its Slurm account.
    std::string account = o.bureau;
    for (const auto& [acct, b] : snap.snapshot.by_account) {
        if (b.code == o.bureau) account = acct;
    }
    const auto d = policy::evaluate(snap.snapshot, cfg.settings, check_request(o, account));
    const bool admitted = d.admitted();
    if (ctx.out.format == Format::json) {
        std::cout << decision_json(d, snap).dump(2) << '\n';
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
        ctx.out.object(f, nlohmann::json());
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

    struct SetOpts {
        std::string bureau;
        std::optional<std::string> period, max_gpus, max_time, gpu_types;
        std::optional<double> budget;
    };
    auto o = std::make_shared<SetOpts>();
    auto* set = grp->add_subcommand("set", "Create or change a bureau's quota");
    set->add_option("BUREAU", o->bureau, "Bureau code")->required();
    set->add_option("--period", o->period, "Budget period: month (default), quarter or year");
    set->add_option("--budget", o->budget, "Budget in compute-unit-hours per period")
        ->type_name("CUH");
    set->add_option("--max-gpus", o->max_gpus, "Cap on GPUs in use at once, or 'none'")
        ->type_name("N|none");
    set->add_option("--max-time", o->max_time, "Longest time limit a job may ask for, or 'none'")
        ->type_name("DUR|none");
    set->add_option("--gpu-types", o->gpu_types, "Allowed GPU types, comma-separated, or 'all'")
        ->type_name("T1,T2|all");
    on_run(set, ctx, [&ctx, o] {
        catalog::QuotaChange ch;
        ch.period = o->period;
        ch.budget_cuh = o->budget;
        if (o->max_gpus) ch.max_gpus = parse_limit_count("--max-gpus", *o->max_gpus);
        if (o->max_time) ch.max_time_minutes = parse_limit_time(*o->max_time);
        if (o->gpu_types) ch.gpu_types = split_types(*o->gpu_types);
        auto c = ctx.open_catalog(true);
        auto q = c.write([&] { return catalog::set_quota(c, o->bureau, ch); });
        ctx.out.done("quota of " + q.bureau + ": " + fmt_number(q.budget_cuh) + " CUH per " +
                         q.period,
                     q);
    });

    auto bureau = std::make_shared<std::string>();
    auto* show = grp->add_subcommand("show", "Show one bureau's quota, or every quota");
    show->add_option("BUREAU", *bureau, "Bureau code (default: all)");
    on_run(show, ctx, [&ctx, bureau] {
        auto c = ctx.open_catalog(false);
        if (!bureau->empty()) {
            auto q = catalog::find_quota(c, *bureau);
            if (!q)
                throw Error(Errc::not_found, "bureau '" + *bureau + "' has no quota",
                            "set one with 'pdai quota set " + *bureau + " --budget CUH'");
            const auto st = usage::quota_status(c, *q, catalog::now_unix());
            auto fields = quota_fields(*q);
            auto more = status_fields(st);
            fields.insert(fields.begin() + 3, more.begin(), more.end());
            nlohmann::json j = *q;
            j.update(nlohmann::json(st));
            ctx.out.object(fields, j);
            return;
        }
        auto qs = catalog::list_quotas(c);
        const auto now = catalog::now_unix();
        Table t{{"BUREAU", "PERIOD", "BUDGET CUH", "USED CUH", "LIENS CUH", "LEFT CUH", "RUNS OUT",
                 "MAX GPUS", "MAX TIME", "GPU TYPES"},
                {}};
        nlohmann::json all = nlohmann::json::array();
        for (const auto& q : qs) {
            const auto st = usage::quota_status(c, q, now);
            auto f = quota_fields(q);
            t.rows.push_back({q.bureau, q.period, fmt_number(q.budget_cuh), fmt_number(st.used_cuh),
                              fmt_number(st.liens_cuh), fmt_number(st.left_cuh), runs_out_text(st),
                              f[3].second, f[4].second, f[5].second});
            nlohmann::json j = q;
            j.update(nlohmann::json(st));
            all.push_back(std::move(j));
        }
        ctx.out.listing(t, all);
    });

    auto k = std::make_shared<CheckOpts>();
    auto* check = grp->add_subcommand(
        "check", "Would the cluster admit this job? The job_submit plugin's answer, offline");
    check->add_option("BUREAU", k->bureau, "Bureau code or Slurm account")->required();
    check->add_option("--gpus", k->gpus, "GPUs per node, as --gres=gpu:TYPE:N (TYPE optional)")
        ->type_name("TYPE:N")
        ->required();
    check->add_option("--time", k->time, "Time limit: 4h, 90m, 1d12h or 04:00:00")
        ->type_name("DUR")
        ->required();
    check->add_option("--nodes", k->nodes, "Nodes (-N): GPUs per node count on each")->type_name("N");
    check->add_option("--array", k->array, "Job array, as sbatch --array: 0-15%4")->type_name("SPEC");
    check->add_option("--user", k->user, "Check for this unix user (default: you)")->type_name("USER");
    check->add_option("--plugin-conf", k->plugin_conf,
                      "pdai_plugin.conf to take exemptions and the default time from "
                      "(default: the plugin's, when present)")
        ->type_name("FILE");
    on_run(check, ctx, [&ctx, k] { run_check(ctx, *k); });
}

}  // namespace pdai::cli
