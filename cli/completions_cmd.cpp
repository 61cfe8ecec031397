// pdai completion bash|zsh|fish: prints a completion script made from the command tree
// that CLI11 holds (cli/command_tree.hpp), so the scripts in completions/ can never drift
// from the parser. The shell runtime of each script is a template in completions/*.in,
// embedded at build time; this file generates only what the tree decides. scripts/gen-
// completions writes the scripts; tests/cli/test_docs.sh checks that the committed files
// equal what this prints, and shellcheck (where installed) checks the bash one.
//
// What the scripts know per command: its subcommands, its options (global options are
// offered everywhere), its positionals, and how each value completes. The last comes from
// kValueRules below; a value without a rule completes from CLI11's own IsMember choices,
// or as a file when its type says FILE/PATH/DIR, or not at all.
#include <iostream>
#include <set>
#include <sstream>
#include <string_view>

#include "cli/command_tree.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"
#include "pdai/completion_templates.hpp"

namespace pdai::cli {

namespace {

// How the value of one option or positional completes, in every shell.
//   files, dirs, users    what the shell offers for those
//   names:KIND            the lines of `pdai __complete KIND` (names from the catalog)
//   list:KIND             the same, as a comma-separated list (a100,t4)
//   words                 only the fixed words
//   ""                    nothing (a new name, a number, free text)
// `words` are offered besides, e.g. "shared" for an owner, "all" for GPU types.
struct ValueRule {
    std::string_view command;  // a command path or a leading part of one, whole words; "" = all
    std::string_view arg;      // "--long-option" or a positional's NAME as in --help
    std::string_view how;
    std::string_view words = {};
};

// The rule with the longest matching command wins, so a command can override a general
// rule (a new bureau's CODE completes to nothing, an existing one's to the bureau codes).
// A new command whose arguments follow these names completes without a change here; a new
// kind of catalog name needs a line here and a case in `pdai __complete` (internal_cmd.cpp).
constexpr ValueRule kValueRules[] = {
    // Files and directories.
    {"", "--catalog", "files"},
    {"", "--config", "files"},
    {"", "FILE", "files"},
    {"", "DEST", "files"},
    {"", "SRC", "files"},
    {"", "BUNDLE", "files"},
    {"", "INPUT", "files"},
    {"", "--output", "files"},
    {"", "DIR", "dirs"},
    {"", "--inputs", "files"},
    {"", "--dataset", "files"},
    {"", "--input", "files"},
    // Names from the catalog.
    {"", "BUREAU", "names:bureau"},
    {"", "--bureau", "names:bureau"},
    {"", "--owner", "names:bureau"},
    {"node", "--owner", "names:bureau", "shared"},
    {"", "--vendor", "names:vendor"},
    {"", "VENDOR", "names:vendor"},
    {"", "--gpu-type", "names:gpu-type"},
    {"", "--gpu-types", "list:gpu-type", "all"},
    {"", "NODE", "names:node"},
    {"", "ALGORITHM", "names:algorithm"},
    {"", "--algorithm", "names:algorithm"},
    {"", "NAME@VERSION", "names:algorithm-version"},
    {"", "NAME[@VERSION]", "names:algorithm-version"},
    {"", "--host", "names:node"},
    {"jobs", "JOB", "names:job"},
    {"gpu", "--type", "names:gpu-type"},
    {"gpu", "TYPE", "names:gpu-type"},
    {"gpu weights", "--reference", "names:gpu-type"},
    {"bureau", "CODE", "names:bureau"},
    {"vendor", "NAME", "names:vendor"},
    {"gpu type", "NAME", "names:gpu-type"},
    {"node", "HOST", "names:node"},
    {"algo", "NAME", "names:algorithm"},
    // Commands that create the name: nothing to offer.
    {"bureau add", "CODE", ""},
    {"vendor add", "NAME", ""},
    {"gpu type add", "NAME", ""},
    {"node add", "HOST", ""},
    {"algo add", "NAME", ""},
    // A GPU type's --vendor is its maker (nvidia), not a vendor of algorithms.
    {"gpu type", "--vendor", ""},
    // Unix users and fixed words.
    {"", "USER", "users"},
    {"", "--actor", "users"},
    {"", "--user", "users"},
};

struct Values {
    std::string how;
    std::vector<std::string> words;
};

std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> out;
    std::istringstream in{std::string(s)};
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

bool is_command_prefix(std::string_view prefix, std::string_view path) {
    if (prefix.empty()) return true;
    if (path.substr(0, prefix.size()) != prefix) return false;
    return path.size() == prefix.size() || path[prefix.size()] == ' ';
}

const ValueRule* find_rule(const std::string& path, const std::vector<std::string>& arg_names) {
    const ValueRule* best = nullptr;
    for (const auto& r : kValueRules) {
        bool named = false;
        for (const auto& n : arg_names) named = named || r.arg == n;
        if (named && is_command_prefix(r.command, path) &&
            (!best || r.command.size() > best->command.size()))
            best = &r;
    }
    return best;
}

// How a value completes: a rule for the option's or positional's name; else a rule for the
// value's type name (an option shown as --with BUREAU completes as BUREAU does); else
// CLI11's IsMember choices; else files when the type says FILE, PATH or DIR; else nothing.
Values values_for(const std::string& path, const std::vector<std::string>& arg_names,
                  const std::string& type_name, const std::vector<std::string>& choices) {
    const ValueRule* rule = find_rule(path, arg_names);
    std::string label = type_name.substr(0, type_name.find(':'));
    if (!rule && !label.empty() && label != "TEXT" &&
        label.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == std::string::npos)
        rule = find_rule(path, {label});
    if (rule) return {std::string(rule->how), split_words(rule->words)};
    if (!choices.empty()) return {"words", choices};
    std::istringstream parts(type_name);
    for (std::string part; std::getline(parts, part, ':');) {
        if (part == "FILE" || part == "PATH" || part.rfind("PATH(", 0) == 0) return {"files", {}};
        if (part == "DIR") return {"dirs", {}};
    }
    return {};
}

// The tree, flattened in registration order, with what every script needs.
struct Node {
    const CommandInfo* cmd;
    std::vector<const OptionInfo*> options;  // own options that are not global ones
    std::vector<Values> option_values;       // per option (how = "" for flags)
    std::vector<Values> positional_values;   // per positional
};

struct Tree {
    const CommandInfo* root;
    std::vector<const OptionInfo*> globals;  // pdai's own options, valid after any command
    std::vector<Values> global_values;
    std::vector<Node> nodes;  // nodes[0] is pdai itself (its options are the globals)
};

void flatten(const CommandInfo& cmd, const std::set<std::string>& global_names, Tree& t) {
    Node n{&cmd, {}, {}, {}};
    for (const auto& o : cmd.options) {
        bool global = false;
        for (const auto& name : o.names) global = global || global_names.count(name) > 0;
        if (global) continue;
        n.options.push_back(&o);
        n.option_values.push_back(
            o.takes_value ? values_for(cmd.path, o.names, o.type_name, o.choices) : Values{});
    }
    for (const auto& p : cmd.positionals)
        n.positional_values.push_back(values_for(cmd.path, {p.name}, p.type_name, p.choices));
    t.nodes.push_back(std::move(n));
    for (const auto& s : cmd.subcommands) flatten(s, global_names, t);
}

Tree make_tree(const CommandInfo& root) {
    Tree t{&root, {}, {}, {}};
    std::set<std::string> global_names;
    for (const auto& o : root.options) {
        t.globals.push_back(&o);
        t.global_values.push_back(o.takes_value ? values_for("", o.names, o.type_name, o.choices)
                                                : Values{});
        global_names.insert(o.names.begin(), o.names.end());
    }
    flatten(root, global_names, t);
    return t;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

std::vector<std::string> sub_names(const CommandInfo& c) {
    std::vector<std::string> out;
    for (const auto& s : c.subcommands) out.push_back(s.name);
    return out;
}

std::vector<std::string> option_names(const std::vector<const OptionInfo*>& opts,
                                      bool values_only) {
    std::vector<std::string> out;
    for (const auto* o : opts)
        if (!values_only || o->takes_value) out.insert(out.end(), o->names.begin(), o->names.end());
    return out;
}

// First line of a description, for shells that show one.
std::string first_line(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

// Quoting: POSIX-shell single quotes (bash, zsh), fish single quotes.
std::string sq(const std::string& s) {
    std::string out = "'";
    for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return out + "'";
}
std::string fq(const std::string& s) {
    std::string out = "'";
    for (char ch : s) {
        if (ch == '\'' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + "'";
}

constexpr const char* kGenerated =
    "# Generated by 'pdai completion %s' from pdai's command tree: do not edit.\n"
    "# After adding or changing a command, run scripts/gen-completions.\n";

std::string header(const std::string& shell) {
    std::string h = kGenerated;
    return h.replace(h.find("%s"), 2, shell);
}

// A template from completions/*.in (the shell runtime, embedded at build time) with each
// @NAME@ replaced by its generated text, whose final newlines the template supplies.
std::string fill(std::string_view tmpl, const std::vector<std::pair<std::string, std::string>>& parts) {
    std::string out(tmpl);
    for (const auto& [name, text] : parts) {
        const auto at = out.find(name);
        if (at == std::string::npos) throw Error(Errc::failure, "completion template without " + name);
        out.replace(at, name.size(), text.substr(0, text.find_last_not_of('\n') + 1));
    }
    return out;
}

// ---------------------------------------------------------------------------- bash

std::string bash_how(const Values& v) {
    return "_pdai_how=" + sq(v.how) + " _pdai_words=" + sq(join(v.words, " "));
}

// The generated part of the bash script: the tree as shell functions.
std::string bash_tree(const Tree& t) {
    std::ostringstream o;

    o << "# _pdai_node PATH: the subcommands, own options, options that take a value, and\n"
         "# positionals (NAME... takes the rest) of command PATH ('' is pdai itself).\n"
         "_pdai_node() {\n"
         "    case $1 in\n";
    for (std::size_t i = 1; i < t.nodes.size(); ++i) {
        const auto& n = t.nodes[i];
        std::vector<std::string> args;
        for (const auto& p : n.cmd->positionals)
            args.push_back(p.name + (p.repeatable ? "..." : ""));
        o << "    " << sq(n.cmd->path) << ") _pdai_subs=" << sq(join(sub_names(*n.cmd), " "))
          << " _pdai_opts=" << sq(join(option_names(n.options, false), " "))
          << " _pdai_vopts=" << sq(join(option_names(n.options, true), " "))
          << " _pdai_args=" << sq(join(args, " ")) << " ;;\n";
    }
    o << "    *) _pdai_subs=" << sq(join(sub_names(*t.root), " "))
      << " _pdai_opts='' _pdai_vopts='' _pdai_args='' ;;\n"
      << "    esac\n"
         "}\n\n";

    o << "# _pdai_how_of PATH ARG: how the value of option or positional ARG of command PATH\n"
         "# completes (see kValueRules in cli/completions_cmd.cpp), and words offered besides.\n"
         "_pdai_how_of() {\n"
         "    case \"$1:$2\" in\n";
    for (std::size_t i = 1; i < t.nodes.size(); ++i) {
        const auto& n = t.nodes[i];
        for (std::size_t k = 0; k < n.options.size(); ++k) {
            if (n.option_values[k].how.empty() && n.option_values[k].words.empty()) continue;
            std::vector<std::string> pats;
            for (const auto& name : n.options[k]->names)
                pats.push_back(sq(n.cmd->path + ":" + name));
            o << "    " << join(pats, " | ") << ") " << bash_how(n.option_values[k]) << " ;;\n";
        }
        for (std::size_t k = 0; k < n.cmd->positionals.size(); ++k) {
            if (n.positional_values[k].how.empty() && n.positional_values[k].words.empty())
                continue;
            o << "    " << sq(n.cmd->path + ":" + n.cmd->positionals[k].name) << ") "
              << bash_how(n.positional_values[k]) << " ;;\n";
        }
    }
    for (std::size_t k = 0; k < t.globals.size(); ++k) {
        if (t.global_values[k].how.empty() && t.global_values[k].words.empty()) continue;
        std::vector<std::string> pats;
        for (const auto& name : t.globals[k]->names) pats.push_back("*" + sq(":" + name));
        o << "    " << join(pats, " | ") << ") " << bash_how(t.global_values[k]) << " ;;\n";
    }
    o << "    *) _pdai_how='' _pdai_words='' ;;\n"
         "    esac\n"
         "}\n\n";

    o << "_pdai_globals=" << sq(join(option_names(t.globals, false), " ")) << "\n"
      << "_pdai_global_vopts=" << sq(join(option_names(t.globals, true), " ")) << "\n\n";

    return o.str();
}

// ----------------------------------------------------------------------------- zsh

std::string zsh_func(const std::string& path) {
    std::string f = "_pdai_cmd";
    if (!path.empty()) f += "__";
    for (char ch : path)
        f += ch == ' ' ? std::string("__") : ch == '-' ? std::string("_") : std::string(1, ch);
    return f;
}

// Text inside _arguments' [explanation] or a message: no unescaped brackets or colons.
std::string zsh_escape(const std::string& s, bool colons) {
    std::string out;
    for (char ch : first_line(s)) {
        if (ch == '[' || ch == ']' || ch == '\\' || (colons && ch == ':')) out += '\\';
        out += ch;
    }
    return out;
}

std::string zsh_action(const Values& v) {
    auto rest = v.words.empty() ? "" : " " + join(v.words, " ");
    if (v.how == "files") return "_files";
    if (v.how == "dirs") return "_files -/";
    if (v.how == "users") return "_users";
    if (v.how == "words") return "(" + join(v.words, " ") + ")";
    // In braces: _arguments runs the code as it is, without inserting compadd options.
    if (v.how.rfind("names:", 0) == 0) return "{_pdai_names " + v.how.substr(6) + rest + "}";
    if (v.how.rfind("list:", 0) == 0) return "{_pdai_name_list " + v.how.substr(5) + rest + "}";
    return " ";  // a message, nothing to offer
}

// What to call a value in a message: the type without its choices, or the option's name.
std::string value_label(const OptionInfo& o) {
    std::string t = o.type_name;
    if (auto p = t.rfind(":{"); p != std::string::npos) t.erase(p);
    if (t.empty() || t == "TEXT") {
        t = o.names.back();
        while (!t.empty() && t.front() == '-') t.erase(0, 1);
    }
    return t;
}

void zsh_option_specs(const OptionInfo& o, const Values& v, std::vector<std::string>& specs) {
    std::string excl = o.repeatable         ? "*"
                       : o.names.size() > 1 ? "(" + join(o.names, " ") + ")"
                                            : "";
    for (const auto& name : o.names) {
        std::string spec = excl + name;
        if (o.takes_value) spec += name.size() == 2 ? "+" : "=";
        spec += "[" + zsh_escape(o.description, false) + "]";
        if (o.takes_value) spec += ":" + zsh_escape(value_label(o), true) + ":" + zsh_action(v);
        specs.push_back(sq(spec));
    }
}

// The generated parts of the zsh script: the global options' specs, and one function per
// command.
std::string zsh_globals(const Tree& t) {
    std::ostringstream o;
    for (std::size_t k = 0; k < t.globals.size(); ++k) {
        std::vector<std::string> specs;
        zsh_option_specs(*t.globals[k], t.global_values[k], specs);
        for (const auto& s : specs) o << "        " << s << "\n";
    }
    return o.str();
}

std::string zsh_commands(const Tree& t) {
    std::ostringstream o;
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
        const auto& n = t.nodes[i];
        std::vector<std::string> specs;
        for (std::size_t k = 0; k < n.options.size(); ++k)
            zsh_option_specs(*n.options[k], n.option_values[k], specs);
        o << "\n" << zsh_func(n.cmd->path) << "() {\n";
        if (n.cmd->subcommands.empty()) {
            for (std::size_t k = 0; k < n.cmd->positionals.size(); ++k) {
                const auto& p = n.cmd->positionals[k];
                std::string lead = p.repeatable ? "*:" : p.required ? ":" : "::";
                std::string msg = p.description.empty() ? p.name : p.description;
                specs.push_back(
                    sq(lead + zsh_escape(msg, true) + ":" + zsh_action(n.positional_values[k])));
            }
            o << "    _arguments -s : \"${_pdai_globals[@]}\"";
            for (const auto& s : specs) o << " \\\n        " << s;
            o << "\n}\n";
            continue;
        }
        std::string ctx = n.cmd->path.empty() ? "pdai" : "pdai-" + n.cmd->path;
        for (auto& ch : ctx)
            if (ch == ' ') ch = '-';
        o << "    local curcontext=$curcontext state state_descr line ret=1\n"
             "    typeset -A opt_args\n"
             "    _arguments -C -s : \"${_pdai_globals[@]}\"";
        for (const auto& s : specs) o << " \\\n        " << s;
        o << " \\\n        ': :->command' \\\n        '*:: :->argument' && ret=0\n"
          << "    case $state in\n"
          << "    (command)\n"
          << "        local -a commands=(\n";
        for (const auto& s : n.cmd->subcommands)
            o << "            " << sq(s.name + ":" + first_line(s.description)) << "\n";
        o << "        )\n"
          << "        _describe -t commands "
          << sq((n.cmd->path.empty() ? "pdai" : "pdai " + n.cmd->path) + " command")
          << " commands && ret=0 ;;\n"
          << "    (argument)\n"
          << "        curcontext=${curcontext%:*:*}:" << ctx << "-$words[1]:\n"
          << "        case $words[1] in\n";
        for (const auto& s : n.cmd->subcommands)
            o << "        (" << s.name << ") " << zsh_func(s.path) << " && ret=0 ;;\n";
        o << "        (*) _message \"unknown command: $words[1]\" ;;\n"
          << "        esac ;;\n"
          << "    esac\n"
          << "    return ret\n"
          << "}\n";
    }

    return o.str();
}

// ---------------------------------------------------------------------------- fish

std::string fish_value_args(const Values& v) {
    auto rest = v.words.empty() ? "" : " " + join(v.words, " ");
    if (v.how == "files") return " -r -F";
    if (v.how == "dirs") return " -x -a " + fq("(__fish_complete_directories)");
    if (v.how == "users") return " -x -a " + fq("(__fish_complete_users)");
    if (v.how == "words") return " -x -a " + fq(join(v.words, " "));
    if (v.how.rfind("names:", 0) == 0)
        return " -x -a " + fq("(__pdai_names " + v.how.substr(6) + rest + ")");
    if (v.how.rfind("list:", 0) == 0)
        return " -x -a " + fq("(__pdai_name_list " + v.how.substr(5) + rest + ")");
    return " -x";
}

std::string fish_option(const OptionInfo& opt, const Values& v, const std::string& cond) {
    std::string line = "complete -c pdai";
    if (!cond.empty()) line += " -n " + fq(cond);
    for (const auto& n : opt.names) {
        if (n.size() == 2)
            line += " -s " + n.substr(1);
        else
            line += " -l " + n.substr(2);
    }
    if (opt.takes_value) line += fish_value_args(v);
    return line + " -d " + fq(first_line(opt.description)) + "\n";
}

// The generated parts of the fish script: the tree as two functions, and the completions.
std::string fish_tree(const Tree& t) {
    std::ostringstream o;

    o << "# The subcommands of a command path ($argv joined; none for pdai itself).\n"
         "function __pdai_subcommands\n"
         "    switch \"$argv\"\n";
    for (const auto& n : t.nodes) {
        if (n.cmd->subcommands.empty()) continue;
        o << "        case " << fq(n.cmd->path) << "\n"
          << "            printf '%s\\n' " << join(sub_names(*n.cmd), " ") << "\n";
    }
    o << "    end\n"
         "end\n\n";

    o << "# The options of a command path that take a value, global ones included.\n"
         "function __pdai_value_options\n"
         "    printf '%s\\n' "
      << join(option_names(t.globals, true), " ") << "\n"
      << "    switch \"$argv\"\n";
    for (const auto& n : t.nodes) {
        auto v = option_names(n.options, true);
        if (v.empty()) continue;
        o << "        case " << fq(n.cmd->path) << "\n"
          << "            printf '%s\\n' " << join(v, " ") << "\n";
    }
    o << "    end\n"
         "end\n\n";

    return o.str();
}

std::string fish_completions(const Tree& t) {
    std::ostringstream o;
    for (std::size_t k = 0; k < t.globals.size(); ++k)
        o << fish_option(*t.globals[k], t.global_values[k], "");

    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
        const auto& n = t.nodes[i];
        const std::string& path = n.cmd->path;
        std::string at = "__pdai_using" + (path.empty() ? "" : " " + path);
        o << "\n# pdai" << (path.empty() ? "" : " " + path) << "\n";
        for (const auto& s : n.cmd->subcommands)
            o << "complete -c pdai -n "
              << fq("__pdai_needs_subcommand" + (path.empty() ? "" : " " + path)) << " -a "
              << fq(s.name) << " -d " << fq(first_line(s.description)) << "\n";
        for (std::size_t k = 0; k < n.options.size(); ++k)
            o << fish_option(*n.options[k], n.option_values[k], at);
        for (std::size_t k = 0; k < n.cmd->positionals.size(); ++k) {
            const auto& p = n.cmd->positionals[k];
            const auto& v = n.positional_values[k];
            if (v.how.empty() && v.words.empty()) continue;
            std::string cond =
                "__pdai_arg " + std::to_string(k + 1) + (p.repeatable ? "+" : "") + " " + path;
            std::string args = fish_value_args(v);
            // A positional is no option's value: drop the -r/-x that mark one.
            for (const char* flag : {" -r", " -x"})
                if (args.rfind(flag, 0) == 0) args.erase(0, 3);
            o << "complete -c pdai -n " << fq(cond) << args << " -d "
              << fq(p.description.empty() ? p.name : first_line(p.description)) << "\n";
        }
    }
    return o.str();
}

}  // namespace

void set_completion_commands(CLI::App& app, Context& ctx) {
    auto shell = std::make_shared<std::string>();
    auto* comp = app.add_subcommand("completion", "Print the completion script for bash, zsh or fish");
    comp->add_option("SHELL", *shell, "bash, zsh or fish")->required()->check(one_of({"bash", "zsh", "fish"}));
    on_run(comp, ctx, [&app, shell] {
        CommandInfo root = command_tree(app);
        Tree t = make_tree(root);
        if (*shell == "bash")
            std::cout << fill(templates::kBash, {{"@GENERATED@", header("bash")}, {"@TREE@", bash_tree(t)}});
        if (*shell == "zsh")
            std::cout << fill(templates::kZsh, {{"@GENERATED@", header("zsh")},
                                                {"@GLOBALS@", zsh_globals(t)},
                                                {"@COMMANDS@", zsh_commands(t)}});
        if (*shell == "fish")
            std::cout << fill(templates::kFish, {{"@GENERATED@", header("fish")},
                                                 {"@TREE@", fish_tree(t)},
                                                 {"@COMPLETIONS@", fish_completions(t)}});
    });
}

}  // namespace pdai::cli
