// Node sync: GRES parsing, the catalog-vs-Slurm diff, and applying it
// (inventory/node_sync.hpp). No Slurm needed: Slurm's side is plain data here.
#include <catch2/catch.hpp>

#include "catalog/db_access.hpp"
#include "catalog/audit.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/nodes.hpp"
#include "common/error.hpp"
#include "inventory/node_sync.hpp"
#include "pdai/build_config.hpp"
#include "temp_catalog.hpp"
#if PDAI_HAVE_SLURM
#include "jobs/backends/slurmctld_nodes.hpp"
#endif

using namespace pdai;
using namespace pdai::inventory;
using Gpus = std::map<std::string, std::int64_t>;

TEST_CASE("parse_gres_gpus reads Slurm's node GRES strings", "[gpu][sync]") {
    CHECK(parse_gres_gpus("gpu:a100:4,gpu:t4:4").typed == Gpus{{"a100", 4}, {"t4", 4}});
    CHECK(parse_gres_gpus("gpu:a100:4(S:0),gpu:t4:4(S:1)").typed == Gpus{{"a100", 4}, {"t4", 4}});
    CHECK(parse_gres_gpus("gpu:a100:8(S:0,1)").typed == Gpus{{"a100", 8}});  // comma inside ()
    CHECK(parse_gres_gpus("gpu:h100:no_consume:2").typed == Gpus{{"h100", 2}});
    CHECK(parse_gres_gpus("gpu:a100").typed == Gpus{{"a100", 1}});
    CHECK(parse_gres_gpus("nic:2,gpu:t4:1,mps:100").typed == Gpus{{"t4", 1}});
    auto untyped = parse_gres_gpus("gpu:2");
    CHECK(untyped.typed.empty());
    CHECK(untyped.untyped == 2);
    CHECK(parse_gres_gpus("").typed.empty());
    CHECK(parse_gres_gpus("(null)").typed.empty());
    std::vector<std::string> bad;
    auto g = parse_gres_gpus("gpu:a100:x:y:4,gpu:t4:2", &bad);
    CHECK(g.typed == Gpus{{"t4", 2}});
    CHECK(bad == std::vector<std::string>{"gpu:a100:x:y:4"});
}

