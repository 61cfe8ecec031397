// What every libslurm caller in jobs/ shares: finding and parsing slurm.conf once, naming
// the controller in error messages, and telling "slurmctld unreachable" (exit 7) from
// Slurm's other errors.
#pragma once

#include <string>

namespace pdai::jobs::slurm {

// $SLURM_CONF, else /etc/slurm/slurm.conf.
std::string conf_path();

// slurm_init() once per process. libslurm calls fatal() (exit) when slurm.conf is missing,
// so it is checked first: a pdai::Error naming the file, with `hint` as the next step.
void init_once(const std::string& hint = "set SLURM_CONF to the cluster's slurm.conf");

// "pdai-host (127.0.0.1):6817": where libslurm sends requests, from the parsed slurm.conf.
std::string controller();

// Slurm or socket error codes that mean the controller could not be reached.
bool is_unreachable(int slurm_errno);

// The Error for an unreachable slurmctld while `doing` something (exit 7).
[[noreturn]] void throw_unreachable(int slurm_errno, const std::string& doing);

}  // namespace pdai::jobs::slurm
