#include "jobs/quota_ask.hpp"

#include "jobs/backends/slurm_request.hpp"

namespace pdai::jobs {

policy::JobAsk quota_ask(const PreparedJob& job, std::int64_t now) {
    return to_job_ask(build_slurm_request(job, 0, 0), job.spec.user, now);
}

policy::JobAsk quota_ask(const catalog::JobRecord& r, std::int64_t now) {
    policy::JobAsk a;
    a.account = r.account;
    a.user = r.unix_user;
    a.submit_time = now;
    a.tres_per_node = policy::gres_per_node(r.gpus_per_task, r.gpu_type);  // per node, as submitted
    a.shape.min_nodes = a.shape.max_nodes = r.nodes;
    if (r.tasks > 1) a.array = "0-" + std::to_string(r.tasks - 1);
    a.time = policy::TimeAsk::of(r.time_limit_minutes.value_or(0));
    return a;
}

}  // namespace pdai::jobs
