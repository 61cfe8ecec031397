// pdai run | train | infer: submit an algorithm run, a training job, or a batch-inference
// batch (one job array) to the configured backend; --dry-run prints the exact request.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "catalog/catalog.hpp"
#include "cli/job_print.hpp"
#include "common/error.hpp"
#include "common/unix_user.hpp"
#include "jobs/backends/slurm_request.hpp"
#include "policy/duration.hpp"
#include "jobs/submit.hpp"

// --dry-run's quota decision comes from the job_submit plugin's own loader and settings
// (catalog/policy_snapshot, jobs/gate); a tree without them prints the request alone.
#if __has_include("catalog/policy_snapshot.hpp") && __has_include("gate/plugin_config.hpp")
#include "catalog/policy_snapshot.hpp"
#include "gate/plugin_config.hpp"
#define PDAI_DRY_RUN_QUOTA 1
#else
#define PDAI_DRY_RUN_QUOTA 0
#endif

namespace pdai::cli {
namespace {

struct RunOpts {
    jobs::SubmitRequest req;
    std::optional<std::string> backend;
    bool dry_run = false, wait = false, resume = false;
    int count = 1;
};

// ------------------------------------------------------------------ --dry-run

#if PDAI_DRY_RUN_QUOTA
// The plugin's settings where the plugin reads them, so the answer is the plugin's.
policy::Settings plugin_settings() {
    const std::string path = gate::plugin_config_path();
    if (::access(path.c_str(), R_OK) != 0) return gate::PluginConfig::default_settings();
    auto cfg = gate::load_plugin_config(path);
    if (!cfg) throw Error(Errc::usage, cfg.error(), "fix " + path);
    return cfg->settings;
}

nlohmann::json quota_decision(catalog::Catalog& c, const jobs::PreparedJob& job, std::string& message) {
    const auto& s = job.spec;
    auto snap = catalog::load_policy_snapshot(c, {catalog::now_unix(), ""});
    policy::JobRequest r;
    r.account = s.account;
    r.user = s.user;
    r.submit_time = catalog::now_unix();
    if (auto tres = jobs::gpu_tres_per_node(s.resources)) {
        policy::JobShape shape;
        shape.min_nodes = s.resources.nodes;
        auto ask = policy::gpu_ask_from_tres({{}, *tres, {}, {}}, shape);
        if (ask) r.gpus = *ask;
        else r.request_error = ask.error();
    }
    if (job.is_array()) {
        r.array_tasks = static_cast<int>(job.task_indices.size());
        r.array_throttle = s.max_parallel;
    }
    r.time_limit_minutes = s.resources.time_minutes;
    auto d = policy::evaluate(snap.snapshot, plugin_settings(), r);
    message = std::string(policy::to_string(d.verdict)) + ": " + d.message;
    return {{"verdict", policy::to_string(d.verdict)},
            {"reason", policy::to_string(d.reason)},
            {"bureau", d.bureau},
            {"period", d.period_label},
            {"gpus", d.gpus},
            {"gpu_type", d.gpu_type},
            {"array_tasks", d.array_tasks},
            {"time_limit_minutes", d.time_limit_minutes},
            {"bound_cuh", d.bound_cuh},
            {"remaining_cuh", d.remaining_cuh},
            {"cost_cny", d.cost_cny},
            {"message", d.message}};
}
#else
nlohmann::json quota_decision(catalog::Catalog&, const jobs::PreparedJob&, std::string& message) {
    message = "not available in this build (no quota snapshot loader)";
    return nullptr;
}
#endif

std::string field_text(const nlohmann::json& v) {
    if (v.is_null()) return "(unset)";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

void print_dry_run(Context& ctx, catalog::Catalog& c, jobs::Backend& b, const jobs::DryRun& d) {
    const auto& job = d.job;
    nlohmann::json request = b.describe(job);
    std::string quota_text;
    nlohmann::json quota = quota_decision(c, job, quota_text);
    if (ctx.opts.json) {
        nlohmann::json j = {{"dry_run", true},
                            {"backend", b.name()},
                            {"pdai_job_id", job.id},
                            {"job_dir", job.layout.job_dir},
                            {"output_dir", job.layout.output_dir},
                            {"existing_job", d.existing ? nlohmann::json(*d.existing) : nlohmann::json(nullptr)},
                            {"request", request},
                            {"quota", quota}};
        if (job.is_array())
            j["shards"] = {{"inputs", job.shards.inputs}, {"shard_size", job.shards.size}, {"count", job.shards.count}};
        std::cout << j.dump(2) << '\n';
        return;
    }
    auto& o = std::cout;
    o << "dry run: nothing was submitted\n";
    if (d.existing)
        o << "idempotency key '" << *job.spec.idempotency_key << "' already names pdai job " << d.existing->id
          << " with the same inputs: a real run would return it instead of submitting\n";
    o << "pdai job " << job.id << " (the id it would get) on the " << b.name() << " backend";
    if (request.contains("controller")) o << ", slurmctld " << field_text(request["controller"]);
    o << "\n";
    if (job.is_array())
        o << job.shards.inputs << " inputs in " << job.shards.count << " shards of up to " << job.shards.size << "\n";
    o << "quota: " << quota_text << "\n";
    if (request.contains("job_desc")) {
        o << "job_desc_msg_t:\n";
        for (const auto& [k, v] : request["job_desc"].items()) {
            if (k == "script") continue;
            std::string text = k == "environment" ? std::to_string(v.size()) + " variables: " : field_text(v);
            if (k == "environment")
                for (const auto& e : v) {
                    auto s = e.get<std::string>();
                    text += s.substr(0, s.find('=')) + " ";
                }
            o << "  " << k << std::string(k.size() < 16 ? 16 - k.size() : 1, ' ') << "= " << text << "\n";
        }
    }
    o << "batch script (" << job.layout.script << "):\n" << job.script;
}

// ------------------------------------------------------------------ submitting

std::string describe_result(const jobs::SubmitResult& r, const std::string& backend) {
    const auto& j = r.job;
    std::string on = j.slurm_job_id ? (backend == "slurm" ? " as Slurm job " : " as " + backend + " job ") +
                                          std::to_string(*j.slurm_job_id)
                                    : "";
    std::string what = j.kind + " " + j.algorithm + " for bureau " + j.bureau;
    switch (r.outcome) {
    case jobs::SubmitResult::Outcome::submitted: {
        std::string s = "submitted pdai job " + std::to_string(j.id) + on + ": " + what;
        if (j.kind == "infer") {
            auto plan = jobs::shard_plan_of(j);
            s += ", " + std::to_string(plan.inputs) + " inputs in " + std::to_string(plan.count) +
                 " shards of up to " + std::to_string(plan.size);
        }
        return s;
    }
    case jobs::SubmitResult::Outcome::existing:
        return "pdai job " + std::to_string(j.id) + " already has idempotency key '" + j.idempotency_key.value_or("") +
               "' with the same inputs; not submitted again (" + j.state + ")";
    case jobs::SubmitResult::Outcome::resumed:
        return "resubmitted " + std::to_string(r.tasks.size()) + " of " + std::to_string(j.tasks) +
               " shards of pdai job " + std::to_string(j.id) + on + ": " + jobs::format_index_ranges(r.tasks);
    case jobs::SubmitResult::Outcome::nothing_to_resume:
        return "every shard of pdai job " + std::to_string(j.id) + " is done; nothing to resume";
    }
    return {};
}

// A bureau user on Slurm without write access to the catalog (the usual multi-user install):
// the job goes straight to Slurm, whose plugin checks the user's bureau and quota by uid, and
// 'pdai sync' (cron, every minute) records it in the catalog.
void submit_unrecorded(Context& ctx, const RunOpts& o, const jobs::JobSpec& spec) {
    if (o.resume || o.count > 1)
        throw Error(Errc::usage, std::string(o.resume ? "--resume" : "--count") + " needs write access to the catalog",
                    "platform admins and the cron user can; see pdai-cron(7)");
    if (o.wait)
        throw Error(Errc::usage, "--wait needs the job's catalog record, which 'pdai sync' writes for you later",
                    "submit without --wait, then 'pdai jobs wait slurm:ID' once 'pdai jobs list' shows it");
    auto backend = jobs::open_backend("slurm");
    auto u = jobs::submit_unrecorded(*backend, spec, user_jobs_dir());
    const std::string id = std::to_string(u.submitted.id);
    const std::string text = "submitted Slurm job " + id + " (" + spec.algorithm.ref() + ", bureau " + spec.bureau +
                             "); the catalog is read-only for you, so the next 'pdai sync' records it";
    spdlog::info("{}", text);
    nlohmann::json j = {{"outcome", "submitted_unrecorded"},
                        {"recorded", false},
                        {"backend", backend->name()},
                        {"cluster", backend->cluster()},
                        {"slurm_job_id", u.submitted.id},
                        {"state", std::string(jobs::to_string(u.submitted.state))},
                        {"kind", bundle::to_string(spec.kind)},
                        {"algorithm", spec.algorithm.ref()},
                        {"bureau", spec.bureau},
                        {"account", spec.account},
                        {"user", spec.user},
                        {"name", u.job.name},
                        {"job_dir", u.job.layout.job_dir},
                        {"output_dir", u.job.layout.output_dir},
                        {"tasks_submitted", u.job.task_indices},
                        {"backend_message", u.submitted.message}};
    ctx.out.done(text + (u.submitted.message.empty() ? "" : "\n  " + u.submitted.message) +
                     "\n  job dir: " + u.job.layout.job_dir + "\n  output:  " + u.job.layout.output_dir,
                 j);
}

void run_submit(Context& ctx, RunOpts& o, jobs::Kind kind) {
    auto& r = o.req;
    r.kind = kind;
    r.user = current_user();
    r.cwd = std::filesystem::current_path().string();
    if (!r.partition && ctx.config.partition) r.partition = ctx.config.partition;
    if (o.count < 1) throw Error(Errc::usage, "--count must be at least 1");
    if (o.count > 1 && (r.idempotency_key || o.resume || o.wait))
        throw Error(Errc::usage, "--count submits copies: it excludes --idempotency-key, --resume and --wait");

    if (!o.dry_run && ::access(ctx.catalog_path().c_str(), W_OK) != 0) {
        // Who may submit what is checked first: someone asking for another bureau hears
        // "not a member of it", whatever the backend.
        auto ro = ctx.open_catalog(false);
        auto spec = jobs::build_spec(ro, r);
        const auto name = backend_name(ctx, o.backend);
        if (name == "slurm") {
            submit_unrecorded(ctx, o, spec);
            return;
        }
        // The local backend runs the job under this pdai and records it itself: the
        // read-only catalog refuses below.
    }
    auto c = ctx.open_catalog(!o.dry_run);
    auto spec = jobs::build_spec(c, r);
    auto backend = jobs::open_backend(backend_name(ctx, o.backend));
    jobs::SubmitOptions so;
    so.jobs_dir = jobs_dir(ctx);
    so.resume = o.resume;
    if (o.dry_run) {
        print_dry_run(ctx, c, *backend, jobs::dry_run(c, *backend, spec, so));
        return;
    }

    if (o.count > 1) {
        // Batch mode (bench/submit_rate.sh): one process, one slurm_init, N submissions, one
        // catalog transaction.
        auto t0 = std::chrono::steady_clock::now();
        auto done = jobs::submit_copies(c, *backend, spec, so, o.count);
        std::int64_t first = done.front().id, last = done.back().id;
        std::int64_t first_backend = done.front().slurm_job_id.value_or(0);
        std::int64_t last_backend = done.back().slurm_job_id.value_or(0);
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        ctx.out.done("submitted " + std::to_string(o.count) + " jobs (pdai " + std::to_string(first) + ".." +
                         std::to_string(last) + ", " + backend->name() + " " + std::to_string(first_backend) +
                         ".." + std::to_string(last_backend) + ") in " + fmt_number(secs, 3) + " s",
                     {{"count", o.count},
                      {"first_id", first},
                      {"last_id", last},
                      {"first_backend_id", first_backend},
                      {"last_backend_id", last_backend},
                      {"seconds", secs},
                      {"jobs_per_second", secs > 0 ? o.count / secs : 0.0}});
        return;
    }

    auto res = jobs::submit_job(c, *backend, spec, so);
    const std::string text = describe_result(res, backend->name());
    spdlog::info("{}", text);  // the event for -v and the log file, whatever the output format
    auto outcome_json = [&](nlohmann::json j) {
        j["outcome"] = jobs::to_string(res.outcome);
        j["tasks_submitted"] = res.tasks;
        j["backend_message"] = res.message;
        return j;
    };
    if (!o.wait) {
        nlohmann::json j = outcome_json(res.job);
        j["output_dir"] = jobs::layout_of(res.job).output_dir;
        ctx.out.done(text + (res.message.empty() ? "" : "\n  " + res.message) + "\n  job dir: " + res.job.workdir +
                         "\n  output:  " + jobs::layout_of(res.job).output_dir,
                     j);
        return;
    }
    if (!ctx.opts.json && !ctx.opts.quiet) std::cout << text << std::endl;
    jobs::BackendSet backends;
    backends.add(std::move(backend));
    std::vector<jobs::JobView> views;
    ctx.exit_code = wait_with_progress(ctx, c, backends, {res.job.id}, true, &views);
    if (ctx.opts.json) {
        std::cout << outcome_json(view_json(views.front(), false, false)).dump(2) << '\n';
        return;
    }
    print_finished(ctx, views);
}

// ------------------------------------------------------------------ options

void common_options(CLI::App* cmd, RunOpts& o) {
    auto& r = o.req;
    cmd->add_option("ALGORITHM", r.algorithm, "Algorithm to run: NAME or NAME@VERSION")->required();
    cmd->add_option("ARGS", r.args, "Arguments for the entrypoint, after --");
    cmd->add_option("--bureau", r.bureau, "Bureau (Slurm account) to run and charge under; default: your only bureau")
        ->type_name("BUREAU");
    cmd->add_option("--gpus", r.gpus, "GPUs per node: N (the bundle's GPU type), TYPE:N, or any:N")
        ->type_name("[TYPE:]N");
    cmd->add_option("--cpus", r.cpus, "CPUs per task (default: the bundle's)")->type_name("N");
    cmd->add_option("--mem", r.mem, "Memory per node, e.g. 16G (default: the bundle's)")->type_name("SIZE");
    cmd->add_option("--time", r.time, "Time limit, e.g. 2h, 90m, 1-00:00:00 (default: the bundle's)")
        ->type_name("DUR");
    cmd->add_option("--partition", r.partition, "Slurm partition (default: the config's, else Slurm's)")
        ->type_name("NAME");
    cmd->add_option("--env", r.env, "Add KEY=VALUE to the job's environment (repeatable)")->type_name("KEY=VALUE");
    cmd->add_option("--output", r.output, "Output directory (default: in the job directory)")->type_name("DIR");
    cmd->add_option("--idempotency-key", r.idempotency_key,
                    "A name for this submission: the same key with the same inputs returns the existing job")
        ->type_name("KEY");
    cmd->add_flag("--requeue", r.requeue, "Requeue the job after preemption or node failure");
    cmd->add_option("--backend", o.backend, "slurm or local (default: the config's 'backend')")
        ->check(CLI::IsMember({"slurm", "local"}));
    cmd->add_flag("--dry-run", o.dry_run, "Print the exact request (and the quota decision); submit nothing");
    cmd->add_flag("--wait", o.wait, "Wait until the job ends and exit with its exit code");
}

}  // namespace

void set_run_commands(CLI::App& app, Context& ctx) {
    auto run = std::make_shared<RunOpts>();
    auto* r = app.add_subcommand("run", "Run an algorithm once (one job)");
    common_options(r, *run);
    r->add_option("--input", run->req.inputs, "An input file or directory for the job (repeatable)")
        ->type_name("PATH");
    r->add_option("--count", run->count, "Submit N copies in one process (benchmarks)")->group("");
    on_run(r, ctx, [&ctx, run] { run_submit(ctx, *run, jobs::Kind::run); });

    auto train = std::make_shared<RunOpts>();
    auto* t = app.add_subcommand("train", "Train a model: one task per node, rendezvous variables set");
    common_options(t, *train);
    t->add_option("--dataset", train->req.dataset, "Training data (a file or directory)")
        ->type_name("PATH")
        ->required();
    t->add_option("--nodes", train->req.nodes, "Nodes (one task each; default 1)")->type_name("N");
    t->add_option("--register-as", train->req.register_as,
                  "Register the model directory as NAME@VERSION once the job completes ('pdai sync')")
        ->type_name("NAME@VERSION");
    on_run(t, ctx, [&ctx, train] { run_submit(ctx, *train, jobs::Kind::train); });

    auto infer = std::make_shared<RunOpts>();
    auto* i = app.add_subcommand("infer", "Batch inference: one job array, one task per shard of inputs");
    common_options(i, *infer);
    i->add_option("--inputs", infer->req.inputs, "DIR, GLOB (quoted) or @LISTFILE (repeatable)")
        ->type_name("SPEC")
        ->required();
    i->add_option("--shard-size", infer->req.shard_size, "Inputs per shard (default: the bundle's, else 100)")
        ->type_name("N");
    i->add_option("--max-parallel", infer->req.max_parallel, "At most K shards at once (Slurm's %K)")
        ->type_name("K");
    i->add_flag("--resume", infer->resume,
                "With --idempotency-key: resubmit only the shards of that batch that failed or never ran");
    on_run(i, ctx, [&ctx, infer] { run_submit(ctx, *infer, jobs::Kind::infer); });
}

}  // namespace pdai::cli
