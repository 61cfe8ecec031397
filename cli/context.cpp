#include "cli/context.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "common/error.hpp"
#include "common/log.hpp"

namespace pdai::cli {

void Context::prepare() {
    // 'usage report --format json|csv|table' of earlier releases: the global flags now.
    if (opts.fields.size() == 1 && (opts.fields[0] == "json" || opts.fields[0] == "csv" || opts.fields[0] == "table")) {
        const std::string old = opts.fields[0];
        opts.json = opts.json || old == "json";
        opts.csv = opts.csv || old == "csv";
        renamed.push_back(app::renamed_note("--format " + old, old == "table" ? std::string("(nothing)") : "--" + old) +
                          " (-o/--format takes field names)");
        opts.fields.clear();
    }
    if (opts.json && opts.csv) throw Error(Errc::usage, "--json and --csv exclude each other");
    out.format = opts.json ? Format::json : opts.csv ? Format::csv : Format::table;
    out.quiet = opts.quiet;
    out.pick = opts.fields;
    out.header = !opts.noheader;
    out.stdout_is_tty = isatty(STDOUT_FILENO) == 1;
    app = app::Context::load({opts.catalog, opts.config}, app::Identity::of_this_process());
    const auto& config = app.settings;

    // Human logging goes to stderr, one line per event; --json and -q silence it there. The
    // file and syslog sinks follow log_level alone, so a cron job's -q never hides its log.
    const auto conf_level = spdlog::level::from_str(config.log_level);
    auto err_level = conf_level;
    if (opts.verbose == 1) err_level = std::min(err_level, spdlog::level::info);
    if (opts.verbose >= 2) err_level = std::min(err_level, spdlog::level::debug);
    if (opts.quiet || opts.json) err_level = std::max(err_level, spdlog::level::err);
    auto to_stderr = std::make_shared<spdlog::sinks::stderr_sink_st>();
    to_stderr->set_pattern("pdai: %l: %v");
    to_stderr->set_level(err_level);
    auto logger = std::make_shared<spdlog::logger>("pdai", to_stderr);
    auto lowest = err_level;
    std::string file_problem;
    if (config.log_file) {
        try {
            auto file = std::make_shared<spdlog::sinks::basic_file_sink_st>(*config.log_file);
            file->set_pattern("%Y-%m-%dT%H:%M:%S%z pdai[%P] %l: %v");
            file->set_level(conf_level);
            logger->sinks().push_back(file);
            lowest = std::min(lowest, conf_level);
        } catch (const spdlog::spdlog_ex& e) {
            // A bureau user may not write the platform's log: that must not stop its command.
            file_problem = e.what();
        }
    }
    if (config.log_syslog) {
        auto sys = std::make_shared<spdlog::sinks::syslog_sink_st>("pdai", LOG_PID, LOG_USER, true);
        sys->set_pattern("%l: %v");
        sys->set_level(conf_level);
        logger->sinks().push_back(sys);
        lowest = std::min(lowest, conf_level);
    }
    logger->set_level(lowest);
    logger->flush_on(spdlog::level::trace);  // a line is in the file before the next event
    spdlog::set_default_logger(logger);
    // The libraries log through common/log.hpp: into this logger.
    log::set_sink(
        [](log::Level level, std::string_view line) {
            switch (level) {
            case log::Level::debug: spdlog::debug("{}", line); break;
            case log::Level::info: spdlog::info("{}", line); break;
            case log::Level::warn: spdlog::warn("{}", line); break;
            case log::Level::error:
            case log::Level::off: spdlog::error("{}", line); break;
            }
        },
        lowest <= spdlog::level::debug ? log::Level::debug
        : lowest <= spdlog::level::info ? log::Level::info
        : lowest <= spdlog::level::warn ? log::Level::warn
                                        : log::Level::error);
    for (const auto& r : renamed) spdlog::warn("{}", r);
    if (!file_problem.empty()) spdlog::debug("not logging to {}: {}", *config.log_file, file_problem);
}

void on_run(CLI::App* sub, Context& ctx, std::function<void()> f) {
    sub->callback([&ctx, f = std::move(f)] { ctx.action = f; });
}

CLI::Validator one_of(const std::vector<std::string>& names, std::function<bool(const std::string&)> accepts) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ",") + n;
    if (!accepts)
        accepts = [names](const std::string& v) { return std::find(names.begin(), names.end(), v) != names.end(); };
    return CLI::Validator(
        [accepts, list](std::string& v) -> std::string {
            if (accepts(v)) return {};
            std::string shown = list;
            for (auto& ch : shown)
                if (ch == ',') ch = ' ';
            return "'" + v + "' is not one of: " + shown;
        },
        "{" + list + "}");
}

CLI::Validator at_least(long long floor) {
    return CLI::Validator(
        [floor](std::string& v) -> std::string {
            char* end = nullptr;
            errno = 0;
            const long long n = std::strtoll(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0' || errno == ERANGE) return {};
            if (n >= floor) return {};
            return "takes " + std::to_string(floor) + " or more, not '" + v + "'";
        },
        "");
}

CLI::App* add_group(CLI::App& parent, const std::string& name, const std::string& description) {
    auto* g = parent.add_subcommand(name, description);
    g->require_subcommand(1);
    return g;
}

}  // namespace pdai::cli
