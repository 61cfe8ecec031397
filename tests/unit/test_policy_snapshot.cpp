// catalog::load_policy_snapshot: what the job_submit plugin and 'pdai quota check' see of the
// catalog: quotas, members, GPU types, usage in each bureau's current period, and liens.
#include <catch2/catch.hpp>
#include <chrono>

#include "catalog/db_access.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/partitions.hpp"
#include "common/time.hpp"
#include "catalog/policy_snapshot.hpp"
#include "catalog/quotas.hpp"
#include "policy/period.hpp"
#include "temp_catalog.hpp"

using namespace pdai;
using namespace pdai::catalog;

namespace {

std::int64_t day(const char* label, int d) {
    return policy::parse_period_label(label)->start + std::int64_t{d - 1} * 86400;
}

void ledger(Catalog& c, std::optional<std::int64_t> bureau_id, std::int64_t start, double cuh,
            std::optional<std::int64_t> corrects = std::nullopt) {
    static std::int64_t job = 1000;
    auto s = catalog::db_of(c).prepare(
        "INSERT INTO usage_ledger (cluster, slurm_job_id, bureau_id, account, unix_user, gpu_type, "
        "gpus, start_at, end_at, elapsed_s, gpu_hours, cuh, cost_cny, exit_state, corrects_id, "
        "ingested_at) VALUES ('c1', ?, ?, 'x', 'u', 'a100', 1, ?, ?, 3600, 1, ?, 0, 'COMPLETED', ?, 0)");
    s.bind(1, ++job).bind(2, bureau_id).bind(3, start).bind(4, start + 3600).bind(5, cuh).bind(6, corrects);
    s.run();
}

void lien(Catalog& c, const char* cluster, std::int64_t job, std::int64_t bureau_id, int gpus,
          int tasks, std::optional<std::int64_t> concurrent, double bound) {
    auto s = catalog::db_of(c).prepare(
        "INSERT INTO liens (cluster, slurm_job_id, bureau_id, gpu_type, gpus, tasks, nodes, "
        "time_limit_minutes, concurrent_gpus, bound_cuh, state) VALUES (?, ?, ?, 'a100', ?, ?, 1, "
        "60, ?, ?, 'pending')");
    s.bind(1, cluster).bind(2, job).bind(3, bureau_id).bind(4, gpus).bind(5, tasks).bind(6, concurrent).bind(7, bound);
    s.run();
}

QuotaChange quota(const char* period, double budget) {
    QuotaChange q;
    q.period = period;
    q.budget_cuh = budget;
    return q;
}

}  // namespace

