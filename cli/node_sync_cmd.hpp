// pdai node sync (the inventory from slurmctld) and pdai node summary (per owning bureau).
// `node sync` exists in every build; without Slurm it says so.
#pragma once

#include <CLI/CLI.hpp>

namespace pdai::cli {

class Context;

void set_node_sync_commands(CLI::App& node_group, Context& ctx);

}  // namespace pdai::cli
