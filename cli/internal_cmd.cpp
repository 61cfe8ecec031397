// Hidden commands for tests and shell completions: `pdai __commands` dumps the command
// tree (so a test can hold man pages and completions to it), `pdai __complete KIND` lists
// catalog names for dynamic completion.
#include <iostream>

#include "catalog/bureaus.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/nodes.hpp"
#include "catalog/vendors.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"

namespace pdai::cli {

namespace {

nlohmann::json describe(const CLI::App& app, const std::string& path) {
    nlohmann::json options = nlohmann::json::array(), positionals = nlohmann::json::array();
    for (const CLI::Option* o : app.get_options()) {
        if (o->get_group().empty()) continue;
        if (o->get_positional() && o->get_lnames().empty() && o->get_snames().empty()) {
            positionals.push_back(o->get_name());
            continue;
        }
        nlohmann::json names = nlohmann::json::array();
        for (const auto& s : o->get_snames()) names.push_back("-" + s);
        for (const auto& l : o->get_lnames()) names.push_back("--" + l);
        options.push_back({{"names", names},
                           {"takes_value", o->get_type_size() != 0},
                           {"description", o->get_description()}});
    }
    nlohmann::json subs = nlohmann::json::array();
    for (const CLI::App* s : app.get_subcommands([](const CLI::App* a) {
             return !a->get_group().empty();
         }))
        subs.push_back(describe(*s, path.empty() ? s->get_name() : path + " " + s->get_name()));
    return {{"path", path},
            {"description", app.get_description()},
            {"options", options},
            {"positionals", positionals},
            {"subcommands", subs}};
}

}  // namespace

void set_internal_commands(CLI::App& app, Context& ctx) {
    auto* cmds = app.add_subcommand("__commands", "Dump the command tree as JSON")->group("");
    on_run(cmds, ctx, [&app] { std::cout << describe(app, "").dump(1) << '\n'; });

    auto kind = std::make_shared<std::string>();
    auto* comp = app.add_subcommand("__complete", "List names for shell completion")->group("");
    comp->add_option("KIND", *kind, "vendor|bureau|gpu-type|node")->required();
    on_run(comp, ctx, [&ctx, kind] {
        // Completion must never print errors into the user's prompt.
        try {
            auto c = ctx.open_catalog(false);
            if (*kind == "vendor")
                for (const auto& v : catalog::list_vendors(c)) std::cout << v.name << '\n';
            if (*kind == "bureau")
                for (const auto& b : catalog::list_bureaus(c)) std::cout << b.code << '\n';
            if (*kind == "gpu-type")
                for (const auto& t : catalog::list_gpu_types(c)) std::cout << t.name << '\n';
            if (*kind == "node")
                for (const auto& n : catalog::list_nodes(c)) std::cout << n.spec.host << '\n';
        } catch (const Error&) {
        }
    });
}

}  // namespace pdai::cli
