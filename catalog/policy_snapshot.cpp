#include "catalog/policy_snapshot.hpp"

#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "catalog/partitions.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace pdai::catalog {
namespace {

// BEGIN (deferred) works on a read-only connection, unlike Transaction's BEGIN IMMEDIATE;
// in WAL mode every SELECT inside it sees the same commit.
class ReadTransaction {
public:
    explicit ReadTransaction(Db& db) : db_(db) { db_.exec("BEGIN"); }
    ~ReadTransaction() {
        try {
            db_.exec("COMMIT");
        } catch (const std::exception& e) {
            // Everything was read already; the connection is closed or reset by its owner.
            log::warn(std::string("ending the snapshot's read transaction: ") + e.what());
        }
    }
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;

private:
    Db& db_;
};

policy::PeriodKind period_kind(const std::string& text) {
    auto k = policy::parse_period_kind(text);
    return k ? *k : policy::PeriodKind::month;
}

int to_int(std::int64_t v) {
    return static_cast<int>(std::clamp<std::int64_t>(v, 0, 1'000'000'000));
}

using BureauById = std::unordered_map<std::int64_t, policy::Bureau*>;

BureauById load_bureaus(Db& db, policy::Snapshot& snap) {
    BureauById by_id;
    auto s = db.prepare(
        "SELECT b.id, b.code, b.display_name, b.slurm_account, b.active, q.period, q.budget_cuh, "
        "q.max_gpus, q.max_time_minutes FROM bureaus b LEFT JOIN quotas q ON q.bureau_id = b.id");
    while (s.step()) {
        policy::Bureau b;
        b.code = s.text(1);
        b.display_name = s.text(2);
        b.account = s.text(3);
        b.active = s.i64(4) != 0;
        b.period = period_kind(s.is_null(5) ? "month" : s.text(5));
        b.budget_cuh = s.is_null(6) ? 0.0 : s.f64(6);
        b.has_quota = !s.is_null(6);
        if (!s.is_null(7)) b.max_gpus = to_int(s.i64(7));
        if (!s.is_null(8)) b.max_time_minutes = to_int(s.i64(8));
        auto [it, inserted] = snap.by_account.emplace(b.account, std::move(b));
        if (inserted) by_id.emplace(s.i64(0), &it->second);
    }
    return by_id;
}

void load_gpu_types(Db& db, policy::Snapshot& snap, const BureauById& by_id) {
    auto t = db.prepare("SELECT name, weight, price_cny FROM gpu_types");
    while (t.step()) {
        std::string name = t.text(0);
        snap.gpu_types.emplace(name, policy::GpuType{name, t.f64(1), t.f64(2)});
    }
    auto a = db.prepare(
        "SELECT q.bureau_id, t.name FROM quota_gpu_types q JOIN gpu_types t ON t.id = "
        "q.gpu_type_id ORDER BY q.bureau_id, t.name");
    while (a.step()) {
        if (auto it = by_id.find(a.i64(0)); it != by_id.end())
            it->second->allowed_gpu_types.push_back(a.text(1));
    }
}

void load_members(Db& db, const BureauById& by_id) {
    auto s = db.prepare("SELECT bureau_id, unix_user FROM bureau_members");
    while (s.step()) {
        if (auto it = by_id.find(s.i64(0)); it != by_id.end()) it->second->members.insert(s.text(1));
    }
}

// One grouped query: for each bureau, a range seek on the covering index (bureau_id,
// start_at, cuh) over its own current period, so the cost follows the rows of the current
// periods, not the ledger's history (CROSS JOIN keeps bureaus as the outer loop; left to
// itself SQLite scans the whole index to save the GROUP BY sort). A row that a later
// correction replaces does not count.
void load_usage(Db& db, std::int64_t now, const BureauById& by_id) {
    const auto month = policy::period_of(policy::PeriodKind::month, now);
    const auto quarter = policy::period_of(policy::PeriodKind::quarter, now);
    const auto year = policy::period_of(policy::PeriodKind::year, now);
    auto s = db.prepare(
        "SELECT b.id, SUM(u.cuh) FROM bureaus b LEFT JOIN quotas q ON q.bureau_id = b.id "
        "CROSS JOIN usage_ledger u WHERE u.bureau_id = b.id"
        " AND u.start_at >= CASE q.period WHEN 'quarter' THEN ?3 WHEN 'year' THEN ?5 ELSE ?1 END"
        " AND u.start_at < CASE q.period WHEN 'quarter' THEN ?4 WHEN 'year' THEN ?6 ELSE ?2 END"
        " AND NOT EXISTS (SELECT 1 FROM usage_ledger c WHERE c.corrects_id = u.id) "
        "GROUP BY b.id");
    s.bind(1, month.start).bind(2, month.end);
    s.bind(3, quarter.start).bind(4, quarter.end);
    s.bind(5, year.start).bind(6, year.end);
    while (s.step()) {
        if (auto it = by_id.find(s.i64(0)); it != by_id.end()) it->second->used_cuh = s.f64(1);
    }
}

void load_liens(Db& db, const std::string& cluster, const BureauById& by_id, PolicySnapshot& out) {
    auto s = db.prepare(
        "SELECT slurm_job_id, bureau_id, gpu_type, gpus, tasks, nodes, time_limit_minutes, "
        "concurrent_gpus, bound_cuh, state FROM liens WHERE ?1 = '' OR cluster = ?1");
    s.bind(1, cluster);
    while (s.step()) {
        const auto it = by_id.find(s.i64(1));
        if (it == by_id.end()) continue;
        policy::Bureau& b = *it->second;
        Lien l;
        l.account = b.account;
        l.gpu_type = s.opt_text(2);
        l.gpus = to_int(s.i64(3));
        l.tasks = std::max(1, to_int(s.i64(4)));
        l.nodes = std::max(1, to_int(s.i64(5)));
        if (!s.is_null(6)) l.time_limit_minutes = to_int(s.i64(6));
        l.concurrent_gpus = s.is_null(7) ? std::int64_t{l.gpus} * l.tasks : s.i64(7);
        l.bound_cuh = s.f64(8);
        l.state = s.text(9);
        b.liens_cuh += l.bound_cuh;
        b.active_gpus += l.concurrent_gpus;
        out.liens.insert_or_assign(s.i64(0), std::move(l));
    }
    auto t = db.prepare(
        "SELECT MIN(liens_at) FROM sync_state WHERE liens_at IS NOT NULL AND (?1 = '' OR "
        "cluster = ?1)");
    t.bind(1, cluster);
    if (t.step() && !t.is_null(0)) out.liens_at = t.i64(0);
}

// The node inventory, for pricing exclusive jobs: each node's owner and GPUs by type.
void load_nodes(Db& db, policy::Snapshot& snap) {
    auto s = db.prepare(
        "SELECT n.id, n.host, COALESCE(b.code, ''), n.updated_at, t.name, g.count FROM nodes n "
        "LEFT JOIN bureaus b ON b.id = n.owner_bureau_id "
        "LEFT JOIN node_gpus g ON g.node_id = n.id LEFT JOIN gpu_types t ON t.id = g.gpu_type_id "
        "ORDER BY n.id");
    std::int64_t last = -1;
    while (s.step()) {
        if (s.i64(0) != last) {
            last = s.i64(0);
            snap.nodes.push_back({s.text(1), s.text(2), {}});
            snap.inventory_at = std::max(snap.inventory_at, s.i64(3));
        }
        if (!s.is_null(4)) snap.nodes.back().gpus[s.text(4)] = to_int(s.i64(5));
    }
}

}  // namespace

PolicySnapshot load_policy_snapshot(Catalog& c, const SnapshotQuery& query) {
    PolicySnapshot out;
    out.snapshot.taken_at = query.now;
    Db& db = db_of(c);
    ReadTransaction tx(db);
    const BureauById by_id = load_bureaus(db, out.snapshot);
    load_gpu_types(db, out.snapshot, by_id);
    load_members(db, by_id);
    load_usage(db, query.now, by_id);
    load_liens(db, query.cluster, by_id, out);
    load_nodes(db, out.snapshot);
    // Slurm's partitions from the same sync: where a job may land, whether it gets whole nodes.
    for (auto& p : list_partitions(c))  // nodes sorted
        out.snapshot.partitions.push_back({std::move(p.name), p.exclusive, p.is_default, std::move(p.nodes)});
    if (!out.snapshot.nodes.empty())
        out.snapshot.inventory_at = std::max(out.snapshot.inventory_at, inventory_synced_at(c));
    policy::index_members(out.snapshot);
    return out;
}

}  // namespace pdai::catalog
