// Usage ingestion: mapping a Slurm job to a ledger row, idempotent re-syncs, corrections,
// liens, and report aggregation over the per-day rollup.
#include <catch2/catch.hpp>
#include <map>

#include "catalog/db_access.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/jobs.hpp"
#include "catalog/ledger.hpp"
#include "catalog/migrations.hpp"
#include "catalog/quotas.hpp"
#include "catalog/usage_report.hpp"
#include "usage/ingest.hpp"
#include "usage/quota_status.hpp"
#include "usage/sync.hpp"
#include "temp_catalog.hpp"

using namespace pdai;

namespace {

constexpr std::int64_t kNov1 = 1793491200;  // 2026-11-01T00:00:00Z

usage::FinishedJob job(std::int64_t id, const std::string& account, const std::string& tres,
                      std::int64_t start, std::int64_t elapsed, const std::string& state = "COMPLETED") {
    usage::FinishedJob j;
    j.cluster = "c1";
    j.job_id = id;
    j.account = account;
    j.user = "alice";
    j.state = state;
    j.alloc_tres = tres;
    j.start = start;
    j.end = start + elapsed;
    j.elapsed_s = elapsed;
    return j;
}

usage::IngestContext context() {
    usage::IngestContext ctx;
    ctx.gpu_types["a100"] = {2.0, 10.0};
    ctx.gpu_types["t4"] = {0.5, 2.0};
    ctx.bureaus_by_account["fin"] = {1, "FIN", "fin"};
    ctx.vendor_of_algorithm["ocr"] = "acme";
    ctx.now = kNov1 + 86400 * 10;
    return ctx;
}

struct FakeSource : usage::AccountingSource {
    std::vector<usage::FinishedJob> finished;
    std::vector<usage::ActiveJob> active;
    std::string cluster() override { return "c1"; }
    std::vector<usage::FinishedJob> jobs_between(std::int64_t, std::int64_t) override { return finished; }
    std::vector<usage::ActiveJob> active_jobs() override { return active; }
};

struct Fixture {
    test::TempCatalog t;
    catalog::Catalog& c = t.cat;
    Fixture() {
        c.write([&] {
            catalog::add_gpu_type(c, "a100", 2.0, 10.0, "nvidia", std::nullopt);
            catalog::add_gpu_type(c, "t4", 0.5, 2.0, "nvidia", std::nullopt);
            catalog::add_bureau(c, "FIN", "财政局", "fin");
            catalog::add_bureau(c, "EDU", "教育局", "edu");
            catalog::QuotaChange q;
            q.budget_cuh = 100.0;
            catalog::set_quota(c, "FIN", q);
        });
    }
    usage::SyncResult sync(FakeSource& s, std::int64_t now = kNov1 + 86400 * 10) {
        usage::SyncOptions o;
        o.now = now;
        return usage::sync_usage(c, s, o);
    }
};

}  // namespace

TEST_CASE("AllocTRES GPUs by type", "[unit][usage]") {
    auto g = usage::gpus_of_tres("cpu=2,mem=4G,node=1,billing=2,gres/gpu=2,gres/gpu:a100=2");
    CHECK(g == std::map<std::string, int>{{"a100", 2}});
    CHECK(usage::gpus_of_tres("cpu=1,gres/gpu=3").at("") == 3);
    CHECK(usage::gpus_of_tres("cpu=1,mem=1G").empty());
    auto mixed = usage::gpus_of_tres("gres/gpu=3,gres/gpu:a100=1,gres/gpu:t4=1");
    CHECK(mixed == std::map<std::string, int>{{"", 1}, {"a100", 1}, {"t4", 1}});
}

TEST_CASE("pdai comment tag", "[unit][usage]") {
    auto t = usage::parse_pdai_tag("pdai:job=12,kind=run,algo=ocr@1.2.0,bureau=FIN");
    CHECK(t.job_id == 12);
    CHECK(t.algorithm == "ocr");
    CHECK(t.version == "1.2.0");
    CHECK(t.kind == "run");
    CHECK(t.bureau == "FIN");
    CHECK_FALSE(usage::parse_pdai_tag("my own comment").job_id);
    auto u = usage::parse_pdai_tag("pdai:kind=infer,algo=ocr@1.2.0,bureau=FIN,tasks=7");
    CHECK_FALSE(u.job_id);
    CHECK(u.tasks == 7);
    CHECK_FALSE(usage::parse_pdai_tag("pdai:kind=shell,tasks=0").kind);
    CHECK_FALSE(usage::parse_pdai_tag("pdai:kind=shell,tasks=0").tasks);
}

