// Quotas: per bureau and period, a budget in compute-unit-hours, an optional cap on
// concurrent GPUs, a longest allowed time limit, and the GPU types it may use.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalog/updated.hpp"

namespace pdai::catalog {

class Catalog;

struct Quota {
    std::string bureau;
    std::string period;  // month | quarter | year
    double budget_cuh = 0;
    std::optional<std::int64_t> max_gpus;
    std::optional<std::int64_t> max_time_minutes;
    std::vector<std::string> gpu_types;  // empty: every type allowed
    std::int64_t updated_at = 0;
    std::string updated_by;
};

// Each field left empty keeps its value; the inner optional empty clears a limit.
struct QuotaChange {
    std::optional<std::string> period;
    std::optional<double> budget_cuh;
    std::optional<std::optional<std::int64_t>> max_gpus;
    std::optional<std::optional<std::int64_t>> max_time_minutes;
    std::optional<std::vector<std::string>> gpu_types;
};

void validate_period(const std::string& p);
void validate_budget(double cuh);

// Creates the quota (a budget is then required) or changes it.
Updated<Quota> set_quota(Catalog& c, const std::string& bureau, const QuotaChange& change);
std::optional<Quota> find_quota(Catalog& c, const std::string& bureau);
std::vector<Quota> list_quotas(Catalog& c);

void to_json(nlohmann::json& j, const Quota& q);

}  // namespace pdai::catalog
