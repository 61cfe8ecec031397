// What the quota policy is asked about a pdai job, in one place: the fields of the request
// the Slurm backend sends (so a dry run on any backend, and the local backend's own
// admission, price exactly what the job_submit plugin prices), or of a recorded job.
#pragma once

#include <cstdint>

#include "catalog/jobs.hpp"
#include "jobs/job.hpp"
#include "policy/job_ask.hpp"

namespace pdai::jobs {

policy::JobAsk quota_ask(const PreparedJob& job, std::int64_t now);

// A recorded job still running (the local backend's own liens).
policy::JobAsk quota_ask(const catalog::JobRecord& r, std::int64_t now);

}  // namespace pdai::jobs
