#include "policy/job_ask.hpp"

#include <algorithm>

#include "policy/array_spec.hpp"
#include "policy/duration.hpp"

namespace pdai::policy {

[[gnu::hot]] JobRequest build_request(const JobAsk& a) {
    JobRequest job;
    if (a.account && !a.account->empty()) job.account = a.account;
    job.user = a.user;
    job.submit_time = a.submit_time;
    job.exclusive = a.exclusive;
    job.partition = a.partition;
    job.nodes = static_cast<int>(node_count(a.shape));
    switch (a.time.kind) {
    case TimeAsk::Kind::not_given: break;
    case TimeAsk::Kind::unlimited: job.time_limit_minutes = 0; break;
    case TimeAsk::Kind::minutes: job.time_limit_minutes = std::clamp(a.time.minutes, 0, kMaxTimeMinutes); break;
    }
    std::string errors;
    if (auto ask = gpu_ask_from_tres({a.tres_per_job, a.tres_per_node, a.tres_per_task, a.tres_per_socket},
                                     a.shape)) {
        job.gpus = *ask;
    } else {
        errors = ask.error();
    }
    if (!a.array.empty()) {
        if (auto spec = parse_array_spec(a.array)) {
            job.array_tasks = spec->tasks;
            job.array_throttle = spec->throttle;
        } else {
            errors += (errors.empty() ? "" : "; ") + ("--array: " + spec.error());
        }
    }
    job.request_error = std::move(errors);
    return job;
}

std::string gres_per_node(int gpus, const std::optional<std::string>& type) {
    if (gpus <= 0) return {};
    return "gres:gpu:" + (type ? *type + ":" : std::string()) + std::to_string(gpus);
}

}  // namespace pdai::policy
