#include "app/submit.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "catalog/policy_snapshot.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/unix_user.hpp"
#include "jobs/backends/local_backend.hpp"
#include "jobs/quota_ask.hpp"
#include "policy/job_ask.hpp"

namespace pdai::app {
namespace {

// The plugin's settings, with refusal advice in pdai run's options (--time 3h59m, --gpus
// a100:1), not sbatch's: 'quota check' keeps the plugin's own words.
gate::PluginConfigSource run_settings() {
    auto src = quota_settings();
    src.config.settings.advice = policy::Syntax::pdai;
    return src;
}

void check_options(const Submit& r) {
    if (r.count < 1) throw Error(Errc::usage, "--count must be at least 1");
    if (r.count > 1 && (r.job.idempotency_key || r.resume || r.wait))
        throw Error(Errc::usage, "--count submits copies: it excludes --idempotency-key, --resume and --wait");
}

jobs::SubmitOptions submit_options(const Context& ctx, const Submit& r) {
    jobs::SubmitOptions so;
    so.jobs_dir = jobs_dir(ctx);
    so.resume = r.resume;
    return so;
}

void fill_in(const Context& ctx, Submit& r) {
    r.job.user = ctx.who.user;
    r.job.cwd = r.cwd.empty() ? std::filesystem::current_path().string() : r.cwd;
    if (!r.job.partition && ctx.settings.partition) r.job.partition = ctx.settings.partition;
    r.job.require_signed = ctx.settings.require_signed_bundles;
}

SubmittedUnrecorded submit_unrecorded(const Submit& r, const jobs::JobSpec& spec) {
    if (r.resume || r.count > 1)
        throw Error(Errc::usage, std::string(r.resume ? "--resume" : "--count") + " needs write access to the catalog",
                    "platform admins and the cron user can; see pdai-cron(7)");
    if (r.wait)
        throw Error(Errc::usage, "--wait needs the job's catalog record, which 'pdai sync' writes for you later",
                    "submit without --wait, then 'pdai jobs wait slurm:ID' once 'pdai jobs list' shows it");
    auto backend = jobs::open_backend("slurm");
    SubmittedUnrecorded out;
    out.submission = jobs::submit_unrecorded(*backend, spec, user_jobs_dir());
    out.spec = spec;
    out.backend = backend->name();
    out.cluster = backend->cluster();
    return out;
}

// What the backend will decide: the local backend's own admission, or the plugin's verdict
// on the request the Slurm backend sends.
QuotaVerdict preview(catalog::Catalog& c, const jobs::PreparedJob& job,
                     const std::string& backend) {
    const auto src = run_settings();
    auto snap = catalog::load_policy_snapshot(c, {pdai::now_unix(), backend == "local" ? "" : src.config.cluster});
    QuotaVerdict v;
    v.snapshot_at = snap.snapshot.taken_at;
    v.liens_at = snap.liens_at;
    v.settings_path = src.path;
    v.settings_from_file = src.from_file;
    if (backend == "local") {
        v.decision = jobs::decide(c, job, snap.snapshot, src.config.settings);
    } else {
        v.decision = policy::evaluate(snap.snapshot, src.config.settings,
                                      policy::build_request(jobs::quota_ask(job, pdai::now_unix())));
    }
    return v;
}

}  // namespace

std::string backend_name(const Context& ctx, const std::optional<std::string>& flag) {
    return jobs::choose_backend(flag ? *flag : ctx.settings.backend);
}

jobs::LocalOptions local_options(const Context& ctx) {
    return {std::filesystem::absolute(ctx.catalog.path).string(), ctx.settings.busy_timeout_ms,
            run_settings().config.settings};
}

std::string jobs_dir(const Context& ctx) {
    if (ctx.settings.jobs_dir) return *ctx.settings.jobs_dir;
    auto cat = std::filesystem::absolute(ctx.catalog.path);
    return (cat.parent_path() / "jobs").string();
}

std::string user_jobs_dir() {
    if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x == '/') return std::string(x) + "/pdai/jobs";
    const std::string h = home_dir();
    if (h.empty()) throw Error(Errc::failure, "no home directory for your job files", "set HOME or XDG_STATE_HOME");
    return h + "/.local/state/pdai/jobs";
}

SubmitOutcome submit(const Context& ctx, Submit r) {
    fill_in(ctx, r);
    check_options(r);
    const auto quota = run_settings().config.settings;
    const std::string name = backend_name(ctx, r.backend);
    if (!ctx.may_write()) {
        // Who may submit what is checked first: someone asking for another bureau hears
        // "not a member of it", whatever the backend.
        auto ro = ctx.open_catalog(false);
        auto spec = jobs::build_spec(ro, r.job, quota);
        if (name == "slurm") return submit_unrecorded(r, spec);
        // The local backend runs the job under this pdai and records it itself: the
        // read-only catalog refuses below.
    }
    auto c = ctx.open_catalog(true);
    auto spec = jobs::build_spec(c, r.job, quota);
    auto backend = name == "local" ? jobs::open_backend(name, local_options(ctx)) : jobs::open_backend(name);
    const auto so = submit_options(ctx, r);
    if (r.count > 1) {
        // Batch mode (bench/submit_rate.sh): one process, one slurm_init, N submissions, one
        // catalog transaction.
        const auto t0 = std::chrono::steady_clock::now();
        SubmittedCopies out;
        out.jobs = jobs::submit_copies(c, *backend, spec, so, r.count);
        out.backend = backend->name();
        out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return out;
    }
    Submitted out;
    out.result = jobs::submit_job(c, *backend, spec, so);
    out.backend = backend->name();
    out.output_dir = jobs::layout_of(out.result.job).output_dir;
    return out;
}

DryRunResult dry_run(const Context& ctx, Submit r) {
    fill_in(ctx, r);
    check_options(r);
    auto c = ctx.open_catalog(false);
    auto spec = jobs::build_spec(c, r.job, run_settings().config.settings);
    const std::string name = backend_name(ctx, r.backend);
    auto backend = name == "local" ? jobs::open_backend(name, local_options(ctx)) : jobs::open_backend(name);
    DryRunResult out;
    out.dry = jobs::dry_run(c, *backend, spec, submit_options(ctx, r));
    out.backend = backend->name();
    out.request = backend->describe(out.dry.job);
    out.quota = preview(c, out.dry.job, out.backend);
    return out;
}

}  // namespace pdai::app
