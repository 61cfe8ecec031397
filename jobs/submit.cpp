#include "jobs/submit.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "catalog/algorithm_bundles.hpp"
#include "catalog/algorithms.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/catalog.hpp"
#include "catalog/gpu_types.hpp"
#include "common/byte_size.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "jobs/inputs.hpp"
#include "jobs/job_files.hpp"
#include "policy/duration.hpp"
#include "policy/gpu_request.hpp"
#include "policy/quota_policy.hpp"
#include "jobs/status.hpp"

namespace pdai::jobs {
namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

catalog::Bureau choose_bureau(catalog::Catalog& c, const SubmitRequest& r) {
    if (r.bureau) return catalog::get_bureau(c, *r.bureau);
    std::vector<std::string> mine;
    for (const auto& m : catalog::memberships_of(c, r.user))
        if (auto b = catalog::find_bureau(c, m.bureau_code); b && b->active) mine.push_back(b->code);
    if (mine.size() == 1) return catalog::get_bureau(c, mine.front());
    if (mine.empty())
        throw Error(Errc::refused, "user " + r.user + " is not a member of any active bureau",
                    "an admin adds you with 'pdai bureau member add BUREAU " + r.user + "'");
    throw Error(Errc::usage, "user " + r.user + " is a member of several bureaus (" + join(mine) + ")",
                "choose one with --bureau");
}

void check_member(catalog::Catalog& c, const catalog::Bureau& b, const std::string& user) {
    if (!b.active)
        throw Error(Errc::refused, "bureau " + b.code + " is inactive and cannot submit jobs",
                    "an admin reactivates it with 'pdai bureau set " + b.code + " --active'");
    for (const auto& m : catalog::list_members(c, b.code))
        if (m.unix_user == user) return;
    throw Error(Errc::refused, "user " + user + " is not a member of bureau " + b.code,
                "an admin adds you with 'pdai bureau member add " + b.code + " " + user + "'");
}

Resources choose_resources(catalog::Catalog& c, const SubmitRequest& r, const bundle::Manifest& m,
                           const std::string& algo) {
    Resources res;
    res.gpus = m.resources.gpus;
    res.cpus = m.resources.cpus;
    res.mem_mib = m.resources.mem_mib;
    res.time_minutes = m.resources.time_minutes;
    bool any_type = false;
    if (r.gpus) {
        auto ask = policy::parse_cli_gpus(*r.gpus);
        if (!ask) throw Error(Errc::usage, "--gpus " + *r.gpus + ": " + ask.error(), "give N, TYPE:N or any:N");
        res.gpus = ask->count;
        if (ask->type && *ask->type == "any") any_type = true;
        else if (ask->type) res.gpu_type = *ask->type;
    }
    if (res.gpus > 0 && !res.gpu_type && !any_type && !m.resources.gpu_types.empty())
        res.gpu_type = m.resources.gpu_types.front();
    if (res.gpus > 0 && res.gpu_type) {
        if (!catalog::find_gpu_type(c, *res.gpu_type)) {
            std::vector<std::string> known;
            for (const auto& t : catalog::list_gpu_types(c)) known.push_back(t.name);
            throw Error(Errc::not_found, "unknown GPU type '" + *res.gpu_type + "'",
                        known.empty() ? "no GPU types are registered ('pdai gpu type add')"
                                      : "known GPU types: " + join(known));
        }
        const auto& allowed = m.resources.gpu_types;
        if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), *res.gpu_type) == allowed.end())
            throw Error(Errc::usage, algo + " runs on " + join(allowed) + " GPUs (its manifest says), not " + *res.gpu_type,
                        "choose one of those with --gpus TYPE:N");
    }
    if (res.gpus == 0) res.gpu_type.reset();
    if (r.cpus) {
        if (*r.cpus < 1 || *r.cpus > 65535) throw Error(Errc::usage, "--cpus must be 1..65535");
        res.cpus = *r.cpus;
    }
    if (r.nodes) {
        if (*r.nodes < 1 || *r.nodes > 100000) throw Error(Errc::usage, "--nodes must be at least 1");
        res.nodes = *r.nodes;
    }
    if (r.mem) {
        auto bytes = parse_byte_size(*r.mem, 1024 * 1024);
        if (!bytes || *bytes == 0)
            throw Error(Errc::usage, "--mem " + *r.mem + ": not a size", "give e.g. 16G, 512M or 2048 (MiB)");
        res.mem_mib = static_cast<std::int64_t>((*bytes + (1 << 20) - 1) >> 20);
    }
    if (r.time) {
        auto t = policy::parse_time_limit(*r.time);
        if (!t) throw Error(Errc::usage, "--time " + *r.time + ": " + t.error());
        if (t->unlimited() || *t->minutes == 0)
            throw Error(Errc::usage, "--time " + *r.time + ": a job needs a finite time limit",
                        "the quota prices GPUs x time; give e.g. --time 2h");
        res.time_minutes = *t->minutes;
    }
    return res;
}