TEST_CASE("a finished job becomes one priced ledger row", "[unit][usage]") {
    auto ctx = context();
    auto j = job(7, "FIN", "cpu=1,gres/gpu=2,gres/gpu:a100=2", kNov1, 1800);
    j.comment = "pdai:job=3,kind=run,algo=ocr@1.0.0,bureau=FIN";
    auto r = usage::to_ledger_row(j, ctx);
    CHECK(r.account == "fin");  // the bureau's spelling
    CHECK(r.bureau_id == 1);
    CHECK(r.gpus == 2);
    CHECK(r.gpu_type == "a100");
    CHECK(r.gpu_hours == Approx(1.0));
    CHECK(r.cuh == Approx(2.0));
    CHECK(r.cost_cny == Approx(10.0));
    CHECK(r.pdai_job_id == 3);
    CHECK(r.vendor == "acme");

    // Outside pdai: no algorithm, bureau unknown, priced anyway; untyped at the dearest type.
    auto o = usage::to_ledger_row(job(8, "other", "gres/gpu=1", kNov1, 3600), ctx);
    CHECK_FALSE(o.bureau_id);
    CHECK_FALSE(o.algorithm);
    CHECK(o.cuh == Approx(2.0));
    CHECK_FALSE(o.gpu_type);
    // No GPUs: a row with zero figures (the job still counts in job totals).
    CHECK(usage::to_ledger_row(job(9, "fin", "cpu=4", kNov1, 60), ctx).cuh == 0.0);
}

TEST_CASE("idempotency decisions", "[unit][usage]") {
    auto ctx = context();
    auto r = usage::to_ledger_row(job(7, "fin", "gres/gpu:t4=1", kNov1, 600), ctx);
    CHECK(usage::decide(std::nullopt, r) == usage::IngestAction::insert);
    CHECK(usage::decide(r, r) == usage::IngestAction::skip);
    auto longer = usage::to_ledger_row(job(7, "fin", "gres/gpu:t4=1", kNov1, 900), ctx);
    CHECK(usage::decide(r, longer) == usage::IngestAction::correct);
    auto repriced = r;
    repriced.cuh *= 3;  // a weight changed since: not a correction
    CHECK(usage::decide(r, repriced) == usage::IngestAction::skip);
}

TEST_CASE("liens of active jobs", "[unit][usage]") {
    auto ctx = context();
    usage::ActiveJob a{42, "FIN", "PENDING", std::string("t4"), 2, 5, 1, 120};
    auto l = usage::to_lien(a, ctx);
    REQUIRE(l);
    CHECK(l->bound_cuh == Approx(2 * 5 * 2.0 * 0.5));
    a.gpu_type.reset();  // untyped: the dearest type
    CHECK(usage::to_lien(a, ctx)->bound_cuh == Approx(2 * 5 * 2.0 * 2.0));
    // Two types: each at its own weight (1 x a100 + 1 x t4, 5 tasks, 2h).
    a.gpu_mix = {{"a100", 1}, {"t4", 1}};
    CHECK(usage::to_lien(a, ctx)->bound_cuh == Approx(5 * 2.0 * (2.0 + 0.5)));
    CHECK_FALSE(usage::to_lien(a, ctx)->gpu_type);
    a.account = "nobody";
    CHECK_FALSE(usage::to_lien(a, ctx));
}

