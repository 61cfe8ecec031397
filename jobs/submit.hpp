// Submitting run, train and infer jobs: from what the user asked (SubmitRequest) to a checked
// JobSpec (algorithm usable by the bureau, user a member, resources from the manifest and
// the flags, inputs resolved), then to a catalog record and a backend submission that agree,
// with idempotency keys and the resumption of a batch's missing shards.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalog/jobs.hpp"
#include "jobs/backend.hpp"
#include "jobs/job.hpp"
#include "policy/quota_policy.hpp"

namespace pdai::catalog {
class Catalog;
}

namespace pdai::jobs {

struct SubmitRequest {
    Kind kind = Kind::run;
    std::string algorithm;  // "name[@version]"
    std::optional<std::string> bureau;  // nullopt: the user's only bureau
    std::optional<std::string> gpus;    // "N", "TYPE:N", "any:N"
    std::optional<int> cpus, nodes;
    std::optional<std::string> mem, time;
    std::vector<std::string> inputs;  // run: --input paths; infer: --inputs DIR|GLOB|@LIST
    std::optional<std::string> dataset;
    std::vector<std::string> args;
    std::vector<std::string> env;  // "KEY=VALUE"
    std::optional<std::string> partition, output, idempotency_key, register_as;
    std::optional<int> shard_size, max_parallel;
    bool requeue = false;
    std::string user;  // the submitting unix user
    std::string cwd;   // relative paths are relative to this
    bool require_signed = false;  // pdai.conf require_signed_bundles: refuse an unsigned version
};

// Checks everything that can be checked without the backend. Errors: an unknown or revoked
// algorithm (not_found / refused), a kind the bundle does not support (usage), an unknown
// bureau (not_found), a bureau the user is not a member of, an inactive bureau, an algorithm
// not shared with the bureau (refused), an unknown GPU type (not_found), a GPU type the
// bundle does not run on, bad sizes or times (usage), inputs that do not exist (not_found),
// an empty input set (usage). A user or account that `quota` exempts (the plugin's settings)
// needs no membership, as with sbatch.
JobSpec build_spec(catalog::Catalog& c, const SubmitRequest& r, const policy::Settings& quota);

// What an idempotency key remembers: the same key with a different fingerprint is a conflict.
nlohmann::json fingerprint(const JobSpec& spec);

struct SubmitOptions {
    std::string jobs_dir;  // job directories are <jobs_dir>/<pdai id>
    bool resume = false;   // infer: resubmit the failed or missing shards of the key's batch
};

struct SubmitResult {
    enum class Outcome { submitted, existing, resumed, nothing_to_resume };
    Outcome outcome = Outcome::submitted;
    catalog::JobRecord job;
    std::vector<int> tasks;  // the shards this submission runs (infer)
    std::string message;     // the cluster's note on accepting it
};
const char* to_string(SubmitResult::Outcome o);

// Three steps, so that no catalog lock is held while the backend is asked: (1) the record,
// state "submitting", in a short transaction; (2) the job directory and the backend call;
// (3) the backend's id in a second short transaction. A failed step 2 removes the directory
// and the record. A failed step 3 leaves the admitted job queued and the record waiting for
// 'pdai sync', which finds the Slurm job by its name (pdai-<id>-...); the result says so.
// The same idempotency key with the same fingerprint returns the existing job (step 1 is
// serialised, so two racing submissions get one job); with another fingerprint it is
// Errc::conflict. --resume stays one transaction (see submit.cpp).
SubmitResult submit_job(catalog::Catalog& c, Backend& b, const JobSpec& spec, const SubmitOptions& o);

// A bureau user's submission when the catalog is read-only for them (ARCHITECTURE.md: admins and
// 'pdai sync' write it; users submit through Slurm, whose plugin checks them by uid): the
// job goes to the backend with its files in a new directory under `user_jobs_dir`, and
// nothing is written to the catalog; the next 'pdai sync' records it from the job's
// comment tag (prepare_unrecorded_job). Idempotency keys and --resume live in the catalog,
// so they are refused here (Errc::usage). A failed submission removes the directory.
struct UnrecordedSubmission {
    PreparedJob job;
    Submitted submitted;
};
UnrecordedSubmission submit_unrecorded(Backend& b, const JobSpec& spec, const std::string& user_jobs_dir);

// Batch mode: `count` copies of one job (no idempotency key, no resume) in ONE catalog
// transaction, so the catalog costs one commit for all of them. All are recorded or none:
// when one fails, the copies the backend already accepted are cancelled.
std::vector<catalog::JobRecord> submit_copies(catalog::Catalog& c, Backend& b, const JobSpec& spec,
                                              const SubmitOptions& o, int count);

// --dry-run: the job as it would be submitted (with the id it would get) and, when an
// idempotency key already names a job with the same fingerprint, that job.
struct DryRun {
    PreparedJob job;
    std::optional<catalog::JobRecord> existing;
};
DryRun dry_run(catalog::Catalog& c, const Backend& b, const JobSpec& spec, const SubmitOptions& o);

}  // namespace pdai::jobs
