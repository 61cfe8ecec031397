// Time limits: Slurm's forms (what sbatch --time takes) and the short human forms pdai's CLI
// takes, parsed to whole minutes, and formatted back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "policy/parsed.hpp"

namespace pdai::policy {

// Longest limit pdai accepts (100 years); keeps every product in range.
inline constexpr int kMaxTimeMinutes = 100 * 365 * 24 * 60;

struct TimeLimit {
    std::optional<int> minutes;  // std::nullopt = UNLIMITED / INFINITE
    bool unlimited() const noexcept { return !minutes.has_value(); }
    friend bool operator==(const TimeLimit&, const TimeLimit&) = default;
};

// Slurm forms: "MINUTES", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS", and
// "UNLIMITED"/"INFINITE"/"-1" (any case). The leading field may be any size ("90:00" is
// 90 minutes, as in Slurm); the fields after it must be in range (SS, MM < 60; HH < 24 after
// a day). Seconds round UP to a whole minute, as Slurm does. "0" parses as 0 minutes, which
// Slurm (and the policy engine) treat as "no limit".
Parsed<TimeLimit> parse_slurm_time(std::string_view text);

// What the CLI's --time takes: any Slurm form above, or a human form made of
// <number><unit> parts with units d, h, m, s in that order, each at most once
// ("90m", "2h", "1h30m", "1d", "1d12h", "45s"); seconds round up to a whole minute.
Parsed<TimeLimit> parse_time_limit(std::string_view text);

// Slurm's own display form: "HH:MM:SS", or "D-HH:MM:SS" from one day up ("2-00:00:00").
// Both are valid input to sbatch --time. Negative input is shown as "00:00:00".
std::string format_slurm_time(int minutes);

// Short human form: "2h30m", "45m", "1d", "1d2h5m"; 0 is "0m".
std::string format_human(int minutes);

}  // namespace pdai::policy
