// pdai node sync|summary (see node_sync_cmd.hpp and pdai-node(1)).
#include "cli/node_sync_cmd.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/nodes.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"
#include "inventory/node_sync.hpp"
#include "jobs/cluster.hpp"

namespace pdai::cli {

std::string gpus_text(const std::map<std::string, std::int64_t>& g) {
    std::string s;
    for (const auto& [type, n] : g) s += (s.empty() ? "" : ",") + type + ":" + std::to_string(n);
    return s.empty() ? "-" : s;
}

namespace {

struct SyncOpts {
    bool dry_run = false, prune = false, all = false;
};

void do_sync(Context& ctx, const SyncOpts& o) {
    auto from_slurm = jobs::cluster_nodes();  // before the write lock: slurmctld may be slow
    auto c = ctx.open_catalog(!o.dry_run);
    inventory::SyncPlan plan;
    if (o.dry_run) {
        plan = inventory::plan_node_sync(catalog::list_nodes(c), from_slurm);
    } else {
        c.write([&] {
            plan = inventory::plan_node_sync(catalog::list_nodes(c), from_slurm);
            inventory::apply_node_sync(c, plan, {o.prune, "slurm"});
        });
    }
    // With --prune, nodes removed earlier and still absent are deleted now too.
    auto kind_of = [&](const inventory::NodeChange& n) {
        if (o.prune && !n.in_slurm) return std::string("removed");
        return std::string(inventory::sync_kind_name(n.kind));
    };
    std::map<std::string, std::size_t> counts{{"added", 0}, {"changed", 0}, {"removed", 0}, {"unchanged", 0}};
    nlohmann::json nodes = nlohmann::json::array();
    Table t{{"HOST", "CHANGE", "GPUS", "STATE", "NOTE"}, {}};
    for (const auto& n : plan.nodes) {
        auto kind = kind_of(n);
        ++counts[kind];
        nodes.push_back({{"host", n.host},
                         {"change", kind},
                         {"gpus_before", n.gpus_before},
                         {"gpus", n.gpus_after},
                         {"state_before", n.state_before},
                         {"state", n.state_after},
                         {"notes", n.notes}});
        if (kind == "unchanged" && !o.all) continue;
        std::string gpus = gpus_text(n.gpus_after), state = n.state_after;
        if (n.kind == inventory::SyncKind::changed && n.gpus_before != n.gpus_after)
            gpus = gpus_text(n.gpus_before) + " -> " + gpus;
        if (n.kind != inventory::SyncKind::added && n.state_before != n.state_after)
            state = n.state_before + " -> " + state;
        if (kind == "removed" && o.prune) state = "deleted";
        std::string note;
        for (const auto& x : n.notes) note += (note.empty() ? "" : "; ") + x;
        t.rows.push_back({n.host, kind, gpus, state, note.empty() ? "-" : note});
    }
    nlohmann::json j = {{"dry_run", o.dry_run}, {"pruned", o.prune && !o.dry_run},
                        {"added", counts["added"]}, {"changed", counts["changed"]},
                        {"removed", counts["removed"]}, {"unchanged", counts["unchanged"]},
                        {"nodes", nodes}};
    if (ctx.out.format == Format::json) {
        std::cout << j.dump(2) << '\n';
        return;
    }
    if (!t.rows.empty()) ctx.out.listing(t, j);
    if (ctx.out.format == Format::table && !ctx.opts.quiet)
        std::cout << (o.dry_run ? "node sync (dry run, nothing written): " : "node sync: ") << counts["added"]
                  << " added, " << counts["changed"] << " changed, " << counts["removed"] << " removed, "
                  << counts["unchanged"] << " unchanged\n";
}

// Per owner: nodes, GPUs by type, and the compute-unit-hours those GPUs deliver per hour.
// Nodes Slurm no longer has (state removed) count as nodes but add no GPUs.
void do_summary(Context& ctx) {
    auto c = ctx.open_catalog(false);
    auto nodes = catalog::list_nodes(c);
    std::map<std::string, double> weight;
    for (const auto& t : catalog::list_gpu_types(c)) weight[t.name] = t.weight;
    struct Owner {
        std::int64_t nodes = 0, gpus = 0;
        double cuh = 0;
        std::map<std::string, std::int64_t> by_type, states;
    };
    std::map<std::string, Owner> owners;
    for (const auto& n : nodes) {
        auto& o = owners[n.spec.owner.value_or("shared")];
        ++o.nodes;
        ++o.states[n.spec.state];
        if (n.spec.state == inventory::kRemovedState) continue;
        for (const auto& [type, count] : n.spec.gpus) {
            o.by_type[type] += count;
            o.gpus += count;
            o.cuh += static_cast<double>(count) * weight[type];
        }
    }
    nlohmann::json j = nlohmann::json::array();
    Table t{{"OWNER", "NODES", "GPUS", "BY TYPE", "CUH/H", "STATES"}, {}};
    for (const auto& [owner, o] : owners) {
        j.push_back({{"owner", owner}, {"nodes", o.nodes}, {"gpus", o.gpus}, {"gpus_by_type", o.by_type},
                     {"cuh_per_hour", o.cuh}, {"states", o.states}});
        t.rows.push_back({owner, std::to_string(o.nodes), std::to_string(o.gpus), gpus_text(o.by_type),
                          fmt_number(o.cuh, 2), gpus_text(o.states)});
    }
    ctx.out.listing(t, j);
}

}  // namespace

void set_node_sync_commands(CLI::App& grp, Context& ctx) {
    auto so = std::make_shared<SyncOpts>();
    auto* sync = grp.add_subcommand(
        "sync", "Update nodes and their GPUs from slurmctld: report added, changed, removed");
    sync->add_flag("-n,--dry-run", so->dry_run, "Show the changes without writing them");
    sync->add_flag("--prune", so->prune, "Delete nodes Slurm no longer has, instead of marking them removed");
    sync->add_flag("--all", so->all, "Also list unchanged nodes");
    on_run(sync, ctx, [&ctx, so] { do_sync(ctx, *so); });

    auto* summary = grp.add_subcommand("summary", "Nodes, GPUs and compute capacity per owning bureau");
    on_run(summary, ctx, [&ctx] { do_summary(ctx); });
}

}  // namespace pdai::cli
