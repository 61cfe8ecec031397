// pdai: parse the command line, then run the one chosen action inside a single try-block
// that maps library errors to the exit codes documented in pdai(1).
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/parse_errors.hpp"
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
        if (std::string(e.what()).find("subcommand") != std::string::npos) {
            // 'pdai bogus', 'pdai node lst': name the word that is no command; a group given
            // nothing shows its help.
            if (const auto p = pdai::cli::explain_missing_command(app)) {
                report(ctx, pdai::Errc::usage, p->message, p->help);
                return static_cast<int>(pdai::Errc::usage);
            }
            std::cerr << pdai::cli::help_of_parsed(app);
            return static_cast<int>(pdai::Errc::usage);
        }
        const auto p = pdai::cli::explain_parse_error(app, e);
        report(ctx, pdai::Errc::usage, p.message, p.help);
        return static_cast<int>(pdai::Errc::usage);
    } catch (const CLI::ParseError& e) {
        const auto p = pdai::cli::explain_parse_error(app, e);
        report(ctx, pdai::Errc::usage, p.message, p.help);
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
