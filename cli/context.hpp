// What every command gets: the global options, the loaded config, the output format, and
// the one action chosen by parsing (parse, then perform).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "app/context.hpp"
#include "app/vocabulary.hpp"
#include "cli/output.hpp"

namespace pdai::cli {

struct GlobalOptions {
    std::optional<std::string> catalog;
    std::optional<std::string> config;
    bool json = false;
    bool csv = false;
    bool quiet = false;
    int verbose = 0;
    std::vector<std::string> fields;  // -o/--format
    bool noheader = false;
};

class Context {
public:
    GlobalOptions opts;
    Output out;
    app::Context app;  // who asks, the settings, the catalog: what every action is given
    std::function<void()> action;
    std::vector<std::string> renamed;  // old spellings used (add_old_spelling), warned of in prepare()
    int exit_code = 0;  // what pdai exits with after the action (--wait: the job's own)

    // After parsing: loads the settings, sets the output format and logging.
    void prepare();
    const std::string& catalog_path() const { return app.catalog.path; }
    catalog::Catalog open_catalog(bool write) const { return app.open_catalog(write); }
};

// Registers `f` as the action of `sub`; main runs it after a successful parse.
void on_run(CLI::App* sub, Context& ctx, std::function<void()> f);
// A group that only holds subcommands: without one, print its help and exit 2.
CLI::App* add_group(CLI::App& parent, const std::string& name, const std::string& description);

// A value from a fixed list (app/vocabulary.hpp): --help shows "{a,b,c}", completion offers
// the names (cli/command_tree.cpp reads them back), and a value that `accepts` refuses (by
// default: one not in the list) is a usage error naming the list.
CLI::Validator one_of(const std::vector<std::string>& names,
                      std::function<bool(const std::string&)> accepts = {});

// An option's spelling of an earlier release, kept for one more: hidden from --help and the
// completions, it sets the same value as `new_name`, and the command warns that it is renamed.
template <class T>
CLI::Option* add_old_spelling(CLI::App* cmd, Context& ctx, const std::string& old_name, const std::string& new_name,
                              T& target) {
    return cmd->add_option(old_name, target)->group("")->each([&ctx, old_name, new_name](const std::string&) {
        ctx.renamed.push_back(app::renamed_note(old_name, new_name));
    });
}

// A count with a floor: "--limit: takes 0 or more, not '-1'". A value that is no number is
// left to the conversion, which says so.
CLI::Validator at_least(long long floor);

inline constexpr const char* kDescription =
    "pdai: run algorithms, training and batch inference on the shared GPU cluster,\n"
    "within each bureau's budget. See pdai(1).";

// Every global option and command group (cli/commands.cpp).
void set_pdai_commands(CLI::App& app, Context& ctx);
// Hides the captured value of every required option of `app` and its commands in --help.
void drop_required_defaults(CLI::App& app);

// Command groups, one file each.
void set_catalog_command(CLI::App& app, Context& ctx);
void set_vendor_command(CLI::App& app, Context& ctx);
void set_bureau_command(CLI::App& app, Context& ctx);
void set_quota_command(CLI::App& app, Context& ctx);
void set_gpu_command(CLI::App& app, Context& ctx);
void set_node_command(CLI::App& app, Context& ctx);
void set_audit_command(CLI::App& app, Context& ctx);
void set_bundle_command(CLI::App& app, Context& ctx);
void set_algo_command(CLI::App& app, Context& ctx);
void set_sync_command(CLI::App& app, Context& ctx);
void set_usage_command(CLI::App& app, Context& ctx);
void set_internal_commands(CLI::App& app, Context& ctx);
void set_supervise_command(CLI::App& app, Context& ctx);
void set_completion_commands(CLI::App& app, Context& ctx);
void set_run_commands(CLI::App& app, Context& ctx);  // run, train, infer
void set_jobs_command(CLI::App& app, Context& ctx);

}  // namespace pdai::cli
