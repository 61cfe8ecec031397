// pdai run | train | infer: one function submits, one previews (--dry-run), for every
// backend, with the same quota verdict as the plugin (app/quota.hpp).
//
// Who records the job: a caller who may write the catalog (an admin, the cron user) gets a
// catalog record in two short transactions around the backend call (jobs/submit.hpp); a
// bureau user on Slurm, who may only read it, submits straight to Slurm, whose plugin checks
// the uid and quota, and 'pdai sync' records the job later.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/context.hpp"
#include "app/quota.hpp"
#include "jobs/backend.hpp"
#include "jobs/status.hpp"
#include "jobs/submit.hpp"

namespace pdai::app {

struct Submit {
    jobs::SubmitRequest job;             // user and cwd are filled in from the context
    std::string cwd;                     // relative paths are relative to this
    std::optional<std::string> backend;  // --backend; else pdai.conf's 'backend'
    bool resume = false;
    bool wait = false;  // the caller waits afterwards; refused where there is no record
    int count = 1;      // --count: copies in one transaction (benchmarks)
};

// A recorded submission (or the job an idempotency key already names).
struct Submitted {
    jobs::SubmitResult result;
    std::string backend;
    std::string output_dir;
};

// A bureau user's submission, recorded by the next 'pdai sync'.
struct SubmittedUnrecorded {
    jobs::UnrecordedSubmission submission;
    jobs::JobSpec spec;
    std::string backend, cluster;
};

struct SubmittedCopies {
    std::vector<catalog::JobRecord> jobs;
    std::string backend;
    double seconds = 0;
};

using SubmitOutcome = std::variant<Submitted, SubmittedUnrecorded, SubmittedCopies>;
SubmitOutcome submit(const Context& ctx, Submit r);

struct DryRunResult {
    jobs::DryRun dry;
    std::string backend;
    nlohmann::json request;  // the backend's exact request (Backend::describe)
    QuotaVerdict quota;      // what the backend (the plugin, or the local backend) will say
};
DryRunResult dry_run(const Context& ctx, Submit r);

// The backend the context's settings choose (--backend, else pdai.conf, else auto).
std::string backend_name(const Context& ctx, const std::optional<std::string>& flag);
// What the local backend needs to admit and record jobs as the plugin would.
jobs::LocalOptions local_options(const Context& ctx);
// The config's jobs_dir, else "jobs" next to the catalog.
std::string jobs_dir(const Context& ctx);
// Where a bureau user's own submissions keep their files: $XDG_STATE_HOME/pdai/jobs, else
// ~/.local/state/pdai/jobs (shared with the compute nodes on a cluster).
std::string user_jobs_dir();

}  // namespace pdai::app
