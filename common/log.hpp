// The libraries' logging interface: a level and a line. The executables plug a sink in
// (spdlog in pdai, slurmctld's log in the job_submit plugin); with none, lines are dropped.
// Libraries never write to stderr themselves, and check enabled() before building a line
// that costs something, so that a level that is off costs one load.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace pdai::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

using Sink = std::function<void(Level, std::string_view)>;

// Installs the sink and the lowest level it wants; not thread-safe against concurrent
// logging, so executables call it once at start-up.
void set_sink(Sink sink, Level lowest);
bool enabled(Level level) noexcept;
// Never throws: a failing sink loses the line, not the caller's work.
void write(Level level, std::string_view line) noexcept;

inline void debug(std::string_view line) noexcept { write(Level::debug, line); }
inline void info(std::string_view line) noexcept { write(Level::info, line); }
inline void warn(std::string_view line) noexcept { write(Level::warn, line); }
inline void error(std::string_view line) noexcept { write(Level::error, line); }

}  // namespace pdai::log
