#include "catalog/gpu_benchmarks.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "catalog/audit.hpp"
#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "catalog/gpu_types.hpp"
#include "common/error.hpp"

namespace pdai::catalog {
namespace {

constexpr const char* kSelect =
    "SELECT b.id, t.name, b.host, b.device_index, b.device_uuid, b.device_name, b.kind, b.dtype, "
    "b.size, b.tflops, b.gbps, b.spread, b.repeats, b.weight, b.reference_type, b.measured_at, "
    "b.measured_by FROM gpu_benchmarks b JOIN gpu_types t ON t.id = b.gpu_type_id";

GpuBenchmark read_row(const Stmt& s) {
    GpuBenchmark b;
    b.id = s.i64(0);
    b.gpu_type = s.text(1);
    b.host = s.text(2);
    b.device_index = s.i64(3);
    b.device_uuid = s.text(4);
    b.device_name = s.text(5);
    b.kind = s.text(6);
    b.dtype = s.text(7);
    b.size = s.text(8);
    b.tflops = s.opt_f64(9);
    b.gbps = s.opt_f64(10);
    b.spread = s.f64(11);
    b.repeats = s.i64(12);
    b.weight = s.opt_f64(13);
    b.reference_type = s.opt_text(14);
    b.measured_at = s.i64(15);
    b.measured_by = s.text(16);
    return b;
}

void validate(const GpuBenchmark& b) {
    auto bad_number = [](const std::optional<double>& v) { return v && (!std::isfinite(*v) || *v < 0); };
    if (b.kind != "gemm" && b.kind != "copy")
        throw Error(Errc::usage, "benchmark kind must be gemm or copy, not '" + b.kind + "'");
    if (b.host.empty() || b.device_name.empty())
        throw Error(Errc::usage, "a benchmark row needs a host and a device name");
    if (bad_number(b.tflops) || bad_number(b.gbps) || !std::isfinite(b.spread) || b.spread < 0)
        throw Error(Errc::usage, "benchmark figures must be finite and not negative");
}

}  // namespace

void add_gpu_benchmarks(Catalog& c, std::vector<GpuBenchmark> rows) {
    if (rows.empty()) return;
    auto now = now_unix();
    auto ins = db_of(c).prepare(
        "INSERT INTO gpu_benchmarks (gpu_type_id, host, device_index, device_uuid, device_name, "
        "kind, dtype, size, tflops, gbps, spread, repeats, weight, reference_type, measured_at, "
        "measured_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    nlohmann::json figures = nlohmann::json::array();
    for (auto& b : rows) {
        validate(b);
        auto type = get_gpu_type(c, b.gpu_type);
        if (b.measured_at == 0) b.measured_at = now;
        b.measured_by = c.actor();
        ins.bind(1, type.id).bind(2, b.host).bind(3, b.device_index).bind(4, b.device_uuid);
        ins.bind(5, b.device_name).bind(6, b.kind).bind(7, b.dtype).bind(8, b.size);
        ins.bind(9, b.tflops).bind(10, b.gbps).bind(11, b.spread).bind(12, b.repeats);
        ins.bind(13, b.weight).bind(14, b.reference_type).bind(15, b.measured_at);
        ins.bind(16, b.measured_by).run();
        ins.reset();
        figures.push_back(b);
    }
    const auto& first = rows.front();
    nlohmann::json after = {{"gpu_type", first.gpu_type},
                            {"host", first.host},
                            {"device", first.device_uuid.empty() ? std::to_string(first.device_index)
                                                                 : first.device_uuid},
                            {"figures", figures}};
    audit(c, "gpu_benchmark.add", "gpu_type", first.gpu_type, nullptr, &after);
}

std::vector<GpuBenchmark> list_gpu_benchmarks(Catalog& c, const std::optional<std::string>& gpu_type) {
    std::string sql = kSelect;
    if (gpu_type) sql += " WHERE t.name = ?";
    sql += " ORDER BY b.measured_at, b.id";
    auto s = db_of(c).prepare(sql);
    if (gpu_type) s.bind(1, *gpu_type);
    std::vector<GpuBenchmark> out;
    while (s.step()) out.push_back(read_row(s));
    return out;
}

void to_json(nlohmann::json& j, const GpuBenchmark& b) {
    auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    j = {{"gpu_type", b.gpu_type},
         {"host", b.host},
         {"device_index", b.device_index},
         {"device_uuid", b.device_uuid},
         {"device_name", b.device_name},
         {"kind", b.kind},
         {"dtype", b.dtype},
         {"size", b.size},
         {"tflops", opt(b.tflops)},
         {"gbps", opt(b.gbps)},
         {"spread", b.spread},
         {"repeats", b.repeats},
         {"weight", opt(b.weight)},
         {"reference_type", opt(b.reference_type)},
         {"measured_at", format_time(b.measured_at)},
         {"measured_by", b.measured_by}};
}

}  // namespace pdai::catalog
