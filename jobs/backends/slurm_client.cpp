#include "jobs/backends/slurm_client.hpp"

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>

#include "common/error.hpp"
// slurm_conf: the slurm.conf that slurm_init() parsed, to name the controller without asking it.
#include "slurmapi/slurm_compat.hpp"

namespace pdai::jobs::slurm {

std::string conf_path() {
    const char* c = std::getenv("SLURM_CONF");
    return c && *c ? c : "/etc/slurm/slurm.conf";
}

void init_once(const std::string& hint) {
    static std::once_flag once;
    std::call_once(once, [&hint] {
        const std::string path = conf_path();
        if (::access(path.c_str(), R_OK) != 0)
            throw Error(Errc::failure, "cannot read Slurm's configuration " + path, hint);
        // Array task lists in full: by default libslurm cuts them at 64 characters.
        ::setenv("SLURM_BITSTR_LEN", "0", 0);
        slurm_init(nullptr);
    });
}

std::string controller() {
    std::string host = "?", addr;
    if (slurm_conf.control_cnt > 0 && slurm_conf.control_machine && slurm_conf.control_machine[0])
        host = slurm_conf.control_machine[0];
    if (slurm_conf.control_cnt > 0 && slurm_conf.control_addr && slurm_conf.control_addr[0])
        addr = slurm_conf.control_addr[0];
    std::string s = host;
    if (!addr.empty() && addr != host) s += " (" + addr + ")";
    return s + ":" + std::to_string(slurm_conf.slurmctld_port);
}

bool is_unreachable(int e) {
    switch (e) {
    case SLURM_COMMUNICATIONS_CONNECTION_ERROR:
    case SLURM_COMMUNICATIONS_SEND_ERROR:
    case SLURM_COMMUNICATIONS_RECEIVE_ERROR:
    case SLURM_COMMUNICATIONS_SHUTDOWN_ERROR:
    case SLURM_COMMUNICATIONS_MISSING_SOCKET_ERROR:
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

void throw_unreachable(int e, const std::string& doing) {
    throw Error(Errc::unreachable,
                "cannot reach slurmctld at " + controller() + " while " + doing + ": " + slurm_strerror(e),
                "check that slurmctld runs ('scontrol ping'); the address comes from " + conf_path());
}

}  // namespace pdai::jobs::slurm
