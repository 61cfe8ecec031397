#include "bundle/semver.hpp"

#include <vector>

namespace pdai::bundle {

namespace {

bool is_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

bool is_ident_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        auto p = s.find(sep);
        out.push_back(s.substr(0, p));
        if (p == std::string_view::npos) return out;
        s.remove_prefix(p + 1);
    }
}

bool numeric(std::string_view field, std::uint64_t& out) {
    if (!is_digits(field) || (field.size() > 1 && field[0] == '0') || field.size() > 19) return false;
    out = 0;
    for (char c : field) out = out * 10 + static_cast<std::uint64_t>(c - '0');
    return true;
}

bool identifiers_ok(std::string_view s, bool no_leading_zero, std::string* why, const char* what) {
    for (auto id : split(s, '.')) {
        if (id.empty()) {
            if (why) *why = std::string(what) + " has an empty identifier";
            return false;
        }
        for (char c : id)
            if (!is_ident_char(c)) {
                if (why) *why = std::string(what) + " may hold only [0-9A-Za-z-] and '.'";
                return false;
            }
        if (no_leading_zero && is_digits(id) && id.size() > 1 && id[0] == '0') {
            if (why) *why = std::string(what) + " has a numeric identifier with a leading zero";
            return false;
        }
    }
    return true;
}

}  // namespace

std::optional<SemVer> parse_semver(std::string_view text, std::string* why) {
    if (text.size() > 64) {
        if (why) *why = "longer than 64 characters";
        return std::nullopt;
    }
    SemVer v;
    std::string_view core = text;
    if (auto plus = core.find('+'); plus != std::string_view::npos) {
        v.build = std::string(core.substr(plus + 1));
        core = core.substr(0, plus);
        if (!identifiers_ok(v.build, false, why, "build metadata")) return std::nullopt;
    }
    if (auto dash = core.find('-'); dash != std::string_view::npos) {
        v.prerelease = std::string(core.substr(dash + 1));
        core = core.substr(0, dash);
        if (!identifiers_ok(v.prerelease, true, why, "pre-release")) return std::nullopt;
    }
    auto fields = split(core, '.');
    if (fields.size() != 3 || !numeric(fields[0], v.major) || !numeric(fields[1], v.minor) ||
        !numeric(fields[2], v.patch)) {
        if (why) *why = "expected MAJOR.MINOR.PATCH with numbers without leading zeros, e.g. 1.4.0";
        return std::nullopt;
    }
    return v;
}

int compare_precedence(const SemVer& a, const SemVer& b) {
    auto cmp = [](std::uint64_t x, std::uint64_t y) { return x < y ? -1 : x > y ? 1 : 0; };
    if (int c = cmp(a.major, b.major)) return c;
    if (int c = cmp(a.minor, b.minor)) return c;
    if (int c = cmp(a.patch, b.patch)) return c;
    if (a.prerelease.empty() || b.prerelease.empty())
        return a.prerelease.empty() == b.prerelease.empty() ? 0 : a.prerelease.empty() ? 1 : -1;
    auto xs = split(a.prerelease, '.'), ys = split(b.prerelease, '.');
    for (std::size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
        bool xn = is_digits(xs[i]), yn = is_digits(ys[i]);
        if (xn && yn) {
            // Equal-length digit strings compare like numbers; longer (no leading zeros) is bigger.
            if (xs[i].size() != ys[i].size()) return xs[i].size() < ys[i].size() ? -1 : 1;
            if (int c = xs[i].compare(ys[i])) return c < 0 ? -1 : 1;
        } else if (xn != yn) {
            return xn ? -1 : 1;  // numeric identifiers sort before alphanumeric ones
        } else if (int c = xs[i].compare(ys[i])) {
            return c < 0 ? -1 : 1;
        }
    }
    return cmp(xs.size(), ys.size());
}

bool version_less(std::string_view a, std::string_view b) {
    auto x = parse_semver(a), y = parse_semver(b);
    if (x && y) {
        if (int c = compare_precedence(*x, *y)) return c < 0;
    } else if (x.has_value() != y.has_value()) {
        return !x.has_value();
    }
    return a < b;
}

}  // namespace pdai::bundle
