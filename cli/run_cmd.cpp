// pdai run | train | infer: submit an algorithm run, a training job, or a batch-inference
// batch (one job array) to the configured backend; --dry-run prints the exact request and the
// quota verdict the backend will give. The work is app::submit and app::dry_run.
#include <spdlog/spdlog.h>

#include <iostream>

#include "app/vocabulary.hpp"
#include "app/json.hpp"
#include "app/submit.hpp"
#include "cli/job_print.hpp"
#include "common/error.hpp"

namespace pdai::cli {
namespace {

struct RunOpts {
    app::Submit req;
    bool dry_run = false;
    bool parsable = false;
};

// --parsable and -q print what a script needs, as sbatch --parsable does: the job's id alone,
// in the form 'pdai jobs show|wait|cancel|logs' take (slurm:ID for a job the catalog could
// not record). One line per job; nothing else goes to stdout.
bool id_only(const Context& ctx, const RunOpts& o) { return o.parsable || (ctx.opts.quiet && !ctx.opts.json); }

// ------------------------------------------------------------------ --dry-run

std::string field_text(const nlohmann::json& v) {
    if (v.is_null()) return "(unset)";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

void print_dry_run(Context& ctx, const app::DryRunResult& r) {
    if (ctx.opts.json) {
        std::cout << nlohmann::json(r).dump(2) << '\n';
        return;
    }
    const auto& d = r.dry;
    const auto& job = d.job;
    const auto& request = r.request;
    auto& o = std::cout;
    o << "dry run: nothing was submitted\n";
    if (d.existing)
        o << "idempotency key '" << *job.spec.idempotency_key << "' already names pdai job " << d.existing->id
          << " with the same inputs: a real run would return it instead of submitting\n";
    o << "pdai job " << job.id << " (the id it would get) on the " << r.backend << " backend";
    if (request.contains("controller")) o << ", slurmctld " << field_text(request["controller"]);
    o << "\n";
    if (job.is_array())
        o << job.shards.inputs << " inputs in " << job.shards.count << " shards of up to " << job.shards.size << "\n";
    o << "quota: " << policy::to_string(r.quota.decision.verdict) << ": " << r.quota.decision.message << "\n";
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

void print_unrecorded(Context& ctx, const RunOpts& o, const app::SubmittedUnrecorded& r) {
    const auto& u = r.submission;
    if (id_only(ctx, o)) {
        std::cout << "slurm:" << u.submitted.id << '\n';
        return;
    }
    const std::string text = "submitted Slurm job " + std::to_string(u.submitted.id) + " (" + r.spec.algorithm.ref() +
                             ", bureau " + r.spec.bureau +
                             "); the catalog is read-only for you, so the next 'pdai sync' records it";
    spdlog::info("{}", text);
    ctx.out.done(text + (u.submitted.message.empty() ? "" : "\n  " + u.submitted.message) +
                     "\n  job dir: " + u.job.layout.job_dir + "\n  output:  " + u.job.layout.output_dir,
                 r);
}

void print_copies(Context& ctx, const RunOpts& o, const app::SubmittedCopies& r) {
    if (id_only(ctx, o)) {
        for (const auto& j : r.jobs) std::cout << j.id << '\n';
        return;
    }
    const auto& first = r.jobs.front();
    const auto& last = r.jobs.back();
    ctx.out.done("submitted " + std::to_string(r.jobs.size()) + " jobs (pdai " + std::to_string(first.id) + ".." +
                     std::to_string(last.id) + ", " + r.backend + " " +
                     std::to_string(first.slurm_job_id.value_or(0)) + ".." +
                     std::to_string(last.slurm_job_id.value_or(0)) + ") in " + fmt_number(r.seconds, 3) + " s",
                 r);
}

void print_submitted(Context& ctx, const RunOpts& o, const app::Submitted& r) {
    const auto& res = r.result;
    const std::string text = describe_result(res, r.backend);
    spdlog::info("{}", text);  // the event for -v and the log file, whatever the output format
    if (id_only(ctx, o)) std::cout << res.job.id << std::endl;  // before --wait: scripts may act on it
    if (!o.req.wait) {
        if (id_only(ctx, o)) return;
        ctx.out.done(text + (res.message.empty() ? "" : "\n  " + res.message) + "\n  job dir: " + res.job.workdir +
                         "\n  output:  " + r.output_dir,
                     r);
        return;
    }
    if (!ctx.opts.json && !id_only(ctx, o)) std::cout << text << std::endl;
    std::vector<jobs::JobView> views;
    ctx.exit_code = wait_with_progress(ctx, {res.job.id}, &views);
    if (id_only(ctx, o)) return;  // the exit code says how it ended
    if (ctx.opts.json) {
        nlohmann::json j = app::job_json(views.front(), false, false);
        j["outcome"] = jobs::to_string(res.outcome);
        j["tasks_submitted"] = res.tasks;
        j["backend_message"] = res.message;
        std::cout << j.dump(2) << '\n';
        return;
    }
    print_finished(ctx, views);
}

void run_submit(Context& ctx, RunOpts& o, jobs::Kind kind) {
    o.req.job.kind = kind;
    if (o.parsable && ctx.opts.json)
        throw Error(Errc::usage, "--parsable and --json exclude each other", "use one: --json | jq .id gives the id too");
    if (o.parsable && o.dry_run)
        throw Error(Errc::usage, "--parsable prints the id of a submitted job, and --dry-run submits none",
                    "drop one of them");
    if (o.dry_run) return print_dry_run(ctx, app::dry_run(ctx.app, o.req));
    const auto outcome = app::submit(ctx.app, o.req);
    if (const auto* u = std::get_if<app::SubmittedUnrecorded>(&outcome)) return print_unrecorded(ctx, o, *u);
    if (const auto* c = std::get_if<app::SubmittedCopies>(&outcome)) return print_copies(ctx, o, *c);
    print_submitted(ctx, o, std::get<app::Submitted>(outcome));
}

// ------------------------------------------------------------------ options

void common_options(CLI::App* cmd, RunOpts& o) {
    auto& r = o.req.job;
    cmd->add_option("ALGORITHM", r.algorithm, "Algorithm to run: NAME or NAME@VERSION")->required();
    cmd->add_option("ARGS", r.args, "Arguments for the entrypoint, after --");
    cmd->add_option("--bureau", r.bureau, "Bureau (Slurm account) to run and charge under; default: your only bureau")
        ->type_name("BUREAU");
    cmd->add_option("--gpus", r.gpus, "GPUs per node: N (the bundle's GPU type), TYPE:N, or any:N")
        ->type_name("[TYPE:]N");
    cmd->add_option("--cpus", r.cpus, "CPUs per task (default: the bundle's)")->type_name("N")->check(at_least(1));
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
    cmd->add_option("--backend", o.req.backend, "slurm or local (default: the config's 'backend')")
        ->check(one_of(app::backend_names()));
    cmd->add_flag("--dry-run", o.dry_run, "Print the exact request (and the quota decision); submit nothing");
    cmd->add_flag("--wait", o.req.wait, "Wait until the job ends and exit with its exit code");
    cmd->add_flag("--parsable", o.parsable,
                  "Print only the job id (as sbatch --parsable), for scripts; -q does the same");
}

}  // namespace

void set_run_commands(CLI::App& app, Context& ctx) {
    auto run = std::make_shared<RunOpts>();
    auto* r = app.add_subcommand("run", "Run an algorithm once (one job)");
    common_options(r, *run);
    r->add_option("--input", run->req.job.inputs, "An input file or directory for the job (repeatable)")
        ->type_name("PATH");
    r->add_option("--count", run->req.count, "Submit N copies in one process (benchmarks)")->group("");
    on_run(r, ctx, [&ctx, run] { run_submit(ctx, *run, jobs::Kind::run); });

    auto train = std::make_shared<RunOpts>();
    auto* t = app.add_subcommand("train", "Train a model: one task per node, rendezvous variables set");
    common_options(t, *train);
    t->add_option("--dataset", train->req.job.dataset, "Training data (a file or directory)")
        ->type_name("PATH")
        ->required();
    t->add_option("--nodes", train->req.job.nodes, "Nodes (one task each; default 1)")
        ->type_name("N")
        ->check(at_least(1));
    t->add_option("--register-as", train->req.job.register_as,
                  "Register the model directory as NAME@VERSION once the job completes ('pdai sync')")
        ->type_name("NAME@VERSION");
    on_run(t, ctx, [&ctx, train] { run_submit(ctx, *train, jobs::Kind::train); });

    auto infer = std::make_shared<RunOpts>();
    auto* i = app.add_subcommand("infer", "Batch inference: one job array, one task per shard of inputs");
    common_options(i, *infer);
    i->add_option("--inputs", infer->req.job.inputs, "DIR, GLOB (quoted) or @LISTFILE (repeatable)")
        ->type_name("SPEC")
        ->required();
    i->add_option("--shard-size", infer->req.job.shard_size, "Inputs per shard (default: the bundle's, else 100)")
        ->type_name("N")
        ->check(at_least(1));
    i->add_option("--max-parallel", infer->req.job.max_parallel, "At most K shards at once (Slurm's %K)")
        ->type_name("K")
        ->check(at_least(1));
    i->add_flag("--resume", infer->req.resume,
                "With --idempotency-key: resubmit only the shards of that batch that failed or never ran");
    on_run(i, ctx, [&ctx, infer] { run_submit(ctx, *infer, jobs::Kind::infer); });
}

}  // namespace pdai::cli
