// What pdai reads from the cluster besides jobs: accounting for 'pdai sync' (slurmdbd and
// slurmctld) and the node list for 'pdai node sync' (slurmctld). Both come from the Slurm
// backend; a pdai built without Slurm throws Error(failure) saying so.
#pragma once

#include <memory>
#include <vector>

#include "inventory/node_sync.hpp"
#include "usage/sync.hpp"

namespace pdai::jobs {

// Finished jobs from slurmdbd, active jobs from slurmctld, through libslurm.
std::unique_ptr<usage::AccountingSource> open_accounting();

// Every node slurmctld knows, with its GRES and availability (see slurmctld_nodes.hpp).
std::vector<inventory::SlurmNode> cluster_nodes();
// Its partitions (see slurmctld_nodes.hpp).
std::vector<catalog::Partition> cluster_partitions();

}  // namespace pdai::jobs
