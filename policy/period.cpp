#include "policy/period.hpp"

#include <algorithm>
#include <chrono>

#include "policy/parse_util.hpp"

namespace pdai::policy {
namespace {

namespace chr = std::chrono;

constexpr std::int64_t kMinTime = -62135596800;  // 0001-01-01T00:00:00Z
constexpr std::int64_t kMaxTime = 253402300799;  // 9999-12-31T23:59:59Z

std::int64_t to_unix(int y, unsigned m) {
    const chr::sys_days d{chr::year{y} / chr::month{m} / chr::day{1}};
    return d.time_since_epoch().count() * std::int64_t{86400};
}

chr::year_month_day civil(std::int64_t unix_seconds) {
    const auto t = std::clamp(unix_seconds, kMinTime, kMaxTime);
    return chr::year_month_day{chr::floor<chr::days>(chr::sys_seconds{chr::seconds{t}})};
}

std::string pad(int v, int width) {
    std::string s = std::to_string(v);
    return std::string(static_cast<std::size_t>(std::max(0, width - static_cast<int>(s.size()))),
                       '0') +
           s;
}

// The period of `kind` that starts in year y, month m (m is the period's first month).
// The label is written digit by digit: the job_submit plugin labels every decision's period,
// and string arithmetic would be most of that decision's code.
PeriodRange make(PeriodKind kind, int y, unsigned m) {
    PeriodRange p;
    p.kind = kind;
    p.start = to_unix(y, m);
    char label[8] = {static_cast<char>('0' + y / 1000 % 10), static_cast<char>('0' + y / 100 % 10),
                     static_cast<char>('0' + y / 10 % 10), static_cast<char>('0' + y % 10)};
    std::size_t n = 4;  // years are 0001..9999 (period_of clamps)
    switch (kind) {
        case PeriodKind::month:
            p.end = m == 12 ? to_unix(y + 1, 1) : to_unix(y, m + 1);
            label[n++] = '-';
            label[n++] = static_cast<char>('0' + m / 10);
            label[n++] = static_cast<char>('0' + m % 10);
            break;
        case PeriodKind::quarter:
            p.end = m == 10 ? to_unix(y + 1, 1) : to_unix(y, m + 3);
            label[n++] = '-';
            label[n++] = 'Q';
            label[n++] = static_cast<char>('0' + (m - 1) / 3 + 1);
            break;
        case PeriodKind::year:
            p.end = to_unix(y + 1, 1);
            break;
    }
    p.label.assign(label, n);
    return p;
}

}  // namespace

[[gnu::hot]] PeriodRange period_of(PeriodKind kind, std::int64_t unix_seconds) {
    const auto ymd = civil(unix_seconds);
    const int y = static_cast<int>(ymd.year());
    const unsigned m = static_cast<unsigned>(ymd.month());
    switch (kind) {
        case PeriodKind::month: return make(kind, y, m);
        case PeriodKind::quarter: return make(kind, y, (m - 1) / 3 * 3 + 1);
        case PeriodKind::year: return make(kind, y, 1);
    }
    return make(PeriodKind::month, y, m);
}

PeriodRange next_period(const PeriodRange& p) {
    return period_of(p.kind, p.end);
}

PeriodRange previous_period(const PeriodRange& p) {
    return period_of(p.kind, p.start - 1);
}

std::optional<PeriodKind> parse_period_kind(std::string_view text) {
    const auto s = detail::trim(text);
    if (detail::iequals(s, "month")) return PeriodKind::month;
    if (detail::iequals(s, "quarter")) return PeriodKind::quarter;
    if (detail::iequals(s, "year")) return PeriodKind::year;
    return std::nullopt;
}

std::string_view to_string(PeriodKind kind) noexcept {
    switch (kind) {
        case PeriodKind::month: return "month";
        case PeriodKind::quarter: return "quarter";
        case PeriodKind::year: return "year";
    }
    return "month";
}

Parsed<PeriodRange> parse_period_label(std::string_view text) {
    const auto s = detail::trim(text);
    const auto bad = [&] {
        return Parsed<PeriodRange>::fail("invalid period '" + detail::ascii_safe(text) +
                                         "': use YYYY-MM, YYYY-Qn or YYYY, e.g. 2026-11");
    };
    if (s.size() < 4 || !detail::parse_uint(s.substr(0, 4), 9999)) return bad();
    const int y = static_cast<int>(*detail::parse_uint(s.substr(0, 4), 9999));
    if (y < 1) return bad();
    const auto rest = s.substr(4);
    if (rest.empty()) return Parsed<PeriodRange>::ok(make(PeriodKind::year, y, 1));
    if (rest.size() == 3 && rest[0] == '-' && (rest[1] == 'Q' || rest[1] == 'q') &&
        rest[2] >= '1' && rest[2] <= '4') {
        return Parsed<PeriodRange>::ok(
            make(PeriodKind::quarter, y, static_cast<unsigned>(rest[2] - '1') * 3 + 1));
    }
    if (rest.size() == 3 && rest[0] == '-') {
        const auto m = detail::parse_uint(rest.substr(1), 12);
        if (m && *m >= 1) {
            return Parsed<PeriodRange>::ok(make(PeriodKind::month, y, static_cast<unsigned>(*m)));
        }
    }
    return bad();
}

std::string utc_date(std::int64_t unix_seconds) {
    const auto ymd = civil(unix_seconds);
    return pad(static_cast<int>(ymd.year()), 4) + "-" +
           pad(static_cast<int>(static_cast<unsigned>(ymd.month())), 2) + "-" +
           pad(static_cast<int>(static_cast<unsigned>(ymd.day())), 2);
}

}  // namespace pdai::policy
