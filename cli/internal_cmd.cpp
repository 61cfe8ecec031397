// Hidden commands for tests and shell completions: `pdai __commands` dumps the command
// tree (so a test can hold man pages and completions to it), `pdai __complete KIND` lists
// catalog names for dynamic completion.
#include <iostream>

#include "catalog/algorithms.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/nodes.hpp"
#include "catalog/vendors.hpp"
#include "cli/command_tree.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"

namespace pdai::cli {

void set_internal_commands(CLI::App& app, Context& ctx) {
    auto* cmds = app.add_subcommand("__commands", "Dump the command tree as JSON")->group("");
    on_run(cmds, ctx, [&app] { std::cout << to_json(command_tree(app)).dump(1) << '\n'; });

    auto kind = std::make_shared<std::string>();
    auto* comp = app.add_subcommand("__complete", "List names for shell completion")->group("");
    comp->add_option("KIND", *kind, "vendor|bureau|gpu-type|node|algorithm|algorithm-version")
        ->required();
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
            if (*kind == "algorithm")
                for (const auto& a : catalog::list_algorithms(c, {})) std::cout << a.name << '\n';
            if (*kind == "algorithm-version")  // NAME@VERSION, newest first per algorithm
                for (const auto& a : catalog::list_algorithms(c, {}))
                    for (const auto& v : catalog::list_versions(c, a.name))
                        std::cout << a.name << '@' << v.version << '\n';
        } catch (const Error&) {
        }
    });
}

}  // namespace pdai::cli