std::vector<std::pair<std::string, std::string>> parse_env(const std::vector<std::string>& items) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : items) {
        auto eq = e.find('=');
        std::string k = e.substr(0, eq);
        bool ok = eq != std::string::npos && !k.empty() && !std::isdigit(static_cast<unsigned char>(k[0]));
        for (char ch : k) ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
        if (!ok) throw Error(Errc::usage, "--env " + e + ": expected NAME=VALUE with a shell variable name");
        if (k.starts_with("PDAI_") || k.starts_with("SLURM_"))
            throw Error(Errc::usage, "--env " + k + ": PDAI_* and SLURM_* variables are set by pdai and Slurm");
        out.emplace_back(k, e.substr(eq + 1));
    }
    return out;
}

void check_key(const std::string& key) {
    bool ok = !key.empty() && key.size() <= 200;
    for (char ch : key) ok = ok && static_cast<unsigned char>(ch) > ' ' && ch != 0x7f;
    if (!ok) throw Error(Errc::usage, "--idempotency-key must be 1..200 printable characters without spaces");
}

std::string existing_path(const std::string& what, const std::string& p, const std::string& cwd) {
    std::string abs = absolute_path(p, cwd);
    std::error_code ec;
    if (!std::filesystem::exists(abs, ec)) throw Error(Errc::not_found, what + " " + p + " does not exist");
    return abs;
}

// The fields of two fingerprints that differ, for the conflict message.
std::vector<std::string> differences(const nlohmann::json& a, const nlohmann::json& b) {
    std::vector<std::string> d;
    for (const auto& [k, v] : a.items())
        if (!b.contains(k) || b[k] != v) d.push_back(k == "inputs_sha256" || k == "inputs" ? "inputs" : k);
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
    return d;
}

nlohmann::json stored_fingerprint(const catalog::JobRecord& r) {
    auto j = nlohmann::json::parse(r.request_json, nullptr, false);
    if (j.is_object() && j.contains("fingerprint")) return j["fingerprint"];
    return nlohmann::json::object();
}

// Same key: the existing job when the fingerprints agree, else a conflict naming what differs.
void check_same(const JobSpec& spec, const catalog::JobRecord& existing) {
    auto diff = differences(fingerprint(spec), stored_fingerprint(existing));
    if (diff.empty()) return;
    throw Error(Errc::conflict,
                "idempotency key '" + *spec.idempotency_key + "' already names pdai job " +
                    std::to_string(existing.id) + ", submitted with different " + join(diff),
                "use a new key for a new batch, or 'pdai jobs show " + std::to_string(existing.id) + "'");
}

catalog::NewJobRecord new_record(const PreparedJob& job, const Backend& b, std::int64_t bureau_id,
                                 const nlohmann::json& request) {
    const auto& s = job.spec;
    catalog::NewJobRecord n;
    n.kind = to_string(s.kind);
    n.backend = b.name();
    n.cluster = b.cluster();
    n.bureau_id = bureau_id;
    n.unix_user = s.user;
    n.algorithm_version_id = s.algorithm.version_id;
    n.gpu_type = s.resources.gpu_type;
    n.gpus_per_task = s.resources.gpus;
    n.nodes = s.resources.nodes;
    n.tasks = s.kind == Kind::infer ? job.shards.count : 1;
    n.time_limit_minutes = s.resources.time_minutes;
    n.idempotency_key = s.idempotency_key;
    n.request_json = request.dump();
    n.workdir = job.layout.job_dir;
    return n;
}

