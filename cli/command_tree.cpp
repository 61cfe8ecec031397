#include "cli/command_tree.hpp"

namespace pdai::cli {

namespace {

// CLI::IsMember({"member", "admin"}) shows in the type name as "TEXT:{member,admin}".
std::vector<std::string> choices_of(const std::string& type_name) {
    std::vector<std::string> out;
    auto open = type_name.rfind(":{");
    if (open == std::string::npos || type_name.back() != '}') return out;
    std::string set = type_name.substr(open + 2, type_name.size() - open - 3), item;
    for (char ch : set + ",") {
        if (ch == ',') {
            if (!item.empty()) out.push_back(item);
            item.clear();
        } else if (ch != ' ') {
            item += ch;
        }
    }
    return out;
}

bool collects(const CLI::Option& o) {
    auto policy = o.get_multi_option_policy();
    return policy == CLI::MultiOptionPolicy::TakeAll || policy == CLI::MultiOptionPolicy::Join;
}

CommandInfo walk(const CLI::App& app, const std::string& path) {
    CommandInfo cmd;
    cmd.name = app.get_name();
    cmd.path = path;
    cmd.description = app.get_description();
    for (const CLI::Option* o : app.get_options()) {
        if (o->get_group().empty()) continue;
        if (o->get_positional() && o->get_lnames().empty() && o->get_snames().empty()) {
            PositionalInfo p;
            p.name = o->get_name();
            p.type_name = o->get_type_name();
            p.choices = choices_of(p.type_name);
            p.description = o->get_description();
            p.required = o->get_required();
            p.repeatable = o->get_items_expected_max() > 1;
            cmd.positionals.push_back(std::move(p));
            continue;
        }
        OptionInfo opt;
        for (const auto& s : o->get_snames()) opt.names.push_back("-" + s);
        for (const auto& l : o->get_lnames()) opt.names.push_back("--" + l);
        // A flag expects no value (CLI11 still reports a type size of 1 for it).
        opt.takes_value = o->get_items_expected_max() != 0;
        opt.repeatable =
            opt.takes_value ? o->get_items_expected_max() > 1 || collects(*o) : collects(*o);
        opt.type_name = opt.takes_value ? o->get_type_name() : "";
        opt.choices = choices_of(opt.type_name);
        opt.description = o->get_description();
        cmd.options.push_back(std::move(opt));
    }
    for (const CLI::App* s :
         app.get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); }))
        cmd.subcommands.push_back(
            walk(*s, path.empty() ? s->get_name() : path + " " + s->get_name()));
    return cmd;
}

}  // namespace

CommandInfo command_tree(const CLI::App& app) {
    return walk(app, "");
}

nlohmann::json to_json(const CommandInfo& cmd) {
    nlohmann::json options = nlohmann::json::array(), positionals = nlohmann::json::array(),
                   subs = nlohmann::json::array();
    for (const auto& o : cmd.options)
        options.push_back({{"names", o.names},
                           {"takes_value", o.takes_value},
                           {"repeatable", o.repeatable},
                           {"type", o.type_name},
                           {"description", o.description}});
    for (const auto& p : cmd.positionals) positionals.push_back(p.name);
    for (const auto& s : cmd.subcommands) subs.push_back(to_json(s));
    return {{"path", cmd.path},
            {"description", cmd.description},
            {"options", options},
            {"positionals", positionals},
            {"subcommands", subs}};
}

}  // namespace pdai::cli
