// The Slurm backend: submits through libslurm (slurm_submit_batch_job, never sbatch), reads
// state with slurm_load_job(s), cancels with slurm_kill_job2. The only place besides the
// job_submit plugin that calls libslurm.
#pragma once

#include <memory>

#include "jobs/backend.hpp"

namespace pdai::jobs {

// Reads slurm.conf ($SLURM_CONF, else /etc/slurm/slurm.conf) once per process; refuses
// (Errc::failure) when it cannot be read. Contacts no daemon.
std::unique_ptr<Backend> make_slurm_backend();

}  // namespace pdai::jobs
