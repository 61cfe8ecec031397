#include "jobs/backends/slurmctld_nodes.hpp"

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "common/error.hpp"
#include "jobs/backends/slurm_client.hpp"
#include "slurmapi/slurm_compat.hpp"

namespace pdai::jobs {
namespace {

struct NodeInfoFree {
    void operator()(node_info_msg_t* m) const noexcept { slurm_free_node_info_msg(m); }
};

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
    if (slurm_load_node(0, &raw, SHOW_ALL) != SLURM_SUCCESS) {
        const int e = slurmapi::last_error();
        if (slurm::is_unreachable(e)) slurm::throw_unreachable(e, "reading nodes");
        throw Error(Errc::failure, std::string("slurmctld refused to list nodes: ") + slurm_strerror(e));
    }
    std::unique_ptr<node_info_msg_t, NodeInfoFree> msg(raw);
    std::vector<inventory::SlurmNode> out;
    for (std::uint32_t i = 0; i < msg->record_count; ++i) {
        const node_info_t& n = msg->node_array[i];
        if (!n.name) continue;  // a hole in the node table (removed dynamic node)
        out.push_back({n.name, node_availability(n.node_state), n.gres ? n.gres : ""});
    }
    return out;
}

}  // namespace pdai::jobs
