#include "policy/duration.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "policy/parse_util.hpp"

namespace pdai::policy {
namespace {

using detail::parse_uint;

// Seconds cap while parsing: a little over kMaxTimeMinutes, so overflow is impossible and the
// range check below gives the message.
constexpr std::int64_t kMaxSeconds = std::int64_t{kMaxTimeMinutes} * 60 * 4;

Parsed<TimeLimit> from_seconds(std::int64_t seconds, std::string_view text) {
    const std::int64_t minutes = (seconds + 59) / 60;
    if (minutes > kMaxTimeMinutes) {
        return Parsed<TimeLimit>::fail("time limit '" + detail::ascii_safe(text) +
                                       "' is longer than 100 years");
    }
    return Parsed<TimeLimit>::ok(TimeLimit{static_cast<int>(minutes)});
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    for (;;) {
        const auto at = s.find(sep);
        parts.push_back(s.substr(0, at));
        if (at == std::string_view::npos) return parts;
        s.remove_prefix(at + 1);
    }
}

// The Slurm forms; nullopt when `s` is not one of them.
std::optional<std::int64_t> slurm_seconds(std::string_view s) {
    std::int64_t days = 0;
    bool has_days = false;
    if (const auto dash = s.find('-'); dash != std::string_view::npos) {
        const auto d = parse_uint(s.substr(0, dash), kMaxSeconds / 86400);
        if (!d) return std::nullopt;
        days = *d;
        has_days = true;
        s.remove_prefix(dash + 1);
    }
    const auto f = split(s, ':');
    if (f.size() > 3) return std::nullopt;
    std::array<std::int64_t, 3> v{};
    for (std::size_t i = 0; i < f.size(); ++i) {
        // With days every field is bounded; without, the first field is free (as in Slurm).
        const bool leading = i == 0 && !has_days;
        const auto n = parse_uint(f[i], leading ? kMaxSeconds : 59);
        if (!n) return std::nullopt;
        v[i] = *n;
    }
    if (has_days) {
        // D-HH, D-HH:MM, D-HH:MM:SS
        if (v[0] > 23) return std::nullopt;
        return days * 86400 + v[0] * 3600 + v[1] * 60 + v[2];
    }
    switch (f.size()) {
        case 1: return v[0] * 60;                        // MINUTES
        case 2: return v[0] * 60 + v[1];                 // MM:SS
        default: return v[0] * 3600 + v[1] * 60 + v[2];  // HH:MM:SS
    }
}

// The human forms; nullopt when `s` is not one of them.
std::optional<std::int64_t> human_seconds(std::string_view s) {
    constexpr std::string_view units = "dhms";
    constexpr std::array<std::int64_t, 4> scale{86400, 3600, 60, 1};
    if (s.empty()) return std::nullopt;
    std::int64_t total = 0;
    std::size_t next_unit = 0;  // units must come in order d, h, m, s, each once
    while (!s.empty()) {
        std::size_t digits = 0;
        while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
        if (digits == 0 || digits == s.size()) return std::nullopt;
        const auto n = parse_uint(s.substr(0, digits), kMaxSeconds);
        char unit = s[digits];
        if (unit >= 'A' && unit <= 'Z') unit = static_cast<char>(unit - 'A' + 'a');
        const auto u = units.find(unit);
        if (!n || u == std::string_view::npos || u < next_unit) return std::nullopt;
        total += *n * scale[u];
        if (total > kMaxSeconds) return std::nullopt;
        next_unit = u + 1;
        s.remove_prefix(digits + 1);
    }
    return total;
}

bool is_unlimited_word(std::string_view s) {
    return detail::iequals(s, "unlimited") || detail::iequals(s, "infinite") || s == "-1";
}

std::string two_digits(int v) {
    std::string out = std::to_string(v);
    return out.size() < 2 ? "0" + out : out;
}

}  // namespace

Parsed<TimeLimit> parse_slurm_time(std::string_view text) {
    const auto s = detail::trim(text);
    if (is_unlimited_word(s)) return Parsed<TimeLimit>::ok(TimeLimit{});
    if (const auto secs = slurm_seconds(s)) return from_seconds(*secs, text);
    return Parsed<TimeLimit>::fail(
        "invalid time limit '" + detail::ascii_safe(text) +
        "': use MINUTES, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED");
}

Parsed<TimeLimit> parse_time_limit(std::string_view text) {
    const auto s = detail::trim(text);
    if (is_unlimited_word(s)) return Parsed<TimeLimit>::ok(TimeLimit{});
    if (const auto secs = slurm_seconds(s)) return from_seconds(*secs, text);
    if (const auto secs = human_seconds(s)) return from_seconds(*secs, text);
    return Parsed<TimeLimit>::fail("invalid time limit '" + detail::ascii_safe(text) +
                                   "': use e.g. 90m, 2h, 1h30m, 1d, or Slurm's HH:MM:SS or "
                                   "D-HH:MM:SS");
}

std::string format_slurm_time(int minutes) {
    if (minutes < 0) minutes = 0;
    const int days = minutes / 1440;
    const int hours = minutes / 60 % 24;
    const int mins = minutes % 60;
    std::string out = days > 0 ? std::to_string(days) + "-" : std::string{};
    return out + two_digits(hours) + ":" + two_digits(mins) + ":00";
}

std::string format_human(int minutes) {
    if (minutes <= 0) return "0m";
    std::string out;
    if (minutes >= 1440) out += std::to_string(minutes / 1440) + "d";
    if (minutes / 60 % 24) out += std::to_string(minutes / 60 % 24) + "h";
    if (minutes % 60) out += std::to_string(minutes % 60) + "m";
    return out;
}

}  // namespace pdai::policy
