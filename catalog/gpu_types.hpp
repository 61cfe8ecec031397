// GPU types: a weight (compute-unit-hours per GPU-hour, measured or set by hand) and a
// price (CNY per card-hour) make an hour on different cards comparable and billable.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalog/updated.hpp"

namespace pdai::catalog {

class Catalog;

struct GpuType {
    std::int64_t id = 0;
    std::string name, vendor;
    double weight = 1.0;
    double price_cny = 0.0;
    std::optional<std::int64_t> memory_mib;
    std::int64_t created_at = 0, updated_at = 0;
    // A glob over CUDA device names ("NVIDIA H100*"); `pdai gpu probe --register` maps a
    // card to the type whose pattern matches it (see inventory/gpu_match.hpp).
    std::optional<std::string> match;
};

struct GpuTypeChange {
    std::optional<double> weight, price_cny;
    std::optional<std::string> vendor;
    std::optional<std::int64_t> memory_mib;
    std::optional<std::string> match;  // "" clears it
};

GpuType add_gpu_type(Catalog& c, const std::string& name, double weight, double price_cny,
                     const std::string& vendor, std::optional<std::int64_t> memory_mib);
std::vector<GpuType> list_gpu_types(Catalog& c);
std::optional<GpuType> find_gpu_type(Catalog& c, const std::string& name);
GpuType get_gpu_type(Catalog& c, const std::string& name);
Updated<GpuType> set_gpu_type(Catalog& c, const std::string& name, const GpuTypeChange& change);

void validate_weight(double w);
void validate_price(double p);
void validate_match_pattern(const std::string& pattern);

void to_json(nlohmann::json& j, const GpuType& t);

}  // namespace pdai::catalog
