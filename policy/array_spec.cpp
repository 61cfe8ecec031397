#include "policy/array_spec.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "policy/parse_util.hpp"

namespace pdai::policy {
namespace {

struct Range {
    std::int64_t first, last, step;
};

std::optional<Range> parse_element(std::string_view e) {
    using detail::parse_uint;
    std::int64_t step = 1;
    if (const auto colon = e.find(':'); colon != std::string_view::npos) {
        const auto s = parse_uint(e.substr(colon + 1), kMaxArrayIndex);
        if (!s || *s == 0) return std::nullopt;
        step = *s;
        e = e.substr(0, colon);
        if (e.find('-') == std::string_view::npos) return std::nullopt;  // "5:2" has no range
    }
    const auto dash = e.find('-');
    const auto first = parse_uint(e.substr(0, dash), kMaxArrayIndex);
    if (!first) return std::nullopt;
    if (dash == std::string_view::npos) return Range{*first, *first, 1};
    const auto last = parse_uint(e.substr(dash + 1), kMaxArrayIndex);
    if (!last || *last < *first) return std::nullopt;
    return Range{*first, *first + (*last - *first) / step * step, step};  // last index reached
}

}  // namespace

Parsed<ArraySpec> parse_array_spec(std::string_view text) {
    const auto bad = [&](std::string_view why) {
        return Parsed<ArraySpec>::fail("invalid job array '" + detail::ascii_safe(text) +
                                       "': " + std::string(why));
    };
    std::string_view s = detail::trim(text);
    ArraySpec spec;
    if (const auto pct = s.find('%'); pct != std::string_view::npos) {
        const auto t = detail::parse_uint(s.substr(pct + 1), kMaxArrayIndex + 1);
        if (!t) return bad("the throttle after '%' must be a whole number");
        if (*t > 0) spec.throttle = static_cast<int>(*t);
        s = s.substr(0, pct);
    }
    if (s.empty()) return bad("no indices");

    std::vector<Range> ranges;
    std::int64_t max_index = 0;
    std::int64_t listed = 0;  // indices over all elements, overlaps counted twice
    for (;;) {
        const auto comma = s.find(',');
        const auto r = parse_element(s.substr(0, comma));
        if (!r) {
            return bad("use indices like 0-15, 0-15:4, 1,3,5-7 or 0-99%5, from 0 to " +
                       std::to_string(kMaxArrayIndex));
        }
        // Bounds the counting loop below (it runs inside slurmctld): a real array has at most
        // kMaxArrayIndex + 1 indices, so only a spec of heavily repeated ranges hits this.
        listed += (r->last - r->first) / r->step + 1;
        if (listed > kMaxArrayIndex + 1) {
            return bad("more than " + std::to_string(kMaxArrayIndex + 1) + " indices listed");
        }
        ranges.push_back(*r);
        max_index = std::max(max_index, r->last);
        if (comma == std::string_view::npos) break;
        s.remove_prefix(comma + 1);
    }
    // Overlapping elements count once (Slurm keeps a bitmap), so count through one too.
    std::vector<bool> seen(static_cast<std::size_t>(max_index) + 1);
    std::int64_t tasks = 0;
    for (const auto& r : ranges) {
        for (auto i = r.first; i <= r.last; i += r.step) {
            if (!seen[static_cast<std::size_t>(i)]) {
                seen[static_cast<std::size_t>(i)] = true;
                ++tasks;
            }
        }
    }
    spec.tasks = static_cast<int>(tasks);
    spec.max_index = static_cast<int>(max_index);
    return Parsed<ArraySpec>::ok(spec);
}

}  // namespace pdai::policy
