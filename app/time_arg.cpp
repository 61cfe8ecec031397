#include "app/time_arg.hpp"

#include <ctime>

#include "catalog/catalog.hpp"
#include "common/error.hpp"
#include "policy/duration.hpp"

namespace pdai::app {

std::int64_t parse_since(const std::string& text) {
    std::tm tm{};
    for (const char* fmt : {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
                            "%Y-%m-%d"}) {
        tm = {};
        const char* end = strptime(text.c_str(), fmt, &tm);
        if (end && *end == '\0') return static_cast<std::int64_t>(timegm(&tm));
    }
    auto age = policy::parse_time_limit(text);
    if (age && !age->unlimited() && text.find_first_of("dhms") != std::string::npos)
        return pdai::now_unix() - static_cast<std::int64_t>(*age->minutes) * 60;
    throw Error(Errc::usage, "cannot read time '" + text + "'",
                "give a date like 2026-11-01 (UTC), or an age like 7d or 12h");
}

}  // namespace pdai::app
