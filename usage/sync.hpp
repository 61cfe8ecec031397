// 'pdai sync': finished jobs into the ledger, active jobs into the liens snapshot, in one
// catalog transaction. The Slurm side hides behind AccountingSource so that the whole run is
// unit-tested with a fake; jobs::open_accounting() (jobs/cluster.hpp) is the real one.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "usage/ingest.hpp"

namespace pdai::catalog {
class Catalog;
}

namespace pdai::usage {

class AccountingSource {
public:
    virtual ~AccountingSource() = default;
    virtual std::string cluster() = 0;
    // Jobs and array tasks that ran at some time in [from, to] (finished or not: the caller
    // keeps the finished ones). Throws pdai::Error (unreachable) when slurmdbd cannot answer.
    virtual std::vector<FinishedJob> jobs_between(std::int64_t from, std::int64_t to) = 0;
    // Pending, running and suspended jobs from slurmctld.
    virtual std::vector<ActiveJob> active_jobs() = 0;
};

struct SyncOptions {
    std::int64_t now = 0;
    // Read from here instead of the watermark minus the overlap.
    std::optional<std::int64_t> since;
    // Re-read this much before the watermark: slurmdbd may record a job's end a little after
    // a job that ended later was already seen, and re-reading costs only skips.
    std::int64_t overlap_s = 3600;
};

struct SyncResult {
    std::string cluster;
    std::int64_t from = 0, to = 0;  // the window read
    int seen = 0, inserted = 0, corrected = 0, unchanged = 0, still_active = 0;
    int liens = 0, jobs_updated = 0;
    int jobs_repaired = 0;  // records given their Slurm id (found by job name) or marked lost
    int jobs_recorded = 0;  // bureau users' jobs (submitted without catalog access) recorded
    std::int64_t watermark = 0;
};

// One sync of one cluster. The Slurm reads happen first, outside any transaction; then every
// write (ledger rows, pdai job states, liens, sync_state) commits together or not at all.
SyncResult sync_usage(catalog::Catalog& c, AccountingSource& source, const SyncOptions& opts);

// Reads the catalog's GPU types, bureaus and algorithm vendors for the mapping.
IngestContext load_ingest_context(catalog::Catalog& c, std::int64_t now);

}  // namespace pdai::usage
