// job_desc_msg_t (what slurmctld hands the plugin) to the gate's requests, as the policy
// headers prescribe: NO_VAL and 0 mean "not given", TRES strings go to gpu_ask_from_tres(),
// array_inx to parse_array_spec(), and a request that cannot be read becomes
// JobRequest::request_error (refused with that text).
//
// One deliberate difference: a time limit of INFINITE (--time=UNLIMITED) maps to 0, "no
// limit", which the engine refuses with the --time advice. Mapping it to "not given" would
// let default_time price a job that then runs without any limit.
#pragma once

#include <slurm/slurm.h>

#include <cstdint>
#include <string>

#include "gate/quota_gate.hpp"
#include "policy/quota_policy.hpp"

namespace pdai::plugin {

policy::JobRequest to_job_request(const job_desc_msg_t& desc, std::string user, std::int64_t now);

gate::ModifyRequest to_modify_request(const job_desc_msg_t& desc, std::string user,
                                      std::int64_t now);

// The uid whose bureau pays: the job's owner when root submits for another user.
std::uint32_t job_owner(const job_desc_msg_t& desc, std::uint32_t submit_uid) noexcept;

}  // namespace pdai::plugin
