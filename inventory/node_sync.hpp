// `pdai node sync`: the catalog's nodes brought in line with what slurmctld reports.
//
// The diff is pure (plan_node_sync); apply_node_sync writes it in the caller's transaction
// with one audit entry. Per host:
//   added      in Slurm, not in the catalog: inserted (owner shared, source 'slurm');
//   changed    in both, but the GPUs by type or the state differ: GPUs and state replaced,
//              the owner kept (ownership is the catalog's, Slurm knows nothing of bureaus);
//   removed    in the catalog, not in Slurm: marked state 'removed' (kept, so that its owner
//              and history survive a node that is only being rebuilt), or deleted with --prune;
//   unchanged  otherwise, including a node already marked removed and still absent.
// So a second sync right after the first changes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/nodes.hpp"

namespace pdai::catalog {
class Catalog;
}

namespace pdai::inventory {

inline constexpr std::string_view kRemovedState = "removed";

// A node as slurmctld reports it (slurm_load_node): name, state, GRES.
struct SlurmNode {
    std::string name;
    std::string state;  // lower case, e.g. "idle", "mixed", "down+drain"
    std::string gres;   // "gpu:a100:4(S:0),gpu:t4:4(S:1)"
};

struct GresGpus {
    std::map<std::string, std::int64_t> typed;  // type -> count
    std::int64_t untyped = 0;                   // "gpu:2": GPUs without a type
};

// The GPUs in a node's GRES string. Other GRES ("nic:1") are ignored; flags such as
// no_consume are skipped; "(S:0-1)" socket suffixes are dropped. Never throws: an item
// it cannot read is reported in `bad`.
GresGpus parse_gres_gpus(std::string_view gres, std::vector<std::string>* bad = nullptr);

enum class SyncKind { added, changed, removed, unchanged };
std::string_view sync_kind_name(SyncKind k);

struct NodeChange {
    SyncKind kind = SyncKind::unchanged;
    std::string host;
    std::map<std::string, std::int64_t> gpus_before, gpus_after;
    std::string state_before, state_after;
    bool in_slurm = true;            // false: only in the catalog
    std::vector<std::string> notes;  // untyped GPUs, unreadable GRES items
};

struct SyncPlan {
    std::vector<NodeChange> nodes;  // sorted by host
    std::size_t count(SyncKind k) const;
    bool empty() const;  // nothing added, changed or removed
};

SyncPlan plan_node_sync(const std::vector<catalog::Node>& catalog_nodes,
                        const std::vector<SlurmNode>& slurm_nodes);

struct SyncOptions {
    bool prune = false;  // delete nodes absent from Slurm (also ones marked earlier)
    std::string origin = "slurm";
};

// Writes the plan (the caller's transaction) and one audit entry "node.sync" when anything
// changed. GPU types Slurm reports but the catalog lacks are refused before any write
// (Errc::not_found), naming every one of them and the nodes that have them.
void apply_node_sync(catalog::Catalog& c, const SyncPlan& plan, const SyncOptions& opts);

}  // namespace pdai::inventory
