// job_desc_msg_t (what slurmctld hands the plugin) to the gate's requests: a submission
// becomes a policy::JobAsk, which policy::build_request() turns into the engine's request
// exactly as for every preview (policy/job_ask.hpp); NO_VAL and 0 mean "not given".
#pragma once

#include <slurm/slurm.h>

#include <cstdint>
#include <string>

#include "gate/quota_gate.hpp"
#include "policy/job_ask.hpp"

namespace pdai::plugin {

policy::JobAsk to_job_ask(const job_desc_msg_t& desc, std::string user, std::int64_t now);

gate::ModifyRequest to_modify_request(const job_desc_msg_t& desc, std::string user,
                                      std::int64_t now);

// The uid whose bureau pays: the job's owner when root submits for another user.
std::uint32_t job_owner(const job_desc_msg_t& desc, std::uint32_t submit_uid) noexcept;

}  // namespace pdai::plugin
