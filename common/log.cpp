#include "common/log.hpp"

#include <atomic>

namespace pdai::log {
namespace {

Sink& sink() {
    static Sink s;
    return s;
}
std::atomic<int> g_lowest{static_cast<int>(Level::off)};

}  // namespace

void set_sink(Sink s, Level lowest) {
    sink() = std::move(s);
    g_lowest.store(static_cast<int>(sink() ? lowest : Level::off), std::memory_order_relaxed);
}

bool enabled(Level level) noexcept {
    return static_cast<int>(level) >= g_lowest.load(std::memory_order_relaxed) && level != Level::off;
}

void write(Level level, std::string_view line) noexcept {
    if (!enabled(level)) return;
    try {
        sink()(level, line);
    } catch (...) {
        // The sink is the last resort; there is nowhere left to report its own failure.
    }
}

}  // namespace pdai::log
