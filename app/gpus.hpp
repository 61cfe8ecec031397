// pdai gpu type add | list | set, and the CUDA side: probe (optionally recording this node's
// GPUs), bench (optionally saving the figures and deriving weights), check, weights, results.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "catalog/gpu_benchmarks.hpp"
#include "catalog/gpu_types.hpp"
#include "common/error.hpp"
#include "gpu/gpu.hpp"
#include "inventory/gpu_inventory.hpp"

namespace pdai::app {

struct AddGpuType {
    std::string name, vendor;
    double weight = 0, price_cny = 0;
    std::optional<std::int64_t> memory_gib;
};
catalog::GpuType add_gpu_type(const Context& ctx, const AddGpuType& r);
std::vector<catalog::GpuType> list_gpu_types(const Context& ctx);

struct SetGpuType {
    std::string name;
    std::optional<double> weight, price_cny;
    std::optional<std::string> vendor, match;
    std::optional<std::int64_t> memory_gib;
};
catalog::Updated<catalog::GpuType> set_gpu_type(const Context& ctx, const SetGpuType& r);

// True when this pdai was built with CUDA (else probe finds nothing, bench and check refuse).
bool cuda_built() noexcept;

struct ProbeRequest {
    bool register_node = false, require = false;
    std::string host;  // "" : the short host name
};
struct ProbeResult {
    gpu::Probe probe;
    std::optional<inventory::RegisterResult> registered;
};
ProbeResult probe_gpus(const Context& ctx, const ProbeRequest& r);

struct BenchRequest {
    int device = 0;
    std::vector<std::string> dtypes;  // empty: all
    double seconds = 3.0;
    bool save = false, no_copy = false;
    std::optional<std::string> type, host;
    std::function<void(const std::string&)> progress;  // may be empty
};
struct SavedBench {
    std::string gpu_type, host, metric;
    std::optional<std::string> reference;
    inventory::SaveResult result;
};
struct BenchResult {
    gpu::BenchReport report;
    double seconds = 0;
    std::optional<SavedBench> saved;
};
BenchResult bench_gpu(const Context& ctx, const BenchRequest& r);

struct CheckResult {
    std::vector<gpu::CheckReport> reports;
    std::optional<Error> failure;  // the first failed step; the command fails with it
};
CheckResult check_gpus(std::optional<int> device);

struct WeightsRequest {
    std::optional<std::string> reference, metric;  // else pdai.conf's
    bool apply = false;
};
struct WeightsResult {
    std::string reference, metric;
    std::vector<inventory::WeightRow> rows;
    std::vector<inventory::WeightUpdate> updated;  // with apply
};
WeightsResult gpu_weights(const Context& ctx, const WeightsRequest& r);

std::vector<catalog::GpuBenchmark> gpu_results(const Context& ctx, const std::optional<std::string>& type);

}  // namespace pdai::app
