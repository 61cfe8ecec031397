// pdai jobs list | show | cancel | logs | wait, and what --wait does: jobs as the catalog
// recorded them, with their state read from their backend and their job directory. A caller
// who may write the catalog also records the states it sees (jobs/status.hpp).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "jobs/status.hpp"

namespace pdai::app {

struct JobQuery {
    std::optional<std::string> bureau, since, user;
    std::vector<std::string> states;  // repeatable or comma-separated; checked against jobs::State
    bool mine = false;
    int limit = 50;
};
std::vector<jobs::JobView> list_jobs(const Context& ctx, const JobQuery& q);

// "17", "pdai:17", "slurm:4242", "4242_7".
jobs::JobView show_job(const Context& ctx, const std::string& ref);

struct Cancelled {
    std::int64_t id = 0;
    bool cancelled = false;  // false: it had already ended
    jobs::State state_before = jobs::State::pending;
    std::string backend;
    std::optional<std::int64_t> backend_id;
};
std::vector<Cancelled> cancel_jobs(const Context& ctx, const std::vector<std::string>& refs);

// Where a job's output is: one log, or one per shard of a batch.
struct JobLogs {
    catalog::JobRecord job;
    std::vector<std::string> paths;
    std::optional<int> task;
};
JobLogs job_logs(const Context& ctx, const std::string& ref, std::optional<int> task, bool follow);
// For 'logs -f': whether the job (or its shard) has ended.
bool job_ended(const Context& ctx, const JobLogs& logs);

using Progress = std::function<void(const std::vector<jobs::JobView>&)>;
// Until every job ended; their final views. write_back is the caller's may_write().
std::vector<jobs::JobView> wait_jobs(const Context& ctx, const std::vector<std::int64_t>& ids, const Progress& progress);
std::vector<std::int64_t> resolve_jobs(const Context& ctx, const std::vector<std::string>& refs);

}  // namespace pdai::app
