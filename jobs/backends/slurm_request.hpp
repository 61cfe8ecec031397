// The Slurm request for a prepared job, as plain C++ values named after the fields of
// job_desc_msg_t that it sets. Pure (no libslurm here), so --dry-run prints exactly what
// slurm_backend.cpp copies into the job_desc_msg_t, and unit tests check it without Slurm.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "jobs/job.hpp"
#include "policy/job_ask.hpp"

namespace pdai::jobs {

struct SlurmRequest {
    std::string name;
    std::string comment;  // "pdai:job=17,kind=infer,algo=ocr@1.2.0,bureau=PSB"
    std::string account;  // the bureau's Slurm account
    std::optional<std::string> partition;  // nullopt: the cluster's default
    std::string work_dir;  // the job directory
    std::string std_out;   // stderr goes there too (std_err unset)
    bool append_output = true;  // open_mode append: a requeued or resumed task keeps its history
    std::uint32_t time_limit = 0;  // minutes
    std::uint32_t min_nodes = 1, max_nodes = 1;
    std::uint32_t num_tasks = 1;
    std::optional<std::uint16_t> ntasks_per_node;
    std::uint16_t cpus_per_task = 1;
    std::optional<std::uint64_t> pn_min_memory;  // MiB per node
    std::optional<std::string> tres_per_node;    // "gres:gpu:a100:2"
    std::optional<std::string> array_inx;        // "0-19%4"
    std::uint16_t requeue = 0;
    std::uint32_t user_id = 0, group_id = 0;
    std::vector<std::string> environment;
    std::string script;
};

// "gres:gpu:a100:2" or "gres:gpu:2"; nullopt without GPUs.
std::optional<std::string> gpu_tres_per_node(const Resources& r);

SlurmRequest build_slurm_request(const PreparedJob& job, std::uint32_t uid, std::uint32_t gid);

// What the job_submit plugin will read of this request, for policy::build_request().
policy::JobAsk to_job_ask(const SlurmRequest& r, const std::string& user, std::int64_t now);

// {"job_desc": {field: value, ...}} with job_desc_msg_t's field names; the script and the
// environment in full.
nlohmann::json to_json(const SlurmRequest& r);

}  // namespace pdai::jobs
