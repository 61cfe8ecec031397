#include "inventory/gpu_weight.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "common/error.hpp"

namespace pdai::inventory {
namespace {

constexpr std::string_view kMetrics[] = {"half", "fp32", "tf32", "fp16", "bf16", "fp8", "copy"};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    auto n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Whether a figure feeds `metric`, and under which name the card keeps its latest one.
bool counts(const BenchFigure& f, std::string_view metric) {
    if (metric == "copy") return f.kind == "copy";
    if (f.kind != "gemm") return false;
    if (metric == "half") return f.dtype == "bf16" || f.dtype == "fp16";
    return f.dtype == metric;
}

}  // namespace

std::vector<std::string> weight_metrics() { return {std::begin(kMetrics), std::end(kMetrics)}; }

void validate_weight_metric(std::string_view metric) {
    if (std::find(std::begin(kMetrics), std::end(kMetrics), metric) == std::end(kMetrics))
        throw Error(Errc::usage, "unknown GPU weight metric '" + std::string(metric) + "'",
                    "one of half (the larger of bf16 and fp16, the default), fp32, tf32, fp16, "
                    "bf16, fp8, copy");
}

std::optional<TypeMetric> type_metric(const std::vector<BenchFigure>& figures,
                                      const std::string& gpu_type, std::string_view metric) {
    validate_weight_metric(metric);
    // Latest figure per (card, dtype): (host, device, dtype) -> (time, value).
    std::map<std::tuple<std::string, std::string, std::string>, std::pair<std::int64_t, double>> latest;
    for (const auto& f : figures) {
        if (f.gpu_type != gpu_type || !counts(f, metric) || !(f.value > 0)) continue;
        auto [it, fresh] = latest.try_emplace({f.host, f.device, f.dtype}, f.measured_at, f.value);
        if (!fresh && f.measured_at >= it->second.first) it->second = {f.measured_at, f.value};
    }
    // Per card: the larger of its dtypes (only `half` has more than one).
    std::map<std::pair<std::string, std::string>, double> cards;
    for (const auto& [key, v] : latest) {
        auto& card = cards[{std::get<0>(key), std::get<1>(key)}];
        card = std::max(card, v.second);
    }
    if (cards.empty()) return std::nullopt;
    std::vector<double> values;
    for (const auto& [card, v] : cards) values.push_back(v);
    return TypeMetric{median(values), values.size(), metric == "copy" ? "GB/s" : "TFLOP/s"};
}

double round_weight(double w) {
    if (!(w > 0) || !std::isfinite(w)) return w;
    double scale = std::pow(10.0, 3 - std::floor(std::log10(w)));
    return std::round(w * scale) / scale;
}

std::vector<DerivedWeight> derive_weights(const std::vector<BenchFigure>& figures,
                                          const std::vector<std::string>& types,
                                          const std::string& reference, std::string_view metric) {
    auto ref = type_metric(figures, reference, metric);
    std::vector<DerivedWeight> out;
    for (const auto& t : types) {
        DerivedWeight d{t, type_metric(figures, t, metric), std::nullopt};
        if (t == reference && ref)
            d.weight = 1.0;
        else if (d.metric && ref)
            d.weight = round_weight(d.metric->value / ref->value);
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace pdai::inventory
