// Fair weights from measurement. A GPU type's weight (compute-unit-hours per GPU-hour) is
// its measured throughput relative to the reference type named by `reference_gpu_type` in
// pdai.conf:
//
//     weight(T) = metric(T) / metric(R),   rounded to 4 significant digits
//
// so an hour on the reference card costs 1 CUH and an hour on a card that does half the
// work costs 0.5. metric(T) comes from the figures `pdai gpu bench --save` stored:
//   1. per card (host + device UUID, else index), the latest figure of each dtype;
//   2. the card's metric: under `half` (the default) the larger of its bf16 and fp16
//      TFLOP/s (dense half-precision tensor throughput, what AI jobs run on; the larger,
//      because cards without bf16 such as the T4 still have fp16 tensor cores, and both run
//      at the same rate where both exist); under fp32|tf32|fp16|bf16|fp8 that dtype's
//      TFLOP/s; under `copy` the device-to-device copy GB/s (for memory-bound inference);
//   3. the type's metric: the median over its cards, so one throttled card does not set
//      the price of all of them.
// Pure functions: no I/O; pdai gpu bench --save and pdai gpu weights call them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pdai::inventory {

struct BenchFigure {
    std::string gpu_type, host, device;  // device: UUID, else the CUDA index as text
    std::string kind;                    // "gemm" or "copy"
    std::string dtype;                   // gemm only
    double value = 0;                    // TFLOP/s (gemm) or GB/s (copy)
    std::int64_t measured_at = 0;
};

inline constexpr std::string_view kDefaultWeightMetric = "half";

// Throws pdai::Error (usage) for a metric that is not half|fp32|tf32|fp16|bf16|fp8|copy.
// The metrics a weight can be derived from, as pdai.conf and --metric name them.
std::vector<std::string> weight_metrics();
void validate_weight_metric(std::string_view metric);

struct TypeMetric {
    double value = 0;  // TFLOP/s, or GB/s for `copy`
    std::size_t cards = 0;
    std::string unit;  // "TFLOP/s" or "GB/s"
};

// metric(T) as above, or nullopt when T has no figure for the metric.
std::optional<TypeMetric> type_metric(const std::vector<BenchFigure>& figures,
                                      const std::string& gpu_type, std::string_view metric);

struct DerivedWeight {
    std::string gpu_type;
    std::optional<TypeMetric> metric;  // nullopt: no figures, no derived weight
    std::optional<double> weight;
};

// Weights of `types` relative to `reference`. The reference's own weight is 1; a type
// without figures, or every type when the reference has none, gets no weight.
std::vector<DerivedWeight> derive_weights(const std::vector<BenchFigure>& figures,
                                          const std::vector<std::string>& types,
                                          const std::string& reference, std::string_view metric);

// Rounds to 4 significant digits (the figures' noise is well above that).
double round_weight(double w);

}  // namespace pdai::inventory
