// Usage ingestion, the pure part: a finished Slurm job or array task as slurmdbd reports it
// becomes one ledger row, priced with the catalog's GPU types; whether a row already in the
// ledger makes it a no-op, a new row or a correction; and an active job's lien. No I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/ledger.hpp"

namespace pdai::usage {

// One job or array task from slurmdbd (slurmdb_job_rec_t), with TRES in named form.
struct FinishedJob {
    std::string cluster;
    std::int64_t job_id = 0;                    // the array's job id for an array task
    std::optional<std::int64_t> array_task_id;  // none for a plain job
    std::string account, user;
    std::string state;       // Slurm's base state name: COMPLETED, FAILED, CANCELLED, ...
    std::string alloc_tres;  // "cpu=2,mem=4G,node=1,billing=2,gres/gpu=2,gres/gpu:a100=2"
    std::string comment;     // "pdai:job=12,kind=run,algo=ocr@1.2.0,bureau=PSB" for pdai jobs
    std::string name;        // "pdai-12-ocr" for pdai jobs
    std::string work_dir;
    std::int64_t submit = 0;
    std::int64_t start = 0, end = 0, elapsed_s = 0;
    std::optional<int> exit_code;  // the batch script's, when it exited
};

// The GPUs of an AllocTRES string: typed entries ("gres/gpu:a100=2") by type; GPUs only
// counted untyped ("gres/gpu=2" without a typed entry) under "".
std::map<std::string, int> gpus_of_tres(std::string_view alloc_tres);

// The pdai job id in a job name "pdai-<id>-<algorithm>", if it is one.
std::optional<std::int64_t> pdai_id_of_name(std::string_view name);

// What a "pdai:" comment tag says; empty fields when the comment is no pdai tag.
struct PdaiTag {
    std::optional<std::int64_t> job_id;  // none: a bureau user's job that sync records
    std::optional<std::string> algorithm, version, kind, bureau;
    std::optional<int> tasks;
};
PdaiTag parse_pdai_tag(std::string_view comment);

struct PricedType {
    double weight = 1.0;  // CUH per GPU-hour
    double price_cny = 0.0;
};

// What the mapping needs from the catalog, read once per sync.
struct IngestContext {
    std::map<std::string, PricedType> gpu_types;
    std::map<std::string, catalog::AccountBureau> bureaus_by_account;  // lower-case account
    std::map<std::string, std::string> vendor_of_algorithm;
    std::int64_t now = 0;
};

// The ledger row for a finished job (id and corrects_id unset). Pricing: per GPU type,
// GPU-hours = GPUs x elapsed / 3600, CUH = GPU-hours x weight, cost = GPU-hours x price,
// summed over the types the job held. GPUs of no known type (untyped, or a type missing from
// the catalog) are priced at the dearest known type, as the quota engine prices an untyped
// request; gpu_type names the type with most GPUs (ties: the dearest). The account is
// matched to a bureau case-insensitively and written in the bureau's own spelling.
catalog::LedgerRow to_ledger_row(const FinishedJob& job, const IngestContext& ctx);

// Idempotency: what to do with a freshly mapped row given the job's effective ledger row.
// Same Slurm figures (account, user, GPUs and type, start, end, elapsed, state) = skip; no row
// = insert; different figures (requeued and run again, time extended, state fixed) = a
// correcting row (corrects = old id). Prices are not compared: a weight changed later does
// not re-price jobs already ingested.
enum class IngestAction { skip, insert, correct };
IngestAction decide(const std::optional<catalog::LedgerRow>& current, const catalog::LedgerRow& fresh);

// An active job (pending, running, suspended) as slurmctld reports it.
struct ActiveJob {
    std::int64_t job_id = 0;
    std::string account, state;
    std::optional<std::string> gpu_type;  // the type asked for; none: untyped
    int gpus = 0;                         // per task, all nodes together
    int tasks = 1;                        // pending array tasks this record covers
    int nodes = 1;
    std::optional<int> time_limit_minutes;
    std::int64_t array_job_id = 0;  // an array task's array; 0 for a plain job
    // Aggregate-initialised in tests up to time_limit_minutes: these have initialisers.
    std::string name = {};  // "pdai-12-ocr" for pdai jobs
    std::string user = {}, comment = {}, work_dir = {};
    std::int64_t submit = 0;
    // Several named types ("--gres=gpu:a100:1,gpu:t4:4"): the count of each; gpu_type is
    // then none, and the lien prices each type at its own weight.
    std::map<std::string, int, std::less<>> gpu_mix = {};

    // The Slurm id a pdai record holds: the array's for an array task.
    std::int64_t record_id() const { return array_job_id ? array_job_id : job_id; }
};

// The lien of an active job: bound = GPUs x tasks x time limit x weight (untyped: the dearest
// type). nullopt when its account is no bureau's or it asks for no GPUs. A job without a
// time limit (only exempt jobs get past the plugin without one) gets bound 0 and
// time_limit_minutes none; its GPUs still count as concurrent.
std::optional<catalog::LienRow> to_lien(const ActiveJob& job, const IngestContext& ctx);

// Slurm's state names that end a job (what is ingested); others are still active.
bool is_finished_state(std::string_view slurm_state);

}  // namespace pdai::usage