TEST_CASE("sync twice ingests once; a changed job is corrected, not duplicated", "[unit][usage]") {
    Fixture f;
    FakeSource src;
    src.finished = {job(1, "fin", "gres/gpu:a100=1", kNov1 + 100, 3600),
                    job(2, "edu", "gres/gpu:t4=2", kNov1 + 200, 1800, "FAILED"),
                    job(3, "fin", "gres/gpu:a100=1", kNov1 + 300, 0, "RUNNING")};
    src.active = {{3, "fin", "RUNNING", std::string("a100"), 1, 1, 1, 60}};
    auto r1 = f.sync(src);
    CHECK(r1.inserted == 2);
    CHECK(r1.still_active == 1);
    CHECK(r1.liens == 1);
    auto r2 = f.sync(src);
    CHECK(r2.inserted == 0);
    CHECK(r2.unchanged == 2);
    CHECK(catalog::ledger_row_count(f.c) == 2);

    // Requeued and run again: the new run's figures replace the old ones.
    src.finished[0] = job(1, "fin", "gres/gpu:a100=1", kNov1 + 5000, 7200);
    auto r3 = f.sync(src);
    CHECK(r3.corrected == 1);
    auto rows = catalog::ledger_rows(f.c, "c1", 1);
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].corrects_id == rows[0].id);
    CHECK(rows[0].cuh == Approx(2.0));  // the old row is kept as it was
    CHECK(f.sync(src).corrected == 0);

    auto fin = catalog::usage_total(f.c, "fin", kNov1, kNov1 + 30 * 86400);
    CHECK(fin.jobs == 1);
    CHECK(fin.cuh == Approx(4.0));
    auto sync = catalog::find_sync_state(f.c, "c1");
    REQUIRE(sync);
    CHECK(sync->watermark == kNov1 + 5000 + 7200);
    CHECK(sync->liens_at == kNov1 + 86400 * 10);

    // The rollup agrees with the ledger rebuilt from scratch.
    auto before = catalog::usage_report(f.c, {kNov1, kNov1 + 30 * 86400, {catalog::UsageDim::bureau}, {}});
    f.c.write([&] { catalog::rebuild_usage_daily(f.c); });
    auto after = catalog::usage_report(f.c, {kNov1, kNov1 + 30 * 86400, {catalog::UsageDim::bureau}, {}});
    REQUIRE(before.size() == after.size());
    for (std::size_t i = 0; i < before.size(); ++i) CHECK(before[i].figures.cuh == Approx(after[i].figures.cuh));
}

TEST_CASE("report aggregation by dimensions and window", "[unit][usage]") {
    Fixture f;
    FakeSource src;
    auto a = job(1, "fin", "gres/gpu:a100=1", kNov1 + 100, 3600);
    a.comment = "pdai:job=1,algo=ocr@1.0.0";
    src.finished = {a, job(2, "fin", "gres/gpu:t4=2", kNov1 + 86400 + 5, 3600, "FAILED"),
                    job(3, "edu", "gres/gpu:t4=1", kNov1 + 2 * 86400, 3600),
                    job(4, "fin", "gres/gpu:a100=1", kNov1 - 10, 3600)};  // October
    f.sync(src);
    using D = catalog::UsageDim;
    auto by_bureau = catalog::usage_report(f.c, {kNov1, kNov1 + 30 * 86400, {D::bureau}, {}});
    REQUIRE(by_bureau.size() == 2);
    CHECK(by_bureau[0].keys == std::vector<std::string>{"FIN"});
    CHECK(by_bureau[0].figures.jobs == 2);
    CHECK(by_bureau[0].figures.ok_jobs == 1);
    CHECK(by_bureau[0].figures.cuh == Approx(2.0 + 1.0));
    CHECK(by_bureau[0].figures.gpu_hours == Approx(3.0));
    CHECK(by_bureau[0].figures.cost_cny == Approx(10.0 + 4.0));
    CHECK(by_bureau[1].figures.cuh == Approx(0.5));

    auto by_algo_day = catalog::usage_report(f.c, {kNov1, kNov1 + 30 * 86400, {D::algorithm, D::day}, {"fin"}});
    REQUIRE(by_algo_day.size() == 2);
    CHECK(by_algo_day[0].keys == std::vector<std::string>{"ocr@1.0.0", "2026-11-01"});
    CHECK(by_algo_day[1].keys == std::vector<std::string>{"-", "2026-11-02"});

    auto total = catalog::usage_report(f.c, {kNov1 - 86400, kNov1 + 30 * 86400, {}, {}});
    REQUIRE(total.size() == 1);
    CHECK(total[0].figures.jobs == 4);

    // Whole months without user or day read usage_monthly; the daily rollup, grouped by day as
    // well and summed here, must give the same figures (October and November together).
    const std::int64_t oct1 = kNov1 - 31 * 86400;
    CHECK(catalog::month_index_if_start(oct1) == 2026 * 12 + 9);
    CHECK_FALSE(catalog::month_index_if_start(kNov1 + 1));
    auto monthly = catalog::usage_report(f.c, {oct1, kNov1 + 30 * 86400, {D::bureau, D::algorithm}, {}});
    auto daily = catalog::usage_report(f.c, {oct1, kNov1 + 30 * 86400, {D::bureau, D::algorithm, D::day}, {}});
    std::map<std::pair<std::string, std::string>, catalog::UsageFigures> summed;
    for (const auto& g : daily) {
        auto& s = summed[{g.keys[0], g.keys[1]}];
        s.jobs += g.figures.jobs;
        s.ok_jobs += g.figures.ok_jobs;
        s.cuh += g.figures.cuh;
        s.cost_cny += g.figures.cost_cny;
    }
    REQUIRE(monthly.size() == summed.size());
    for (const auto& g : monthly) {
        const auto& s = summed.at({g.keys[0], g.keys[1]});
        CHECK(g.figures.jobs == s.jobs);
        CHECK(g.figures.ok_jobs == s.ok_jobs);
        CHECK(g.figures.cuh == Approx(s.cuh));
        CHECK(g.figures.cost_cny == Approx(s.cost_cny));
    }
    CHECK(summed.at({"FIN", "-"}).jobs == 2);  // job 4 in October and job 2 in November

    auto st = usage::quota_status(f.c, *catalog::find_quota(f.c, "FIN"), kNov1 + 86400 * 10);
    CHECK(st.used_cuh == Approx(3.0));
    CHECK(st.left_cuh == Approx(97.0));
    CHECK(st.burn_cuh_per_day == Approx(0.3));
    REQUIRE(st.runs_out_at);
    CHECK(*st.runs_out_at == kNov1 + 86400 * 10 + static_cast<std::int64_t>(97.0 / 0.3 * 86400 + 0.5));
}

