// GPU requests: how many GPUs one job (one array task) asks for in total, and of which type.
//
// Inside slurmctld 22.05 a job_submit plugin sees no --gres field; the GPU options arrive
// as TRES strings in job_desc_msg_t:
//   tres_per_node    --gres=gpu[:type][:n], --gpus-per-node   "gres:gpu:a100:2", "gres:gpu"
//   tres_per_job     --gpus=[type:]n                           "gres:gpu:4"
//   tres_per_task    --gpus-per-task=[type:]n                  "gres:gpu:a100:1"
//   tres_per_socket  --gpus-per-socket=[type:]n                "gres:gpu:1"
// Entries are comma-separated and may name other GRES ("gres:gpu:t4:1,gres:nic:1"). Later
// Slurm releases write "gres/gpu:a100=2"; that form is accepted too.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "policy/parsed.hpp"

namespace pdai::policy {

// GPUs pdai accepts in one job before calling the request absurd (keeps products in range).
inline constexpr std::int64_t kMaxGpusPerJob = 1'000'000;

struct GpuAsk {
    int count = 0;                    // GPUs for one job / one array task, all nodes together
    std::optional<std::string> type;  // all of them of this type; std::nullopt = any type
                                      // ("untyped"), or several types (see mixed)
    // Two or more named types in one job ("--gres=gpu:a100:1,gpu:t4:4", or an exclusive
    // node's GPUs): the count of each, summing to count; type is then std::nullopt. Empty for
    // one type or untyped.
    std::map<std::string, int, std::less<>> mixed = {};

    // Each named type with its count: mixed, or {type: count}; empty when untyped or 0.
    std::map<std::string, int, std::less<>> by_type() const;
    friend bool operator==(const GpuAsk&, const GpuAsk&) = default;
};

// A GpuAsk from per-type counts (zero counts dropped): one type, mixed, or 0 GPUs.
GpuAsk gpu_ask_of_types(const std::map<std::string, int, std::less<>>& counts);

// The GPU entries of one TRES string: their summed count and type. Returns a GpuAsk with
// count 0 when the string is empty or names no "gpu" GRES. Other GRES (nic, mps, shard, ...)
// are ignored. "gres:gpu" and "gres:gpu:a100" without a count mean 1, as in Slurm; counts
// take Slurm's k/m/g suffixes (x1024). Entries are summed. Different named types give a mixed
// ask (each type priced at its own weight); a named type with untyped entries gives an
// untyped ask, since the untyped GPUs may land on any type (the engine prices untyped at the
// bureau's most expensive allowed type).
Parsed<GpuAsk> parse_gpu_tres(std::string_view tres);

// The TRES strings of a job description; empty = field was NULL.
struct TresFields {
    std::string_view per_job = {};
    std::string_view per_node = {};
    std::string_view per_task = {};
    std::string_view per_socket = {};
};

// The job's shape as the plugin sees it; std::nullopt = not given (NO_VAL / 0 in Slurm).
struct JobShape {
    std::optional<int> min_nodes = {};         // -N n or -N min-max
    std::optional<int> max_nodes = {};         // -N min-max
    std::optional<int> num_tasks = {};         // -n
    std::optional<int> ntasks_per_node = {};   // --ntasks-per-node
    std::optional<int> sockets_per_node = {};  // --sockets-per-node
};

// The most nodes the job may get: the largest of min_nodes, max_nodes and
// ceil(num_tasks / ntasks_per_node); 1 when none is given (capped at kMaxGpusPerJob + 1).
std::int64_t node_count(const JobShape& shape);

// Total GPUs per job from every TRES field, conservatively (never below what Slurm can give):
// - nodes = the largest of min_nodes, max_nodes and ceil(num_tasks / ntasks_per_node); 1
//   when none is given. With -N min-max the job may get max nodes, so max is charged.
//   Without -N, -n tasks may still be spread over several nodes by Slurm; that is not
//   counted (it would charge `-n 8 --gres=gpu:8` for 64 GPUs); the ledger charges what ran.
// - per_node   x nodes.
// - per_job    as is.
// - per_task   x tasks, tasks = the largest of num_tasks, ntasks_per_node x nodes, and nodes
//   (Slurm starts one task per node by default), so --gpus-per-task without -n counts 1
//   task per node.
// - per_socket x sockets_per_node x nodes; unknown sockets count 1 socket per node. Slurm
//   requires --sockets-per-node with --gpus-per-socket and rejects the job after the plugin
//   when it is missing, so that job never runs.
// - several fields at once: Slurm must satisfy all of them, so the largest total is taken.
// Types combine as in parse_gpu_tres, except that fields are not summed: with named types
// only, each type takes the largest count any field gives it (Slurm must satisfy every
// field); a named type with an untyped field gives untyped.
Parsed<GpuAsk> gpu_ask_from_tres(const TresFields& tres, const JobShape& shape);

// pdai's CLI form: "N" (untyped) or "TYPE:N"; N >= 0. "TYPE" alone means 1.
Parsed<GpuAsk> parse_cli_gpus(std::string_view text);

// "2 x a100", "4 GPUs (any type)", "1 x a100 + 4 x t4": for messages and dry-run output.
std::string describe(const GpuAsk& ask);

}  // namespace pdai::policy
