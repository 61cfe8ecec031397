#include "cli/job_print.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "app/jobs.hpp"
#include "app/json.hpp"
#include "common/time.hpp"
#include "common/error.hpp"
#include "common/unix_user.hpp"

namespace pdai::cli {

std::string format_duration(std::int64_t s) {
    if (s < 0) s = 0;
    char buf[32];
    std::int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
    if (d > 0)
        std::snprintf(buf, sizeof buf, "%lld-%02lld:%02lld:%02lld", static_cast<long long>(d),
                      static_cast<long long>(h), static_cast<long long>(m), static_cast<long long>(sec));
    else
        std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", static_cast<long long>(h),
                      static_cast<long long>(m), static_cast<long long>(sec));
    return buf;
}

std::string tasks_text(const jobs::JobView& v) {
    if (v.record.kind != "infer") return "-";
    return std::to_string(v.counts[jobs::State::completed]) + "/" + std::to_string(v.counts.total);
}

namespace {

std::string bar(int done, int total, int width) {
    int filled = total > 0 ? done * width / total : 0;
    return "[" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(width - filled), '.') + "]";
}

// With elapsed < 0 (a log line, not the terminal's bar): no bar and no clock.
std::string progress_line(const std::vector<jobs::JobView>& views, std::int64_t elapsed) {
    using jobs::State;
    int done = 0, total = 0, running = 0, failed = 0, active = 0;
    for (const auto& v : views) {
        done += v.counts[State::completed];
        total += v.counts.total;
        running += v.counts[State::running];
        active += v.counts.active();
        failed += v.counts.total - v.counts[State::completed] - v.counts.active();
    }
    std::string s;
    if (views.size() == 1 && views[0].record.kind != "infer") {
        const auto& v = views[0];
        s = "pdai job " + std::to_string(v.record.id) + ": " + std::string(jobs::to_string(v.state));
        if (!v.nodes.empty()) s += " on " + v.nodes;
        if (v.state == State::pending && !v.reason.empty()) s += " (" + v.reason + ")";
    } else {
        s = (elapsed >= 0 ? bar(done, total, 30) + " " : "pdai job " + std::to_string(views[0].record.id) +
                                                            (views.size() > 1 ? " and others" : "") + ": ") +
            std::to_string(done) + "/" + std::to_string(total) + " done, " +
            std::to_string(running) + " running, " + std::to_string(active - running) + " waiting, " +
            std::to_string(failed) + " failed";
    }
    return elapsed < 0 ? s : s + "  " + format_duration(elapsed);
}

}  // namespace

int wait_with_progress(Context& ctx, const std::vector<std::int64_t>& ids,
                       std::vector<jobs::JobView>* final_views) {
    // A redrawn bar only for a person at a terminal: when either stream goes to a file or a
    // pipe (cron, scripts) the reader gets plain lines instead, one per change, at info (-v).
    const char* term = std::getenv("TERM");
    const bool tty = ctx.out.stdout_is_tty && ::isatty(STDERR_FILENO) == 1 && !ctx.opts.quiet &&
                     !ctx.opts.json && !(term && std::string_view(term) == "dumb");
    auto start = std::chrono::steady_clock::now();
    std::string last;
    auto progress = [&](const std::vector<jobs::JobView>& views) {
        auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
        if (tty) {
            std::cerr << "\r\033[K" << progress_line(views, secs.count()) << std::flush;
        } else if (auto now = progress_line(views, -1); now != last) {
            spdlog::info("{}", now);
            last = std::move(now);
        }
    };
    auto views = app::wait_jobs(ctx.app, ids, progress);
    if (tty) std::cerr << "\r\033[K" << std::flush;
    int rc = 0;
    for (const auto& v : views)
        if (rc == 0) rc = v.wait_exit_code();
    if (final_views) *final_views = std::move(views);
    return rc;
}

void print_finished(const Context& ctx, const std::vector<jobs::JobView>& views) {
    if (ctx.opts.json) {
        nlohmann::json a = nlohmann::json::array();
        for (const auto& v : views) a.push_back(app::job_json(v, false, false));
        std::cout << (views.size() == 1 ? a[0] : a).dump(2) << '\n';
        return;
    }
    if (ctx.opts.quiet) return;
    for (const auto& v : views) {
        std::string line = "pdai job " + std::to_string(v.record.id) + " " + std::string(jobs::to_string(v.state));
        if (v.started_at && v.ended_at) line += " in " + format_duration(*v.ended_at - *v.started_at);
        if (v.record.kind == "infer") line += ", " + tasks_text(v) + " shards done";
        line += " (exit " + std::to_string(v.wait_exit_code()) + ")";
        if (!v.reason.empty() && v.state != jobs::State::completed) line += ": " + v.reason;
        std::cout << line << '\n';
        auto out = jobs::layout_of(v.record).output_dir;
        if (!out.empty()) std::cout << "  output: " << out << '\n';
        std::cout << "  logs:   " << v.record.workdir << "/logs\n";
    }
}

}  // namespace pdai::cli
