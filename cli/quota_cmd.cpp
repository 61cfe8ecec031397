// pdai quota set|show
#include <nlohmann/json.hpp>

#include "catalog/bureaus.hpp"
#include "catalog/quotas.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"
#include "jobs/policy/duration.hpp"
#include "jobs/usage/quota_status.hpp"

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

// Used, liens, left, burn rate and run-out date of the current period (pdai quota show).
std::string runs_out_text(const jobs::QuotaStatus& st) {
    if (st.exhausted) return "exhausted";
    if (!st.runs_out_at) return "-";
    if (*st.runs_out_at >= st.period.end) return "not this period";
    return policy::utc_date(*st.runs_out_at);
}

std::vector<std::pair<std::string, std::string>> status_fields(const jobs::QuotaStatus& st) {
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
            const auto st = jobs::quota_status(c, *q, catalog::now_unix());
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
            const auto st = jobs::quota_status(c, q, now);
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
}

}  // namespace pdai::cli
