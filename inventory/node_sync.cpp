#include "inventory/node_sync.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "catalog/audit.hpp"
#include "catalog/gpu_types.hpp"
#include "common/error.hpp"

namespace pdai::inventory {
namespace {

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out(1);
    for (char c : s) {
        if (c == sep)
            out.emplace_back();
        else
            out.back() += c;
    }
    return out;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Top-level items of a GRES string: commas inside "(S:0,1)" do not split.
std::vector<std::string> items(std::string_view gres) {
    std::vector<std::string> out(1);
    int depth = 0;
    for (char c : gres) {
        if (c == '(') ++depth;
        if (c == ')' && depth > 0) --depth;
        if (c == ',' && depth == 0)
            out.emplace_back();
        else
            out.back() += c;
    }
    return out;
}

}  // namespace

GresGpus parse_gres_gpus(std::string_view gres, std::vector<std::string>* bad) {
    GresGpus g;
    if (gres.empty() || gres == "(null)") return g;
    for (auto item : items(gres)) {
        if (auto paren = item.find('('); paren != std::string::npos) item.erase(paren);
        if (item.empty()) continue;
        auto parts = split(item, ':');
        if (parts[0] != "gpu") continue;
        std::int64_t count = 1;
        std::string type;
        bool ok = true;
        for (std::size_t i = 1; i < parts.size(); ++i) {
            const auto& p = parts[i];
            if (i + 1 == parts.size() && all_digits(p)) {
                if (p.size() > 6)
                    ok = false;  // no node has a million GPUs
                else
                    count = std::stoll(p);
            } else if (p == "no_consume" || p.empty()) {
                continue;
            } else if (type.empty()) {
                type = p;
            } else {
                ok = false;
            }
        }
        if (!ok || count <= 0) {
            if (bad) bad->push_back(item);
            continue;
        }
        if (type.empty())
            g.untyped += count;
        else
            g.typed[type] += count;
    }
    return g;
}

std::string_view sync_kind_name(SyncKind k) {
    switch (k) {
    case SyncKind::added: return "added";
    case SyncKind::changed: return "changed";
    case SyncKind::removed: return "removed";
    case SyncKind::unchanged: return "unchanged";
    }
    return "?";
}

std::size_t SyncPlan::count(SyncKind k) const {
    return static_cast<std::size_t>(
        std::count_if(nodes.begin(), nodes.end(), [k](const NodeChange& n) { return n.kind == k; }));
}

bool SyncPlan::empty() const { return count(SyncKind::unchanged) == nodes.size(); }

SyncPlan plan_node_sync(const std::vector<catalog::Node>& catalog_nodes,
                        const std::vector<SlurmNode>& slurm_nodes) {
    std::map<std::string, const catalog::Node*> known;
    for (const auto& n : catalog_nodes) known[n.spec.host] = &n;
    std::set<std::string> seen;
    SyncPlan plan;
    for (const auto& s : slurm_nodes) {
        if (!seen.insert(s.name).second) continue;  // a node listed twice counts once
        NodeChange ch;
        ch.host = s.name;
        std::vector<std::string> bad;
        auto g = parse_gres_gpus(s.gres, &bad);
        ch.gpus_after = g.typed;
        ch.state_after = s.state.empty() ? "unknown" : s.state;
        if (g.untyped > 0)
            ch.notes.push_back(std::to_string(g.untyped) +
                               " GPUs without a type are not counted; give them Type= in gres.conf "
                               "and Gres=gpu:TYPE:N in slurm.conf");
        for (const auto& b : bad) ch.notes.push_back("unreadable GRES item '" + b + "' ignored");
        if (auto it = known.find(s.name); it != known.end()) {
            ch.gpus_before = it->second->spec.gpus;
            ch.state_before = it->second->spec.state;
            bool same = ch.gpus_before == ch.gpus_after && ch.state_before == ch.state_after;
            ch.kind = same ? SyncKind::unchanged : SyncKind::changed;
        } else {
            ch.kind = SyncKind::added;
        }
        plan.nodes.push_back(std::move(ch));
    }
    for (const auto& n : catalog_nodes) {
        if (seen.count(n.spec.host)) continue;
        NodeChange ch;
        ch.host = n.spec.host;
        ch.gpus_before = ch.gpus_after = n.spec.gpus;
        ch.state_before = n.spec.state;
        ch.state_after = std::string(kRemovedState);
        ch.in_slurm = false;
        ch.kind = n.spec.state == kRemovedState ? SyncKind::unchanged : SyncKind::removed;
        plan.nodes.push_back(std::move(ch));
    }
    std::sort(plan.nodes.begin(), plan.nodes.end(),
              [](const NodeChange& a, const NodeChange& b) { return a.host < b.host; });
    return plan;
}

void apply_node_sync(catalog::Catalog& c, const SyncPlan& plan, const SyncOptions& opts) {
    // Every unknown type at once, before the first write.
    std::map<std::string, std::vector<std::string>> unknown;
    for (const auto& n : plan.nodes) {
        if (n.kind != SyncKind::added && n.kind != SyncKind::changed) continue;
        for (const auto& [type, count] : n.gpus_after)
            if (!catalog::find_gpu_type(c, type)) unknown[type].push_back(n.host);
    }
    if (!unknown.empty()) {
        std::string list, first;
        for (const auto& [type, hosts] : unknown) {
            if (first.empty()) first = type;
            list += (list.empty() ? "" : "; ") + type + " (on " + hosts.front() +
                    (hosts.size() > 1 ? " and " + std::to_string(hosts.size() - 1) + " more" : "") +
                    ")";
        }
        throw Error(Errc::not_found,
                    "Slurm reports GPU types the catalog does not know: " + list +
                        "; nothing was synced",
                    "add each with 'pdai gpu type add " + first +
                        " --weight W --price P' (measure W with 'pdai gpu bench --save' on such a "
                        "node), then sync again");
    }

    nlohmann::json added = nlohmann::json::array(), changed = nlohmann::json::array(),
                   removed = nlohmann::json::array();
    for (const auto& n : plan.nodes) {
        switch (n.kind) {
        case SyncKind::added:
        case SyncKind::changed:
            catalog::put_node(c, {n.host, std::nullopt, n.gpus_after, n.state_after}, opts.origin);
            (n.kind == SyncKind::added ? added : changed)
                .push_back({{"host", n.host}, {"gpus", n.gpus_after}, {"state", n.state_after}});
            break;
        case SyncKind::removed:
        case SyncKind::unchanged:
            if (n.in_slurm || (n.kind == SyncKind::unchanged && !opts.prune)) break;
            if (opts.prune)
                catalog::remove_node(c, n.host);
            else
                catalog::set_node_state(c, n.host, std::string(kRemovedState));
            removed.push_back(n.host);
            break;
        }
    }
    if (added.empty() && changed.empty() && removed.empty()) return;
    nlohmann::json after = {{"from", opts.origin},
                            {"added", added},
                            {"changed", changed},
                            {"removed", removed},
                            {"pruned", opts.prune}};
    catalog::audit(c, "node.sync", "node", opts.origin, nullptr, &after);
}

}  // namespace pdai::inventory
