#include "app/quota.hpp"
#include "app/visibility.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "catalog/policy_snapshot.hpp"
#include "common/error.hpp"
#include "policy/array_spec.hpp"
#include "policy/duration.hpp"
#include "policy/job_ask.hpp"
#include "policy/parse_util.hpp"

namespace pdai::app {
namespace {

// "none" clears a limit; otherwise a whole number >= 0.
std::optional<std::int64_t> parse_limit_count(const std::string& flag, const std::string& v) {
    if (v == "none") return std::nullopt;
    const auto n = policy::detail::parse_uint(v, policy::kMaxGpusPerJob);
    if (!n) throw Error(Errc::usage, flag + " must be a whole number >= 0 or 'none', not '" + v + "'");
    return *n;
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

}  // namespace

catalog::Updated<catalog::Quota> set_quota(const Context& ctx, const SetQuota& r) {
    catalog::QuotaChange ch;
    ch.period = r.period;
    ch.budget_cuh = r.budget_cuh;
    if (r.max_gpus) ch.max_gpus = parse_limit_count("--max-gpus", *r.max_gpus);
    if (r.max_time) ch.max_time_minutes = parse_limit_time(*r.max_time);
    if (r.gpu_types) ch.gpu_types = split_types(*r.gpu_types);
    auto c = ctx.open_catalog(true);
    return c.write([&] { return catalog::set_quota(c, r.bureau, ch); });
}

QuotaStanding show_quota(const Context& ctx, const std::string& bureau) {
    auto c = ctx.open_catalog(false);
    viewer_of(ctx, c).bureau(bureau, "quota");
    auto q = catalog::find_quota(c, bureau);
    if (!q)
        throw Error(Errc::not_found, "bureau '" + bureau + "' has no quota",
                    "set one with 'pdai quota set " + bureau + " --budget CUH'");
    auto st = usage::quota_status(c, *q, pdai::now_unix());
    return {std::move(*q), std::move(st)};
}

std::vector<QuotaStanding> list_quotas(const Context& ctx) {
    auto c = ctx.open_catalog(false);
    const auto viewer = viewer_of(ctx, c);
    const auto now = pdai::now_unix();
    std::vector<QuotaStanding> out;
    for (auto& q : catalog::list_quotas(c)) {
        if (!viewer.sees(q.bureau)) continue;
        auto st = usage::quota_status(c, q, now);
        out.push_back({std::move(q), std::move(st)});
    }
    return out;
}

gate::PluginConfigSource quota_settings(const std::optional<std::string>& explicit_path) {
    // The plugin's file is admin policy (exemptions, fail_mode): one named by the environment
    // ($PDAI_PLUGIN_CONF, $SLURM_CONF) counts only when root owns it and no one else may
    // write it, or root runs pdai; --plugin-conf FILE is a what-if of 'quota check' only.
    if (!explicit_path && ::getuid() != 0) {
        const std::string path = gate::plugin_config_path();
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && (st.st_uid != 0 || (st.st_mode & S_IWOTH)))
            throw Error(Errc::usage,
                        path + " holds the job_submit plugin's policy but does not belong to root (or anyone may "
                               "write it), so its exemptions are not taken",
                        "unset PDAI_PLUGIN_CONF (or SLURM_CONF), or have root own the file");
    }
    auto src = gate::read_plugin_config(explicit_path);
    if (!src)
        throw Error(Errc::usage, src.error(),
                    explicit_path ? "fix the file, or pass another --plugin-conf FILE"
                                  : "fix the file: the job_submit plugin reads it too");
    return *src;
}

QuotaVerdict quota_preview(const Context& ctx, const QuotaCheck& r) {
    const auto src = quota_settings(r.plugin_conf);
    // "a100:1,t4:4": one --gres entry per item, as sbatch writes them.
    std::string gres;
    for (std::string_view rest = r.gpus;;) {
        const auto comma = rest.find(',');
        const auto item = policy::parse_cli_gpus(rest.substr(0, comma));
        if (!item) throw Error(Errc::usage, "--gpus: " + item.error(), "e.g. --gpus a100:2 or --gpus a100:1,t4:4");
        if (const auto e = policy::gres_per_node(item->count, item->type); !e.empty())
            gres += (gres.empty() ? "" : ",") + e;
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    if (r.nodes < 1) throw Error(Errc::usage, "--nodes must be 1 or more");
    const auto t = policy::parse_time_limit(r.time);
    if (!t) throw Error(Errc::usage, "--time: " + t.error(), "e.g. --time 4h or --time 04:00:00");
    if (r.array)
        if (auto spec = policy::parse_array_spec(*r.array); !spec)
            throw Error(Errc::usage, "--array: " + spec.error(), "e.g. --array 0-15%4");

    auto c = ctx.open_catalog(false);
    const auto now = pdai::now_unix();
    const auto snap = catalog::load_policy_snapshot(c, {now, src.config.cluster});
    policy::JobAsk ask;
    ask.account = r.bureau;  // a bureau code names its account
    for (const auto& [account, b] : snap.snapshot.by_account)
        if (b.code == r.bureau) ask.account = account;
    ask.user = r.user.value_or(ctx.who.user);
    ask.submit_time = now;
    ask.tres_per_node = gres;
    ask.shape.min_nodes = r.nodes;
    ask.exclusive = r.exclusive;
    ask.partition = r.partition.value_or("");
    ask.array = r.array.value_or("");
    ask.time = t->unlimited() ? policy::TimeAsk::infinite() : policy::TimeAsk::of(*t->minutes);
    const auto job = policy::build_request(ask);
    if (!job.request_error.empty()) throw Error(Errc::usage, job.request_error);

    QuotaVerdict v;
    v.decision = policy::evaluate(snap.snapshot, src.config.settings, job);
    v.snapshot_at = snap.snapshot.taken_at;
    v.liens_at = snap.liens_at;
    v.settings_path = src.path;
    v.settings_from_file = src.from_file;
    return v;
}

}  // namespace pdai::app
