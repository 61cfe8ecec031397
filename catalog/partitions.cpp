#include "catalog/partitions.hpp"

#include <algorithm>

#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "common/time.hpp"

namespace pdai::catalog {
namespace {

std::string join_hosts(const std::vector<std::string>& hosts) {
    std::string out;
    for (const auto& h : hosts) out += (out.empty() ? "" : ",") + h;
    return out;
}

}  // namespace

std::vector<Partition> list_partitions(Catalog& c) {
    // Nodes are sorted when written.
    auto s = db_of(c).prepare("SELECT name, exclusive, is_default, nodes FROM partitions ORDER BY name");
    std::vector<Partition> out;
    while (s.step()) {
        Partition p{s.text(0), s.i64(1) != 0, s.i64(2) != 0, {}};
        const std::string nodes = s.text(3);
        for (std::size_t at = 0; at < nodes.size();) {
            const auto comma = std::min(nodes.find(',', at), nodes.size());
            if (comma > at) p.nodes.push_back(nodes.substr(at, comma - at));
            at = comma + 1;
        }
        out.push_back(std::move(p));
    }
    return out;
}

void sort_partitions(std::vector<Partition>& parts) {
    std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    for (auto& p : parts) std::sort(p.nodes.begin(), p.nodes.end());
}

bool replace_partitions(Catalog& c, std::vector<Partition> parts) {
    sort_partitions(parts);
    if (list_partitions(c) == parts) return false;
    auto& db = db_of(c);
    db.exec("DELETE FROM partitions");
    auto ins = db.prepare(
        "INSERT INTO partitions (name, exclusive, is_default, nodes, updated_at) VALUES (?, ?, ?, ?, ?)");
    const auto now = now_unix();
    for (const auto& p : parts) {
        ins.bind(1, p.name).bind(2, p.exclusive ? 1 : 0).bind(3, p.is_default ? 1 : 0);
        ins.bind(4, join_hosts(p.nodes)).bind(5, now).run();
        ins.reset();
    }
    return true;
}

void mark_inventory_synced(Catalog& c) {
    auto s = db_of(c).prepare(
        "INSERT INTO inventory_state (id, synced_at) VALUES (1, ?) "
        "ON CONFLICT (id) DO UPDATE SET synced_at = excluded.synced_at");
    s.bind(1, now_unix()).run();
}

std::int64_t inventory_synced_at(Catalog& c) {
    auto s = db_of(c).prepare("SELECT synced_at FROM inventory_state WHERE id = 1");
    return s.step() ? s.i64(0) : 0;
}

}  // namespace pdai::catalog
