#include "cli/parse_errors.hpp"

#include <algorithm>

namespace pdai::cli {
namespace {

// The commands parsed so far, root first: the problem belongs to the last one.
std::vector<const CLI::App*> parsed_path(const CLI::App& app) {
    std::vector<const CLI::App*> path{&app};
    for (auto subs = app.get_subcommands(); !subs.empty(); subs = subs.front()->get_subcommands())
        path.push_back(subs.front());
    return path;
}

std::string command_name(const std::vector<const CLI::App*>& path) {
    std::string s = "pdai";
    for (std::size_t i = 1; i < path.size(); ++i) s += " " + path[i]->get_name();
    return s;
}

std::string see_help(const std::string& command) { return "see '" + command + " --help'"; }

// The visible commands of `app` (hidden ones sit in the "" group).
std::vector<std::string> visible_commands(const CLI::App& app) {
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); }))
        names.push_back(sub->get_name());
    std::sort(names.begin(), names.end());
    return names;
}

// The long and short names of the options `path` accepts: its own, then the root's globals.
std::vector<std::string> option_names(const std::vector<const CLI::App*>& path) {
    std::vector<std::string> names;
    for (const auto* a : {path.back(), path.front()})
        for (const auto* opt : a->get_options()) {
            if (opt->get_group().empty()) continue;
            for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
        }
    return names;
}

const CLI::Option* find_option(const std::vector<const CLI::App*>& path, const std::string& name) {
    for (auto it = path.rbegin(); it != path.rend(); ++it)
        if (const auto* opt = (*it)->get_option_no_throw(name)) return opt;
    return nullptr;
}

// "a whole number" for INT, as the option's --help names its value otherwise.
std::string value_kind(const CLI::Option* opt) {
    std::string type = opt ? opt->get_type_name() : "";
    if (type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0) return "a whole number";
    if (type.rfind("FLOAT", 0) == 0) return "a number";
    if (type.empty() || type == "TEXT") return "a value";
    return "a number (" + type + ")";  // a ConversionError: only numbers fail to convert
}

bool after(const std::string& text, std::string_view prefix, std::string& rest) {
    if (text.rfind(prefix, 0) != 0) return false;
    rest = text.substr(prefix.size());
    return true;
}

}  // namespace

std::optional<std::string> nearest(std::string_view word, const std::vector<std::string>& candidates) {
    // Optimal string alignment distance: insertions, deletions, substitutions, and swaps of
    // two neighbours ('bureua' -> 'bureau' is one edit).
    auto distance = [](std::string_view a, std::string_view b) {
        std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
        for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
        for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
        for (std::size_t i = 1; i <= a.size(); ++i)
            for (std::size_t j = 1; j <= b.size(); ++j) {
                const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        return d[a.size()][b.size()];
    };
    const std::size_t limit = word.size() <= 4 ? 1 : 2;
    std::optional<std::string> best;
    std::size_t best_distance = limit + 1;
    for (const auto& c : candidates)
        if (const auto dist = distance(word, c); dist < best_distance) {
            best = c;
            best_distance = dist;
        }
    return best;
}

std::string help_of_parsed(const CLI::App& app) {
    const auto path = parsed_path(app);
    std::string above;  // the names before the deepest one: CLI11 prefixes them to its own
    for (std::size_t i = 0; i + 1 < path.size(); ++i) above += (i ? " " : "") + path[i]->get_name();
    return path.back()->help(above);
}

std::optional<UsageProblem> explain_missing_command(const CLI::App& app) {
    const auto path = parsed_path(app);
    // Words no command took fall through to the top (fallthrough(), for global options).
    auto extra = path.back()->remaining();
    if (extra.empty()) extra = app.remaining();
    if (extra.empty()) return std::nullopt;
    const std::string group = command_name(path);
    const auto commands = visible_commands(*path.back());
    UsageProblem p{"unknown command '" + extra.front() + "' for '" + group + "'", {}};
    if (const auto guess = nearest(extra.front(), commands))
        p.help = "did you mean '" + group + " " + *guess + "'? " + see_help(group);
    else {
        std::string list;
        for (const auto& c : commands) list += (list.empty() ? "" : ", ") + c;
        p.help = "its commands: " + list + "; " + see_help(group);
    }
    return p;
}

UsageProblem explain_parse_error(const CLI::App& app, const CLI::ParseError& e) {
    const auto path = parsed_path(app);
    const std::string command = command_name(path);
    const std::string what = e.what();
    UsageProblem p{what, see_help(command)};
    std::string rest;
    if (after(what, "The following argument was not expected: ", rest) ||
        after(what, "The following arguments were not expected: ", rest)) {
        // CLI11 lists the words last first; an unknown option explains the words after it.
        std::vector<std::string> words;
        for (std::size_t at = 0; at <= rest.size();) {
            const auto end = std::min(rest.find(' ', at), rest.size());
            words.insert(words.begin(), rest.substr(at, end - at));
            at = end + 1;
        }
        const auto option = std::find_if(words.begin(), words.end(), [](const std::string& w) { return w.rfind('-', 0) == 0; });
        const std::string word = option != words.end() ? *option : words.front();
        if (word.rfind('-', 0) == 0) {
            const std::string flag = word.substr(0, word.find('='));
            p.message = "unknown option '" + flag + "' for '" + command + "'";
            if (const auto guess = nearest(flag, option_names(path)))
                p.help = "did you mean '" + *guess + "'? " + see_help(command);
        } else {
            p.message = "unexpected argument '" + word + "' for '" + command + "'";
        }
    } else if (after(what, "Could not convert: ", rest)) {
        // "--limit = abc"
        const auto eq = rest.find(" = ");
        if (eq != std::string::npos) {
            const std::string name = rest.substr(0, eq);
            p.message = name + " takes " + value_kind(find_option(path, name)) + ", not '" + rest.substr(eq + 3) + "'";
        }
    } else if (const auto missing = what.find(" required "); missing != std::string::npos &&
                                                             what.size() > 8 &&
                                                             what.compare(what.size() - 8, 8, " missing") == 0) {
        // "--weight: 1 required FLOAT missing"
        const std::string name = what.substr(0, what.find(':'));
        p.message = name + " needs " + value_kind(find_option(path, name));
    } else if (what.size() > 12 && what.compare(what.size() - 12, 12, " is required") == 0) {
        p.message = "missing " + what.substr(0, what.size() - 12) + ", which '" + command + "' needs";
    } else if (const auto takes = what.find(": takes "); takes != std::string::npos) {
        // at_least(): "--limit: takes 0 or more, not '-1'" reads as the conversion's wording.
        p.message = what.substr(0, takes) + what.substr(takes + 1);
    }
    return p;
}

}  // namespace pdai::cli