TEST_CASE("policy snapshot: bureaus, quotas, members, types, usage per period, liens",
          "[catalog][policy_snapshot]") {
    test::TempCatalog t;
    auto& c = t.cat;
    std::int64_t psb = 0, fin = 0, edu = 0, noq = 0;
    c.write([&] {
        add_gpu_type(c, "a100", 2.0, 12.0, "nvidia", 80);
        add_gpu_type(c, "t4", 0.5, 3.0, "nvidia", 16);
        psb = add_bureau(c, "PSB", "公安局", "psb").id;
        fin = add_bureau(c, "FIN", "财政局", "fin").id;
        edu = add_bureau(c, "EDU", "教育局", "edu").id;
        noq = add_bureau(c, "NOQ", "No quota", "noq").id;
        auto q = quota("month", 100);
        q.max_gpus = std::optional<std::int64_t>(8);
        q.max_time_minutes = std::optional<std::int64_t>(1440);
        q.gpu_types = std::vector<std::string>{"a100"};
        set_quota(c, "PSB", q);
        set_quota(c, "FIN", quota("quarter", 50));
        set_quota(c, "EDU", quota("year", 10));
        add_member(c, "PSB", "alice", "member");
        add_member(c, "PSB", "bob", "admin");
        add_member(c, "FIN", "bob", "member");
        set_bureau(c, "EDU", BureauChange{std::nullopt, false});
    });
    // PSB, monthly: Nov 2 + Nov 20 + a corrected row (20 -> 2); Oct 30 and Dec 1 are outside.
    ledger(c, psb, day("2026-11", 2), 5);
    ledger(c, psb, day("2026-11", 20), 7);
    ledger(c, psb, day("2026-11", 3), 20);
    ledger(c, psb, day("2026-11", 3), 2, catalog::db_of(c).last_insert_id());
    ledger(c, psb, day("2026-10", 30), 11);
    ledger(c, psb, day("2026-12", 1), 13);
    // FIN, quarterly (Q4 from Oct 1); EDU, yearly; NOQ has no quota; no bureau at all.
    ledger(c, fin, day("2026-10", 5), 3);
    ledger(c, fin, day("2026-11", 10), 4);
    ledger(c, fin, day("2026-09", 30), 50);
    ledger(c, edu, day("2026-01", 10), 1);
    ledger(c, edu, day("2026-11", 1), 2);
    ledger(c, edu, day("2025-12", 31), 100);
    ledger(c, noq, day("2026-11", 5), 9);
    ledger(c, std::nullopt, day("2026-11", 5), 1000);

    lien(c, "c1", 101, psb, 2, 1, std::nullopt, 4);
    lien(c, "c1", 102, psb, 1, 4, 2, 8);
    lien(c, "c2", 201, fin, 1, 1, std::nullopt, 3);
    catalog::db_of(c).exec("INSERT INTO sync_state (cluster, liens_at) VALUES ('c1', 1000), ('c2', 500), ('c3', NULL)");

    const std::int64_t now = day("2026-11", 15);
    const auto all = load_policy_snapshot(c, {now, ""});
    const auto& s = all.snapshot;
    CHECK(s.taken_at == now);
    REQUIRE(s.by_account.size() == 4);
    REQUIRE(s.gpu_types.size() == 2);
    CHECK(s.gpu_types.at("a100").weight == Approx(2.0));
    CHECK(s.gpu_types.at("t4").price_cny == Approx(3.0));

    const auto& p = s.by_account.at("psb");
    CHECK(p.code == "PSB");
    CHECK(p.display_name == "公安局");
    CHECK(p.active);
    CHECK(p.period == policy::PeriodKind::month);
    CHECK(p.budget_cuh == Approx(100));
    CHECK(p.max_gpus == 8);
    CHECK(p.max_time_minutes == 1440);
    CHECK(p.allowed_gpu_types == std::vector<std::string>{"a100"});
    CHECK(p.members == std::set<std::string, std::less<>>{"alice", "bob"});
    CHECK(p.used_cuh == Approx(5 + 7 + 2));
    CHECK(p.liens_cuh == Approx(12));
    CHECK(p.active_gpus == 2 + 2);  // NULL concurrent_gpus: gpus x tasks

    const auto& f = s.by_account.at("fin");
    CHECK(f.period == policy::PeriodKind::quarter);
    CHECK(f.used_cuh == Approx(7));
    CHECK(f.liens_cuh == Approx(3));
    CHECK(f.allowed_gpu_types.empty());

    const auto& e = s.by_account.at("edu");
    CHECK_FALSE(e.active);
    CHECK(e.period == policy::PeriodKind::year);
    CHECK(e.used_cuh == Approx(3));

    const auto& n = s.by_account.at("noq");  // no quota: a month with nothing to spend
    CHECK(n.budget_cuh == 0);
    CHECK(n.period == policy::PeriodKind::month);
    CHECK(n.used_cuh == Approx(9));

    CHECK(s.bureaus_of_user.at("bob") == std::vector<std::string>{"fin", "psb"});
    CHECK(all.liens_at == 500);  // the oldest snapshot among the clusters
    REQUIRE(all.liens.size() == 3);
    CHECK(all.liens.at(102).account == "psb");
    CHECK(all.liens.at(102).tasks == 4);
    CHECK(all.liens.at(102).concurrent_gpus == 2);
    CHECK(all.liens.at(102).time_limit_minutes == 60);
    CHECK(all.liens.at(102).gpu_type == "a100");

    SECTION("one cluster's liens and liens_at") {
        const auto c1 = load_policy_snapshot(c, {now, "c1"});
        CHECK(c1.liens_at == 1000);
        CHECK(c1.liens.size() == 2);
        CHECK(c1.snapshot.by_account.at("fin").liens_cuh == 0);
        CHECK(load_policy_snapshot(c, {now, "c3"}).liens_at == std::nullopt);
    }
    SECTION("the engine on the loaded snapshot: remaining = budget - used - liens") {
        policy::JobRequest job;
        job.account = "psb";
        job.user = "alice";
        job.gpus = {1, "a100"};
        job.time_limit_minutes = 60;
        const auto d = policy::evaluate(s, {}, job);
        CHECK(d.verdict == policy::Decision::Verdict::admit);
        CHECK(d.remaining_cuh == Approx(100 - 14 - 12));
        CHECK(d.bound_cuh == Approx(2));
    }
    SECTION("December: November's rows no longer count for PSB, but still for FIN's quarter") {
        const auto dec = load_policy_snapshot(c, {day("2026-12", 2), ""});
        CHECK(dec.snapshot.by_account.at("psb").used_cuh == Approx(13));
        CHECK(dec.snapshot.by_account.at("fin").used_cuh == Approx(7));
    }
}

