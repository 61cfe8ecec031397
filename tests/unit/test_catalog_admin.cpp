// Repositories of the admin entities: vendors, bureaus and members, GPU types, quotas,
// nodes, and the audit entries each write leaves behind.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "catalog/audit.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/nodes.hpp"
#include "catalog/quotas.hpp"
#include "catalog/vendors.hpp"
#include "common/error.hpp"
#include "temp_catalog.hpp"
#include "test_helpers.hpp"

using namespace pdai;
using namespace pdai::test;
using namespace pdai::catalog;

namespace {

std::size_t audit_count(Catalog& c) { return list_audit(c, {{}, {}, {}, 100000}).size(); }

}  // namespace

TEST_CASE("vendors: add, find, list, remove, and refusals", "[catalog][vendors]") {
    test::TempCatalog t;
    auto& c = t.cat;
    auto before = audit_count(c);
    c.write([&] { add_vendor(c, "acme", "Acme 视觉", "ops@acme.example"); });
    REQUIRE(find_vendor(c, "acme")->display_name == "Acme 视觉");
    REQUIRE(list_vendors(c).size() == 1);
    CHECK(audit_count(c) == before + 1);

    CHECK(error_code_of([&] { c.write([&] { add_vendor(c, "acme", "", ""); }); }) == Errc::conflict);
    CHECK(error_code_of([&] { add_vendor(c, "", "", ""); }) == Errc::usage);
    CHECK(error_code_of([&] { add_vendor(c, "a/b", "", ""); }) == Errc::usage);
    CHECK(error_code_of([&] { add_vendor(c, std::string(65, 'x'), "", ""); }) == Errc::usage);
    CHECK(error_code_of([&] { add_vendor(c, "tab\there", "", ""); }) == Errc::usage);
    CHECK(error_code_of([&] { add_vendor(c, "ok", "bad\x01name", ""); }) == Errc::usage);
    CHECK(error_code_of([&] { add_vendor(c, "ok", "\xff\xfe", ""); }) == Errc::usage);
    CHECK(error_code_of([&] { get_vendor(c, "nobody"); }) == Errc::not_found);
    CHECK(error_code_of([&] { remove_vendor(c, "nobody"); }) == Errc::not_found);

    c.write([&] { remove_vendor(c, "acme"); });
    CHECK_FALSE(find_vendor(c, "acme"));
    auto last = list_audit(c, {{}, {}, {}, 1}).at(0);
    CHECK(last.action == "vendor.remove");
    CHECK(last.before_json.has_value());
    CHECK_FALSE(last.after_json.has_value());
}

TEST_CASE("a failed write leaves nothing behind", "[catalog][transaction]") {
    test::TempCatalog t;
    auto& c = t.cat;
    auto audits = audit_count(c);
    CHECK(error_code_of([&] {
              c.write([&] {
                  add_vendor(c, "first", "", "");
                  add_vendor(c, "first", "", "");  // conflict: the first insert rolls back too
              });
          }) == Errc::conflict);
    CHECK(list_vendors(c).empty());
    CHECK(audit_count(c) == audits);
}

