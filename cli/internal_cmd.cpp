// Hidden commands for tests and shell completions: `pdai __commands` dumps the command
// tree (so a test can hold man pages and completions to it), `pdai __complete KIND` lists
// catalog names for dynamic completion.
#include <iostream>

#include "app/names.hpp"
#include "cli/command_tree.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"

namespace pdai::cli {

void set_internal_commands(CLI::App& app, Context& ctx) {
    auto* cmds = app.add_subcommand("__commands", "Dump the command tree as JSON")->group("");
    on_run(cmds, ctx, [&app] { std::cout << to_json(command_tree(app)).dump(1) << '\n'; });

    auto kind = std::make_shared<std::string>();
    auto* comp = app.add_subcommand("__complete", "List names for shell completion")->group("");
    comp->add_option("KIND", *kind, "vendor|bureau|gpu-type|node|algorithm|algorithm-version|job")
        ->required();
    on_run(comp, ctx, [&ctx, kind] {
        // Completion must never print errors into the user's prompt.
        try {
            for (const auto& name : app::catalog_names(ctx.app, *kind)) std::cout << name << '\n';
        } catch (const Error&) {
        }
    });
}

}  // namespace pdai::cli