std::string parent_dir(const std::string& p) { return std::filesystem::path(p).parent_path().string(); }

SubmitResult resume_batch(catalog::Catalog& c, Backend& b, const JobSpec& spec,
                          const catalog::JobRecord& existing) {
    if (existing.kind != "infer")
        throw Error(Errc::usage, "--resume resubmits the missing shards of an inference batch; pdai job " +
                                     std::to_string(existing.id) + " is a " + existing.kind + " job");
    if (existing.backend != b.name())
        throw Error(Errc::usage, "pdai job " + std::to_string(existing.id) + " ran on the " + existing.backend +
                                     " backend", "resume it with --backend " + existing.backend);
    BackendSet set;
    set.borrow(b);
    auto view = inspect_jobs(c, set, {existing}, false).front();
    if (view.counts.active() > 0)
        throw Error(Errc::conflict,
                    "pdai job " + std::to_string(existing.id) + " still has " +
                        std::to_string(view.counts[State::running]) + " running and " +
                        std::to_string(view.counts.active() - view.counts[State::running]) + " waiting shard(s)",
                    "wait for it ('pdai jobs wait " + std::to_string(existing.id) + "') or cancel it first");

    JobSpec s = spec;
    Layout old = layout_of(existing);
    s.output_dir = old.output_dir;  // a resumed batch writes where the batch always wrote
    PreparedJob job = prepare_job(s, existing.id, parent_dir(existing.workdir), b.launcher(),
                                  [](const char* n) { return std::getenv(n); });
    job.task_indices.clear();
    for (int i = 0; i < job.shards.count; ++i)
        if (::access(job.layout.shard_done(job.shards, i).c_str(), F_OK) != 0) job.task_indices.push_back(i);
    SubmitResult res;
    if (job.task_indices.empty()) {
        res.outcome = SubmitResult::Outcome::nothing_to_resume;
        res.job = existing;
        return res;
    }
    auto files = JobFiles::update(job);
    Submitted sub = b.submit(job);
    catalog::set_tasks_submitted(c, existing.id, job.task_indices, sub.id, std::string(to_string(sub.state)));
    catalog::set_job_submitted(c, existing.id, sub.id, std::string(to_string(sub.state)));
    res.outcome = SubmitResult::Outcome::resumed;
    res.tasks = job.task_indices;
    res.message = sub.message;
    res.job = catalog::get_job(c, existing.id);
    return res;
}

}  // namespace

const char* to_string(SubmitResult::Outcome o) {
    switch (o) {
    case SubmitResult::Outcome::submitted: return "submitted";
    case SubmitResult::Outcome::existing: return "existing";
    case SubmitResult::Outcome::resumed: return "resumed";
    case SubmitResult::Outcome::nothing_to_resume: return "nothing_to_resume";
    }
    return "submitted";
}