TEST_CASE("migration 3 fills the monthly rollup from a version-2 catalog's daily one", "[unit][usage][schema]") {
    Fixture f;
    FakeSource src;
    src.finished = {job(1, "fin", "gres/gpu:a100=1", kNov1 + 100, 3600),
                    job(2, "fin", "gres/gpu:t4=2", kNov1 - 5 * 86400, 7200),
                    job(3, "edu", "gres/gpu:t4=1", kNov1 + 2 * 86400, 3600, "FAILED")};
    f.sync(src);
    const catalog::UsageQuery q{kNov1 - 31 * 86400, kNov1 + 30 * 86400,
                                {catalog::UsageDim::bureau, catalog::UsageDim::gpu_type}, {}};
    const auto want = catalog::usage_report(f.c, q);
    REQUIRE(want.size() == 3);
    const std::string path = f.t.path;
    // Back to schema 2 the way an older pdai left it: no monthly table (and none of what
    // schema 4 added to the audit log, nor schema 5's partitions).
    catalog::db_of(f.c).exec(
        "DROP TABLE usage_monthly; DROP TABLE audit_checkpoints; ALTER TABLE audit_log DROP COLUMN sha256; "
        "ALTER TABLE audit_log DROP COLUMN prev_sha256; DROP TABLE partitions; DROP TABLE inventory_state; PRAGMA user_version = 2;");
    auto c = catalog::Catalog::open({path, 1000, true});
    CHECK(catalog::schema_version(catalog::db_of(c)) == catalog::latest_schema_version());
    const auto got = catalog::usage_report(c, q);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        CHECK(got[i].keys == want[i].keys);
        CHECK(got[i].figures.jobs == want[i].figures.jobs);
        CHECK(got[i].figures.cuh == Approx(want[i].figures.cuh));
    }
}

TEST_CASE("an end time past the run never moves the watermark past it", "[unit][usage]") {
    Fixture f;
    FakeSource src;
    const std::int64_t now = kNov1 + 86400 * 10;
    // A record with a sentinel end (NO_VAL - 1 seconds: 2106) must not make later syncs start
    // their window in 2106 and miss every job after it.
    src.finished = {job(1, "fin", "gres/gpu:a100=1", kNov1 + 100, 3600),
                    job(2, "fin", "", 4294967294, 0, "CANCELLED")};
    f.sync(src, now);
    auto st = catalog::find_sync_state(f.c, "c1");
    REQUIRE(st);
    CHECK(st->watermark <= now);
    src.finished.push_back(job(3, "fin", "gres/gpu:a100=1", now + 600, 60));
    CHECK(f.sync(src, now + 3600).inserted == 1);
}

