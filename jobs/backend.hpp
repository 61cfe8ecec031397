// Where jobs run. One interface for Slurm (jobs/backends/slurm_backend.*, through libslurm)
// and the embedded local backend (jobs/backends/local*, issue 6): the job model, the batch
// script, the job's files and the catalog records are the same for both; a backend only
// starts, observes and stops jobs.
//
// Ids: a backend names each submission with one integer (Slurm's job id; for an array, the
// array's job id). A pdai job has one such id, or several once 'infer --resume' resubmitted
// some shards (catalog job_tasks remember which id ran each shard).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "jobs/job.hpp"
#include "jobs/job_state.hpp"
#include "policy/quota_policy.hpp"

namespace pdai::jobs {

// One task as the backend sees it: the only one of a plain job, or one array task.
struct TaskStatus {
    std::optional<int> index;  // array task id = shard; nullopt for a plain job
    State state = State::pending;
    std::optional<int> exit_code;  // shell-style: the exit status, or 128 + signal
    std::optional<std::int64_t> started_at, ended_at;  // unix seconds
    std::string nodes;   // where it runs or ran
    std::string reason;  // why it is pending / how it failed, in the backend's words
};

struct BackendJob {
    std::int64_t id = 0;
    bool known = false;  // false: the backend has no record (never existed, or purged)
    std::vector<TaskStatus> tasks;
};

struct Submitted {
    std::int64_t id = 0;  // the backend's id
    State state = State::pending;
    std::string message;  // what the cluster said on accepting it (the job_submit plugin's note)
};

class Backend {
public:
    virtual ~Backend() = default;

    virtual std::string name() const = 0;  // "slurm" | "local": the catalog's jobs.backend
    virtual std::string cluster() const = 0;  // Slurm's ClusterName; "" for local
    virtual Launcher launcher() const = 0;   // how its batch scripts start the entrypoint

    // The exact request submit() would send, as JSON (Slurm: the job_desc_msg_t fields set),
    // for --dry-run. Never contacts the backend.
    virtual nlohmann::json describe(const PreparedJob& job) const = 0;

    // Starts the job; its files (script, shard lists) already exist. Runs the array tasks in
    // job.task_indices for an inference batch. Throws pdai::Error: unreachable (exit 7) when
    // the backend cannot be reached, usage/not_found for what it rejects, with its own words.
    virtual Submitted submit(const PreparedJob& job) = 0;

    // What the backend knows about each id, in order; unknown ids come back known = false.
    virtual std::vector<BackendJob> status(const std::vector<std::int64_t>& ids) = 0;

    // Stops every task of each id (pending tasks never start). Ids already ended are no error.
    virtual void cancel(const std::vector<std::int64_t>& ids) = 0;

    // Where a task writes its output (stdout and stderr together): Layout::log_file unless a
    // backend keeps logs elsewhere.
    virtual std::string log_path(const Layout& layout, std::optional<int> task) const {
        return layout.log_file(task);
    }

    // Blocks until one of `ids` may have changed state or `timeout` passed. The default
    // sleeps (polling); a backend with change notifications may return sooner.
    virtual void wait_for_change(const std::vector<std::int64_t>& ids,
                                 std::chrono::milliseconds timeout);
};

inline constexpr const char* kBackendNames[] = {"slurm", "local"};

// "auto" -> "slurm" when $SLURM_CONF or /etc/slurm/slurm.conf exists, else "local".
std::string choose_backend(const std::string& configured);

// What the local backend needs to admit and record jobs itself (Slurm has its plugin and
// 'pdai sync'): the catalog, and the quota settings the plugin would apply.
struct LocalOptions {
    std::string catalog;  // empty: jobs run unadmitted and unrecorded
    int busy_timeout_ms = 5000;
    policy::Settings policy;
};

// Opens a backend by name. Error(usage) for an unknown name; Error(failure) with what to do
// when it was not built in.
std::unique_ptr<Backend> open_backend(const std::string& name, const LocalOptions& local = {});

}  // namespace pdai::jobs
