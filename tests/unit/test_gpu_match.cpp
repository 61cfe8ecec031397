// CUDA device name -> catalog GPU type (inventory/gpu_match.hpp), and registering a
// probed node's cards. No GPU needed: device names are what cudaGetDeviceProperties gives.
#include <catch2/catch.hpp>

#include "catalog/gpu_types.hpp"
#include "catalog/nodes.hpp"
#include "common/error.hpp"
#include "inventory/gpu_inventory.hpp"
#include "inventory/gpu_match.hpp"
#include "temp_catalog.hpp"

using namespace pdai;
using namespace pdai::inventory;

TEST_CASE("glob_match: * and ?, whole text, case-insensitive", "[gpu][match]") {
    CHECK(glob_match("NVIDIA H100*", "NVIDIA H100 80GB HBM3"));
    CHECK(glob_match("nvidia h100*", "NVIDIA H100 80GB HBM3"));
    CHECK(glob_match("*A100*", "NVIDIA A100-SXM4-80GB"));
    CHECK(glob_match("Tesla T?", "Tesla T4"));
    CHECK(glob_match("*", ""));
    CHECK_FALSE(glob_match("NVIDIA H100", "NVIDIA H100 80GB HBM3"));  // whole text
    CHECK_FALSE(glob_match("*H200*", "NVIDIA H100 80GB HBM3"));
    CHECK_FALSE(glob_match("Tesla T?", "Tesla T40"));
    CHECK(glob_match("a*b*c", "aXXbYYbZc"));
    CHECK_FALSE(glob_match("a*b*c", "aXXbYYbZ"));
}

TEST_CASE("device names map to types by pattern, then by a name word", "[gpu][match]") {
    std::vector<TypePattern> types = {{"a100", std::nullopt},
                                      {"t4", std::nullopt},
                                      {"h100", std::string("NVIDIA H100*")},
                                      {"h100nvl", std::string("NVIDIA H100 NVL*")},
                                      {"big", std::string("*H200*")}};
    CHECK(*match_gpu_type("NVIDIA A100-SXM4-80GB", types).gpu_type == "a100");
    CHECK(*match_gpu_type("NVIDIA A100 80GB PCIe", types).gpu_type == "a100");
    CHECK(*match_gpu_type("Tesla T4", types).gpu_type == "t4");
    CHECK(*match_gpu_type("NVIDIA H100 80GB HBM3", types).gpu_type == "h100");
    // The more specific pattern wins.
    auto nvl = match_gpu_type("NVIDIA H100 NVL", types);
    CHECK(*nvl.gpu_type == "h100nvl");
    CHECK(nvl.how.find("NVIDIA H100 NVL*") != std::string::npos);
    CHECK(*match_gpu_type("NVIDIA H200", types).gpu_type == "big");
    // "a100" is not a word of "A1000": no accidental prefix match.
    auto none = match_gpu_type("NVIDIA RTX A1000", types);
    CHECK_FALSE(none.gpu_type);
    CHECK_FALSE(none.ambiguous);
    CHECK(none.how.find("no GPU type matches") != std::string::npos);
}

TEST_CASE("equally specific patterns, or two type names in one device name, are ambiguous",
          "[gpu][match]") {
    std::vector<TypePattern> two = {{"x", std::string("*H100*")}, {"y", std::string("NVIDIA*")}};
    // "*H100*" has 4 literals, "NVIDIA*" 6: y wins. Make them tie:
    std::vector<TypePattern> tie = {{"x", std::string("*H100*")}, {"y", std::string("*HBM3*")}};
    CHECK(*match_gpu_type("NVIDIA H100 80GB HBM3", two).gpu_type == "y");
    auto m = match_gpu_type("NVIDIA H100 80GB HBM3", tie);
    CHECK_FALSE(m.gpu_type);
    CHECK(m.ambiguous);
    std::vector<TypePattern> words = {{"a100", std::nullopt}, {"80gb", std::nullopt}};
    CHECK(match_gpu_type("NVIDIA A100-SXM4-80GB", words).ambiguous);
}

TEST_CASE("tally_devices counts cards per type and lists the unmatched", "[gpu][match]") {
    std::vector<TypePattern> types = {{"a100", std::nullopt}, {"t4", std::nullopt}};
    auto t = tally_devices({"NVIDIA A100-SXM4-80GB", "NVIDIA A100-SXM4-80GB", "Tesla T4", "NVIDIA L4"}, types);
    CHECK(t.gpus == std::map<std::string, std::int64_t>{{"a100", 2}, {"t4", 1}});
    CHECK(t.unmatched == std::vector<std::string>{"NVIDIA L4"});
    CHECK(t.notes.size() == 3);  // one per distinct name
}

TEST_CASE("register_node_gpus adds or updates a node, all cards or none", "[gpu][match][catalog]") {
    test::TempCatalog t;
    auto& c = t.cat;
    c.write([&] {
        catalog::add_gpu_type(c, "a100", 1.0, 10, "", std::nullopt);
        catalog::add_gpu_type(c, "h100", 3.0, 30, "", std::nullopt);
        catalog::set_gpu_type(c, "h100", {std::nullopt, std::nullopt, std::nullopt, std::nullopt, "NVIDIA H100*"});
    });
    CHECK(*catalog::get_gpu_type(c, "h100").match == "NVIDIA H100*");

    std::vector<std::string> cards(4, "NVIDIA H100 80GB HBM3");
    auto r = c.write([&] { return register_node_gpus(c, "gpu07", cards); });
    CHECK(r.added);
    auto n = catalog::find_node(c, "gpu07");
    REQUIRE(n);
    CHECK(n->spec.gpus == std::map<std::string, std::int64_t>{{"h100", 4}});
    CHECK(n->source == "probe");
    CHECK_FALSE(n->spec.owner);

    // An unknown card: nothing written, the message names it.
    cards.push_back("NVIDIA L40S");
    try {
        c.write([&] { return register_node_gpus(c, "gpu07", cards); });
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::not_found);
        CHECK(std::string(e.what()).find("NVIDIA L40S") != std::string::npos);
        CHECK(e.help().find("--match") != std::string::npos);
    }
    CHECK(catalog::find_node(c, "gpu07")->spec.gpus.at("h100") == 4);

    // Re-registering replaces the GPUs and keeps the state.
    c.write([&] { catalog::set_node_state(c, "gpu07", "up"); });
    auto again = c.write([&] { return register_node_gpus(c, "gpu07", {"NVIDIA A100-SXM4-80GB"}); });
    CHECK_FALSE(again.added);
    CHECK(again.gpus_before == std::map<std::string, std::int64_t>{{"h100", 4}});
    n = catalog::find_node(c, "gpu07");
    CHECK(n->spec.gpus == std::map<std::string, std::int64_t>{{"a100", 1}});
    CHECK(n->spec.state == "up");

    // Clearing a pattern; bad patterns are refused.
    c.write([&] { catalog::set_gpu_type(c, "h100", {std::nullopt, std::nullopt, std::nullopt, std::nullopt, ""}); });
    CHECK_FALSE(catalog::get_gpu_type(c, "h100").match);
    CHECK_THROWS_AS(c.write([&] {
                        return catalog::set_gpu_type(c, "h100", {std::nullopt, std::nullopt, std::nullopt, std::nullopt, "**"});
                    }),
                    Error);
}
