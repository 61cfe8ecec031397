// Weight derivation from benchmark figures (inventory/gpu_weight.hpp), and storing
// figures with --save semantics on a temporary catalog. No GPU needed.
#include <catch2/catch.hpp>

#include "catalog/gpu_benchmarks.hpp"
#include "catalog/gpu_types.hpp"
#include "common/error.hpp"
#include "inventory/gpu_inventory.hpp"
#include "inventory/gpu_weight.hpp"
#include "temp_catalog.hpp"

using namespace pdai;
using namespace pdai::inventory;

namespace {

BenchFigure gemm(const std::string& type, const std::string& host, const std::string& dtype, double tflops,
                 std::int64_t at = 100, const std::string& device = "GPU-0") {
    return {type, host, device, "gemm", dtype, tflops, at};
}

catalog::GpuBenchmark row(const std::string& type, const std::string& dtype, double tflops,
                          const std::string& host = "n1", const std::string& uuid = "GPU-1") {
    catalog::GpuBenchmark b;
    b.gpu_type = type;
    b.host = host;
    b.device_uuid = uuid;
    b.device_name = "NVIDIA Test";
    b.kind = "gemm";
    b.dtype = dtype;
    b.size = "8192x8192x8192";
    b.tflops = tflops;
    b.repeats = 10;
    return b;
}

}  // namespace

TEST_CASE("weight = metric(type) / metric(reference), 4 significant digits", "[gpu][weight]") {
    std::vector<BenchFigure> f = {gemm("h100", "a", "bf16", 700), gemm("a100", "b", "bf16", 280),
                                  gemm("t4", "c", "fp16", 45)};
    auto w = derive_weights(f, {"h100", "a100", "t4"}, "a100", "half");
    REQUIRE(w.size() == 3);
    CHECK(*w[0].weight == Approx(2.5));
    CHECK(*w[1].weight == 1.0);
    CHECK(*w[2].weight == Approx(0.1607));  // 45 / 280 = 0.160714...
    CHECK(w[2].metric->unit == "TFLOP/s");
}

TEST_CASE("half takes the larger of bf16 and fp16 per card, so cards without bf16 compare",
          "[gpu][weight]") {
    std::vector<BenchFigure> f = {gemm("a100", "b", "bf16", 280), gemm("a100", "b", "fp16", 290),
                                  gemm("a100", "b", "fp32", 19)};
    auto m = type_metric(f, "a100", "half");
    REQUIRE(m);
    CHECK(m->value == 290);
    CHECK(m->cards == 1);
    CHECK(type_metric(f, "a100", "fp32")->value == 19);
    CHECK_FALSE(type_metric(f, "a100", "fp8"));
}

TEST_CASE("only each card's latest figure counts, and the type's metric is the median of its cards",
          "[gpu][weight]") {
    std::vector<BenchFigure> f = {
        gemm("a100", "n1", "bf16", 100, 10),  // superseded by the later run on the same card
        gemm("a100", "n1", "bf16", 280, 20),
        gemm("a100", "n2", "bf16", 270, 20),
        gemm("a100", "n3", "bf16", 150, 20),  // one throttled card does not set the price
    };
    auto m = type_metric(f, "a100", "half");
    REQUIRE(m);
    CHECK(m->cards == 3);
    CHECK(m->value == 270);
    // Two cards on one host are two cards (device distinguishes them); even count: mean of middle.
    f.push_back(gemm("a100", "n3", "bf16", 290, 20, "GPU-1"));
    CHECK(type_metric(f, "a100", "half")->value == Approx((270 + 280) / 2.0));
}

TEST_CASE("copy metric uses GB/s; unknown metrics are refused", "[gpu][weight]") {
    std::vector<BenchFigure> f = {{"h200", "a", "GPU-0", "copy", "", 4300, 1},
                                  {"h100", "b", "GPU-0", "copy", "", 3000, 1}};
    auto w = derive_weights(f, {"h200", "h100"}, "h100", "copy");
    CHECK(*w[0].weight == Approx(1.433));
    CHECK(w[0].metric->unit == "GB/s");
    CHECK_THROWS_AS(derive_weights(f, {"h100"}, "h100", "tflops"), Error);
    CHECK_THROWS_AS(validate_weight_metric("int8"), Error);
}

TEST_CASE("no weight without figures for the type or for the reference", "[gpu][weight]") {
    std::vector<BenchFigure> f = {gemm("t4", "c", "fp16", 45)};
    auto w = derive_weights(f, {"t4", "a100"}, "a100", "half");
    CHECK_FALSE(w[0].weight);
    CHECK(w[0].metric);
    CHECK_FALSE(w[1].weight);
    CHECK_FALSE(w[1].metric);
}

