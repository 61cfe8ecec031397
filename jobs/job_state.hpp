// The states pdai reports for a job and for each task of a job array, the same for every
// backend (Slurm's JOB_* states map onto these; the local backend uses them directly), and
// how a batch's tasks add up to one state and one exit code.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace pdai::jobs {

enum class State {
    submitting,     // recorded, not yet accepted by the backend
    pending,        // queued
    running,
    suspended,
    requeued,       // waiting to start again after preemption or node failure
    completed,      // exit code 0 (for an inference shard: its done marker was written)
    failed,         // non-zero exit code
    cancelled,
    timeout,
    node_fail,
    preempted,
    out_of_memory,
    boot_fail,
    deadline,
    lost,           // the backend no longer knows the job and nothing says how it ended
};

std::string_view to_string(State s) noexcept;
std::optional<State> parse_state(std::string_view s) noexcept;
const std::vector<State>& all_states();

// Ended: no more work will happen without a new submission.
bool is_terminal(State s) noexcept;
// Waiting or working: pending, running, suspended, requeued (and submitting).
inline bool is_active(State s) noexcept { return !is_terminal(s); }

// The exit code a finished task gives `pdai ... --wait`: its own, else what a shell would
// show for the way it ended (timeout 124, cancelled 130, out of memory 137, otherwise 1).
int exit_code_for(State s, std::optional<int> exit_code) noexcept;

// How many tasks are in each state, and the state of the whole (a batch is running while any
// task runs, pending while any waits, completed when all completed, else the first failure
// kind by severity: failed, out_of_memory, timeout, node_fail, ..., cancelled, lost).
struct StateCounts {
    int counts[static_cast<int>(State::lost) + 1] = {};
    int total = 0;

    void add(State s) noexcept {
        ++counts[static_cast<int>(s)];
        ++total;
    }
    int operator[](State s) const noexcept { return counts[static_cast<int>(s)]; }
    int active() const noexcept;
    State overall() const noexcept;
};

}  // namespace pdai::jobs
