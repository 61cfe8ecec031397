// The cluster's nodes as slurmctld knows them (libslurm's slurm_load_node), for
// `pdai node sync`. Built only with Slurm (PDAI_HAVE_SLURM).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "inventory/node_sync.hpp"

namespace pdai::jobs {

// Every node (hidden ones too) with its GRES and its availability:
//   up (idle, mixed or allocated), down, future or unknown, then flags that matter for
//   inventory: +drain, +fail, +maint, +not_responding, +powered_down, +reboot_requested.
// Load (idle vs allocated) is left out on purpose: it changes every minute and is sinfo's
// business; a sync reports a node changed when its GPUs or its availability change.
// Throws pdai::Error: no readable slurm.conf (failure), slurmctld unreachable (unreachable).
std::vector<inventory::SlurmNode> load_slurm_nodes();

// Every partition: its nodes, whether it is the default, and whether its jobs get whole
// nodes (OverSubscribe=EXCLUSIVE, or ExclusiveUser=YES). Throws as load_slurm_nodes().
std::vector<catalog::Partition> load_slurm_partitions();

// The availability text above for a node_state value (pure; exposed for tests).
std::string node_availability(std::uint32_t node_state);

}  // namespace pdai::jobs
