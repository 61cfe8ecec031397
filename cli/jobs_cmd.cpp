// pdai jobs list|show|cancel|logs|wait: jobs as the catalog recorded them, with their state
// read from their backend (slurmctld for Slurm) and their job directory.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "app/vocabulary.hpp"
#include "app/jobs.hpp"
#include "app/json.hpp"
#include "common/time.hpp"
#include "cli/job_print.hpp"
#include "common/error.hpp"
#include "policy/duration.hpp"

namespace pdai::cli {
namespace {

// ------------------------------------------------------------------ list

void run_list(Context& ctx, const app::JobQuery& q) {
    const auto views = app::list_jobs(ctx.app, q);
    Table t{{"ID", "BACKEND ID", "KIND", "ALGORITHM", "BUREAU", "USER", "STATE", "SHARDS", "SUBMITTED"}, {}};
    nlohmann::json j = nlohmann::json::array();
    for (const auto& v : views) {
        const auto& r = v.record;
        t.rows.push_back({std::to_string(r.id), r.slurm_job_id ? std::to_string(*r.slurm_job_id) : "-", r.kind,
                          r.algorithm.empty() ? "-" : r.algorithm, r.bureau, r.unix_user,
                          std::string(jobs::to_string(v.state)), tasks_text(v), pdai::format_time(r.submitted_at)});
        if (ctx.out.needs_json()) j.push_back(app::job_json(v, false, false));
    }
    ctx.out.listing(t, j);
}

// ------------------------------------------------------------------ show

void run_show(Context& ctx, const std::string& ref, bool all_tasks) {
    const auto v = app::show_job(ctx.app, ref);
    if (ctx.out.needs_json()) return ctx.out.object({}, app::job_json(v, true, true));
    const auto& r = v.record;
    auto time_or_dash = [](const std::optional<std::int64_t>& t) { return t ? pdai::format_time(*t) : "-"; };
    std::string states;
    for (auto s : jobs::all_states())
        if (v.counts[s] > 0)
            states += (states.empty() ? "" : ", ") + std::to_string(v.counts[s]) + " " + std::string(jobs::to_string(s));
    std::string resources = r.gpus_per_task > 0
                                ? std::to_string(r.gpus_per_task) + " x " + r.gpu_type.value_or("any") + " GPU per node"
                                : "no GPUs";
    resources += ", " + std::to_string(r.nodes) + " node(s)";
    if (r.time_limit_minutes) resources += ", time limit " + policy::format_human(*r.time_limit_minutes);
    std::vector<std::pair<std::string, std::string>> f = {
        {"pdai job", std::to_string(r.id)},
        {"backend", r.backend + (r.cluster.empty() ? "" : " (cluster " + r.cluster + ")")},
        {"backend id", r.slurm_job_id ? std::to_string(*r.slurm_job_id) : "-"},
        {"kind", r.kind},
        {"algorithm", r.algorithm.empty() ? "-" : r.algorithm},
        {"bureau", r.bureau + " (account " + r.account + ")"},
        {"user", r.unix_user},
        {"state", std::string(jobs::to_string(v.state)) + (v.reason.empty() ? "" : " (" + v.reason + ")")},
        {"exit code", v.exit_code ? std::to_string(*v.exit_code) : "-"},
        {"resources", resources},
        {"submitted", pdai::format_time(r.submitted_at)},
        {"started", time_or_dash(v.started_at)},
        {"ended", time_or_dash(v.ended_at)},
        {"job dir", r.workdir},
        {"output", jobs::layout_of(r).output_dir}};
    if (!v.nodes.empty()) f.insert(f.begin() + 9, std::pair<std::string, std::string>{"nodes", v.nodes});
    if (r.idempotency_key) f.emplace_back("idempotency key", *r.idempotency_key);
    if (r.kind == "infer") f.emplace_back("shards", std::to_string(v.counts.total) + ": " + states);
    ctx.out.object(f, nlohmann::json());
    if (r.kind != "infer" || ctx.out.format != Format::table) return;
    // The shards that did not complete (all of them with --tasks).
    Table t{{"SHARD", "STATE", "EXIT", "NODES", "REASON"}, {}};
    for (const auto& task : v.tasks) {
        if (!all_tasks && task.state == jobs::State::completed) continue;
        t.rows.push_back({std::to_string(task.index.value_or(0)), std::string(jobs::to_string(task.state)),
                          task.exit_code ? std::to_string(*task.exit_code) : "-", task.nodes.empty() ? "-" : task.nodes,
                          task.reason.empty() ? "-" : task.reason});
    }
    if (!t.rows.empty()) {
        std::cout << '\n';
        Output::print_table(std::cout, t);
    }
}

// ------------------------------------------------------------------ cancel

void run_cancel(Context& ctx, const std::vector<std::string>& refs) {
    nlohmann::json out = nlohmann::json::array();
    std::string text;
    for (const auto& r : app::cancel_jobs(ctx.app, refs)) {
        out.push_back({{"id", r.id}, {"cancelled", r.cancelled}, {"state_before", std::string(jobs::to_string(r.state_before))}});
        text += (text.empty() ? "" : "\n") +
                (r.cancelled ? "cancelled pdai job " + std::to_string(r.id) +
                                   (r.backend_id ? " (" + r.backend + " job " + std::to_string(*r.backend_id) + ")" : "")
                             : "pdai job " + std::to_string(r.id) + " had already ended (" +
                                   std::string(jobs::to_string(r.state_before)) + ")");
    }
    ctx.out.done(text, refs.size() == 1 ? out[0] : out);
}

// ------------------------------------------------------------------ logs

// Copies what is new in `path` since `offset` to stdout; returns the new offset.
std::streamoff copy_from(const std::string& path, std::streamoff offset) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return offset;
    in.seekg(0, std::ios::end);
    std::streamoff size = in.tellg();
    if (size < offset) offset = 0;  // truncated: start again
    in.seekg(offset);
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) std::cout.write(buf, in.gcount());
    std::cout.flush();
    return size;
}

