// pdai quota set | show | check: a bureau's budget and limits, where it stands in the
// current period, and the plugin's verdict on a job before it is submitted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "catalog/quotas.hpp"
#include "gate/plugin_config.hpp"
#include "policy/quota_policy.hpp"
#include "usage/quota_status.hpp"

namespace pdai::app {

struct SetQuota {
    std::string bureau;
    std::optional<std::string> period, max_gpus, max_time, gpu_types;  // as typed: "none", "all"
    std::optional<double> budget_cuh;
};
catalog::Updated<catalog::Quota> set_quota(const Context& ctx, const SetQuota& r);

// A quota with where its bureau stands now.
struct QuotaStanding {
    catalog::Quota quota;
    usage::QuotaStatus status;
};
QuotaStanding show_quota(const Context& ctx, const std::string& bureau);
std::vector<QuotaStanding> list_quotas(const Context& ctx);

// The policy engine's answer, with what it was computed on. One type for 'pdai quota
// check' and every --dry-run, with one JSON form (app/json.hpp).
struct QuotaVerdict {
    policy::Decision decision;
    std::int64_t snapshot_at = 0;
    std::optional<std::int64_t> liens_at;  // the last 'pdai sync' of the liens; nullopt: never
    std::string settings_path;             // the pdai_plugin.conf applied
    bool settings_from_file = false;       // false: none there, the defaults (root exempt)
};

// The quota settings the plugin applies (pdai_plugin.conf: exemptions, default time), read
// by the plugin's own loader; `explicit_path` must exist. Errc::usage when the file does not
// parse, since the plugin would not start with it either.
gate::PluginConfigSource quota_settings(const std::optional<std::string>& explicit_path = std::nullopt);

struct QuotaCheck {
    std::string bureau;  // a bureau code or its Slurm account
    std::string gpus;    // per node, "TYPE:N" or "N"; several types comma-separated
    std::string time;    // "4h", "04:00:00", ...
    int nodes = 1;
    bool exclusive = false;  // as sbatch --exclusive: every GPU of the node(s)
    // As sbatch -p (a list allowed); none: the default partition. Its nodes bound an
    // exclusive job's; a partition giving whole nodes makes the job exclusive.
    std::optional<std::string> partition;
    std::optional<std::string> array, user, plugin_conf;
};
// The job as the plugin would see `sbatch -A ACCOUNT -N nodes --gres=gpu:TYPE:N[,...]
// [--exclusive] [-p PARTITION] --time ...`,
// priced by the plugin's settings against the catalog's snapshot. Never throws for a
// refusal: the verdict says so (the CLI exits 3).
QuotaVerdict quota_preview(const Context& ctx, const QuotaCheck& r);

}  // namespace pdai::app
