#include "usage/sync.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include <nlohmann/json.hpp>

#include "catalog/algorithms.hpp"
#include "catalog/catalog.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/jobs.hpp"
#include "catalog/ledger.hpp"
#include "common/error.hpp"

namespace pdai::usage {
namespace {

std::string lower(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

// Without AccountingStoreFlags=job_comment slurmdbd drops the "pdai:" tag: the job record
// that holds the Slurm id tells the same.
void fill_from_job_record(catalog::Catalog& c, catalog::LedgerRow& r, const IngestContext& ctx) {
    if (r.pdai_job_id) return;
    auto job = catalog::find_job_by_slurm_id(c, r.cluster, r.slurm_job_id);
    if (!job) return;
    r.pdai_job_id = job->id;
    if (!r.algorithm && !job->algorithm.empty()) {
        const auto at = job->algorithm.rfind('@');
        r.algorithm = job->algorithm.substr(0, at);
        if (at != std::string::npos) r.algorithm_version = job->algorithm.substr(at + 1);
        if (auto v = ctx.vendor_of_algorithm.find(*r.algorithm); v != ctx.vendor_of_algorithm.end())
            r.vendor = v->second;
    }
}

// The pdai job (or its array task) that this ledger row ran for takes the final state that
// slurmdbd reports: 'pdai jobs' then shows it without asking Slurm again.
bool update_pdai_job(catalog::Catalog& c, const catalog::LedgerRow& r, const FinishedJob& j) {
    std::optional<catalog::JobRecord> job;
    if (r.pdai_job_id) job = catalog::find_job(c, *r.pdai_job_id);
    if (!job) job = catalog::find_job_by_slurm_id(c, r.cluster, r.slurm_job_id);
    if (!job) return false;
    const std::string state = lower(j.state);
    if (r.array_task_id) {
        catalog::update_task_state(c, job->id, static_cast<int>(*r.array_task_id), state, j.exit_code,
                                   r.start_at, r.end_at);
    } else {
        catalog::update_job_state(c, job->id, state, j.exit_code, r.start_at, r.end_at);
    }
    return true;
}

// How long a record may wait for its Slurm id before sync gives up on it: far longer than any
// submission RPC, so a pdai still submitting is never overtaken.
constexpr std::int64_t kUnacceptedGraceS = 600;

// Records whose submitting pdai never wrote the Slurm id (killed between the RPC and its
// second transaction, or the catalog stayed busy): the Slurm job named pdai-<id>-... is
// theirs. One that Slurm has not heard of for kUnacceptedGraceS is lost.
int repair_unaccepted(catalog::Catalog& c, const std::string& cluster, const std::vector<FinishedJob>& finished,
                      const std::vector<ActiveJob>& active, std::int64_t now) {
    auto pending = catalog::list_unaccepted_jobs(c, cluster);
    if (pending.empty()) return 0;
    std::map<std::int64_t, std::pair<std::int64_t, std::string>> seen;  // pdai id -> Slurm id, state
    // The name, else the comment tag (slurmdbd may still call a job that just ended "allocation").
    auto pdai_id = [](const std::string& name, const std::string& comment) {
        auto id = pdai_id_of_name(name);
        return id ? id : parse_pdai_tag(comment).job_id;
    };
    for (const auto& a : active)
        if (auto id = pdai_id(a.name, a.comment)) seen.try_emplace(*id, a.record_id(), lower(a.state));
    for (const auto& f : finished)
        if (auto id = pdai_id(f.name, f.comment)) seen.try_emplace(*id, f.job_id, "pending");  // ingest sets the end
    int repaired = 0;
    for (const auto& job : pending) {
        if (auto it = seen.find(job.id); it != seen.end()) {
            catalog::record_job_accepted(c, job.id, it->second.first, it->second.second);
            ++repaired;
        } else if (job.submitted_at < now - kUnacceptedGraceS) {
            catalog::update_job_state(c, job.id, "lost", std::nullopt, std::nullopt, now);
            for (const auto& t : catalog::list_job_tasks(c, job.id))
                if (t.state == "submitting") catalog::update_task_state(c, job.id, t.index, "lost", std::nullopt, std::nullopt, now);
            ++repaired;
        }
    }
    return repaired;
}

// A bureau user's job, submitted without write access to the catalog (tagged without job=;
// named pdai-u-...), as one Slurm source saw it.
struct Unrecorded {
    std::int64_t slurm_id = 0;
    PdaiTag tag;
    std::string account, user, state, work_dir, comment;
    std::int64_t submit = 0;
    const ActiveJob* active = nullptr;  // its shape, when slurmctld still has it
};

// Records such jobs: the bureau comes from the Slurm account (which the plugin checked
// against the user's uid), never from the tag; the algorithm from the tag only when the
// bureau may use it, so a hand-written comment cannot bill another vendor's algorithm.
int record_users_jobs(catalog::Catalog& c, const std::string& cluster, const std::vector<FinishedJob>& finished,
                      const std::vector<ActiveJob>& active, const IngestContext& ctx) {
    std::map<std::int64_t, Unrecorded> found;
    // By the tag alone: slurmdbd may still call a job that just ended "allocation".
    auto consider = [&](std::int64_t id, std::string_view comment) -> Unrecorded* {
        auto tag = parse_pdai_tag(comment);
        if (tag.job_id || !tag.kind) return nullptr;
        auto [it, fresh] = found.try_emplace(id);
        if (!fresh) return nullptr;
        it->second.slurm_id = id;
        it->second.tag = std::move(tag);
        it->second.comment = std::string(comment);
        return &it->second;
    };
    for (const auto& a : active)
        if (auto* u = consider(a.record_id(), a.comment)) {
            u->account = a.account;
            u->user = a.user;
            u->state = lower(a.state);
            u->work_dir = a.work_dir;
            u->submit = a.submit;
            u->active = &a;
        }
    for (const auto& f : finished)  // the comment is there with AccountingStoreFlags=job_comment
        if (auto* u = consider(f.job_id, f.comment)) {
            u->account = f.account;
            u->user = f.user;
            u->state = "pending";  // the ledger pass below records how it ended
            u->work_dir = f.work_dir;
            u->submit = f.submit;
        }
    int recorded = 0;
    for (auto& [id, u] : found) {
        auto bureau = ctx.bureaus_by_account.find(lower(u.account));
        if (bureau == ctx.bureaus_by_account.end() || catalog::find_job_by_slurm_id(c, cluster, id)) continue;
        catalog::NewJobRecord n;
        n.kind = *u.tag.kind;
        n.backend = "slurm";
        n.cluster = cluster;
        n.bureau_id = bureau->second.bureau_id;
        n.unix_user = u.user;
        if (u.tag.algorithm && u.tag.version)
            if (auto v = catalog::find_version(c, *u.tag.algorithm, *u.tag.version);
                v && catalog::bureau_can_use(c, *u.tag.algorithm, bureau->second.code))
                n.algorithm_version_id = v->id;
        n.tasks = n.kind == "infer" ? u.tag.tasks.value_or(1) : 1;
        if (u.active) {
            n.gpu_type = u.active->gpu_type;
            n.gpus_per_task = u.active->gpus;
            n.nodes = u.active->nodes;
            n.time_limit_minutes = u.active->time_limit_minutes;
        }
        nlohmann::json req = {{"recorded_by", "pdai sync"}, {"comment", u.comment}, {"job_dir", u.work_dir}};
        n.request_json = req.dump();
        n.workdir = u.work_dir;
        if (u.submit > 0) n.submitted_at = u.submit;
        const auto job = catalog::insert_job(c, n);
        if (n.kind == "infer") {
            std::vector<int> all(static_cast<std::size_t>(n.tasks));
            for (int i = 0; i < n.tasks; ++i) all[static_cast<std::size_t>(i)] = i;
            catalog::set_tasks_submitted(c, job, all, std::nullopt, "submitting");
        }
        catalog::record_job_accepted(c, job, id, u.state);
        ++recorded;
    }
    return recorded;
}

}  // namespace

IngestContext load_ingest_context(catalog::Catalog& c, std::int64_t now) {
    IngestContext ctx;
    ctx.now = now;
    for (const auto& t : catalog::list_gpu_types(c)) ctx.gpu_types[t.name] = {t.weight, t.price_cny};
    for (auto& b : catalog::account_bureaus(c)) ctx.bureaus_by_account[lower(b.account)] = b;
    for (auto& [algo, vendor] : catalog::algorithm_vendors(c)) ctx.vendor_of_algorithm[algo] = vendor;
    return ctx;
}

SyncResult sync_usage(catalog::Catalog& c, AccountingSource& source, const SyncOptions& opts) {
    SyncResult res;
    res.cluster = source.cluster();
    const auto state = catalog::find_sync_state(c, res.cluster);
    const std::int64_t watermark = state ? state->watermark : 0;
    res.from = opts.since ? *opts.since : std::max<std::int64_t>(0, watermark - opts.overlap_s);
    res.to = opts.now;

    // Slurm first, no catalog lock held. liens_at is taken before slurmctld is asked: the
    // plugin keeps its own admissions newer than it, so none falls between the two.
    auto finished = source.jobs_between(res.from, res.to);
    const std::int64_t liens_at = opts.now;
    auto active = source.active_jobs();

    c.write([&] {
        const auto ctx = load_ingest_context(c, opts.now);
        res.watermark = watermark;
        // Before the ledger, so that a repaired record is found by its Slurm id below.
        res.jobs_repaired = repair_unaccepted(c, res.cluster, finished, active, opts.now);
        res.jobs_recorded = record_users_jobs(c, res.cluster, finished, active, ctx);
        for (const auto& j : finished) {
            if (!is_finished_state(j.state) || j.end <= 0) {
                ++res.still_active;
                continue;
            }
            ++res.seen;
            auto row = to_ledger_row(j, ctx);
            if (row.pdai_job_id && !catalog::pdai_job_exists(c, *row.pdai_job_id)) row.pdai_job_id.reset();
            fill_from_job_record(c, row, ctx);
            auto cur = catalog::current_ledger_row(c, row.cluster, row.slurm_job_id, row.array_task_id);
            // Never past this run: one bad end time must not make every later sync skip jobs.
            res.watermark = std::max(res.watermark, std::min(row.end_at, opts.now));
            const auto action = decide(cur, row);
            if (action == IngestAction::skip) {
                ++res.unchanged;
                continue;
            }
            if (action == IngestAction::correct) {
                ++res.corrected;
                row.corrects_id = cur->id;
            } else {
                ++res.inserted;
            }
            row.id = catalog::append_ledger_row(c, row);
            if (update_pdai_job(c, row, j)) ++res.jobs_updated;
        }
        std::vector<catalog::LienRow> liens;
        for (const auto& a : active)
            if (auto l = to_lien(a, ctx)) liens.push_back(std::move(*l));
        res.liens = static_cast<int>(liens.size());
        catalog::replace_liens(c, res.cluster, liens, liens_at);
        catalog::set_sync_run(c, res.cluster, res.watermark, opts.now);
    });
    return res;
}

}  // namespace pdai::usage
