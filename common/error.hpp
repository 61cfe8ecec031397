// Typed errors shared by every pdai library. Each carries a message a person can act on,
// an optional "help" line saying what to do next, and the exit code the CLI maps it to.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace pdai {

// Exit codes, documented in pdai(1). Library code chooses the kind; only the CLI exits.
enum class Errc : int {
    failure = 1,      // anything else that went wrong
    usage = 2,        // bad arguments or input the user can fix
    refused = 3,      // refused by the quota policy
    not_found = 4,    // unknown vendor, bureau, GPU type, job, ...
    conflict = 5,     // already exists, or exists with different content
    busy = 6,         // catalog locked past the busy timeout: try again
    unreachable = 7,  // the cluster (slurmctld / slurmdbd) could not be reached
    corrupt = 8,      // catalog corrupt, not a catalog, or unreadable: do not retry
};

class Error : public std::runtime_error {
public:
    Error(Errc code, std::string message, std::string help = {})
        : std::runtime_error(std::move(message)), code_(code), help_(std::move(help)) {}

    Errc code() const noexcept { return code_; }
    int exit_code() const noexcept { return static_cast<int>(code_); }
    const std::string& help() const noexcept { return help_; }

private:
    Errc code_;
    std::string help_;
};

inline const char* errc_name(Errc c) {
    switch (c) {
    case Errc::failure: return "failure";
    case Errc::usage: return "usage";
    case Errc::refused: return "refused";
    case Errc::not_found: return "not_found";
    case Errc::conflict: return "conflict";
    case Errc::busy: return "busy";
    case Errc::unreachable: return "unreachable";
    case Errc::corrupt: return "corrupt";
    }
    return "failure";
}

// Throws the Error for a failed system call while `doing` something: ENOENT is not_found,
// a full disk or quota says so (ENOSPC, EDQUOT: failure, "the disk is full"), the rest
// failure with strerror's words.
[[noreturn]] void throw_errno(const std::string& doing, int err);

}  // namespace pdai