TEST_CASE("round_weight keeps 4 significant digits", "[gpu][weight]") {
    CHECK(round_weight(0.0657214) == Approx(0.06572));
    CHECK(round_weight(3.171428) == Approx(3.171));
    CHECK(round_weight(1.0) == 1.0);
    CHECK(round_weight(1234.56) == Approx(1235));
}

TEST_CASE("save_benchmarks stores figures and derives the weight against the reference",
          "[gpu][weight][catalog]") {
    test::TempCatalog t;
    auto& c = t.cat;
    c.write([&] {
        catalog::add_gpu_type(c, "a100", 1.0, 10, "nvidia", std::nullopt);
        catalog::add_gpu_type(c, "t4", 0.25, 3, "nvidia", std::nullopt);
    });

    SECTION("without a reference: stored, weight untouched, a note says why") {
        auto r = c.write([&] { return save_benchmarks(c, {row("t4", "fp16", 40)}, std::nullopt, "half"); });
        CHECK(r.rows == 1);
        CHECK_FALSE(r.weight);
        CHECK(r.note.find("reference_gpu_type") != std::string::npos);
        CHECK(catalog::get_gpu_type(c, "t4").weight == 0.25);
        CHECK(catalog::list_gpu_benchmarks(c).size() == 1);
    }
    SECTION("the reference has no figures yet: no weight; benching it later re-derives the others") {
        auto r = c.write([&] { return save_benchmarks(c, {row("t4", "fp16", 40)}, "a100", "half"); });
        CHECK_FALSE(r.weight);
        CHECK(r.note.find("a100") != std::string::npos);
        auto ref = c.write([&] {
            return save_benchmarks(c, {row("a100", "bf16", 280, "n2", "GPU-2"), row("a100", "fp16", 285, "n2", "GPU-2")},
                                   "a100", "half");
        });
        CHECK(*ref.weight == 1.0);
        CHECK(catalog::get_gpu_type(c, "t4").weight == Approx(0.1404));  // 40 / 285
        CHECK(catalog::get_gpu_type(c, "a100").weight == 1.0);
        REQUIRE(ref.updated.size() == 1);
        CHECK(ref.updated[0].gpu_type == "t4");
        auto rows = catalog::list_gpu_benchmarks(c, std::string("a100"));
        REQUIRE(rows.size() == 2);
        CHECK(*rows[0].weight == 1.0);
        CHECK(*rows[0].reference_type == "a100");
    }
    SECTION("a type benched after the reference gets its weight at once; the table agrees") {
        c.write([&] { save_benchmarks(c, {row("a100", "bf16", 280, "n2", "GPU-2")}, "a100", "half"); });
        auto r = c.write([&] { return save_benchmarks(c, {row("t4", "fp16", 42)}, "a100", "half"); });
        CHECK(*r.weight == Approx(0.15));
        CHECK(catalog::get_gpu_type(c, "t4").weight == Approx(0.15));
        auto table = weight_table(c, "a100", "half");
        REQUIRE(table.size() == 2);
        CHECK(table[1].gpu_type == "t4");
        CHECK(*table[1].derived.weight == Approx(0.15));
        // Nothing to apply: derived and current agree.
        CHECK(c.write([&] { return apply_weights(c, table); }).empty());
    }
    SECTION("an unknown type writes nothing") {
        CHECK_THROWS_AS(c.write([&] { return save_benchmarks(c, {row("h100", "bf16", 700)}, "a100", "half"); }),
                        Error);
        CHECK(catalog::list_gpu_benchmarks(c).empty());
    }
}

TEST_CASE("weights --apply writes derived weights and audits them", "[gpu][weight][catalog]") {
    test::TempCatalog t;
    auto& c = t.cat;
    c.write([&] {
        catalog::add_gpu_type(c, "a100", 1.0, 10, "", std::nullopt);
        catalog::add_gpu_type(c, "t4", 1.0, 3, "", std::nullopt);
        // Figures saved without a reference: weights not derived yet.
        save_benchmarks(c, {row("a100", "bf16", 300, "n1", "A"), row("t4", "fp16", 60, "n2", "B")}, std::nullopt, "half");
    });
    CHECK_THROWS_AS(weight_table(c, "v100", "half"), Error);
    auto table = weight_table(c, "a100", "half");
    auto updated = c.write([&] { return apply_weights(c, table); });
    REQUIRE(updated.size() == 1);
    CHECK(updated[0].gpu_type == "t4");
    CHECK(updated[0].after == Approx(0.2));
    CHECK(catalog::get_gpu_type(c, "t4").weight == Approx(0.2));
}
