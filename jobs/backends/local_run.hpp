// One submission to the local backend, as files in its run directory (<state root>/runs/<id>):
//   spec.json       what to run (written by submit, read by the supervisor)
//   status.json     each task's state, rewritten atomically by the supervisor on each change
//   supervisor.lock held (flock) by the supervisor for as long as it lives
//   cancel          present once 'pdai jobs cancel' asked the run to stop
//   supervisor.log  the supervisor's own errors
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jobs/backend.hpp"

namespace pdai::jobs::local {

// What the ledger row of each task needs, fixed at submission.
struct LedgerInfo {
    std::int64_t bureau_id = 0;
    std::string account, user, algorithm, version, vendor;
    std::optional<std::string> gpu_type;  // the type priced
    double weight = 0, price_cny = 0;
};

struct RunSpec {
    std::int64_t id = 0;      // the backend's id
    std::int64_t job_id = 0;  // pdai's
    std::string catalog;      // where to record states and the ledger; "" = nowhere
    int busy_timeout_ms = 5000;
    std::string job_dir, script, logs_dir;
    bool array = false;
    std::vector<int> tasks;  // shard indices; {0} for a plain job
    int max_parallel = 1;
    int gpus = 0;               // per task
    std::vector<int> devices;   // the host's device indices the task may use
    std::int64_t time_limit_s = 0;
    std::int64_t kill_grace_s = 10;
    std::vector<std::string> environment;
    LedgerInfo ledger;
};

nlohmann::json to_json(const RunSpec& s);
RunSpec run_spec_from_json(const nlohmann::json& j);

struct RunStatus {
    long supervisor_pid = 0;
    bool finished = false;
    std::vector<TaskStatus> tasks;  // in RunSpec::tasks order
};

nlohmann::json to_json(const RunStatus& s);
RunStatus run_status_from_json(const nlohmann::json& j);

// File names inside a run directory.
inline std::string spec_file(const std::string& dir) { return dir + "/spec.json"; }
inline std::string status_file(const std::string& dir) { return dir + "/status.json"; }
inline std::string lock_path(const std::string& dir) { return dir + "/supervisor.lock"; }
inline std::string cancel_file(const std::string& dir) { return dir + "/cancel"; }
inline std::string supervisor_log(const std::string& dir) { return dir + "/supervisor.log"; }

// The supervisor: runs the tasks of the run in `dir`, records what happens, and returns its
// exit status. `lock_fd` is the inherited descriptor holding supervisor.lock.
int supervise(const std::string& dir, int lock_fd);

}  // namespace pdai::jobs::local
