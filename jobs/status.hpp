// What a job is doing now: its catalog record joined with what its backend says and what its
// job directory shows (an inference shard's done marker, a run's recorded exit status), for
// 'pdai jobs list|show|wait' and '--wait'. States the catalog had not seen yet are written
// back, so a job the backend has since forgotten still shows how it ended.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/jobs.hpp"
#include "jobs/backend.hpp"
#include "jobs/job_state.hpp"

namespace pdai::catalog {
class Catalog;
}

namespace pdai::jobs {

// Backends by name, each opened when first needed: a listing may hold jobs of both.
class BackendSet {
public:
    using Opener = std::function<std::unique_ptr<Backend>(const std::string&)>;
    explicit BackendSet(Opener open = [](const std::string& name) { return open_backend(name); })
        : open_(std::move(open)) {}
    Backend& get(const std::string& name);
    void add(std::unique_ptr<Backend> b);  // one the caller already opened
    void borrow(Backend& b);               // the same, still owned by the caller

private:
    Opener open_;
    std::vector<std::unique_ptr<Backend>> owned_;
    std::map<std::string, Backend*, std::less<>> by_name_;
};

struct JobView {
    catalog::JobRecord record;
    State state = State::pending;
    std::optional<int> exit_code;
    StateCounts counts;              // over tasks: 1 for run/train, one per shard for infer
    std::vector<TaskStatus> tasks;   // infer: index = shard
    std::string reason;              // why pending / how it failed, from the backend
    std::string nodes;
    std::optional<std::int64_t> started_at, ended_at;

    // What 'pdai ... --wait' exits with: 0 when it completed, else exit_code_for().
    int wait_exit_code() const;
};

// Where a recorded job's files are, and its shards (from the catalog's request_json).
Layout layout_of(const catalog::JobRecord& r);
ShardPlan shard_plan_of(const catalog::JobRecord& r);

// Asks each job's backend about the jobs that had not ended when last seen (one request per
// backend for all of them). With write_back, changed states go to the catalog in one
// transaction. Backend errors propagate (slurmctld down: Errc::unreachable).
std::vector<JobView> inspect_jobs(catalog::Catalog& c, BackendSet& backends,
                                  const std::vector<catalog::JobRecord>& records, bool write_back);

struct WaitOptions {
    std::chrono::milliseconds first_poll{200}, max_poll{2000};
    std::optional<std::chrono::seconds> timeout;  // Errc::failure when it passes
    bool write_back = false;
    std::function<void(const std::vector<JobView>&)> on_progress;
};

// Until every job ended; returns their final views.
std::vector<JobView> wait_jobs(catalog::Catalog& c, BackendSet& backends,
                               const std::vector<std::int64_t>& job_ids, const WaitOptions& o);

// "17" (a pdai id, else a Slurm job id), "pdai:17", "slurm:4242", "4242_7" (array task).
catalog::JobRecord resolve_job_ref(catalog::Catalog& c, std::string_view ref);

}  // namespace pdai::jobs
