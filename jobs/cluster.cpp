#include "jobs/cluster.hpp"

#include "common/error.hpp"
#include "pdai/build_config.hpp"
#if PDAI_HAVE_SLURM
#include "jobs/backends/slurmctld_nodes.hpp"
#include "jobs/backends/slurmdb_accounting.hpp"
#endif

namespace pdai::jobs {

#if PDAI_HAVE_SLURM
std::unique_ptr<usage::AccountingSource> open_accounting() { return make_slurmdb_accounting(); }
std::vector<inventory::SlurmNode> cluster_nodes() { return load_slurm_nodes(); }
std::vector<catalog::Partition> cluster_partitions() { return load_slurm_partitions(); }
#else
namespace {
[[noreturn]] void no_slurm() {
    throw Error(Errc::failure, "this pdai was built without Slurm support",
                "rebuild where libslurm-dev is installed (cmake -DPDAI_WITH_SLURM=ON to make sure)");
}
}  // namespace
std::unique_ptr<usage::AccountingSource> open_accounting() { no_slurm(); }
std::vector<inventory::SlurmNode> cluster_nodes() { no_slurm(); }
std::vector<catalog::Partition> cluster_partitions() { no_slurm(); }
#endif

}  // namespace pdai::jobs
