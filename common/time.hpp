// The clock and the one way pdai writes a time: UTC, ISO-8601, to the second.
#pragma once

#include <cstdint>
#include <string>

namespace pdai {

std::int64_t now_unix();
std::string format_time(std::int64_t unix_seconds);          // "2026-11-23T12:00:00Z"
std::string format_time_compact(std::int64_t unix_seconds);  // "20261123T120000Z", for file names

}  // namespace pdai
