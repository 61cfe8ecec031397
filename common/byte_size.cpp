#include "common/byte_size.hpp"

#include <cctype>
#include <cstdio>
#include <limits>

namespace pdai {

std::optional<std::uint64_t> parse_byte_size(std::string_view text, std::uint64_t default_unit) {
    std::size_t i = 0;
    std::uint64_t n = 0;
    constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        auto digit = static_cast<std::uint64_t>(text[i] - '0');
        if (n > (kMax - digit) / 10) return std::nullopt;
        n = n * 10 + digit;
    }
    if (i == 0) return std::nullopt;
    std::string unit;
    for (; i < text.size(); ++i)
        unit += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
    std::uint64_t scale = default_unit;
    if (!unit.empty()) {
        static constexpr std::string_view kUnits = "KMGTP";
        auto pos = kUnits.find(unit[0]);
        std::string_view rest = std::string_view(unit).substr(1);
        if (unit == "B") {
            scale = 1;
        } else if (pos == std::string_view::npos || !(rest.empty() || rest == "B" || rest == "IB")) {
            return std::nullopt;
        } else {
            scale = std::uint64_t{1} << (10 * (pos + 1));
        }
    }
    if (scale != 0 && n > kMax / scale) return std::nullopt;
    return n * scale;
}

std::string format_bytes(std::uint64_t bytes) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 6) v /= 1024, ++u;
    char buf[32];
    if (u == 0)
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    else if (v - static_cast<double>(static_cast<std::uint64_t>(v)) < 0.05 || v >= 100)
        std::snprintf(buf, sizeof buf, "%.0f %s", v, kUnits[u]);
    else
        std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
    return buf;
}

}  // namespace pdai
