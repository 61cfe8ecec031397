// The one builder of the policy engine's JobRequest. Every caller describes a job the way
// slurmctld hands it to the job_submit plugin (job_desc_msg_t's fields, without Slurm's
// types) and gets the same JobRequest back:
//   - the plugin, from job_desc_msg_t (slurm_plugins/job_submit_pdai/job_desc_map.cpp);
//   - 'pdai run|train|infer --dry-run' and the local backend, from the request the Slurm
//     backend would send (jobs/quota_ask.hpp);
//   - 'pdai quota check', from its flags (--gpus, --nodes, --time, --array).
// So a preview prices exactly what the plugin will price.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "policy/gpu_request.hpp"
#include "policy/quota_policy.hpp"

namespace pdai::policy {

// A time limit as job_desc_msg_t's time_limit holds it.
struct TimeAsk {
    enum class Kind { not_given, unlimited, minutes };
    Kind kind = Kind::not_given;
    int minutes = 0;  // for Kind::minutes (0 is Slurm's "no limit" too)

    static TimeAsk none() { return {}; }
    static TimeAsk infinite() { return {Kind::unlimited, 0}; }
    static TimeAsk of(int m) { return {Kind::minutes, m}; }
};

struct JobAsk {
    std::optional<std::string> account;  // --account; nullopt or empty: none given
    std::string user;                    // who pays: the job's owner
    std::string tres_per_job, tres_per_node, tres_per_task, tres_per_socket;  // "" = NULL
    JobShape shape;
    std::string array;  // array_inx, unexpanded ("0-15%4"); "" = not an array
    TimeAsk time;
    std::int64_t submit_time = 0;  // Unix seconds
    bool exclusive = false;        // --exclusive: whole nodes (job_desc_msg_t's shared == 0)
    // -p as given ("a,b" a list); "" = the default partition; nullopt = unknown.
    std::optional<std::string> partition;
};

// Never throws for bad input: a TRES string or an array spec it cannot read becomes
// JobRequest::request_error (refused with that text unless the job is exempt). A limit of
// INFINITE maps to 0, "no limit", which the engine refuses with the --time advice: mapping
// it to "not given" would let default_time price a job that then runs without any limit.
JobRequest build_request(const JobAsk& ask);

// "gres:gpu:a100:2" or "gres:gpu:2" (per node, as sbatch --gres puts it); "" for 0 GPUs.
std::string gres_per_node(int gpus, const std::optional<std::string>& type);

}  // namespace pdai::policy
