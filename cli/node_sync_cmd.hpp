// pdai node sync (the inventory from slurmctld) and pdai node summary (per owning bureau).
// `node sync` exists in every build; without Slurm it says so.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <map>
#include <string>

namespace pdai::cli {

class Context;

void set_node_sync_commands(CLI::App& node_group, Context& ctx);

// "a100:8,t4:4" ("-" for none): a node's GPUs by type, as node list and sync print them.
std::string gpus_text(const std::map<std::string, std::int64_t>& gpus);

}  // namespace pdai::cli