namespace {

catalog::Node node(const std::string& host, Gpus gpus, const std::string& state = "up",
                   std::optional<std::string> owner = std::nullopt) {
    catalog::Node n;
    n.spec = {host, std::move(owner), std::move(gpus), state};
    return n;
}

const NodeChange& find(const SyncPlan& p, const std::string& host) {
    for (const auto& n : p.nodes)
        if (n.host == host) return n;
    FAIL("no plan entry for " << host);
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("plan_node_sync: added, changed, removed, unchanged", "[gpu][sync]") {
    std::vector<catalog::Node> cat = {
        node("n1", {{"a100", 4}}),                       // same in Slurm
        node("n2", {{"a100", 4}}),                       // Slurm now says 8
        node("n3", {{"t4", 2}}),                         // gone from Slurm
        node("n4", {{"t4", 2}}, "up"),                   // drained in Slurm
        node("n5", {{"t4", 2}}, std::string(kRemovedState)),  // removed earlier, still gone
    };
    std::vector<SlurmNode> slurm = {
        {"n1", "up", "gpu:a100:4(S:0)"},
        {"n2", "up", "gpu:a100:8"},
        {"n4", "up+drain", "gpu:t4:2"},
        {"n6", "up", "gpu:a100:2,gpu:t4:2"},
        {"n7", "down", "gpu:3"},
    };
    auto plan = plan_node_sync(cat, slurm);
    REQUIRE(plan.nodes.size() == 7);
    CHECK(plan.nodes.front().host == "n1");  // sorted by host
    CHECK(find(plan, "n1").kind == SyncKind::unchanged);
    CHECK(find(plan, "n2").kind == SyncKind::changed);
    CHECK(find(plan, "n2").gpus_before == Gpus{{"a100", 4}});
    CHECK(find(plan, "n2").gpus_after == Gpus{{"a100", 8}});
    CHECK(find(plan, "n3").kind == SyncKind::removed);
    CHECK_FALSE(find(plan, "n3").in_slurm);
    CHECK(find(plan, "n4").kind == SyncKind::changed);
    CHECK(find(plan, "n4").state_after == "up+drain");
    CHECK(find(plan, "n5").kind == SyncKind::unchanged);
    CHECK(find(plan, "n6").kind == SyncKind::added);
    CHECK(find(plan, "n6").gpus_after == Gpus{{"a100", 2}, {"t4", 2}});
    // Untyped GPUs cannot be weighed: not counted, and said so.
    CHECK(find(plan, "n7").kind == SyncKind::added);
    CHECK(find(plan, "n7").gpus_after.empty());
    REQUIRE(find(plan, "n7").notes.size() == 1);
    CHECK(find(plan, "n7").notes[0].find("without a type") != std::string::npos);
    CHECK(plan.count(SyncKind::added) == 2);
    CHECK(plan.count(SyncKind::changed) == 2);
    CHECK(plan.count(SyncKind::removed) == 1);
    CHECK(plan.count(SyncKind::unchanged) == 2);
    CHECK_FALSE(plan.empty());
}

TEST_CASE("apply_node_sync writes the plan; a second sync changes nothing", "[gpu][sync][catalog]") {
    test::TempCatalog t;
    auto& c = t.cat;
    c.write([&] {
        catalog::add_gpu_type(c, "a100", 1.0, 10, "", std::nullopt);
        catalog::add_gpu_type(c, "t4", 0.25, 3, "", std::nullopt);
        catalog::db_of(c).exec(
            "INSERT INTO bureaus (code, display_name, slurm_account, created_at, created_by) "
            "VALUES ('fin', 'Finance', 'fin', 1, 'root')");
        catalog::add_node(c, {"n1", std::string("fin"), {{"a100", 2}}, "unknown"});
        catalog::add_node(c, {"ghost", std::nullopt, {{"t4", 1}}, "up"});
    });
    std::vector<SlurmNode> slurm = {{"n1", "up", "gpu:a100:4(S:0),gpu:t4:4(S:0)"}, {"n2", "up", "gpu:t4:1"}};
    auto sync = [&](bool prune = false) {
        return c.write([&] {
            auto plan = plan_node_sync(catalog::list_nodes(c), slurm);
            apply_node_sync(c, plan, {prune, "slurm"});
            return plan;
        });
    };
    auto audits = [&] {
        catalog::AuditFilter f;
        f.entity = "node";
        return catalog::list_audit(c, f).size();
    };

    auto first = sync();
    CHECK(first.count(SyncKind::added) == 1);
    CHECK(first.count(SyncKind::changed) == 1);
    CHECK(first.count(SyncKind::removed) == 1);
    auto n1 = catalog::find_node(c, "n1");
    CHECK(n1->spec.gpus == Gpus{{"a100", 4}, {"t4", 4}});
    CHECK(n1->spec.owner == std::optional<std::string>("fin"));  // ownership is the catalog's
    CHECK(n1->spec.state == "up");
    CHECK(n1->source == "slurm");
    CHECK(catalog::find_node(c, "n2")->spec.gpus == Gpus{{"t4", 1}});
    CHECK(catalog::find_node(c, "ghost")->spec.state == kRemovedState);
    auto after_first = audits();

    auto second = sync();
    CHECK(second.empty());
    CHECK(audits() == after_first);  // nothing changed, nothing audited

    auto pruned = sync(true);
    CHECK_FALSE(catalog::find_node(c, "ghost"));
    CHECK(catalog::find_node(c, "n1"));
    CHECK(audits() > after_first);
    CHECK(sync(true).empty());
}

TEST_CASE("apply_node_sync refuses unknown GPU types before writing anything", "[gpu][sync][catalog]") {
    test::TempCatalog t;
    auto& c = t.cat;
    c.write([&] { catalog::add_gpu_type(c, "a100", 1.0, 10, "", std::nullopt); });
    std::vector<SlurmNode> slurm = {{"n1", "up", "gpu:a100:4"}, {"n2", "up", "gpu:h100:8"}, {"n3", "up", "gpu:h100:8"}};
    try {
        c.write([&] { apply_node_sync(c, plan_node_sync(catalog::list_nodes(c), slurm), {}); });
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::not_found);
        CHECK(std::string(e.what()).find("h100 (on n2 and 1 more)") != std::string::npos);
        CHECK(e.help().find("pdai gpu type add h100") != std::string::npos);
    }
    CHECK(catalog::list_nodes(c).empty());
}

#if PDAI_HAVE_SLURM
TEST_CASE("node availability leaves load out and keeps the flags that matter", "[gpu][sync]") {
    // enum node_states: DOWN 1, IDLE 2, ALLOCATED 3, MIXED 5, FUTURE 6; DRAIN bit 9,
    // NO_RESPOND bit 11, COMPLETING bit 10 (transient, left out).
    CHECK(jobs::node_availability(2) == "up");
    CHECK(jobs::node_availability(3) == "up");
    CHECK(jobs::node_availability(5) == "up");
    CHECK(jobs::node_availability(2 | (1u << 10)) == "up");
    CHECK(jobs::node_availability(5 | (1u << 9)) == "up+drain");
    CHECK(jobs::node_availability(1 | (1u << 11)) == "down+not_responding");
    CHECK(jobs::node_availability(6) == "future");
    CHECK(jobs::node_availability(0) == "unknown");
}
#endif