TEST_CASE("bureaus and members", "[catalog][bureaus]") {
    test::TempCatalog t;
    auto& c = t.cat;
    c.write([&] {
        add_bureau(c, "fin", "财政局", "");
        add_bureau(c, "edu", "教育局", "edu_acct");
    });
    CHECK(get_bureau(c, "fin").slurm_account == "fin");
    CHECK(get_bureau(c, "edu").slurm_account == "edu_acct");
    CHECK(get_bureau(c, "fin").display_name == "财政局");
    CHECK(error_code_of([&] { add_bureau(c, "fin", "x", ""); }) == Errc::conflict);
    CHECK(error_code_of([&] { add_bureau(c, "other", "x", "edu_acct"); }) == Errc::conflict);
    CHECK(error_code_of([&] { add_bureau(c, "bad code", "x", ""); }) == Errc::usage);
    CHECK(error_code_of([&] { add_bureau(c, "ok", "", ""); }) == Errc::usage);

    c.write([&] {
        add_member(c, "fin", "alice", "member");
        add_member(c, "fin", "bob", "admin");
        add_member(c, "edu", "alice", "member");
    });
    CHECK(list_members(c, "fin").size() == 2);
    CHECK(memberships_of(c, "alice").size() == 2);
    CHECK(error_code_of([&] { add_member(c, "fin", "alice", "member"); }) == Errc::conflict);
    CHECK(error_code_of([&] { add_member(c, "fin", "carol", "owner"); }) == Errc::usage);
    CHECK(error_code_of([&] { add_member(c, "nope", "carol", "member"); }) == Errc::not_found);
    CHECK(error_code_of([&] { remove_member(c, "fin", "carol"); }) == Errc::not_found);
    c.write([&] { remove_member(c, "fin", "bob"); });
    CHECK(list_members(c, "fin").size() == 1);

    auto b = c.write([&] { return set_bureau(c, "fin", {std::string("财政局（市）"), false}); });
    CHECK(b.changed);
    CHECK_FALSE(b.value.active);
    // The same values again write nothing: no update, no audit entry.
    const auto entries = list_audit(c, {}).size();
    auto again = c.write([&] { return set_bureau(c, "fin", {std::string("财政局（市）"), false}); });
    CHECK_FALSE(again.changed);
    CHECK(again.value.display_name == "财政局（市）");
    CHECK(list_audit(c, {}).size() == entries);
    CHECK(list_bureaus(c, false).size() == 1);
    CHECK(list_bureaus(c, true).size() == 2);

    // Removing a bureau drops its members with it (ON DELETE CASCADE).
    c.write([&] { remove_bureau(c, "edu"); });
    CHECK(memberships_of(c, "alice").size() == 1);
}

TEST_CASE("a bureau with history cannot be removed", "[catalog][bureaus]") {
    test::TempCatalog t;
    auto& c = t.cat;
    c.write([&] {
        add_bureau(c, "fin", "财政局", "");
        add_gpu_type(c, "a100", 1.0, 10.0, "nvidia", std::nullopt);
        add_node(c, {"n1", std::string("fin"), {{"a100", 2}}, "idle"});
    });
    CHECK(error_code_of([&] { c.write([&] { remove_bureau(c, "fin"); }); }) == Errc::conflict);
    CHECK(find_bureau(c, "fin"));
}

TEST_CASE("GPU types: weights and prices", "[catalog][gpu_types]") {
    test::TempCatalog t;
    auto& c = t.cat;
    c.write([&] { add_gpu_type(c, "a100", 1.0, 12.5, "nvidia", 81920); });
    CHECK(get_gpu_type(c, "a100").memory_mib == 81920);
    CHECK(error_code_of([&] { add_gpu_type(c, "a100", 1.0, 1.0, "", std::nullopt); }) == Errc::conflict);
    CHECK(error_code_of([&] { add_gpu_type(c, "t4", 0.0, 1.0, "", std::nullopt); }) == Errc::usage);
    CHECK(error_code_of([&] { add_gpu_type(c, "t4", -1.0, 1.0, "", std::nullopt); }) == Errc::usage);
    CHECK(error_code_of([&] { add_gpu_type(c, "t4", 1.0, -1.0, "", std::nullopt); }) == Errc::usage);
    CHECK(error_code_of([&] { add_gpu_type(c, "t4", std::nan(""), 1.0, "", std::nullopt); }) ==
          Errc::usage);
    auto after = c.write([&] { return set_gpu_type(c, "a100", {0.8, std::nullopt, {}, {}, {}}); });
    CHECK(after.changed);
    CHECK(after.value.weight == Approx(0.8));
    CHECK(after.value.price_cny == Approx(12.5));
    CHECK_FALSE(c.write([&] { return set_gpu_type(c, "a100", {0.8, 12.5, {}, {}, {}}); }).changed);
    CHECK(error_code_of([&] { set_gpu_type(c, "h100", {}); }) == Errc::not_found);
    auto last = list_audit(c, {{}, {}, {}, 1}).at(0);
    CHECK(last.action == "gpu_type.set");
    CHECK(nlohmann::json::parse(*last.before_json)["weight"] == 1.0);
    CHECK(nlohmann::json::parse(*last.after_json)["weight"] == 0.8);
}

