#include "jobs/usage/sync.hpp"

#include <algorithm>
#include <cctype>

#include "catalog/catalog.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/jobs.hpp"
#include "catalog/ledger.hpp"
#include "common/error.hpp"
#include "pdai/build_config.hpp"

namespace pdai::jobs {
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

#if !PDAI_HAVE_SLURM
std::unique_ptr<AccountingSource> make_slurm_accounting_source() {
    throw Error(Errc::failure, "this pdai was built without Slurm support",
                "rebuild with libslurm-dev installed (PDAI_WITH_SLURM=ON)");
}
#endif

}  // namespace pdai::jobs
