#include "jobs/backends/slurmctld_nodes.hpp"

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <type_traits>

#include "common/error.hpp"
#include "jobs/backends/slurm_client.hpp"
#include "slurmapi/slurm_compat.hpp"

namespace pdai::jobs {
namespace {

struct NodeInfoFree {
    void operator()(node_info_msg_t* m) const noexcept { slurm_free_node_info_msg(m); }
};
struct PartitionInfoFree {
    void operator()(partition_info_msg_t* m) const noexcept { slurm_free_partition_info_msg(m); }
};
// hostlist_t is a pointer typedef up to 23.x and the struct itself from 24.05; this is the
// pointer either way.
using HostList = decltype(slurm_hostlist_create(""));
struct HostListFree {
    void operator()(std::remove_pointer_t<HostList>* h) const noexcept { slurm_hostlist_destroy(h); }
};

// "gpu[01-03],cpu1" -> gpu01, gpu02, gpu03, cpu1.
std::vector<std::string> expand_hosts(const char* expr) {
    std::vector<std::string> out;
    if (!expr || !*expr) return out;
    std::unique_ptr<std::remove_pointer_t<HostList>, HostListFree> hl(slurm_hostlist_create(expr));
    if (!hl) return out;
    while (char* host = slurm_hostlist_shift(hl.get())) {
        out.emplace_back(host);
        std::free(host);
    }
    return out;
}

// A slurm_load_* call failed: slurmctld unreachable, or it refused to list `what`.
[[noreturn]] void throw_load_error(const char* what) {
    const int e = slurmapi::last_error();
    if (slurm::is_unreachable(e)) slurm::throw_unreachable(e, std::string("reading ") + what);
    throw Error(Errc::failure, std::string("slurmctld refused to list ") + what + ": " + slurm_strerror(e));
}

}  // namespace

std::string node_availability(std::uint32_t s) {
    std::string out;
    switch (s & NODE_STATE_BASE) {
    case NODE_STATE_IDLE:
    case NODE_STATE_ALLOCATED:
    case NODE_STATE_MIXED: out = "up"; break;
    case NODE_STATE_DOWN: out = "down"; break;
    case NODE_STATE_FUTURE: out = "future"; break;
    default: out = "unknown";
    }
    const std::pair<std::uint32_t, const char*> flags[] = {
        {NODE_STATE_DRAIN, "drain"},
        {NODE_STATE_FAIL, "fail"},
        {NODE_STATE_MAINT, "maint"},
        {NODE_STATE_NO_RESPOND, "not_responding"},
        {NODE_STATE_POWERED_DOWN, "powered_down"},
        {NODE_STATE_REBOOT_REQUESTED, "reboot_requested"},
    };
    for (const auto& [bit, name] : flags)
        if (s & bit) out += std::string("+") + name;
    return out;
}

std::vector<inventory::SlurmNode> load_slurm_nodes() {
    slurm::init_once();
    node_info_msg_t* raw = nullptr;
    if (slurm_load_node(0, &raw, SHOW_ALL) != SLURM_SUCCESS) throw_load_error("nodes");
    std::unique_ptr<node_info_msg_t, NodeInfoFree> msg(raw);
    std::vector<inventory::SlurmNode> out;
    for (std::uint32_t i = 0; i < msg->record_count; ++i) {
        const node_info_t& n = msg->node_array[i];
        if (!n.name) continue;  // a hole in the node table (removed dynamic node)
        out.push_back({n.name, node_availability(n.node_state), n.gres ? n.gres : ""});
    }
    return out;
}

std::vector<catalog::Partition> load_slurm_partitions() {
    slurm::init_once();
    partition_info_msg_t* raw = nullptr;
    if (slurm_load_partitions(0, &raw, SHOW_ALL) != SLURM_SUCCESS) throw_load_error("partitions");
    std::unique_ptr<partition_info_msg_t, PartitionInfoFree> msg(raw);
    std::vector<catalog::Partition> out;
    for (std::uint32_t i = 0; i < msg->record_count; ++i) {
        const partition_info_t& p = msg->partition_array[i];
        if (!p.name) continue;
        // OverSubscribe=EXCLUSIVE is max_share 0 (FORCE:n sets a flag bit on top of n >= 1).
        const bool exclusive = p.max_share == 0 || (p.flags & PART_FLAG_EXCLUSIVE_USER);
        out.push_back({p.name, exclusive, (p.flags & PART_FLAG_DEFAULT) != 0, expand_hosts(p.nodes)});
    }
    return out;
}

}  // namespace pdai::jobs
