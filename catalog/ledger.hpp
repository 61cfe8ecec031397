// The usage ledger (append-only), its per-day rollup, the liens snapshot and the sync
// watermark: everything 'pdai sync' writes and the usage reports read.
//
// Corrections: a ledger row is never updated or deleted. When a job's figures change after it
// was ingested (requeued and run again, time extended), a new row with the new figures is
// appended whose corrects_id names the row it replaces. The replaced row stays, for the audit
// trail; the effective ledger is every row that no other row corrects. In accounting terms the
// correcting row is the reversal of the old row plus the new figures, folded into one row.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pdai::catalog {

class Catalog;

struct LedgerRow {
    std::int64_t id = 0;  // set by the catalog
    std::string cluster;
    std::int64_t slurm_job_id = 0;  // the array's job id for an array task
    std::optional<std::int64_t> array_task_id;
    std::optional<std::int64_t> pdai_job_id;
    std::optional<std::int64_t> bureau_id;  // the bureau whose account ran it; none: unknown
    std::string account, unix_user;
    std::optional<std::string> algorithm, algorithm_version, vendor, gpu_type;
    int gpus = 0;
    std::int64_t start_at = 0, end_at = 0, elapsed_s = 0;
    double gpu_hours = 0, cuh = 0, cost_cny = 0;
    std::string exit_state;  // Slurm's name: COMPLETED, FAILED, TIMEOUT, ...
    std::optional<std::int64_t> corrects_id;
    std::int64_t ingested_at = 0;
};

// The effective row (not corrected by another) for one job or array task, if any.
std::optional<LedgerRow> current_ledger_row(Catalog& c, const std::string& cluster,
                                            std::int64_t slurm_job_id,
                                            std::optional<std::int64_t> array_task_id);
// Appends a row in the caller's transaction and keeps usage_daily in step (adds the row,
// subtracts the row it corrects). Returns the new id.
std::int64_t append_ledger_row(Catalog& c, const LedgerRow& row);
// Bulk load for benchmarks and imports: appends rows without touching usage_daily; call
// rebuild_usage_daily() afterwards.
void append_ledger_rows_raw(Catalog& c, const std::vector<LedgerRow>& rows);
void rebuild_usage_daily(Catalog& c);  // and usage_monthly from it

// Calendar month (UTC) of unix time t as year * 12 + (month - 1), usage_monthly's key; the
// second form only when t is the first instant of a month.
std::int64_t month_index(std::int64_t t);
std::optional<std::int64_t> month_index_if_start(std::int64_t t);
std::optional<LedgerRow> ledger_row(Catalog& c, std::int64_t id);
std::vector<LedgerRow> ledger_rows(Catalog& c, const std::string& cluster, std::int64_t slurm_job_id);
std::int64_t ledger_row_count(Catalog& c);
// Whether a pdai job record with this id exists (a comment tag may name a foreign one).
bool pdai_job_exists(Catalog& c, std::int64_t id);

// One row of the liens table (see migrations.cpp).
struct LienRow {
    std::int64_t slurm_job_id = 0;
    std::int64_t bureau_id = 0;
    std::optional<std::string> gpu_type;
    int gpus = 0, tasks = 1, nodes = 1;
    std::optional<int> time_limit_minutes;
    std::optional<std::int64_t> concurrent_gpus;
    double bound_cuh = 0;
    std::string state;
};
// Replaces the cluster's liens with `liens` and records liens_at, in the caller's transaction.
void replace_liens(Catalog& c, const std::string& cluster, const std::vector<LienRow>& liens,
                   std::int64_t liens_at);

struct SyncState {
    std::string cluster;
    std::int64_t watermark = 0;  // the latest end time ingested
    std::optional<std::int64_t> liens_at, last_run_at;
};
std::optional<SyncState> find_sync_state(Catalog& c, const std::string& cluster);
std::vector<SyncState> list_sync_states(Catalog& c);
void set_sync_run(Catalog& c, const std::string& cluster, std::int64_t watermark, std::int64_t at);

// Lookups the ingestion needs, read once per sync.
struct AccountBureau {
    std::int64_t bureau_id = 0;
    std::string code, account;
};
std::vector<AccountBureau> account_bureaus(Catalog& c);
// algorithm name -> vendor name.
std::vector<std::pair<std::string, std::string>> algorithm_vendors(Catalog& c);

void to_json(nlohmann::json& j, const LedgerRow& r);

}  // namespace pdai::catalog
