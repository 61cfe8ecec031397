// The embedded local backend: runs jobs on this machine, each submission under its own
// detached supervisor ('pdai __supervise', see local_run.hpp), with the same catalog, quota
// engine and job files as Slurm. LocalOptions::catalog is where it admits jobs and where
// its supervisors record them; without one, jobs run unadmitted and unaccounted.
//
// Test knobs (environment at submission): PDAI_LOCAL_SECONDS_PER_MINUTE scales time limits
// (default 60), PDAI_LOCAL_KILL_GRACE is the seconds between SIGTERM and SIGKILL (default 10),
// PDAI_LOCAL_STATE_DIR moves the per-host state (local_files.hpp).
#pragma once

#include <memory>

#include "catalog/catalog.hpp"
#include "jobs/backend.hpp"

namespace pdai::jobs {

std::unique_ptr<Backend> make_local_backend(LocalOptions options);

// The local backend's admission, also what its --dry-run shows: the policy engine on `snap`
// (the catalog's snapshot) with the local jobs still running held as liens (Slurm's are in
// the snapshot already, from 'pdai sync'), asked through the same builder as the plugin.
policy::Decision decide(catalog::Catalog& c, const PreparedJob& job, policy::Snapshot& snap,
                        const policy::Settings& settings);

}  // namespace pdai::jobs
