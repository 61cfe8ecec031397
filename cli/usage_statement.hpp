// A bureau's chargeback statement for one period: budget, used, left, usage by algorithm and
// by GPU type, and the largest jobs; as text, JSON, or one self-contained HTML page.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalog/bureaus.hpp"
#include "catalog/ledger.hpp"
#include "catalog/usage_report.hpp"
#include "policy/period.hpp"

namespace pdai::cli {

struct Statement {
    catalog::Bureau bureau;
    policy::PeriodRange period;
    std::optional<double> budget_cuh;  // when the bureau's quota period is this kind of period
    catalog::UsageFigures total;
    std::vector<catalog::UsageGroup> by_algorithm, by_gpu_type;
    std::vector<catalog::LedgerRow> top_jobs;
    std::int64_t generated_at = 0;
};

Statement make_statement(catalog::Catalog& c, const catalog::Bureau& b, const policy::PeriodRange& p);
std::string statement_text(const Statement& s);
std::string statement_html(const Statement& s);
nlohmann::json statement_json(const Statement& s);

}  // namespace pdai::cli