JobSpec build_spec(catalog::Catalog& c, const SubmitRequest& r, const policy::Settings& quota) {
    auto v = catalog::resolve_algorithm(c, r.algorithm, catalog::Purpose::submit);
    const auto& m = v.manifest;
    const std::string algo = v.algorithm + "@" + v.version;
    if (!m.supports(r.kind)) {
        std::vector<std::string> kinds;
        for (auto k : m.kinds) kinds.push_back(to_string(k));
        throw Error(Errc::usage, algo + " does not support " + to_string(r.kind) + " jobs (it supports " +
                                     join(kinds) + ")");
    }
    auto bureau = choose_bureau(c, r);
    // Whom the plugin exempts (root by default) may submit on any bureau, as with sbatch.
    if (policy::exemption(quota, r.user, bureau.slurm_account) == policy::Decision::Reason::ok)
        check_member(c, bureau, r.user);
    if (!catalog::bureau_can_use(c, v.algorithm, bureau.code))
        throw Error(Errc::refused, "algorithm " + v.algorithm + " is not available to bureau " + bureau.code,
                    "its owner shares it with 'pdai algo share " + v.algorithm + " --with " + bureau.code + "'");

    JobSpec s;
    s.kind = r.kind;
    s.bureau = bureau.code;
    s.account = bureau.slurm_account;
    s.user = r.user;
    s.algorithm.version_id = v.id;
    s.algorithm.name = v.algorithm;
    s.algorithm.version = v.version;
    s.algorithm.vendor = v.vendor;
    s.algorithm.bundle_dir = v.store_path;
    s.algorithm.entrypoint = v.store_path + "/" + m.entrypoint;
    s.algorithm.infer = m.infer;
    s.algorithm.tree = catalog::registered_tree(c, v, r.require_signed);
    s.resources = choose_resources(c, r, m, algo);
    if (r.kind != Kind::train && s.resources.nodes != 1)
        throw Error(Errc::usage, "--nodes is for training jobs; " + std::string(to_string(r.kind)) + " runs on one node");

    switch (r.kind) {
    case Kind::run:
        for (const auto& p : r.inputs) s.inputs.push_back(existing_path("input", p, r.cwd));
        break;
    case Kind::train:
        if (!r.dataset) throw Error(Errc::usage, "a training job needs --dataset PATH");
        s.dataset = existing_path("dataset", *r.dataset, r.cwd);
        break;
    case Kind::infer: {
        if (r.inputs.empty()) throw Error(Errc::usage, "an inference batch needs --inputs DIR|GLOB|@LISTFILE");
        InputQuery q;
        q.specs = r.inputs;
        q.cwd = r.cwd;
        if (m.infer) q.patterns = m.infer->input_patterns;
        s.inputs = resolve_inputs(q);
        s.shard_size = r.shard_size.value_or(m.infer && m.infer->inputs_per_shard ? *m.infer->inputs_per_shard : 100);
        if (s.shard_size < 1) throw Error(Errc::usage, "--shard-size must be at least 1");
        if (r.max_parallel) {
            if (*r.max_parallel < 1) throw Error(Errc::usage, "--max-parallel must be at least 1");
            s.max_parallel = r.max_parallel;
        }
        break;
    }
    }
    s.args = r.args;
    s.env = parse_env(r.env);
    s.partition = r.partition;
    if (r.output) s.output_dir = absolute_path(*r.output, r.cwd);
    if (r.idempotency_key) {
        check_key(*r.idempotency_key);
        s.idempotency_key = r.idempotency_key;
    }
    s.requeue = r.requeue;
    if (r.register_as) {
        if (r.kind != Kind::train) throw Error(Errc::usage, "--register-as is for training jobs");
        s.register_as = catalog::parse_exact_version_ref(*r.register_as).str();
    }
    return s;
}

nlohmann::json fingerprint(const JobSpec& s) {
    nlohmann::json f = {{"kind", to_string(s.kind)},
                        {"algorithm", s.algorithm.ref()},
                        {"bureau", s.bureau},
                        {"args", s.args},
                        {"inputs", s.inputs.size()},
                        {"inputs_sha256", inputs_digest(s.inputs)}};
    if (s.kind == Kind::infer) f["shard_size"] = s.shard_size;
    if (s.dataset) f["dataset"] = *s.dataset;
    return f;
}

