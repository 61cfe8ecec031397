// What pdai says when the command line does not parse: its own wording for CLI11's errors
// ("--limit takes a whole number, not 'abc'"), the command the problem belongs to, and a
// did-you-mean for a mistyped command or option. The exit code is always 2 (usage).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pdai::cli {

struct UsageProblem {
    std::string message;
    std::string help;
};

// Explains `e`, thrown by app.parse(), for the deepest command parsed so far.
UsageProblem explain_parse_error(const CLI::App& app, const CLI::ParseError& e);

// A group run without its command, or with a word that is none: nullopt when the group was
// simply given nothing (main prints its help instead).
std::optional<UsageProblem> explain_missing_command(const CLI::App& app);

// The help of the deepest command parsed, with a usage line that starts with the program:
// "Usage: pdai node [OPTIONS] SUBCOMMAND" (CLI11 alone prints "Usage: node ...").
std::string help_of_parsed(const CLI::App& app);

// The candidate closest to `word` by edit distance (a transposition counts one), if close
// enough to be a typo: at most 1 edit for words of up to 4 characters, else 2.
std::optional<std::string> nearest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace pdai::cli
