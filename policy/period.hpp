// Budget periods: calendar months, quarters or years, always in UTC, so the plugin, the CLI
// and cron agree whatever their TZ (a bureau in UTC+8 sees its month turn at 08:00 local).
//
// Which period a job counts against: admission compares the job's bound with what is left in
// the period containing the submission time; the ledger charges a job's whole usage to the
// period its start time falls in, also when it runs across the boundary. One rule, no
// pro-rating, and a job never counts in two periods.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "policy/parsed.hpp"

namespace pdai::policy {

enum class PeriodKind { month, quarter, year };

// Times are Unix seconds (UTC). period_of() clamps input to years 0001..9999.
struct PeriodRange {
    PeriodKind kind = PeriodKind::month;
    std::int64_t start = 0;  // inclusive
    std::int64_t end = 0;    // exclusive: the next period's start
    std::string label;       // "2026-11", "2026-Q4", "2026"
    bool contains(std::int64_t t) const noexcept { return start <= t && t < end; }
    friend bool operator==(const PeriodRange&, const PeriodRange&) = default;
};

PeriodRange period_of(PeriodKind kind, std::int64_t unix_seconds);

// The period after / before `p`.
PeriodRange next_period(const PeriodRange& p);
PeriodRange previous_period(const PeriodRange& p);

// "month" | "quarter" | "year" (any case) and back.
std::optional<PeriodKind> parse_period_kind(std::string_view text);
std::string_view to_string(PeriodKind kind) noexcept;
inline constexpr PeriodKind kPeriodKinds[] = {PeriodKind::month, PeriodKind::quarter, PeriodKind::year};

// A label back to its period: "2026-11", "2026-Q4" (or "2026-q4"), "2026".
Parsed<PeriodRange> parse_period_label(std::string_view text);

// "2026-12-01" for a time's UTC date, for messages ("the budget renews on 2026-12-01").
std::string utc_date(std::int64_t unix_seconds);

}  // namespace pdai::policy
