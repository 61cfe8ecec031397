// Job arrays: Slurm's array_inx as the job_submit plugin sees it (unexpanded, the plugin runs
// once per array): "0-15", "0-15:4", "1,3,5-7", "0-99%5".
#pragma once

#include <optional>
#include <string_view>

#include "policy/parsed.hpp"

namespace pdai::policy {

// Largest array index Slurm allows (MaxArraySize is at most 4000001).
inline constexpr int kMaxArrayIndex = 4'000'000;

struct ArraySpec {
    int tasks = 1;                // distinct indices; "1,1,1" is one task, as in Slurm
    std::optional<int> throttle;  // "%N": at most N tasks run at once; "%0" = no limit
    int max_index = 0;
    friend bool operator==(const ArraySpec&, const ArraySpec&) = default;
};

// Elements are "N", "A-B" or "A-B:STEP" (A <= B, STEP >= 1), comma-separated, optionally
// followed by "%THROTTLE". Indices run 0..kMaxArrayIndex. Anything else is an error.
Parsed<ArraySpec> parse_array_spec(std::string_view text);

}  // namespace pdai::policy
