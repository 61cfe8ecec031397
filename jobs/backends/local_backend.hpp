// The embedded local backend: runs jobs on this machine, each submission under its own
// detached supervisor ('pdai __supervise', see local_run.hpp), with the same catalog, quota
// engine and job files as Slurm. The catalog comes from $PDAI_CATALOG (the CLI sets it to
// the catalog it resolved); without one, jobs run unadmitted and unaccounted.
//
// Test knobs (environment at submission): PDAI_LOCAL_SECONDS_PER_MINUTE scales time limits
// (default 60), PDAI_LOCAL_KILL_GRACE is the seconds between SIGTERM and SIGKILL (default 10),
// PDAI_LOCAL_STATE_DIR moves the per-host state (local_files.hpp).
#pragma once

#include <memory>

#include "jobs/backend.hpp"

namespace pdai::jobs {

std::unique_ptr<Backend> make_local_backend();

}  // namespace pdai::jobs
