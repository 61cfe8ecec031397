// pdai: parse the command line, then run the one chosen action inside a single try-block
// that maps library errors to the exit codes documented in pdai(1).
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "common/error.hpp"

namespace {

void report(const pdai::cli::Context& ctx, pdai::Errc code, const std::string& message,
            const std::string& help) {
    if (ctx.opts.json) {
        nlohmann::json j = {{"error",
                             {{"code", pdai::errc_name(code)},
                              {"exit_code", static_cast<int>(code)},
                              {"message", message},
                              {"help", help}}}};
        std::cerr << j.dump() << '\n';
        return;
    }
    std::cerr << "pdai: error: " << message << '\n';
    if (!help.empty()) std::cerr << "  help: " << help << '\n';
}

}  // namespace

int main(int argc, char** argv) {
    std::ios::sync_with_stdio(false);  // pdai prints through iostreams only
    pdai::cli::Context ctx;
    CLI::App app{pdai::cli::kDescription, "pdai"};
    pdai::cli::set_pdai_commands(app, ctx);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::RequiredError& e) {
        // A group without its subcommand: show that group's help, not just the complaint.
        const CLI::App* deepest = &app;
        for (auto subs = app.get_subcommands(); !subs.empty();) {
            deepest = subs.front();
            subs = deepest->get_subcommands();
        }
        if (std::string(e.what()).find("subcommand") != std::string::npos) {
            // 'pdai bogus', 'pdai node set': name the word that is no command, not the help.
            // Words no command took fall through to the top (fallthrough(), for global options).
            auto extra = deepest->remaining();
            if (extra.empty()) extra = app.remaining();
            if (!extra.empty()) {
                std::string path = "pdai";
                for (auto subs = app.get_subcommands(); !subs.empty(); subs = subs.front()->get_subcommands())
                    path += " " + subs.front()->get_name();
                report(ctx, pdai::Errc::usage, "'" + extra.front() + "' is not a command of '" + path + "'",
                       "run '" + path + " --help' to list its commands");
                return static_cast<int>(pdai::Errc::usage);
            }
            std::cerr << deepest->help();
            return static_cast<int>(pdai::Errc::usage);
        }
        report(ctx, pdai::Errc::usage, e.what(), "run 'pdai --help' or 'pdai COMMAND --help'");
        return static_cast<int>(pdai::Errc::usage);
    } catch (const CLI::ParseError& e) {
        report(ctx, pdai::Errc::usage, e.what(), "run 'pdai --help' or 'pdai COMMAND --help'");
        return static_cast<int>(pdai::Errc::usage);
    }

    try {
        ctx.prepare();
        if (ctx.action) ctx.action();
        return ctx.exit_code;
    } catch (const pdai::Error& e) {
        report(ctx, e.code(), e.what(), e.help());
        return e.exit_code();
    } catch (const std::exception& e) {
        report(ctx, pdai::Errc::failure, e.what(), "");
        return 1;
    }
}
