#include "app/nodes.hpp"

#include <nlohmann/json.hpp>

#include "catalog/audit.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/nodes.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "jobs/cluster.hpp"

namespace pdai::app {

catalog::Node add_node(const Context& ctx, const AddNode& r) {
    catalog::NodeSpec spec{r.host, {}, catalog::parse_gpu_counts(r.gpus), r.state};
    if (r.owner != "shared" && !r.owner.empty()) spec.owner = r.owner;
    auto c = ctx.open_catalog(true);
    return c.write([&] { return catalog::add_node(c, spec); });
}

std::vector<catalog::Node> list_nodes(const Context& ctx) {
    auto c = ctx.open_catalog(false);
    return catalog::list_nodes(c);
}

void remove_node(const Context& ctx, const std::string& host) {
    auto c = ctx.open_catalog(true);
    c.write([&] { catalog::remove_node(c, host); });
}

catalog::Updated<catalog::Node> set_node(const Context& ctx, const SetNode& r) {
    catalog::NodeChange ch;
    if (r.owner) ch.owner = *r.owner == "shared" ? std::string() : *r.owner;
    if (r.gpus) ch.gpus = *r.gpus == "none" ? std::map<std::string, std::int64_t>{} : catalog::parse_gpu_counts(*r.gpus);
    ch.state = r.state;
    if (!ch.owner && !ch.gpus && !ch.state)
        throw Error(Errc::usage, "nothing to change on node '" + r.host + "'", "give --owner, --gpus or --state");
    auto c = ctx.open_catalog(true);
    return c.write([&] { return catalog::set_node(c, r.host, ch); });
}

std::size_t import_nodes(const Context& ctx, const std::string& content, const std::string& origin) {
    auto specs = catalog::parse_node_file(content);
    auto c = ctx.open_catalog(true);
    log::info("node import: " + std::to_string(specs.size()) + " rows parsed, writing");
    return c.write([&] { return catalog::import_nodes(c, specs, origin); });
}

std::string NodeSyncResult::change_of(const inventory::NodeChange& n) const {
    if (prune && !n.in_slurm) return "removed";
    return std::string(inventory::sync_kind_name(n.kind));
}

std::map<std::string, std::size_t> NodeSyncResult::counts() const {
    std::map<std::string, std::size_t> out{{"added", 0}, {"changed", 0}, {"removed", 0}, {"unchanged", 0}};
    for (const auto& n : plan.nodes) ++out[change_of(n)];
    return out;
}

NodeSyncResult sync_nodes(const Context& ctx, const NodeSyncRequest& r) {
    // Both before the write lock: slurmctld may be slow.
    auto from_slurm = jobs::cluster_nodes();
    auto partitions = jobs::cluster_partitions();
    auto c = ctx.open_catalog(!r.dry_run);
    NodeSyncResult out;
    out.dry_run = r.dry_run;
    out.prune = r.prune;
    if (r.dry_run) {
        out.plan = inventory::plan_node_sync(catalog::list_nodes(c), from_slurm);
        catalog::sort_partitions(partitions);
        out.partitions_changed = catalog::list_partitions(c) != partitions;
        out.partitions = std::move(partitions);
    } else {
        c.write([&] {
            out.plan = inventory::plan_node_sync(catalog::list_nodes(c), from_slurm);
            inventory::apply_node_sync(c, out.plan, {r.prune, "slurm"});
            const auto before = catalog::list_partitions(c);
            out.partitions_changed = catalog::replace_partitions(c, partitions);
            out.partitions = catalog::list_partitions(c);
            catalog::mark_inventory_synced(c);
            if (out.partitions_changed) {
                const nlohmann::json was = before, now = out.partitions;
                catalog::audit(c, "partition.sync", "partition", "slurm", &was, &now);
            }
        });
    }
    return out;
}

std::vector<OwnerCapacity> node_summary(const Context& ctx) {
    auto c = ctx.open_catalog(false);
    auto nodes = catalog::list_nodes(c);
    std::map<std::string, double> weight;
    for (const auto& t : catalog::list_gpu_types(c)) weight[t.name] = t.weight;
    std::map<std::string, OwnerCapacity> owners;
    for (const auto& n : nodes) {
        const std::string name = n.spec.owner.value_or("shared");
        auto& o = owners[name];
        o.owner = name;
        ++o.nodes;
        ++o.states[n.spec.state];
        if (n.spec.state == inventory::kRemovedState) continue;
        for (const auto& [type, count] : n.spec.gpus) {
            o.gpus_by_type[type] += count;
            o.gpus += count;
            o.cuh_per_hour += static_cast<double>(count) * weight[type];
        }
    }
    std::vector<OwnerCapacity> out;
    for (auto& [name, o] : owners) out.push_back(std::move(o));
    return out;
}

}  // namespace pdai::app
