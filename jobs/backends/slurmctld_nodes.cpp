#include "jobs/backends/slurmctld_nodes.hpp"

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "common/error.hpp"

// Exported by libslurm but missing from its public header (the type is the header's own):
// the slurm.conf slurm_init() parsed, to name the controller in error messages.
extern "C" {
extern slurm_conf_t slurm_conf;
}

namespace pdai::jobs {
namespace {

struct NodeInfoFree {
    void operator()(node_info_msg_t* m) const noexcept { slurm_free_node_info_msg(m); }
};

std::string conf_path() {
    const char* c = std::getenv("SLURM_CONF");
    return c && *c ? c : "/etc/slurm/slurm.conf";
}

// libslurm calls fatal() (exit) when slurm.conf is missing, so look first. slurm_init()
// twice in one process (the submit backend does the same) is harmless: the second parse
// is refused by libslurm and the plugins are already loaded.
void init_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        std::string path = conf_path();
        if (::access(path.c_str(), R_OK) != 0)
            throw Error(Errc::failure, "cannot read Slurm's configuration " + path,
                        "set SLURM_CONF to the cluster's slurm.conf");
        slurm_init(nullptr);
    });
}

std::string controller() {
    std::string host = "?";
    if (slurm_conf.control_cnt > 0 && slurm_conf.control_machine && slurm_conf.control_machine[0])
        host = slurm_conf.control_machine[0];
    return host + ":" + std::to_string(slurm_conf.slurmctld_port);
}

bool is_unreachable(int e) {
    switch (e) {
    case SLURM_COMMUNICATIONS_CONNECTION_ERROR:
    case SLURM_COMMUNICATIONS_SEND_ERROR:
    case SLURM_COMMUNICATIONS_RECEIVE_ERROR:
    case SLURM_COMMUNICATIONS_SHUTDOWN_ERROR:
    case SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR:
    case SLURMCTLD_COMMUNICATIONS_SEND_ERROR:
    case SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR:
    case SLURMCTLD_COMMUNICATIONS_SHUTDOWN_ERROR:
    case SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT:
    case ECONNREFUSED:
    case ETIMEDOUT:
    case EHOSTUNREACH:
    case ENETUNREACH: return true;
    default: return false;
    }
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
    init_once();
    node_info_msg_t* raw = nullptr;
    if (slurm_load_node(0, &raw, SHOW_ALL) != SLURM_SUCCESS) {
        int e = slurm_get_errno();
        std::string text = slurm_strerror(e);
        if (is_unreachable(e))
            throw Error(Errc::unreachable,
                        "cannot reach slurmctld at " + controller() + " while reading nodes: " + text,
                        "check that slurmctld runs ('scontrol ping'); the address comes from " +
                            conf_path());
        throw Error(Errc::failure, "slurmctld refused to list nodes: " + text);
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
