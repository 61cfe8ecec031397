// pdai usage report | statement, and pdai sync (the ledger and liens from Slurm). Who sees
// which bureau's usage is decided here: a caller who may write the catalog sees every
// bureau, anyone else only the bureaus listing them as a member.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/ledger.hpp"
#include "catalog/usage_report.hpp"
#include "policy/period.hpp"
#include "usage/sync.hpp"

namespace pdai::app {

// The time window of a report: [from, to), whole UTC days.
struct Window {
    std::int64_t from = 0, to = 0;
    std::string label;  // "2026-11", "2026-Q4", or "2026-11-01..2026-11-07"
};

struct UsageReportRequest {
    std::optional<std::string> period, from, to, bureau;  // --to is inclusive
    std::vector<std::string> by;                          // bureau, user, algorithm, vendor, gpu-type, day
};
struct UsageReport {
    Window window;
    std::vector<catalog::UsageDim> by;
    std::vector<catalog::UsageGroup> groups;
    catalog::UsageFigures total;
};
UsageReport usage_report(const Context& ctx, const UsageReportRequest& r);

// A bureau's chargeback statement for one period: budget, used, left, usage by algorithm and
// by GPU type, and the largest jobs.
struct Statement {
    catalog::Bureau bureau;
    policy::PeriodRange period;
    std::optional<double> budget_cuh;  // when the bureau's quota period is this kind of period
    catalog::UsageFigures total;
    std::vector<catalog::UsageGroup> by_algorithm, by_gpu_type;
    std::vector<catalog::LedgerRow> top_jobs;
    std::int64_t generated_at = 0;
};
Statement usage_statement(const Context& ctx, const std::string& bureau, const std::string& period);

struct SyncRequest {
    std::optional<std::string> since;                  // a date or an age, instead of the watermark
    std::chrono::milliseconds lock_wait{5000};         // for another running sync
};
struct Synced {
    bool skipped = false;  // another sync held the lock throughout: nothing done
    usage::SyncResult result;
};
Synced sync(const Context& ctx, const SyncRequest& r);

}  // namespace pdai::app