TEST_CASE("quotas: create, change, clear limits, allowed types", "[catalog][quotas]") {
    test::TempCatalog t;
    auto& c = t.cat;
    c.write([&] {
        add_bureau(c, "fin", "财政局", "");
        add_gpu_type(c, "a100", 1.0, 12.0, "", std::nullopt);
        add_gpu_type(c, "t4", 0.25, 3.0, "", std::nullopt);
    });
    CHECK(error_code_of([&] { set_quota(c, "fin", {}); }) == Errc::usage);  // no budget yet
    QuotaChange ch;
    ch.budget_cuh = 500;
    ch.max_gpus = std::optional<std::int64_t>(8);
    ch.max_time_minutes = std::optional<std::int64_t>(24 * 60);
    ch.gpu_types = std::vector<std::string>{"t4", "a100"};
    auto q = c.write([&] { return set_quota(c, "fin", ch).value; });
    CHECK(q.period == "month");
    CHECK(q.budget_cuh == 500);
    CHECK(q.max_gpus == 8);
    CHECK(q.gpu_types == std::vector<std::string>{"a100", "t4"});
    // The same quota again, types in another order: nothing written.
    const auto entries = list_audit(c, {}).size();
    ch.gpu_types = std::vector<std::string>{"a100", "t4", "a100"};
    CHECK_FALSE(c.write([&] { return set_quota(c, "fin", ch); }).changed);
    CHECK(list_audit(c, {}).size() == entries);

    QuotaChange clear;
    clear.max_gpus = std::optional<std::int64_t>();
    clear.period = "quarter";
    clear.gpu_types = std::vector<std::string>{};
    const auto cleared = c.write([&] { return set_quota(c, "fin", clear); });
    CHECK(cleared.changed);
    q = cleared.value;
    CHECK_FALSE(q.max_gpus);
    CHECK(q.max_time_minutes == 24 * 60);
    CHECK(q.period == "quarter");
    CHECK(q.gpu_types.empty());
    CHECK(q.budget_cuh == 500);
    CHECK(list_audit(c, {}).size() == entries + 1);

    QuotaChange bad;
    bad.budget_cuh = -1;
    CHECK(error_code_of([&] { set_quota(c, "fin", bad); }) == Errc::usage);
    bad = {};
    bad.period = "week";
    CHECK(error_code_of([&] { set_quota(c, "fin", bad); }) == Errc::usage);
    bad = {};
    bad.gpu_types = std::vector<std::string>{"h100"};
    CHECK(error_code_of([&] { c.write([&] { set_quota(c, "fin", bad); }); }) == Errc::not_found);
    CHECK(find_quota(c, "fin")->period == "quarter");  // unchanged by the failed write
    CHECK(error_code_of([&] { find_quota(c, "nope"); }) == Errc::not_found);
}

