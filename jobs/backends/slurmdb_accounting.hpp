// The real usage::AccountingSource: finished jobs from slurmdbd (slurmdb_jobs_get over a
// time window) and active jobs from slurmctld (slurm_load_jobs), both through libslurm.
// Built only with Slurm; callers use jobs::open_accounting() (jobs/cluster.hpp).
#pragma once

#include <memory>

#include "usage/sync.hpp"

namespace pdai::jobs {

std::unique_ptr<usage::AccountingSource> make_slurmdb_accounting();

}  // namespace pdai::jobs
