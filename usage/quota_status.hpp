// Where a bureau stands in its current period: budget, used (ledger), liens (active jobs as
// the last sync saw them), left, the burn rate so far and the day the budget runs out at it.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "policy/period.hpp"

namespace pdai::catalog {
class Catalog;
struct Quota;
}  // namespace pdai::catalog

namespace pdai::usage {

struct QuotaStatus {
    std::string bureau;
    policy::PeriodRange period;
    double budget_cuh = 0, used_cuh = 0, liens_cuh = 0, left_cuh = 0;
    double burn_cuh_per_day = 0;  // used / time elapsed in the period
    // When used + liens reach the budget at the burn rate; nullopt: no burn, or already out.
    std::optional<std::int64_t> runs_out_at;
    bool exhausted = false;  // left <= 0
};

// The burn rate counts at least one hour of the period, so a job in the first minutes of a
// month does not extrapolate to an absurd rate.
QuotaStatus quota_status(catalog::Catalog& c, const catalog::Quota& q, std::int64_t now);

void to_json(nlohmann::json& j, const QuotaStatus& s);

}  // namespace pdai::usage