TEST_CASE("sync gives a record its Slurm id by job name, or marks it lost", "[unit][usage]") {
    Fixture f;
    // Records a killed or starved 'pdai run' left in step 1: state submitting, no Slurm id.
    auto record = [&](const std::string& kind) {
        return f.c.write([&] {
            catalog::NewJobRecord n;
            n.kind = kind;
            n.backend = "slurm";
            n.cluster = "c1";
            n.bureau_id = catalog::get_bureau(f.c, "FIN").id;
            n.unix_user = "alice";
            n.tasks = kind == "infer" ? 3 : 1;
            n.request_json = "{}";
            auto id = catalog::insert_job(f.c, n);
            if (kind == "infer") catalog::set_tasks_submitted(f.c, id, {0, 1, 2}, std::nullopt, "submitting");
            return id;
        });
    };
    const auto queued = record("infer"), finished = record("run"), unknown = record("run");
    const std::int64_t now = pdai::now_unix();
    FakeSource src;
    usage::ActiveJob task{901, "fin", "RUNNING", std::string("a100"), 1, 1, 1, 60};
    task.array_job_id = 900;  // a running task of array 900
    task.name = "pdai-" + std::to_string(queued) + "-ocr";
    src.active = {task};
    auto done = job(950, "fin", "gres/gpu:a100=1", now - 600, 300);
    done.name = "pdai-" + std::to_string(finished) + "-ocr";
    src.finished = {done};

    auto r1 = f.sync(src, now);
    CHECK(r1.jobs_repaired == 2);
    auto q = catalog::get_job(f.c, queued);
    CHECK(q.slurm_job_id == 900);
    CHECK(q.state == "running");
    for (const auto& t : catalog::list_job_tasks(f.c, queued)) CHECK(t.slurm_job_id == 900);
    auto fj = catalog::get_job(f.c, finished);
    CHECK(fj.slurm_job_id == 950);
    CHECK(fj.state == "completed");  // then the ledger pass recorded how it ended
    REQUIRE(catalog::ledger_rows(f.c, "c1", 950).size() == 1);
    CHECK(catalog::ledger_rows(f.c, "c1", 950)[0].pdai_job_id == finished);
    // Young and unseen: its pdai may still be in the middle of submitting it.
    CHECK(catalog::get_job(f.c, unknown).state == "submitting");

    auto r2 = f.sync(src, now + 601);
    CHECK(r2.jobs_repaired == 1);
    auto lost = catalog::get_job(f.c, unknown);
    CHECK(lost.state == "lost");
    CHECK(!lost.slurm_job_id);
    CHECK(catalog::list_unaccepted_jobs(f.c, "c1").empty());
}

TEST_CASE("sync records bureau users' jobs from their tag, once", "[unit][usage]") {
    Fixture f;
    const std::int64_t now = pdai::now_unix();
    FakeSource src;
    usage::ActiveJob batch{700, "FIN", "PENDING", std::string("a100"), 1, 4, 1, 30};
    batch.name = "pdai-u-ocr";
    batch.comment = "pdai:kind=infer,algo=ocr@1.0.0,bureau=EDU,tasks=4";  // the bureau comes from the account
    batch.user = "bob";
    batch.work_dir = "/home/bob/.local/state/pdai/jobs/x";
    batch.submit = now - 5;
    usage::ActiveJob stranger = batch;  // an account that is no bureau's
    stranger.job_id = 701;
    stranger.account = "other";
    usage::ActiveJob plain = batch;  // a plain sbatch job with a comment of its own
    plain.job_id = 702;
    plain.name = "myjob";
    plain.comment = "nightly run";
    src.active = {batch, stranger, plain};
    auto done = job(800, "fin", "gres/gpu:a100=1", now - 900, 600);
    done.name = "allocation";  // what slurmdbd may call a job that just ended
    done.comment = "pdai:kind=run,algo=ocr@1.0.0,bureau=FIN,tasks=1";
    done.user = "carol";
    src.finished = {done};

    auto r1 = f.sync(src, now);
    CHECK(r1.jobs_recorded == 2);
    auto q = catalog::find_job_by_slurm_id(f.c, "c1", 700);
    REQUIRE(q);
    CHECK(q->bureau == "FIN");
    CHECK(q->unix_user == "bob");
    CHECK(q->kind == "infer");
    CHECK(q->state == "pending");
    CHECK(q->tasks == 4);
    CHECK(q->gpu_type == "a100");
    CHECK(q->workdir == "/home/bob/.local/state/pdai/jobs/x");
    CHECK(q->submitted_at == now - 5);
    CHECK(!q->algorithm_version_id);  // no such algorithm in this catalog
    CHECK(catalog::list_job_tasks(f.c, q->id).size() == 4);
    auto d = catalog::find_job_by_slurm_id(f.c, "c1", 800);
    REQUIRE(d);
    CHECK(d->state == "completed");
    CHECK(d->unix_user == "carol");
    CHECK(catalog::ledger_rows(f.c, "c1", 800).at(0).pdai_job_id == d->id);
    CHECK(!catalog::find_job_by_slurm_id(f.c, "c1", 701));
    CHECK(!catalog::find_job_by_slurm_id(f.c, "c1", 702));

    CHECK(f.sync(src, now + 60).jobs_recorded == 0);  // once
    CHECK(catalog::list_jobs(f.c, {}).size() == 2);
}
