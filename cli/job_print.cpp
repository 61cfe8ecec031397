#include "cli/job_print.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "catalog/catalog.hpp"
#include "common/error.hpp"
#include "common/unix_user.hpp"

namespace pdai::cli {

std::string backend_name(const Context& ctx, const std::optional<std::string>& flag) {
    return jobs::choose_backend(flag ? *flag : ctx.config.backend);
}

std::string jobs_dir(const Context& ctx) {
    if (ctx.config.jobs_dir) return *ctx.config.jobs_dir;
    auto cat = std::filesystem::absolute(ctx.catalog_path());
    return (cat.parent_path() / "jobs").string();
}

std::string user_jobs_dir() {
    if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x == '/') return std::string(x) + "/pdai/jobs";
    const std::string h = home_dir();
    if (h.empty()) throw Error(Errc::failure, "no home directory for your job files", "set HOME or XDG_STATE_HOME");
    return h + "/.local/state/pdai/jobs";
}

catalog::Catalog open_catalog_for_jobs(const Context& ctx, bool& writable) {
    writable = ::access(ctx.catalog_path().c_str(), W_OK) == 0 &&
               ::access(std::filesystem::absolute(ctx.catalog_path()).parent_path().c_str(), W_OK) == 0;
    return ctx.open_catalog(writable);
}

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

nlohmann::json view_json(const jobs::JobView& v, bool with_tasks, bool with_request) {
    nlohmann::json j = v.record;
    auto t = [](const std::optional<std::int64_t>& x) {
        return x ? nlohmann::json(catalog::format_time(*x)) : nlohmann::json(nullptr);
    };
    j["state"] = std::string(jobs::to_string(v.state));
    j["exit_code"] = v.exit_code ? nlohmann::json(*v.exit_code) : nlohmann::json(nullptr);
    j["started_at"] = t(v.started_at);
    j["ended_at"] = t(v.ended_at);
    j["reason"] = v.reason;
    j["nodes"] = v.nodes;
    j["output_dir"] = jobs::layout_of(v.record).output_dir;
    nlohmann::json counts = nlohmann::json::object();
    for (auto s : jobs::all_states())
        if (v.counts[s] > 0) counts[std::string(jobs::to_string(s))] = v.counts[s];
    j["task_states"] = counts;
    if (with_tasks) {
        nlohmann::json tasks = nlohmann::json::array();
        for (const auto& task : v.tasks)
            tasks.push_back({{"index", task.index ? nlohmann::json(*task.index) : nlohmann::json(nullptr)},
                             {"state", std::string(jobs::to_string(task.state))},
                             {"exit_code", task.exit_code ? nlohmann::json(*task.exit_code) : nlohmann::json(nullptr)},
                             {"started_at", t(task.started_at)},
                             {"ended_at", t(task.ended_at)},
                             {"nodes", task.nodes},
                             {"reason", task.reason}});
        j["task_list"] = tasks;
    }
    if (with_request) j["request"] = nlohmann::json::parse(v.record.request_json, nullptr, false);
    return j;
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

int wait_with_progress(Context& ctx, catalog::Catalog& c, jobs::BackendSet& backends,
                       const std::vector<std::int64_t>& ids, bool write_back,
                       std::vector<jobs::JobView>* final_views) {
    // A redrawn bar only for a person at a terminal: when either stream goes to a file or a
    // pipe (cron, scripts) the reader gets plain lines instead, one per change, at info (-v).
    const char* term = std::getenv("TERM");
    const bool tty = ctx.out.stdout_is_tty && ::isatty(STDERR_FILENO) == 1 && !ctx.opts.quiet &&
                     !ctx.opts.json && !(term && std::string_view(term) == "dumb");
    auto start = std::chrono::steady_clock::now();
    jobs::WaitOptions o;
    o.write_back = write_back;
    std::string last;
    o.on_progress = [&](const std::vector<jobs::JobView>& views) {
        auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
        if (tty) {
            std::cerr << "\r\033[K" << progress_line(views, secs.count()) << std::flush;
        } else if (auto now = progress_line(views, -1); now != last) {
            spdlog::info("{}", now);
            last = std::move(now);
        }
    };
    auto views = jobs::wait_jobs(c, backends, ids, o);
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
        for (const auto& v : views) a.push_back(view_json(v, false, false));
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