namespace {

// Inside the caller's write transaction: the new job's record, state submitting (its array
// tasks too), and the job as the backend will get it. BEGIN IMMEDIATE keeps other inserts
// out, so the id is the one insert_job gives.
PreparedJob insert_submitting(catalog::Catalog& c, const Backend& b, const JobSpec& spec, const SubmitOptions& o,
                              std::int64_t bureau_id) {
    const std::int64_t id = catalog::next_job_id(c);
    PreparedJob job = prepare_job(spec, id, o.jobs_dir, b.launcher(), [](const char* n) { return std::getenv(n); });
    std::int64_t got = catalog::insert_job(c, new_record(job, b, bureau_id, request_json(job, fingerprint(spec))));
    if (got != id) throw Error(Errc::failure, "internal: job id " + std::to_string(got) + " != " + std::to_string(id));
    if (job.is_array()) catalog::set_tasks_submitted(c, id, job.task_indices, std::nullopt, "submitting");
    return job;
}

// A new job inside the caller's transaction; `accepted` collects the backend's ids. Only
// submit_copies (the bench's batch mode) keeps one transaction across backend calls.
SubmitResult submit_new(catalog::Catalog& c, Backend& b, const JobSpec& spec, const SubmitOptions& o,
                        std::int64_t bureau_id, std::vector<std::int64_t>& accepted) {
    PreparedJob job = insert_submitting(c, b, spec, o, bureau_id);
    auto files = JobFiles::create(job);
    Submitted sub = b.submit(job);
    accepted.push_back(sub.id);
    catalog::record_job_accepted(c, job.id, sub.id, std::string(to_string(sub.state)));
    files.keep();
    SubmitResult res;
    res.outcome = SubmitResult::Outcome::submitted;
    res.job = catalog::get_job(c, job.id);
    res.tasks = job.task_indices;
    res.message = sub.message;
    return res;
}

// Runs `f` in one catalog transaction; if it or the commit fails, takes back whatever the
// backend accepted meanwhile, so the catalog and the backend agree.
template <class F>
auto with_rollback(catalog::Catalog& c, Backend& b, F&& f) {
    std::vector<std::int64_t> accepted;
    try {
        return c.write([&] { return f(accepted); });
    } catch (...) {
        if (!accepted.empty()) {
            try {
                b.cancel(accepted);
            } catch (const std::exception& e) {
                log::error("the catalog write failed and cancelling the " + std::to_string(accepted.size()) +
                           " job(s) the backend accepted failed too: " + e.what() + "; cancel them by hand");
            }
        }
        throw;
    }
}

// Step 1 of a new submission: the record (state submitting) in a short transaction, or the
// job an idempotency key already names.
struct Claim {
    std::optional<catalog::JobRecord> existing;
    PreparedJob job;
};

Claim claim(catalog::Catalog& c, const Backend& b, const JobSpec& spec, const SubmitOptions& o) {
    return c.write([&] {
        Claim cl;
        if (spec.idempotency_key)
            if (auto existing = catalog::find_job_by_key(c, *spec.idempotency_key)) {
                check_same(spec, *existing);
                cl.existing = std::move(existing);
                return cl;
            }
        cl.job = insert_submitting(c, b, spec, o, catalog::get_bureau(c, spec.bureau).id);
        return cl;
    });
}

// Steps 2 and 3: files and the backend call with no catalog lock held (under load a Slurm RPC
// takes seconds, and every other writer would wait behind it), then the backend's id in a
// second short transaction.
SubmitResult hand_to_backend(catalog::Catalog& c, Backend& b, const PreparedJob& job) {
    Submitted sub;
    try {
        auto files = JobFiles::create(job);
        sub = b.submit(job);
        files.keep();
    } catch (...) {
        // Nothing runs, so the record goes too. Should that fail as well, 'pdai sync' marks a
        // record that Slurm never heard of lost.
        try {
            c.write([&] { catalog::delete_unaccepted_job(c, job.id); });
        } catch (const std::exception& e) {
            log::warn("cannot remove the record of pdai job " + std::to_string(job.id) + " that the backend refused: " +
                      e.what() + "; 'pdai sync' marks it lost");
        }
        throw;
    }
    SubmitResult res;
    res.outcome = SubmitResult::Outcome::submitted;
    res.tasks = job.task_indices;
    res.message = sub.message;
    const std::string state(to_string(sub.state));
    std::optional<std::string> not_recorded;
    try {
        c.write([&] { catalog::record_job_accepted(c, job.id, sub.id, state); });
    } catch (const Error& e) {
        // The job is admitted and queued: cancelling it to match the catalog would throw
        // away work. Its name carries the pdai id, and 'pdai sync' fills the record in.
        not_recorded = e.what();
    }
    res.job = catalog::get_job(c, job.id);
    if (not_recorded) {
        res.message += std::string(res.message.empty() ? "" : "; ") + "the catalog could not record the " +
                       b.name() + " job id yet (" + *not_recorded + "); 'pdai sync' will";
        res.job.slurm_job_id = sub.id;
        res.job.state = state;
    }
    return res;
}

}  // namespace

