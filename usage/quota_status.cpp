#include "usage/quota_status.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "catalog/bureaus.hpp"
#include "catalog/catalog.hpp"
#include "catalog/quotas.hpp"
#include "catalog/usage_report.hpp"

namespace pdai::usage {

QuotaStatus quota_status(catalog::Catalog& c, const catalog::Quota& q, std::int64_t now) {
    QuotaStatus s;
    s.bureau = q.bureau;
    const auto kind = policy::parse_period_kind(q.period).value_or(policy::PeriodKind::month);
    s.period = policy::period_of(kind, now);
    const auto b = catalog::get_bureau(c, q.bureau);
    s.budget_cuh = q.budget_cuh;
    s.used_cuh = catalog::usage_total(c, b.slurm_account, s.period.start, s.period.end).cuh;
    s.liens_cuh = catalog::liens_cuh(c, b.id);
    s.left_cuh = s.budget_cuh - s.used_cuh - s.liens_cuh;
    s.exhausted = s.left_cuh <= 0;
    const double elapsed_days = std::max<double>(3600.0, static_cast<double>(now - s.period.start)) / 86400.0;
    s.burn_cuh_per_day = std::max(0.0, s.used_cuh) / elapsed_days;
    if (!s.exhausted && s.burn_cuh_per_day > 0)
        s.runs_out_at = now + static_cast<std::int64_t>(std::llround(s.left_cuh / s.burn_cuh_per_day * 86400.0));
    return s;
}

void to_json(nlohmann::json& j, const QuotaStatus& s) {
    j = {{"bureau", s.bureau},
         // "period" stays the kind (month/quarter/year), as in 'pdai quota set' and its JSON.
         {"period", std::string(policy::to_string(s.period.kind))},
         {"period_label", s.period.label},
         {"period_start", pdai::format_time(s.period.start)},
         {"period_end", pdai::format_time(s.period.end)},
         {"budget_cuh", s.budget_cuh},
         {"used_cuh", s.used_cuh},
         {"liens_cuh", s.liens_cuh},
         {"left_cuh", s.left_cuh},
         {"burn_cuh_per_day", s.burn_cuh_per_day},
         {"runs_out_at", s.runs_out_at ? nlohmann::json(pdai::format_time(*s.runs_out_at))
                                       : nlohmann::json(nullptr)},
         {"exhausted", s.exhausted}};
}

}  // namespace pdai::usage
