#include "cli/context.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>

#include "common/error.hpp"

namespace pdai::cli {

void Context::prepare() {
    if (opts.json && opts.csv) throw Error(Errc::usage, "--json and --csv exclude each other");
    out.format = opts.json ? Format::json : opts.csv ? Format::csv : Format::table;
    out.quiet = opts.quiet;
    out.stdout_is_tty = isatty(STDOUT_FILENO) == 1;
    config = load_config(opts.config);

    // Human logging goes to stderr, one line per event; --json and -q silence it.
    auto level = spdlog::level::from_str(config.log_level);
    if (opts.verbose == 1) level = spdlog::level::info;
    if (opts.verbose >= 2) level = spdlog::level::debug;
    if (opts.quiet || opts.json) level = std::max(level, spdlog::level::err);
    auto logger = spdlog::stderr_logger_st("pdai");
    logger->set_pattern("pdai: %l: %v");
    if (config.log_file) {
        auto file = std::make_shared<spdlog::sinks::basic_file_sink_st>(*config.log_file);
        file->set_pattern("%Y-%m-%dT%H:%M:%S%z pdai[%P] %l: %v");
        file->set_level(spdlog::level::from_str(config.log_level));
        logger->sinks().push_back(file);
    }
    logger->set_level(level);
    spdlog::set_default_logger(logger);

    // The local backend's supervisors record jobs in the catalog this command uses.
    ::setenv("PDAI_CATALOG", catalog_path().c_str(), 1);
    ::setenv("PDAI_BUSY_TIMEOUT_MS", std::to_string(config.busy_timeout_ms).c_str(), 1);
}

catalog::Catalog Context::open_catalog(bool write) const {
    catalog::OpenOptions o;
    o.path = catalog_path();
    o.busy_timeout_ms = config.busy_timeout_ms;
    o.write = write;
    spdlog::debug("catalog {} ({})", o.path, write ? "write" : "read");
    return catalog::Catalog::open(o);
}

void on_run(CLI::App* sub, Context& ctx, std::function<void()> f) {
    sub->callback([&ctx, f = std::move(f)] { ctx.action = f; });
}

CLI::App* add_group(CLI::App& parent, const std::string& name, const std::string& description) {
    auto* g = parent.add_subcommand(name, description);
    g->require_subcommand(1);
    return g;
}

}  // namespace pdai::cli
