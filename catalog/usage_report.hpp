// Usage reports over the per-day rollup (usage_daily): grouped sums for 'pdai usage report',
// a bureau's period figures for 'pdai quota show' and statements, and a statement's top jobs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/ledger.hpp"

namespace pdai::catalog {

class Catalog;

// Report dimensions, in the order given: bureau, user, algorithm, vendor, gpu-type, day.
enum class UsageDim { bureau, user, algorithm, vendor, gpu_type, day };
std::optional<UsageDim> parse_usage_dim(const std::string& name);
std::string to_string(UsageDim d);
// The dimensions as --by names them ("gpu-type"); parse_usage_dim also takes a few aliases.
std::vector<std::string> usage_dim_names();

struct UsageQuery {
    std::int64_t from = 0, to = 0;  // [from, to), unix seconds, whole UTC days (start_at's day)
    std::vector<UsageDim> by;       // empty: one total row
    std::vector<std::string> accounts;  // only these bureaus' accounts; empty: all
};

struct UsageFigures {
    std::int64_t jobs = 0, ok_jobs = 0;
    double gpu_hours = 0, cuh = 0, cost_cny = 0;
    double success_rate() const { return jobs > 0 ? static_cast<double>(ok_jobs) / jobs : 0.0; }
};

struct UsageGroup {
    std::vector<std::string> keys;  // one per UsageQuery::by; "-" for none
    UsageFigures figures;
};

// Groups ordered by CUH, largest first (then by keys).
std::vector<UsageGroup> usage_report(Catalog& c, const UsageQuery& q);
// One account's figures over [from, to) (whole days).
UsageFigures usage_total(Catalog& c, const std::string& account, std::int64_t from, std::int64_t to);
// The largest effective ledger rows (by CUH) of a bureau that started in [from, to).
std::vector<LedgerRow> top_jobs(Catalog& c, std::int64_t bureau_id, std::int64_t from,
                                std::int64_t to, int limit);
// Sum of the cluster-wide liens on one bureau.
double liens_cuh(Catalog& c, std::int64_t bureau_id);

}  // namespace pdai::catalog