TEST_CASE("nodes: add, list, remove, import all or nothing", "[catalog][nodes]") {
    test::TempCatalog t;
    auto& c = t.cat;
    c.write([&] {
        add_bureau(c, "fin", "财政局", "");
        add_gpu_type(c, "a100", 1.0, 12.0, "", std::nullopt);
        add_gpu_type(c, "t4", 0.25, 3.0, "", std::nullopt);
        add_node(c, {"n1", std::string("fin"), {{"a100", 4}, {"t4", 2}}, "idle"});
    });
    auto n = find_node(c, "n1");
    REQUIRE(n);
    CHECK(n->spec.owner == "fin");
    CHECK(n->spec.gpus.at("t4") == 2);
    CHECK(error_code_of([&] { add_node(c, {"n1", {}, {}, "idle"}); }) == Errc::conflict);
    CHECK(error_code_of([&] { add_node(c, {"n2", {}, {{"h100", 1}}, "idle"}); }) == Errc::not_found);
    CHECK(error_code_of([&] { add_node(c, {"n2", std::string("nope"), {}, "idle"}); }) ==
          Errc::not_found);

    auto specs = parse_node_file("host,owner,gpus\nn2,shared,a100:2\nn3,fin,\"a100:1,t4:1\"\n");
    REQUIRE(specs.size() == 2);
    CHECK(specs[1].gpus.size() == 2);
    c.write([&] { import_nodes(c, specs, "test.csv"); });
    CHECK(list_nodes(c).size() == 3);
    CHECK(list_nodes(c)[2].spec.gpus.at("t4") == 1);

    // The third row is a duplicate: none of the rows may stay.
    auto bad = parse_node_file(
        "{\"host\":\"n4\",\"gpus\":{\"a100\":1}}\n{\"host\":\"n5\"}\n{\"host\":\"n1\"}\n");
    CHECK(error_code_of([&] { c.write([&] { import_nodes(c, bad, "bad.jsonl"); }); }) ==
          Errc::conflict);
    CHECK(list_nodes(c).size() == 3);

    c.write([&] { remove_node(c, "n2"); });
    CHECK_FALSE(find_node(c, "n2"));
    CHECK(error_code_of([&] { remove_node(c, "n2"); }) == Errc::not_found);
}

TEST_CASE("node files: formats and errors that name the line", "[catalog][nodes]") {
    auto message = [](const std::string& content) {
        try {
            parse_node_file(content);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message("") == "the node file is empty");
    CHECK_THAT(message("host,owner\nn1,fin,extra\n"), Catch::Contains("line 2"));
    CHECK_THAT(message("name,owner\n"), Catch::Contains("line 1"));
    CHECK_THAT(message("host,gpus\nn1,a100:x\n"), Catch::Contains("line 2"));
    CHECK_THAT(message("host,gpus\nn1,a100:0\n"), Catch::Contains("line 2"));
    CHECK_THAT(message("{\"host\":\"n1\"}\n{broken\n"), Catch::Contains("line 2"));
    CHECK_THAT(message("{\"host\":\"n1\",\"colour\":1}\n"), Catch::Contains("colour"));
    CHECK_THAT(message("host\n\"unterminated\n"), Catch::Contains("quote"));
    auto gpus = parse_gpu_counts("a100:4; t4:2");
    CHECK(gpus.at("a100") == 4);
    CHECK(gpus.at("t4") == 2);
    CHECK_THROWS_AS(parse_gpu_counts("a100:4,a100:2"), Error);
    CHECK(parse_gpu_counts("").empty());
}

TEST_CASE("audit filters", "[catalog][audit]") {
    test::TempCatalog t;
    auto& c = t.cat;
    c.set_actor("alice");
    c.write([&] { add_vendor(c, "v1", "", ""); });
    c.set_actor("bob");
    c.write([&] { add_vendor(c, "v2", "", ""); });
    CHECK(list_audit(c, {{}, std::string("alice"), {}, 100}).size() == 1);
    CHECK(list_audit(c, {{}, {}, std::string("vendor"), 100}).size() == 2);
    CHECK(list_audit(c, {now_unix() + 3600, {}, {}, 100}).empty());
    nlohmann::json j = list_audit(c, {{}, std::string("bob"), {}, 1}).at(0);
    CHECK(j["actor"] == "bob");
    CHECK(j["after"]["name"] == "v2");
}

TEST_CASE("times print as UTC ISO 8601", "[catalog][time]") {
    CHECK(format_time(0) == "1970-01-01T00:00:00Z");
    CHECK(format_time(951782400) == "2000-02-29T00:00:00Z");
    CHECK(format_time(1795392000 + 3661) == "2026-11-23T01:01:01Z");
    CHECK(format_time(4102444799) == "2099-12-31T23:59:59Z");
    CHECK(format_time(-1) == "1969-12-31T23:59:59Z");
}
