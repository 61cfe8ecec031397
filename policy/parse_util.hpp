// Small, locale-independent text helpers shared by the policy parsers and messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pdai::policy::detail {

// A non-empty run of ASCII digits, at most `max`; anything else (sign, space, overflow) fails.
std::optional<std::int64_t> parse_uint(std::string_view s, std::int64_t max) noexcept;

std::string_view trim(std::string_view s) noexcept;

bool iequals(std::string_view a, std::string_view b) noexcept;

// ASCII lower case (Slurm stores account names in lower case).
std::string ascii_lower(std::string_view s);

// Quotes untrusted text for a one-line, ASCII message: printable ASCII is kept, everything
// else (newlines, control bytes, non-ASCII) becomes '?', and it is cut to `max` characters.
std::string ascii_safe(std::string_view s, std::size_t max = 64);

// Fixed-point with at most `decimals` digits, trailing zeros dropped: 24 -> "24",
// 1.5 -> "1.5", 0.016666 -> "0.02" (decimals = 2). Uses std::to_chars, so slurmctld's locale
// cannot turn the point into a comma.
std::string format_number(double v, int decimals);

}  // namespace pdai::policy::detail