SubmitResult submit_job(catalog::Catalog& c, Backend& b, const JobSpec& spec, const SubmitOptions& o) {
    if (o.resume) {
        // Rare and cron-driven: one transaction from the shard check to the new array, so two
        // resumes of one batch cannot both submit its missing shards.
        return with_rollback(c, b, [&](std::vector<std::int64_t>& accepted) -> SubmitResult {
            auto existing = spec.idempotency_key ? catalog::find_job_by_key(c, *spec.idempotency_key) : std::nullopt;
            if (!existing)
                throw Error(Errc::not_found,
                            spec.idempotency_key
                                ? "no batch has idempotency key '" + *spec.idempotency_key + "' to resume"
                                : "--resume needs the --idempotency-key of the batch to resume");
            check_same(spec, *existing);
            auto res = resume_batch(c, b, spec, *existing);
            if (res.outcome == SubmitResult::Outcome::resumed && res.job.slurm_job_id)
                accepted.push_back(*res.job.slurm_job_id);
            return res;
        });
    }
    auto cl = claim(c, b, spec, o);
    if (cl.existing) return {SubmitResult::Outcome::existing, *cl.existing, {}, {}};
    return hand_to_backend(c, b, cl.job);
}

std::vector<catalog::JobRecord> submit_copies(catalog::Catalog& c, Backend& b, const JobSpec& spec,
                                              const SubmitOptions& o, int count) {
    if (spec.idempotency_key || o.resume)
        throw Error(Errc::usage, "copies of a job cannot share an idempotency key or resume");
    return with_rollback(c, b, [&](std::vector<std::int64_t>& accepted) {
        std::vector<catalog::JobRecord> out;
        out.reserve(static_cast<std::size_t>(count));
        auto bureau_id = catalog::get_bureau(c, spec.bureau).id;
        for (int i = 0; i < count; ++i) out.push_back(submit_new(c, b, spec, o, bureau_id, accepted).job);
        return out;
    });
}

UnrecordedSubmission submit_unrecorded(Backend& b, const JobSpec& spec, const std::string& user_jobs_dir) {
    if (spec.idempotency_key)
        throw Error(Errc::usage, "--idempotency-key needs write access to the catalog, which keeps the keys",
                    "submit without it, or let the platform's cron user (an admin) run keyed batches; see pdai-cron(7)");
    // Unique per user without the catalog: time to the microsecond and the pid.
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
    const std::string dir = user_jobs_dir + "/" + pdai::format_time_compact(us / 1000000) + "." +
                            std::to_string(us % 1000000) + "-" + std::to_string(::getpid());
    UnrecordedSubmission u;
    u.job = prepare_unrecorded_job(spec, dir, b.launcher(), [](const char* n) { return std::getenv(n); });
    auto files = JobFiles::create(u.job);
    u.submitted = b.submit(u.job);
    files.keep();
    return u;
}

DryRun dry_run(catalog::Catalog& c, const Backend& b, const JobSpec& spec, const SubmitOptions& o) {
    DryRun d;
    if (spec.idempotency_key)
        if (auto existing = catalog::find_job_by_key(c, *spec.idempotency_key)) {
            check_same(spec, *existing);
            d.existing = existing;
        }
    d.job = prepare_job(spec, catalog::next_job_id(c), o.jobs_dir, b.launcher(),
                        [](const char* n) { return std::getenv(n); });
    return d;
}

}  // namespace pdai::jobs