TEST_CASE("policy snapshot: 500 bureaus and 100,000 ledger rows load in one grouped query",
          "[catalog][policy_snapshot]") {
    test::TempCatalog t;
    auto& c = t.cat;
    const std::int64_t now = day("2026-11", 15);
    catalog::db_of(c).exec("BEGIN");
    catalog::db_of(c).exec(
        "INSERT INTO gpu_types (name, weight, price_cny, created_at, updated_at) VALUES "
        "('a100', 1, 10, 0, 0);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
        "INSERT INTO bureaus (id, code, display_name, slurm_account, created_at, created_by) "
        "SELECT i, printf('B%04d', i), 'b', printf('b%04d', i), 0, 't' FROM n;"
        "INSERT INTO quotas (bureau_id, period, budget_cuh, updated_at, updated_by) "
        "SELECT id, 'month', 1000, 0, 't' FROM bureaus;"
        "INSERT INTO bureau_members (bureau_id, unix_user, role, added_at) "
        "SELECT id, 'user' || id, 'member', 0 FROM bureaus;");
    // 100,000 rows over two months: half of them in the current one.
    auto s = catalog::db_of(c).prepare(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
        "INSERT INTO usage_ledger (cluster, slurm_job_id, bureau_id, account, unix_user, gpus, "
        "start_at, end_at, elapsed_s, gpu_hours, cuh, cost_cny, exit_state, ingested_at) "
        "SELECT 'c1', i, 1 + i % 500, 'x', 'u', 1, ?1 - (i % 2) * 20 * 86400 - i % 1000, ?1, 1, "
        "1, 0.5, 0, 'COMPLETED', 0 FROM n");
    s.bind(1, now);
    s.run();
    catalog::db_of(c).exec("COMMIT");

    const auto t0 = std::chrono::steady_clock::now();
    const auto snap = load_policy_snapshot(c, {now, ""});
    const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    WARN("500 bureaus, 100,000 ledger rows: loaded in " << ms << " ms");
    REQUIRE(snap.snapshot.by_account.size() == 500);
    double used = 0;
    for (const auto& [account, b] : snap.snapshot.by_account) used += b.used_cuh;
    CHECK(used == Approx(50'000 * 0.5));  // the even rows (i % 2 == 0) are this month's
    CHECK(snap.snapshot.by_account.at("b0001").used_cuh == Approx(200 * 0.5));  // i % 500 == 0: even
    CHECK(snap.snapshot.by_account.at("b0002").used_cuh == 0);                  // odd: October
    CHECK(ms < 2000);
}

TEST_CASE("partitions: replaced whole by a sync, read back sorted, in the snapshot", "[catalog][policy_snapshot]") {
    test::TempCatalog t;
    auto& c = t.cat;
    const std::vector<Partition> slurm = {{"whole", true, false, {"n2", "n1"}},
                                          {"gpu", false, true, {"n1", "n3", "n2"}}};
    CHECK(c.write([&] { return replace_partitions(c, slurm); }));
    const auto stored = list_partitions(c);
    REQUIRE(stored.size() == 2);
    CHECK(stored[0] == Partition{"gpu", false, true, {"n1", "n2", "n3"}});
    CHECK(stored[1] == Partition{"whole", true, false, {"n1", "n2"}});
    // The same partitions again (another order): nothing to write.
    CHECK_FALSE(c.write([&] { return replace_partitions(c, {slurm[1], slurm[0]}); }));
    // One dropped, one changed: the stored set is Slurm's.
    CHECK(c.write([&] { return replace_partitions(c, {{"gpu", true, true, {"n1"}}}); }));
    CHECK(list_partitions(c) == std::vector<Partition>{{"gpu", true, true, {"n1"}}});
    const auto snap = load_policy_snapshot(c, {1'790'000'000, ""});
    REQUIRE(snap.snapshot.partitions.size() == 1);
    CHECK(snap.snapshot.partitions[0].name == "gpu");
    CHECK(snap.snapshot.partitions[0].exclusive);
    CHECK(snap.snapshot.partitions[0].is_default);
    CHECK(snap.snapshot.partitions[0].nodes == std::vector<std::string>{"n1"});
}

TEST_CASE("the inventory's age counts from the last node sync, not its last change", "[catalog][policy_snapshot]") {
    test::TempCatalog t;
    auto& c = t.cat;
    // A node unchanged for 30 days.
    const std::int64_t month_ago = pdai::now_unix() - 30 * 86400;
    c.write([&] {
        catalog::db_of(c)
            .prepare("INSERT INTO nodes (host, state, source, created_at, updated_at) VALUES ('n1', 'up', 'slurm', ?, ?)")
            .bind(1, month_ago)
            .bind(2, month_ago)
            .run();
    });
    const std::int64_t now = pdai::now_unix();
    CHECK(load_policy_snapshot(c, {now, ""}).snapshot.inventory_at == month_ago);
    CHECK(inventory_synced_at(c) == 0);
    // A sync that changed nothing still says the inventory is current.
    c.write([&] { mark_inventory_synced(c); });
    CHECK(inventory_synced_at(c) >= now);
    CHECK(load_policy_snapshot(c, {now, ""}).snapshot.inventory_at >= now);
}
