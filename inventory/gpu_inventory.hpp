// The catalog side of GPU metering: registering a node's probed cards under their types,
// storing benchmark figures and turning them into weights (gpu_weight.hpp).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/gpu_benchmarks.hpp"
#include "inventory/gpu_match.hpp"
#include "inventory/gpu_weight.hpp"

namespace pdai::catalog {
class Catalog;
}

namespace pdai::inventory {

std::vector<TypePattern> type_patterns(catalog::Catalog& c);

// The catalog type of one device, or Errc::not_found saying how to add or match one.
std::string resolve_device_type(catalog::Catalog& c, const std::string& device_name);

struct RegisterResult {
    std::string host;
    bool added = false;  // false: the node existed and its GPUs were replaced
    std::map<std::string, std::int64_t> gpus_before, gpus_after;
    std::vector<std::string> notes;  // how each device name matched
};

// Records `host`'s cards, by CUDA device name, as its GPUs (caller's transaction, one
// audit entry "node.register"). A new node is shared, state unknown, source 'probe'; an
// existing node keeps its owner and state. Every card must map to a type, else nothing is
// written (Errc::not_found).
RegisterResult register_node_gpus(catalog::Catalog& c, const std::string& host,
                                  const std::vector<std::string>& device_names);

std::vector<BenchFigure> bench_figures(const std::vector<catalog::GpuBenchmark>& rows);

struct WeightUpdate {
    std::string gpu_type;
    double before = 0, after = 0;
};

struct SaveResult {
    std::size_t rows = 0;
    std::optional<double> weight;       // the benched type's derived weight
    std::vector<WeightUpdate> updated;  // weights written
    std::string note;                   // why no weight was derived, when none was
};

// Stores one run's figures (all of one type) and derives weights relative to `reference`
// under `metric`: the benched type's weight is set; when it is the reference itself, every
// type with figures is re-derived (the reference's figure is every weight's denominator).
// Without a reference, or without figures for it, the figures are stored and no weight
// changes; `note` says why.
SaveResult save_benchmarks(catalog::Catalog& c, std::vector<catalog::GpuBenchmark> rows,
                           const std::optional<std::string>& reference, std::string_view metric);

struct WeightRow {
    std::string gpu_type;
    double current = 0;  // the catalog's weight now
    DerivedWeight derived;
};

// Every type's current and derived weight (for `pdai gpu weights`). The reference must
// exist (Errc::not_found).
std::vector<WeightRow> weight_table(catalog::Catalog& c, const std::string& reference,
                                    std::string_view metric);

// Writes the derived weights that differ from the current ones (caller's transaction;
// set_gpu_type audits each).
std::vector<WeightUpdate> apply_weights(catalog::Catalog& c, const std::vector<WeightRow>& rows);

}  // namespace pdai::inventory
