// Benchmark figures `pdai gpu bench --save` measured, per GPU type, from which the type's
// weight is derived (inventory/gpu_weight.hpp). Rows are only ever added: the history
// shows how a weight came about.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pdai::catalog {

class Catalog;

struct GpuBenchmark {
    std::int64_t id = 0;
    std::string gpu_type, host;
    std::int64_t device_index = 0;
    std::string device_uuid, device_name;
    std::string kind;   // "gemm" or "copy"
    std::string dtype;  // gemm: fp32|tf32|fp16|bf16|fp8; copy: ""
    std::string size;   // gemm "MxNxK"; copy the bytes per buffer
    std::optional<double> tflops, gbps;
    double spread = 0;  // (max - min) / median over the repeats
    std::int64_t repeats = 1;
    std::optional<double> weight;                 // the type's weight derived on saving
    std::optional<std::string> reference_type;    // ... relative to this type
    std::int64_t measured_at = 0;
    std::string measured_by;
};

// Adds one run's rows (the caller's transaction) and one audit entry for them. measured_by
// is the catalog's actor; measured_at is now when 0.
void add_gpu_benchmarks(Catalog& c, std::vector<GpuBenchmark> rows);
// Every row, or one type's, oldest first.
std::vector<GpuBenchmark> list_gpu_benchmarks(Catalog& c,
                                              const std::optional<std::string>& gpu_type = {});

void to_json(nlohmann::json& j, const GpuBenchmark& b);

}  // namespace pdai::catalog