Error no_log_yet(const app::JobLogs& logs) {
    const std::string id = std::to_string(logs.job.id);
    return Error(Errc::not_found, "no log yet for pdai job " + id,
                 "a job writes its log once it starts; see 'pdai jobs show " + id + "'");
}

// --json: {"id", "logs": [{"path", "text"}, ...]}, the logs there are so far (-f has no JSON).
void print_logs_json(const app::JobLogs& logs) {
    nlohmann::json out = {{"id", logs.job.id}, {"logs", nlohmann::json::array()}};
    for (const auto& p : logs.paths) {
        std::ifstream in(p, std::ios::binary);
        if (!in) continue;
        std::ostringstream text;
        text << in.rdbuf();
        // A log is the job's own bytes: invalid UTF-8 is replaced, not an error.
        out["logs"].push_back({{"path", p}, {"text", text.str()}});
    }
    if (out["logs"].empty()) throw no_log_yet(logs);
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

void run_logs(Context& ctx, const std::string& ref, std::optional<int> task, bool follow) {
    ctx.out.no_table("pdai jobs logs");
    if (follow && ctx.out.format == Format::json)
        throw Error(Errc::usage, "-f follows a log as it grows, which JSON cannot", "drop -f or --json");
    const auto logs = app::job_logs(ctx.app, ref, task, follow);
    const auto& paths = logs.paths;
    if (ctx.out.format == Format::json) return print_logs_json(logs);
    if (!follow) {
        bool any = false;
        for (const auto& p : paths) {
            if (::access(p.c_str(), R_OK) != 0) continue;
            if (paths.size() > 1) std::cout << "==> " << p << " <==\n";
            copy_from(p, 0);
            any = true;
        }
        if (!any) throw no_log_yet(logs);
        return;
    }
    // -f: print what is there, then what is added, until the job (or shard) has ended.
    std::streamoff offset = 0;
    auto last_check = std::chrono::steady_clock::now() - std::chrono::seconds(10);
    for (;;) {
        offset = copy_from(paths.front(), offset);
        if (std::chrono::steady_clock::now() - last_check >= std::chrono::seconds(2)) {
            last_check = std::chrono::steady_clock::now();
            if (app::job_ended(ctx.app, logs)) {
                copy_from(paths.front(), offset);
                return;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
}

}  // namespace

void set_jobs_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "jobs", "List, inspect, cancel and wait for pdai's jobs");

    auto lo = std::make_shared<app::JobQuery>();
    auto* list = grp->add_subcommand("list", "List jobs, newest first, with their current state");
    list->add_option("--bureau", lo->bureau, "Only this bureau's jobs")->type_name("BUREAU");
    list->add_option("--state", lo->states, "Only jobs in these states (repeatable or comma-separated)")
        ->check(one_of(app::job_state_names()))
        ->delimiter(',')
        ->type_name("STATE");
    list->add_flag("--mine", lo->mine, "Only jobs I submitted");
    list->add_option("--user", lo->user, "Only jobs this user submitted")->type_name("USER");
    list->add_option("--since", lo->since, "Submitted at or after: a date, a date-time (UTC) or an age like 7d")
        ->type_name("WHEN");
    list->add_option("--limit", lo->limit, "At most N jobs (0: all)")
        ->type_name("N")
        ->check(at_least(0))
        ->capture_default_str();
    on_run(list, ctx, [&ctx, lo] { run_list(ctx, *lo); });

    auto ref = std::make_shared<std::string>();
    auto all_tasks = std::make_shared<bool>(false);
    auto* show = grp->add_subcommand("show", "Show one job: state, resources, files and shards");
    show->add_option("JOB", *ref, "pdai job id, or a Slurm job id (slurm:ID)")->required();
    show->add_flag("--tasks", *all_tasks, "List every shard, not only those that did not complete");
    on_run(show, ctx, [&ctx, ref, all_tasks] { run_show(ctx, *ref, *all_tasks); });

    auto refs = std::make_shared<std::vector<std::string>>();
    auto* cancel = grp->add_subcommand("cancel", "Cancel jobs: every task, running or waiting");
    cancel->add_option("JOB", *refs, "pdai job ids, or Slurm job ids (slurm:ID)")->required();
    on_run(cancel, ctx, [&ctx, refs] { run_cancel(ctx, *refs); });

    struct LogOpts {
        std::string ref;
        std::optional<int> task;
        bool follow = false;
    };
    auto lg = std::make_shared<LogOpts>();
    auto* logs = grp->add_subcommand("logs", "Print a job's output (stdout and stderr)");
    logs->add_option("JOB", lg->ref, "pdai job id, or a Slurm job id (slurm:ID)")->required();
    logs->add_option("--task", lg->task, "Shard N of an inference batch (default: every shard)")->type_name("N");
    logs->add_flag("-f,--follow", lg->follow, "Keep printing new output until the job ends");
    on_run(logs, ctx, [&ctx, lg] { run_logs(ctx, lg->ref, lg->task, lg->follow); });

    auto wrefs = std::make_shared<std::vector<std::string>>();
    auto* wait = grp->add_subcommand("wait", "Wait until jobs end; exit with the first failed job's exit code");
    wait->add_option("JOB", *wrefs, "pdai job ids, or Slurm job ids (slurm:ID)")->required();
    on_run(wait, ctx, [&ctx, wrefs] {
        std::vector<jobs::JobView> views;
        ctx.exit_code = wait_with_progress(ctx, app::resolve_jobs(ctx.app, *wrefs), &views);
        print_finished(ctx, views);
    });
}

}  // namespace pdai::cli
