// The quota policy's view of the catalog: every bureau with its quota, allowed GPU types and
// members, the GPU types, each bureau's ledger usage in its current period, and the liens
// that 'pdai sync' last wrote. One loader serves the job_submit plugin (on its reload thread)
// and 'pdai quota check', so both see the same numbers.
//
// A bureau without a quota row is loaded with a monthly budget of 0 CUH: it may run jobs
// without GPUs, and every GPU job is refused as over budget until a quota is set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "policy/quota_policy.hpp"

namespace pdai::catalog {

class Catalog;

// One row of the liens table (see the schema in migrations.cpp).
struct Lien {
    std::string account;                  // the bureau's Slurm account
    std::optional<std::string> gpu_type;  // the type priced
    int gpus = 0;                         // per task
    int tasks = 1;
    int nodes = 1;
    std::optional<int> time_limit_minutes;
    std::int64_t concurrent_gpus = 0;  // never NULL here: gpus x tasks when the row has none
    double bound_cuh = 0.0;
    std::string state;
};

struct PolicySnapshot {
    // taken_at = SnapshotQuery::now; used_cuh, liens_cuh and active_gpus filled in.
    policy::Snapshot snapshot;
    // sync_state.liens_at (the oldest over the clusters read); nullopt before any sync.
    std::optional<std::int64_t> liens_at;
    std::unordered_map<std::int64_t, Lien> liens;  // by Slurm job id
};

struct SnapshotQuery {
    std::int64_t now = 0;  // usage is summed over each bureau's period containing this time
    std::string cluster;   // liens and sync_state of this cluster only; empty: every cluster
};

// Reads everything in one read transaction, so the parts agree with each other. Throws
// pdai::Error when the catalog cannot be read.
PolicySnapshot load_policy_snapshot(Catalog& c, const SnapshotQuery& query);

}  // namespace pdai::catalog
