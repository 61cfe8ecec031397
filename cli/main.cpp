// pdai: parse the command line, then run the one chosen action inside a single try-block
// that maps library errors to the exit codes documented in pdai(1).
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "common/error.hpp"
#include "pdai/build_config.hpp"

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
    CLI::App app{"pdai: run algorithms, training and batch inference on the shared GPU cluster,\n"
                 "within each bureau's budget. See pdai(1).",
                 "pdai"};
    app.set_version_flag("--version", std::string("pdai ") + PDAI_VERSION);
    app.require_subcommand(1);
    app.fallthrough();  // global options may follow the subcommand: pdai vendor list --json
    app.option_defaults()->always_capture_default();
    app.add_option("--catalog", ctx.opts.catalog,
                   "Catalog file (else $PDAI_CATALOG, the config's 'catalog', or "
                   "$XDG_DATA_HOME/pdai/catalog.db)")
        ->type_name("PATH");
    app.add_option("--config", ctx.opts.config,
                   "Config file (default /etc/pdai/pdai.conf, then ~/.config/pdai/pdai.conf)")
        ->type_name("FILE");
    app.add_flag("--json", ctx.opts.json, "Print JSON with stable field names");
    app.add_flag("--csv", ctx.opts.csv, "Print listings and reports as CSV");
    app.add_flag("-q,--quiet", ctx.opts.quiet, "Print only results and errors");
    app.add_flag("-v,--verbose", ctx.opts.verbose, "Log each step to stderr (-vv for debug)");

    pdai::cli::set_catalog_command(app, ctx);
    pdai::cli::set_vendor_command(app, ctx);
    pdai::cli::set_bureau_command(app, ctx);
    pdai::cli::set_quota_command(app, ctx);
    pdai::cli::set_gpu_command(app, ctx);
    pdai::cli::set_node_command(app, ctx);
    pdai::cli::set_audit_command(app, ctx);
    pdai::cli::set_bundle_command(app, ctx);
    pdai::cli::set_algo_command(app, ctx);
    pdai::cli::set_sync_command(app, ctx);
    pdai::cli::set_usage_command(app, ctx);
    pdai::cli::set_internal_commands(app, ctx);
    pdai::cli::set_supervise_command(app, ctx);
    pdai::cli::set_run_commands(app, ctx);
    pdai::cli::set_jobs_command(app, ctx);
    pdai::cli::set_completion_commands(app, ctx);

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
