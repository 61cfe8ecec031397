#include "jobs/backends/slurm_request.hpp"

#include <nlohmann/json.hpp>

#include "jobs/shards.hpp"
#include "policy/job_ask.hpp"

namespace pdai::jobs {

std::optional<std::string> gpu_tres_per_node(const Resources& r) {
    auto tres = policy::gres_per_node(r.gpus, r.gpu_type);
    if (tres.empty()) return std::nullopt;
    return tres;
}

policy::JobAsk to_job_ask(const SlurmRequest& q, const std::string& user, std::int64_t now) {
    policy::JobAsk a;
    a.account = q.account;
    a.user = user;
    a.submit_time = now;
    a.tres_per_node = q.tres_per_node.value_or("");
    a.shape.min_nodes = static_cast<int>(q.min_nodes);
    a.shape.max_nodes = static_cast<int>(q.max_nodes);
    a.shape.num_tasks = static_cast<int>(q.num_tasks);
    if (q.ntasks_per_node) a.shape.ntasks_per_node = *q.ntasks_per_node;
    a.array = q.array_inx.value_or("");
    a.time = policy::TimeAsk::of(static_cast<int>(q.time_limit));
    a.partition = q.partition.value_or("");  // none: the cluster's default partition
    return a;
}

SlurmRequest build_slurm_request(const PreparedJob& job, std::uint32_t uid, std::uint32_t gid) {
    const auto& s = job.spec;
    const auto& r = s.resources;
    SlurmRequest q;
    q.name = job.name;
    q.comment = job.comment;
    q.account = s.account;
    q.partition = s.partition;
    q.work_dir = job.layout.job_dir;
    // %a is the array task id, which is the shard number.
    q.std_out = job.is_array() ? job.layout.logs_dir + "/task-%a.out" : job.layout.log_file(std::nullopt);
    q.time_limit = static_cast<std::uint32_t>(r.time_minutes);
    q.min_nodes = q.max_nodes = static_cast<std::uint32_t>(r.nodes);
    q.num_tasks = static_cast<std::uint32_t>(r.nodes);  // one task per node
    if (r.nodes > 1) q.ntasks_per_node = 1;
    q.cpus_per_task = static_cast<std::uint16_t>(r.cpus);
    if (r.mem_mib) q.pn_min_memory = static_cast<std::uint64_t>(*r.mem_mib);
    q.tres_per_node = gpu_tres_per_node(r);
    if (job.is_array()) q.array_inx = format_index_ranges(job.task_indices, s.max_parallel);
    q.requeue = s.requeue ? 1 : 0;
    q.user_id = uid;
    q.group_id = gid;
    q.environment = job.environment;
    q.script = job.script;
    return q;
}

nlohmann::json to_json(const SlurmRequest& r) {
    auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    nlohmann::json d = {{"name", r.name},
                        {"comment", r.comment},
                        {"account", r.account},
                        {"partition", opt(r.partition)},
                        {"work_dir", r.work_dir},
                        {"std_out", r.std_out},
                        {"open_mode", r.append_output ? "append" : "truncate"},
                        {"time_limit", r.time_limit},
                        {"min_nodes", r.min_nodes},
                        {"max_nodes", r.max_nodes},
                        {"num_tasks", r.num_tasks},
                        {"ntasks_per_node", opt(r.ntasks_per_node)},
                        {"cpus_per_task", r.cpus_per_task},
                        {"pn_min_memory", opt(r.pn_min_memory)},
                        {"tres_per_node", opt(r.tres_per_node)},
                        {"array_inx", opt(r.array_inx)},
                        {"requeue", r.requeue},
                        {"user_id", r.user_id},
                        {"group_id", r.group_id},
                        {"environment", r.environment},
                        {"script", r.script}};
    return {{"job_desc", d}};
}

}  // namespace pdai::jobs
