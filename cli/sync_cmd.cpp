// pdai sync [--watch INTERVAL] [--since DATE] [--lock-wait SECONDS]
#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/json.hpp"
#include "app/usage.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"
#include "policy/parse_util.hpp"

namespace pdai::cli {
namespace {

// "90", "90s", "5m", "1h".
std::chrono::seconds parse_interval(const std::string& text) {
    const auto digits = std::min(text.find_first_not_of("0123456789"), text.size());
    const auto n = policy::detail::parse_uint(std::string_view(text).substr(0, digits), 1'000'000'000);
    const std::string unit = text.substr(digits);
    const long long mult = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
    if (!n || *n <= 0 || mult == 0)
        throw Error(Errc::usage, "--watch needs an interval such as 60s, 5m or 1h, not '" + text + "'");
    return std::chrono::seconds(*n * mult);
}

struct SyncOpts {
    std::optional<std::string> watch, since;
    double lock_wait = 5;
};

// One run under the lock. Returns false when another sync held the lock throughout.
bool sync_once(Context& ctx, const SyncOpts& o) {
    const auto s = app::sync(ctx.app, {o.since, std::chrono::milliseconds(static_cast<long long>(o.lock_wait * 1000))});
    if (s.skipped) {
        ctx.out.done("another sync is running; nothing done", s);
        return false;
    }
    const auto& r = s.result;
    const std::string text = "synced " + r.cluster + ": " + std::to_string(r.inserted) + " new, " +
                             std::to_string(r.corrected) + " corrected, " + std::to_string(r.unchanged) +
                             " unchanged, " + std::to_string(r.liens) + " liens" +
                             (r.jobs_repaired ? ", " + std::to_string(r.jobs_repaired) + " job records repaired" : "") +
                             (r.jobs_recorded ? ", " + std::to_string(r.jobs_recorded) + " users' jobs recorded" : "");
    spdlog::info("{}", text);
    ctx.out.done(text, s);
    return true;
}

}  // namespace

void set_sync_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<SyncOpts>();
    auto* sync = app.add_subcommand(
        "sync", "Ingest finished Slurm jobs into the usage ledger and refresh the liens of active jobs");
    sync->add_option("--watch", o->watch, "Keep running, syncing every INTERVAL (60s, 5m)")
        ->type_name("INTERVAL");
    sync->add_option("--since", o->since,
                     "Read jobs from this date (2026-11-01) or age (7d) instead of the watermark")
        ->type_name("DATE");
    sync->add_option("--lock-wait", o->lock_wait,
                     "Seconds to wait for another running sync before giving up (exit 0)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0.0, 3600.0));
    on_run(sync, ctx, [&ctx, o] {
        if (!o->watch) {
            sync_once(ctx, *o);
            return;
        }
        const auto every = parse_interval(*o->watch);
        for (;;) {
            try {
                sync_once(ctx, *o);
            } catch (const Error& e) {
                // A daemon outlives a slurmdbd restart: report and try again next round.
                spdlog::error("{}", e.what());
            }
            o->since.reset();  // only the first round starts from --since
            std::this_thread::sleep_for(every);
        }
    });
}

}  // namespace pdai::cli
