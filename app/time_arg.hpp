// Points in time on the command line: an ISO date or date-time (UTC), or an age ("7d").
#pragma once

#include <cstdint>
#include <string>

namespace pdai::app {

std::int64_t parse_since(const std::string& text);  // unix seconds; Errc::usage when bad

}  // namespace pdai::app
