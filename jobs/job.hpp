// The job model shared by every backend: what was asked for (JobSpec), where the job's files
// live (Layout), and the job ready to hand to a backend (PreparedJob: spec, files, batch
// script and environment). Building a PreparedJob is pure; writing its files is job_files.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bundle/manifest.hpp"
#include "bundle/tree.hpp"
#include "jobs/shards.hpp"

namespace pdai::jobs {

using Kind = bundle::JobKind;

struct Resources {
    std::optional<std::string> gpu_type;  // nullopt: any GPU type
    int gpus = 0;                          // per node (one task per node)
    int cpus = 1;                          // per task
    std::optional<std::int64_t> mem_mib;   // per node; nullopt: the cluster's default
    int time_minutes = 0;                  // always finite: the quota prices it
    int nodes = 1;
};

// The algorithm version a job runs, as far as the job needs to know it.
struct AlgorithmInfo {
    std::int64_t version_id = 0;
    std::string name, version, vendor;
    std::string bundle_dir;  // the unpacked bundle in the store, absolute
    std::string entrypoint;  // absolute path of the entrypoint inside bundle_dir
    std::optional<bundle::InferConvention> infer;
    // The tree as registered: the job checks bundle_dir against it before the entrypoint
    // runs (batch_script.hpp). Empty: no check (a spec made by hand in a test).
    std::vector<bundle::TreeEntry> tree;
    std::string ref() const { return name + "@" + version; }
};

struct JobSpec {
    Kind kind = Kind::run;
    std::string bureau, account, user;
    AlgorithmInfo algorithm;
    Resources resources;
    // run: the --input files; infer: every input of the batch (absolute, deduplicated).
    std::vector<std::string> inputs;
    std::optional<std::string> dataset;  // train
    std::vector<std::string> args;       // after the manifest's arguments
    std::vector<std::pair<std::string, std::string>> env;  // --env KEY=VALUE, in order
    std::optional<std::string> partition;
    std::optional<std::string> output_dir;  // nullopt: <job dir>/output (train: <job dir>/model)
    std::optional<std::string> idempotency_key;
    int shard_size = 0;                // infer
    std::optional<int> max_parallel;   // infer: at most this many shards at once
    bool requeue = false;
    std::optional<std::string> register_as;  // train: "name@version", registered by 'pdai sync'
};

// Where one job's files live. Everything is under job_dir except a user-chosen output_dir.
struct Layout {
    std::string job_dir;      // <jobs_dir>/<pdai id>
    std::string script;       // job.sh
    std::string logs_dir;     // logs/: job.out, or task-<index>.out per array task
    std::string shards_dir;   // shards/: <NNNNN>.list per shard, <NNNNN>.done when it finished
    std::string inputs_list;  // inputs.list: run's --input files, one per line
    std::string resume_dir;   // resume/: where a requeued training job finds its checkpoints
    std::string exit_code_file;  // exit_code: the entrypoint's exit status (run, train)
    // The registered tree, as the check before the entrypoint reads it: bundle.sha256 (every
    // file, for sha256sum --check), bundle.links (symlink TAB target), bundle.paths (every
    // entry, sorted bytewise: nothing may be added).
    std::string bundle_sums, bundle_links, bundle_paths;
    std::string output_dir;

    std::string log_file(std::optional<int> task) const;  // task: array index
    std::string shard_list(const ShardPlan& plan, int shard) const;
    std::string shard_done(const ShardPlan& plan, int shard) const;
};

Layout make_layout(const JobSpec& spec, const std::string& jobs_dir, std::int64_t id);
Layout make_layout_at(const JobSpec& spec, const std::string& job_dir);
// The fixed paths under job_dir, with output_dir as given (layout_of reads it from a record).
Layout layout_in(const std::string& job_dir, std::string output_dir);

// How the batch script starts the entrypoint: under Slurm (srun for training, the array
// task id for inference), or on this machine (the local backend sets PDAI_TASK_INDEX).
enum class Launcher { slurm, local };

struct PreparedJob {
    std::int64_t id = 0;
    JobSpec spec;
    Layout layout;
    ShardPlan shards;               // infer only (count 0 otherwise)
    std::vector<int> task_indices;  // infer: the shards this submission runs (all, or a resume's)
    std::string script;             // the batch script's text
    std::vector<std::string> environment;  // "KEY=VALUE" for the job, sorted by key
    std::string name;     // short, for queue listings: "pdai-17-ocr"
    std::string comment;  // traces the job back: "pdai:job=17,kind=infer,algo=ocr@1.2.0,bureau=PSB"

    bool is_array() const { return spec.kind == Kind::infer; }
};

// Variables copied from the submitting environment into the job's (PATH, HOME, locale,
// SLURM_CONF, ...): enough for the entrypoint and for srun, nothing user-specific beyond that.
const std::vector<std::string>& inherited_env_names();

// Builds everything but the files. `environ_lookup` reads the submitting environment (getenv
// in production, a map in tests).
PreparedJob prepare_job(const JobSpec& spec, std::int64_t id, const std::string& jobs_dir,
                        Launcher launcher,
                        const std::function<const char*(const char*)>& environ_lookup);

// A job that a bureau user submits without write access to the catalog (ARCHITECTURE.md: the catalog
// is written by admins and 'pdai sync'; users submit through Slurm, which knows who they
// are): id 0, its files in `job_dir` (the user's own), named "pdai-u-<algorithm>", with a
// comment tag without job= ("pdai:kind=infer,algo=ocr@1.2.0,bureau=PSB,tasks=10") from
// which 'pdai sync' makes its catalog record.
PreparedJob prepare_unrecorded_job(const JobSpec& spec, const std::string& job_dir, Launcher launcher,
                                   const std::function<const char*(const char*)>& environ_lookup);

// The job's request as recorded in the catalog (request_json): everything but the inputs
// themselves, which stay in the shard lists; plus the fingerprint idempotency compares.
nlohmann::json request_json(const PreparedJob& job, const nlohmann::json& fingerprint);

}  // namespace pdai::jobs
