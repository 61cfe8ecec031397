// pdai node add | list | remove | import | sync | summary.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "catalog/nodes.hpp"
#include "inventory/node_sync.hpp"

namespace pdai::app {

struct AddNode {
    std::string host, owner = "shared", gpus, state = "unknown";  // gpus "a100:4,t4:2"
};
catalog::Node add_node(const Context& ctx, const AddNode& r);
std::vector<catalog::Node> list_nodes(const Context& ctx);
void remove_node(const Context& ctx, const std::string& host);

struct SetNode {
    std::string host;
    std::optional<std::string> owner;  // bureau code, or "shared"
    std::optional<std::string> gpus;   // "a100:4,t4:2"; "" or "none": no GPUs
    std::optional<std::string> state;
};
catalog::Updated<catalog::Node> set_node(const Context& ctx, const SetNode& r);

// CSV (host,owner,gpus) or JSON lines, from a file or '-' (the caller reads stdin): all rows
// or none. Returns the number of nodes written.
std::size_t import_nodes(const Context& ctx, const std::string& content, const std::string& origin);

struct NodeSyncRequest {
    bool dry_run = false, prune = false;
};
struct NodeSyncResult {
    inventory::SyncPlan plan;
    // Slurm's partitions, stored with the nodes (which get whole nodes, which is default).
    std::vector<catalog::Partition> partitions;
    bool partitions_changed = false;  // they differ from those stored (dry run: would)
    bool dry_run = false, prune = false;
    // "added", "changed", "removed" or "unchanged"; with --prune a node absent from Slurm
    // counts as removed (it is deleted now), even one marked removed earlier.
    std::string change_of(const inventory::NodeChange& n) const;
    std::map<std::string, std::size_t> counts() const;
};
NodeSyncResult sync_nodes(const Context& ctx, const NodeSyncRequest& r);

// Per owning bureau ("shared" for the platform's): nodes, GPUs by type, the CUH those GPUs
// deliver per hour, and the nodes' states. Nodes Slurm no longer has count as nodes but add
// no GPUs.
struct OwnerCapacity {
    std::string owner;
    std::int64_t nodes = 0, gpus = 0;
    double cuh_per_hour = 0;
    std::map<std::string, std::int64_t> gpus_by_type, states;
};
std::vector<OwnerCapacity> node_summary(const Context& ctx);

}  // namespace pdai::app
