// The whole command tree in one place (micromamba's set_umamba_command): pdai's global
// options and every command group, registered into `app`. main.cpp and the unit tests
// build the same tree with it.
#include "cli/context.hpp"
#include "pdai/build_config.hpp"

namespace pdai::cli {

void set_pdai_commands(CLI::App& app, Context& ctx) {
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
    app.add_flag("--csv", ctx.opts.csv, "Print listings, objects and reports as CSV: the JSON's fields and raw values");
    app.add_flag("-q,--quiet", ctx.opts.quiet, "Print only results and errors");
    app.add_option("-o,--format", ctx.opts.fields,
                   "Only these fields of a listing or an object, named as --json names them (a.b reaches "
                   "into an object), e.g. -o id,state,bureau")
        ->delimiter(',')
        ->type_name("FIELD,...")
        ->default_str("");  // no "=[]" in --help
    app.add_flag("--noheader", ctx.opts.noheader, "Print tables and CSV without their header line");
    app.add_flag("-v,--verbose", ctx.opts.verbose, "Log each step to stderr (-vv for debug)");

    set_catalog_command(app, ctx);
    set_vendor_command(app, ctx);
    set_bureau_command(app, ctx);
    set_quota_command(app, ctx);
    set_gpu_command(app, ctx);
    set_node_command(app, ctx);
    set_audit_command(app, ctx);
    set_bundle_command(app, ctx);
    set_algo_command(app, ctx);
    set_sync_command(app, ctx);
    set_usage_command(app, ctx);
    set_internal_commands(app, ctx);
    set_supervise_command(app, ctx);
    set_run_commands(app, ctx);
    set_jobs_command(app, ctx);
    set_completion_commands(app, ctx);
    drop_required_defaults(app);
}

void drop_required_defaults(CLI::App& app) {
    // always_capture_default() shows each option's initial value in --help; for an option
    // that must be given, that value ("--weight FLOAT=0 REQUIRED") is no default at all.
    for (auto* opt : app.get_options())
        if (opt->get_required()) opt->default_str("");
    for (auto* sub : app.get_subcommands({})) drop_required_defaults(*sub);
}

}  // namespace pdai::cli
