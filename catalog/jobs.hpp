// Jobs: every run, training and batch-inference submission pdai made, with the backend's id
// for it (the Slurm job id), its last known state, and per-task rows for job arrays (one per
// inference shard). The request as submitted is kept as JSON for lineage and accounting.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pdai::catalog {

class Catalog;

struct JobRecord {
    std::int64_t id = 0;
    std::string kind;     // run | train | infer
    std::string backend;  // slurm | local
    std::string cluster;  // Slurm's ClusterName; "" for local
    std::string bureau;   // bureau code
    std::string account;  // the bureau's Slurm account
    std::string unix_user;
    std::optional<std::int64_t> algorithm_version_id;
    std::string algorithm;  // "name@version", "" when the version is gone
    std::optional<std::int64_t> slurm_job_id;  // the latest array for a resumed batch
    std::string state;      // pdai's state names (jobs/job_state.hpp)
    std::optional<int> exit_code;
    std::optional<std::string> gpu_type;
    int gpus_per_task = 0, nodes = 1, tasks = 1;
    std::optional<int> time_limit_minutes;
    std::optional<std::string> idempotency_key;
    std::string request_json;
    std::string workdir;  // the job's directory (script, shard lists, logs)
    std::int64_t submitted_at = 0;
    std::optional<std::int64_t> started_at, ended_at;
};

struct NewJobRecord {
    std::string kind, backend, cluster;
    std::int64_t bureau_id = 0;
    std::string unix_user;
    std::optional<std::int64_t> algorithm_version_id;
    std::string state = "submitting";
    std::optional<std::string> gpu_type;
    int gpus_per_task = 0, nodes = 1, tasks = 1;
    std::optional<int> time_limit_minutes;
    std::optional<std::string> idempotency_key;
    std::string request_json;
    std::string workdir;
    std::optional<std::int64_t> submitted_at;  // now when unset
};

struct JobTaskRecord {
    std::int64_t job_id = 0;
    int index = 0;
    std::optional<std::int64_t> slurm_job_id;
    std::string state;
    std::optional<int> exit_code;
    std::optional<std::int64_t> started_at, ended_at;
};

struct JobFilter {
    std::optional<std::string> bureau;  // code
    std::optional<std::string> user;
    // Only jobs of these bureaus or by this user (app/visibility.hpp); nullopt: every job.
    std::optional<std::pair<std::vector<std::string>, std::string>> visible_to;
    std::vector<std::string> states;    // any of these; empty: all
    std::optional<std::int64_t> since;  // submitted at or after (unix seconds)
    int limit = 100;                    // newest first; <= 0: no limit
};

// The id a new job will get if nothing else inserts first (for --dry-run's paths).
std::int64_t next_job_id(Catalog& c);
// Inserts in the caller's transaction; returns the new id.
std::int64_t insert_job(Catalog& c, const NewJobRecord& j);
void set_job_workdir(Catalog& c, std::int64_t id, const std::string& workdir);
// After the backend accepted it: its id there, and the state it reported.
void set_job_submitted(Catalog& c, std::int64_t id, std::optional<std::int64_t> slurm_job_id,
                       const std::string& state);
// The second step of a submission, after the backend accepted the job with no catalog lock
// held: its id there, and its state unless something newer was recorded meanwhile (a fast
// local job's supervisor may finish first). Tasks still "submitting" take the same.
void record_job_accepted(Catalog& c, std::int64_t id, std::int64_t backend_job_id, const std::string& state);
// Takes back a record the backend never accepted (state submitting, no backend id); false
// when it is no longer such a record.
bool delete_unaccepted_job(Catalog& c, std::int64_t id);
// Slurm jobs recorded but never given their Slurm id (the submitting pdai died, or could not
// write the second step): 'pdai sync' finds them by job name.
std::vector<JobRecord> list_unaccepted_jobs(Catalog& c, const std::string& cluster);
// A state seen later (refresh from the backend). Times and exit code are kept when nullopt.
void update_job_state(Catalog& c, std::int64_t id, const std::string& state,
                      std::optional<int> exit_code, std::optional<std::int64_t> started_at,
                      std::optional<std::int64_t> ended_at);

std::optional<JobRecord> find_job(Catalog& c, std::int64_t id);
JobRecord get_job(Catalog& c, std::int64_t id);  // not_found if unknown
std::optional<JobRecord> find_job_by_key(Catalog& c, const std::string& idempotency_key);
// The job whose (latest or any task's) backend job id is this one, on the local backend too
// ('jobs show 4_1' of a local array); a Slurm job first where both have it.
std::optional<JobRecord> find_job_by_backend_id(Catalog& c, std::int64_t backend_job_id);
// The job whose (latest or any task's) Slurm job id is this one; any cluster when nullopt.
std::optional<JobRecord> find_job_by_slurm_id(Catalog& c, const std::optional<std::string>& cluster,
                                              std::int64_t slurm_job_id);
std::vector<JobRecord> list_jobs(Catalog& c, const JobFilter& f);

// Tasks of a job array. set_tasks_submitted marks `indices` as handed to array `slurm_job_id`
// (inserting missing rows), in the caller's transaction, with one prepared statement.
void set_tasks_submitted(Catalog& c, std::int64_t job_id, const std::vector<int>& indices,
                         std::optional<std::int64_t> slurm_job_id, const std::string& state);
void update_task_state(Catalog& c, std::int64_t job_id, int index, const std::string& state,
                       std::optional<int> exit_code, std::optional<std::int64_t> started_at,
                       std::optional<std::int64_t> ended_at);
std::vector<JobTaskRecord> list_job_tasks(Catalog& c, std::int64_t job_id);

void to_json(nlohmann::json& j, const JobRecord& r);
void to_json(nlohmann::json& j, const JobTaskRecord& t);

}  // namespace pdai::catalog
