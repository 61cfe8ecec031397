// The visible command tree, read back from CLI11 after every command group registered
// itself: `pdai __commands` prints it as JSON (tests hold the man pages to it) and
// `pdai completion` turns it into shell completion scripts. One walker for both, so
// neither can drift from the real parser.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pdai::cli {

struct OptionInfo {
    std::vector<std::string> names;    // "-q", "--quiet": short names first
    bool takes_value = false;          // false for flags
    bool repeatable = false;           // -vv, or an option that collects values
    std::string type_name;             // CLI11's text, e.g. "PATH", "TEXT:{member,admin}"
    std::vector<std::string> choices;  // from a CLI::IsMember check, else empty
    std::string description;
};

struct PositionalInfo {
    std::string name;  // as in the help: "CODE", "FILE"
    std::string type_name;
    std::vector<std::string> choices;
    std::string description;
    bool required = false;
    bool repeatable = false;  // takes every remaining word
};

struct CommandInfo {
    std::string name;  // "add"; "" for pdai itself
    std::string path;  // "bureau member add"; "" for pdai itself
    std::string description;
    std::vector<OptionInfo> options;  // this command's own, including -h/--help
    std::vector<PositionalInfo> positionals;
    std::vector<CommandInfo> subcommands;
};

// Everything visible from `app` down; hidden commands and options (empty group) are left out.
CommandInfo command_tree(const CLI::App& app);

// The stable JSON shape of `pdai __commands`.
nlohmann::json to_json(const CommandInfo& cmd);

}  // namespace pdai::cli
