#include "jobs/job_state.hpp"

#include <array>

namespace pdai::jobs {
namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(State::lost) + 1> kNames = {
    "submitting", "pending",   "running",  "suspended",     "requeued",
    "completed",  "failed",    "cancelled", "timeout",      "node_fail",
    "preempted",  "out_of_memory", "boot_fail", "deadline", "lost"};

}  // namespace

std::string_view to_string(State s) noexcept { return kNames[static_cast<std::size_t>(s)]; }

std::optional<State> parse_state(std::string_view s) noexcept {
    for (std::size_t i = 0; i < kNames.size(); ++i)
        if (kNames[i] == s) return static_cast<State>(i);
    return std::nullopt;
}

const std::vector<State>& all_states() {
    static const std::vector<State> all = [] {
        std::vector<State> v;
        for (std::size_t i = 0; i < kNames.size(); ++i) v.push_back(static_cast<State>(i));
        return v;
    }();
    return all;
}

bool is_terminal(State s) noexcept {
    switch (s) {
    case State::submitting:
    case State::pending:
    case State::running:
    case State::suspended:
    case State::requeued: return false;
    default: return true;
    }
}

int exit_code_for(State s, std::optional<int> exit_code) noexcept {
    if (s == State::completed) return 0;
    if (exit_code && *exit_code != 0) return *exit_code;
    switch (s) {
    case State::timeout: return 124;
    case State::cancelled: return 130;
    case State::out_of_memory: return 137;
    default: return 1;
    }
}

int StateCounts::active() const noexcept {
    int n = 0;
    for (State s : all_states())
        if (is_active(s)) n += (*this)[s];
    return n;
}

State StateCounts::overall() const noexcept {
    if (total == 0) return State::lost;
    for (State s : {State::running, State::requeued, State::suspended, State::pending, State::submitting})
        if ((*this)[s] > 0) return s == State::requeued || s == State::submitting ? State::pending : s;
    if ((*this)[State::completed] == total) return State::completed;
    for (State s : {State::failed, State::out_of_memory, State::timeout, State::node_fail,
                    State::boot_fail, State::deadline, State::preempted, State::cancelled, State::lost})
        if ((*this)[s] > 0) return s;
    return State::lost;
}

}  // namespace pdai::jobs
