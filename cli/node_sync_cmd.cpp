// pdai node sync|summary (see node_sync_cmd.hpp and pdai-node(1)).
#include "cli/node_sync_cmd.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "app/json.hpp"
#include "app/nodes.hpp"
#include "cli/context.hpp"

namespace pdai::cli {

std::string gpus_text(const std::map<std::string, std::int64_t>& g) {
    std::string s;
    for (const auto& [type, n] : g) s += (s.empty() ? "" : ",") + type + ":" + std::to_string(n);
    return s.empty() ? "-" : s;
}

namespace {

void do_sync(Context& ctx, const app::NodeSyncRequest& o, bool all) {
    const auto r = app::sync_nodes(ctx.app, o);
    if (ctx.out.format == Format::json) {
        std::cout << nlohmann::json(r).dump(2) << '\n';
        return;
    }
    Table t{{"HOST", "CHANGE", "GPUS", "STATE", "NOTE"}, {}};
    for (const auto& n : r.plan.nodes) {
        const auto kind = r.change_of(n);
        if (kind == "unchanged" && !all) continue;
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
    if (!t.rows.empty()) ctx.out.listing(t, r);
    auto counts = r.counts();
    if (ctx.out.format == Format::table && !ctx.opts.quiet)
        std::cout << (o.dry_run ? "node sync (dry run, nothing written): " : "node sync: ") << counts["added"]
                  << " added, " << counts["changed"] << " changed, " << counts["removed"] << " removed, "
                  << counts["unchanged"] << " unchanged\n";
    if (ctx.out.format == Format::table && !ctx.opts.quiet && !r.partitions.empty()) {
        std::string parts;
        for (const auto& p : r.partitions) {
            std::string notes = p.is_default ? "default" : "";
            if (p.exclusive) notes += std::string(notes.empty() ? "" : ", ") + "whole nodes";
            parts += (parts.empty() ? "" : "; ") + p.name + " (" + std::to_string(p.nodes.size()) + " nodes" +
                     (notes.empty() ? "" : ", " + notes) + ")";
        }
        std::cout << "partitions" << (r.partitions_changed ? (o.dry_run ? " (would change)" : " (changed)") : "")
                  << ": " << parts << '\n';
    }
}

void do_summary(Context& ctx) {
    const auto owners = app::node_summary(ctx.app);
    Table t{{"OWNER", "NODES", "GPUS", "BY TYPE", "CUH/H", "STATES"}, {}};
    for (const auto& o : owners)
        t.rows.push_back({o.owner, std::to_string(o.nodes), std::to_string(o.gpus), gpus_text(o.gpus_by_type),
                          fmt_number(o.cuh_per_hour, 2), gpus_text(o.states)});
    ctx.out.listing(t, owners);
}

}  // namespace

void set_node_sync_commands(CLI::App& grp, Context& ctx) {
    struct SyncOpts {
        app::NodeSyncRequest request;
        bool all = false;
    };
    auto so = std::make_shared<SyncOpts>();
    auto* sync = grp.add_subcommand(
        "sync", "Update nodes and their GPUs from slurmctld: report added, changed, removed");
    sync->add_flag("-n,--dry-run", so->request.dry_run, "Show the changes without writing them");
    sync->add_flag("--prune", so->request.prune, "Delete nodes Slurm no longer has, instead of marking them removed");
    sync->add_flag("--all", so->all, "Also list unchanged nodes");
    on_run(sync, ctx, [&ctx, so] { do_sync(ctx, so->request, so->all); });

    auto* summary = grp.add_subcommand("summary", "Nodes, GPUs and compute capacity per owning bureau");
    on_run(summary, ctx, [&ctx] { do_summary(ctx); });
}

}  // namespace pdai::cli
