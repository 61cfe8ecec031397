// Submission against a real catalog and a fake backend: what is checked before submitting,
// what is recorded, idempotency keys, failed submissions leaving nothing, job state from
// the backend and the job directory, and --resume of the missing shards only.
#include <filesystem>
#include <fstream>

#include "catalog/db_access.hpp"
#include "catalog/jobs.hpp"
#include "jobs/status.hpp"
#include "usage/ingest.hpp"
#include "jobs_fixture.hpp"

using namespace pdai;
using namespace pdai::test;
namespace fs = std::filesystem;

TEST_CASE("build_spec: defaults from the manifest, flags override", "[jobs][submit]") {
    JobsFixture f;
    auto r = f.request(jobs::Kind::run, "ocr");
    auto s = jobs::build_spec(f.c, r, {});
    CHECK(s.bureau == "PSB");  // alice's only bureau
    CHECK(s.account == "psb");
    CHECK(s.algorithm.ref() == "ocr@1.0.0");
    CHECK(s.algorithm.entrypoint == s.algorithm.bundle_dir + "/bin/run");
    CHECK(s.resources.gpu_type == "a100");  // the manifest's first type
    CHECK(s.resources.gpus == 1);
    CHECK(s.resources.cpus == 2);
    CHECK(s.resources.mem_mib == 4096);
    CHECK(s.resources.time_minutes == 30);

    r.gpus = "t4:3";
    r.cpus = 8;
    r.mem = "512M";
    r.time = "1h30m";
    s = jobs::build_spec(f.c, r, {});
    CHECK(s.resources.gpu_type == "t4");
    CHECK(s.resources.gpus == 3);
    CHECK(s.resources.mem_mib == 512);
    CHECK(s.resources.time_minutes == 90);
    r.gpus = "any:2";
    CHECK_FALSE(jobs::build_spec(f.c, r, {}).resources.gpu_type);
    r.gpus = "0";
    CHECK(jobs::build_spec(f.c, r, {}).resources.gpus == 0);
}

TEST_CASE("build_spec refuses with clear errors", "[jobs][submit]") {
    JobsFixture f;
    auto r = f.request(jobs::Kind::run, "ocr");
    std::string msg;
    auto fails = [&](jobs::SubmitRequest q) { return error_code_of([&] { jobs::build_spec(f.c, q, {}); }, &msg); };

    auto q = r;
    q.gpus = "h100:1";
    CHECK(fails(q) == Errc::not_found);
    CHECK(msg == "unknown GPU type 'h100'");
    q.gpus = "v100:1";  // known, but not a type the bundle runs on
    CHECK(fails(q) == Errc::usage);
    CHECK(msg.find("runs on a100, t4") != std::string::npos);
    q = r;
    q.bureau = "EDU";
    CHECK(fails(q) == Errc::refused);
    CHECK(msg == "user alice is not a member of bureau EDU");
    q.bureau = "NOPE";
    CHECK(fails(q) == Errc::not_found);
    q = r;
    q.user = "mallory";
    CHECK(fails(q) == Errc::refused);
    q = r;
    q.time = "UNLIMITED";
    CHECK(fails(q) == Errc::usage);
    q = r;
    q.inputs = {"missing.png"};
    CHECK(fails(q) == Errc::not_found);
    q = f.request(jobs::Kind::train, "ocr");
    CHECK(fails(q) == Errc::usage);
    CHECK(msg.find("does not support train") != std::string::npos);
    q = f.request(jobs::Kind::infer, "ocr");
    q.inputs = {f.make_inputs("empty", 0)};
    CHECK(fails(q) == Errc::usage);
    q = r;
    q.env = {"PDAI_JOB_ID=1"};
    CHECK(fails(q) == Errc::usage);

    f.c.write([&] { catalog::set_version_status(f.c, {"ocr", "1.0.0"}, "revoked", "bad model"); });
    CHECK(fails(r) == Errc::refused);
    CHECK(msg.find("revoked") != std::string::npos);
}

TEST_CASE("an algorithm owned by another bureau is refused", "[jobs][submit]") {
    JobsFixture f;
    auto entries = valid_entries(job_manifest("edu-only", "\"run\""));
    auto o = f.options(f.bundle("edu-only.tar.gz", entries));
    o.owner_bureau = "EDU";
    REQUIRE(catalog::register_bundle(f.c, o).created);
    std::string msg;
    CHECK(error_code_of([&] { jobs::build_spec(f.c, f.request(jobs::Kind::run, "edu-only"), {}); }, &msg) == Errc::refused);
    CHECK(msg == "algorithm edu-only is not available to bureau PSB");
}

TEST_CASE("submit records the job, its tasks and its files", "[jobs][submit]") {
    JobsFixture f;
    auto r = f.request(jobs::Kind::infer, "ocr");
    r.inputs = {f.make_inputs("batch", 95)};
    r.max_parallel = 3;
    auto spec = jobs::build_spec(f.c, r, {});
    CHECK(spec.shard_size == 10);  // the manifest's inputs_per_shard
    auto res = jobs::submit_job(f.c, f.backend, spec, f.options());
    CHECK(res.outcome == jobs::SubmitResult::Outcome::submitted);
    REQUIRE(f.backend.submitted.size() == 1);
    const auto& job = f.backend.submitted[0];
    CHECK(job.shards.count == 10);
    CHECK(res.job.id == job.id);
    CHECK(res.job.slurm_job_id == 5000);
    CHECK(res.job.cluster == "fake");
    CHECK(res.job.state == "pending");
    CHECK(res.job.tasks == 10);
    CHECK(res.job.bureau == "PSB");
    CHECK(res.job.algorithm == "ocr@1.0.0");
    CHECK(res.job.workdir == f.jobs_dir + "/" + std::to_string(res.job.id));
    auto tasks = catalog::list_job_tasks(f.c, res.job.id);
    REQUIRE(tasks.size() == 10);
    CHECK(tasks[9].slurm_job_id == 5000);
    CHECK(fs::exists(res.job.workdir + "/job.sh"));
    CHECK(fs::exists(res.job.workdir + "/shards/00009.list"));
    CHECK(fs::is_directory(res.job.workdir + "/logs"));
    CHECK(catalog::find_job_by_slurm_id(f.c, std::nullopt, 5000)->id == res.job.id);
}

TEST_CASE("a refused submission leaves no row and no job directory", "[jobs][submit]") {
    JobsFixture f;
    f.backend.on_submit = [](const jobs::PreparedJob&) {
        throw Error(Errc::unreachable, "cannot reach slurmctld at host:6817");
    };
    auto spec = jobs::build_spec(f.c, f.request(jobs::Kind::run, "ocr"), {});
    CHECK(error_code_of([&] { jobs::submit_job(f.c, f.backend, spec, f.options()); }) == Errc::unreachable);
    CHECK(catalog::list_jobs(f.c, {}).empty());
    CHECK((!fs::exists(f.jobs_dir) || fs::is_empty(f.jobs_dir)));
}

TEST_CASE("the backend is called with no catalog lock held", "[jobs][submit]") {
    JobsFixture f;
    std::string seen_state;
    // Another writer (a second submitter, sync) must get the catalog at once while this
    // submission waits on Slurm: a 0 ms busy timeout fails if the lock were held.
    f.backend.on_submit = [&](const jobs::PreparedJob& j) {
        auto other = catalog::Catalog::open({f.c.path(), 0, true});
        other.write([&] { seen_state = catalog::get_job(other, j.id).state; });
    };
    auto r = f.request(jobs::Kind::infer, "ocr");
    r.inputs = {f.make_inputs("batch", 25)};
    auto res = jobs::submit_job(f.c, f.backend, jobs::build_spec(f.c, r, {}), f.options());
    CHECK(seen_state == "submitting");  // step 1 committed before the backend call
    CHECK(res.job.state == "pending");
    CHECK(res.job.slurm_job_id == 5000);
    for (const auto& t : catalog::list_job_tasks(f.c, res.job.id)) {
        CHECK(t.state == "pending");
        CHECK(t.slurm_job_id == 5000);
    }
}

TEST_CASE("a state recorded while the backend call ran is kept", "[jobs][submit]") {
    JobsFixture f;
    // A fast local job's supervisor can finish and record the end before step 3.
    f.backend.on_submit = [&](const jobs::PreparedJob& j) {
        auto other = catalog::Catalog::open({f.c.path(), 0, true});
        other.write([&] { catalog::update_job_state(other, j.id, "completed", 0, 100, 200); });
    };
    auto res = jobs::submit_job(f.c, f.backend, jobs::build_spec(f.c, f.request(jobs::Kind::run, "ocr"), {}), f.options());
    CHECK(res.job.state == "completed");
    CHECK(res.job.exit_code == 0);
    CHECK(res.job.slurm_job_id == 5000);
}

TEST_CASE("a catalog busy after the backend accepted keeps the job and says so", "[jobs][submit]") {
    JobsFixture f;
    std::optional<catalog::Catalog> holder;
    // Another writer takes the lock during the backend call and keeps it past step 3.
    f.backend.on_submit = [&](const jobs::PreparedJob&) {
        holder.emplace(catalog::Catalog::open({f.c.path(), 0, true}));
        catalog::db_of(*holder).exec("BEGIN IMMEDIATE");
    };
    auto fast = catalog::Catalog::open({f.c.path(), 50, true});
    auto res = jobs::submit_job(fast, f.backend, jobs::build_spec(fast, f.request(jobs::Kind::run, "ocr"), {}), f.options());
    CHECK(res.job.slurm_job_id == 5000);
    CHECK(res.message.find("pdai sync") != std::string::npos);
    CHECK(f.backend.cancelled.empty());  // the admitted job keeps running
    CHECK(fs::exists(res.job.workdir + "/job.sh"));
    catalog::db_of(*holder).exec("ROLLBACK");
    auto stored = catalog::get_job(f.c, res.job.id);
    CHECK(stored.state == "submitting");
    CHECK(!stored.slurm_job_id);
    REQUIRE(catalog::list_unaccepted_jobs(f.c, "fake").size() == 1);
}

TEST_CASE("job names give back the pdai id", "[jobs][sync]") {
    CHECK(usage::pdai_id_of_name("pdai-17-ocr") == 17);
    CHECK(usage::pdai_id_of_name("pdai-17-") == 17);
    CHECK(!usage::pdai_id_of_name("pdai-17"));
    CHECK(!usage::pdai_id_of_name("pdai--ocr"));
    CHECK(!usage::pdai_id_of_name("pdai-0-ocr"));
    CHECK(!usage::pdai_id_of_name("xpdai-17-ocr"));
    CHECK(!usage::pdai_id_of_name("pdai-1x-ocr"));
    CHECK(!usage::pdai_id_of_name("pdai-1234567890123456789012-ocr"));
}

TEST_CASE("idempotency: same key and inputs submit once, other inputs conflict", "[jobs][submit]") {
    JobsFixture f;
    auto r = f.request(jobs::Kind::infer, "ocr");
    r.inputs = {f.make_inputs("nightly", 30)};
    r.idempotency_key = "nightly-2026-11-23";
    auto first = jobs::submit_job(f.c, f.backend, jobs::build_spec(f.c, r, {}), f.options());
    auto again = jobs::submit_job(f.c, f.backend, jobs::build_spec(f.c, r, {}), f.options());
    CHECK(again.outcome == jobs::SubmitResult::Outcome::existing);
    CHECK(again.job.id == first.job.id);
    CHECK(f.backend.submitted.size() == 1);

    auto dry = jobs::dry_run(f.c, f.backend, jobs::build_spec(f.c, r, {}), f.options());
    REQUIRE(dry.existing);
    CHECK(dry.existing->id == first.job.id);

    auto other = r;
    other.inputs = {f.make_inputs("nightly-more", 31)};
    std::string msg;
    CHECK(error_code_of([&] { jobs::submit_job(f.c, f.backend, jobs::build_spec(f.c, other, {}), f.options()); }, &msg) ==
          Errc::conflict);
    CHECK(msg.find("different inputs") != std::string::npos);
    other = r;
    other.shard_size = 7;
    CHECK(error_code_of([&] { jobs::submit_job(f.c, f.backend, jobs::build_spec(f.c, other, {}), f.options()); }, &msg) ==
          Errc::conflict);
    CHECK(msg.find("shard_size") != std::string::npos);
    CHECK(f.backend.submitted.size() == 1);
}

TEST_CASE("state: backend tasks, done markers and the recorded exit status", "[jobs][status]") {
    JobsFixture f;
    auto r = f.request(jobs::Kind::infer, "ocr");
    r.inputs = {f.make_inputs("st", 40)};
    auto res = jobs::submit_job(f.c, f.backend, jobs::build_spec(f.c, r, {}), f.options());
    jobs::BackendSet set;
    set.borrow(f.backend);
    auto view = [&] { return jobs::inspect_jobs(f.c, set, {catalog::get_job(f.c, res.job.id)}, true).front(); };

    auto v = view();
    CHECK(v.state == jobs::State::pending);
    CHECK(v.counts[jobs::State::pending] == 4);

    auto id = *res.job.slurm_job_id;
    f.backend.tasks[id][0].state = jobs::State::running;
    CHECK(view().state == jobs::State::running);

    // Shards 0-2 finish and write their markers; shard 3 fails.
    auto layout = jobs::layout_of(res.job);
    auto plan = jobs::shard_plan_of(res.job);
    for (int s = 0; s < 3; ++s) {
        std::ofstream(layout.shard_done(plan, s));
        f.backend.tasks[id][static_cast<std::size_t>(s)].state = jobs::State::completed;
    }
    f.backend.tasks[id][3].state = jobs::State::failed;
    f.backend.tasks[id][3].exit_code = 3;
    v = view();
    CHECK(v.state == jobs::State::failed);
    CHECK(v.exit_code == 3);
    CHECK(v.wait_exit_code() == 3);
    CHECK(v.counts[jobs::State::completed] == 3);
    CHECK(catalog::get_job(f.c, res.job.id).state == "failed");  // written back

    // Slurm forgets the array: the catalog and the markers still tell.
    f.backend.tasks.erase(id);
    v = view();
    CHECK(v.state == jobs::State::failed);
    CHECK(v.counts[jobs::State::completed] == 3);

    SECTION("--resume resubmits only the shard without a marker") {
        auto again = r;
        again.idempotency_key = std::nullopt;
        jobs::SubmitOptions o = f.options();
        o.resume = true;
        CHECK(error_code_of([&] { jobs::submit_job(f.c, f.backend, jobs::build_spec(f.c, again, {}), o); }) ==
              Errc::not_found);
    }
}

TEST_CASE("resume: only failed or missing shards, never while running", "[jobs][submit]") {
    JobsFixture f;
    auto r = f.request(jobs::Kind::infer, "ocr");
    r.inputs = {f.make_inputs("resume", 50)};
    r.idempotency_key = "k1";
    auto res = jobs::submit_job(f.c, f.backend, jobs::build_spec(f.c, r, {}), f.options());
    auto id = *res.job.slurm_job_id;
    jobs::SubmitOptions o = f.options();
    o.resume = true;

    // Still running: refused.
    CHECK(error_code_of([&] { jobs::submit_job(f.c, f.backend, jobs::build_spec(f.c, r, {}), o); }) == Errc::conflict);

    auto layout = jobs::layout_of(res.job);
    auto plan = jobs::shard_plan_of(res.job);
    for (int s : {0, 2, 4}) std::ofstream(layout.shard_done(plan, s));
    f.backend.finish_all(id, jobs::State::failed, 1);
    auto resumed = jobs::submit_job(f.c, f.backend, jobs::build_spec(f.c, r, {}), o);
    CHECK(resumed.outcome == jobs::SubmitResult::Outcome::resumed);
    CHECK(resumed.tasks == std::vector<int>{1, 3});
    REQUIRE(f.backend.submitted.size() == 2);
    CHECK(f.backend.submitted[1].task_indices == std::vector<int>{1, 3});
    CHECK(f.backend.submitted[1].id == res.job.id);
    CHECK(resumed.job.slurm_job_id == 5001);
    auto tasks = catalog::list_job_tasks(f.c, res.job.id);
    CHECK(tasks[1].slurm_job_id == 5001);
    CHECK(tasks[0].slurm_job_id == 5000);

    for (int s : {1, 3}) std::ofstream(layout.shard_done(plan, s));
    f.backend.finish_all(5001);
    jobs::BackendSet set;
    set.borrow(f.backend);
    auto v = jobs::inspect_jobs(f.c, set, {catalog::get_job(f.c, res.job.id)}, true).front();
    CHECK(v.state == jobs::State::completed);
    CHECK(v.exit_code == 0);
    auto done = jobs::submit_job(f.c, f.backend, jobs::build_spec(f.c, r, {}), o);
    CHECK(done.outcome == jobs::SubmitResult::Outcome::nothing_to_resume);
    CHECK(f.backend.submitted.size() == 2);
}

TEST_CASE("a run job's state after the backend forgot it", "[jobs][status]") {
    JobsFixture f;
    auto res = jobs::submit_job(f.c, f.backend, jobs::build_spec(f.c, f.request(jobs::Kind::run, "ocr"), {}), f.options());
    jobs::BackendSet set;
    set.borrow(f.backend);
    f.backend.tasks.erase(*res.job.slurm_job_id);
    auto v = jobs::inspect_jobs(f.c, set, {catalog::get_job(f.c, res.job.id)}, false).front();
    CHECK(v.state == jobs::State::lost);
    std::ofstream(jobs::layout_of(res.job).exit_code_file) << "7\n";
    v = jobs::inspect_jobs(f.c, set, {catalog::get_job(f.c, res.job.id)}, false).front();
    CHECK(v.state == jobs::State::failed);
    CHECK(v.exit_code == 7);
}

TEST_CASE("job references: pdai ids and Slurm ids", "[jobs][status]") {
    JobsFixture f;
    auto res = jobs::submit_job(f.c, f.backend, jobs::build_spec(f.c, f.request(jobs::Kind::run, "ocr"), {}), f.options());
    CHECK(jobs::resolve_job_ref(f.c, std::to_string(res.job.id)).id == res.job.id);
    CHECK(jobs::resolve_job_ref(f.c, "pdai:" + std::to_string(res.job.id)).id == res.job.id);
    CHECK(jobs::resolve_job_ref(f.c, "slurm:5000").id == res.job.id);
    CHECK(jobs::resolve_job_ref(f.c, "5000").id == res.job.id);
    CHECK(jobs::resolve_job_ref(f.c, "5000_3").id == res.job.id);
    CHECK(error_code_of([&] { jobs::resolve_job_ref(f.c, "slurm:1"); }) == Errc::not_found);
    CHECK(error_code_of([&] { jobs::resolve_job_ref(f.c, "x1"); }) == Errc::usage);
}

TEST_CASE("copies: one transaction, all or nothing", "[jobs][submit]") {
    JobsFixture f;
    auto spec = jobs::build_spec(f.c, f.request(jobs::Kind::run, "ocr"), {});
    auto jobs_made = jobs::submit_copies(f.c, f.backend, spec, f.options(), 5);
    REQUIRE(jobs_made.size() == 5);
    CHECK(jobs_made[4].id == jobs_made[0].id + 4);
    CHECK(jobs_made[4].slurm_job_id == 5004);
    CHECK(catalog::list_jobs(f.c, {}).size() == 5);

    int calls = 0;
    f.backend.on_submit = [&](const jobs::PreparedJob&) {
        if (++calls == 3) throw Error(Errc::failure, "Slurm rejected the job");
    };
    CHECK(error_code_of([&] { jobs::submit_copies(f.c, f.backend, spec, f.options(), 4); }) == Errc::failure);
    CHECK(catalog::list_jobs(f.c, {}).size() == 5);
    CHECK(f.backend.cancelled == std::vector<std::int64_t>{5005, 5006});
    spec.idempotency_key = "k";
    CHECK(error_code_of([&] { jobs::submit_copies(f.c, f.backend, spec, f.options(), 2); }) == Errc::usage);
}

TEST_CASE("a bureau user's submission: no record, own directory, tag for sync", "[jobs][submit]") {
    JobsFixture f;
    auto r = f.request(jobs::Kind::infer, "ocr");
    r.inputs = {f.make_inputs("batch", 25)};
    auto spec = jobs::build_spec(f.c, r, {});
    const std::string mine = (f.root / "home/.local/state/pdai/jobs").string();
    auto u = jobs::submit_unrecorded(f.backend, spec, mine);
    CHECK(u.submitted.id == 5000);
    CHECK(u.job.id == 0);
    CHECK(u.job.name == "pdai-u-ocr");
    CHECK(u.job.comment == "pdai:kind=infer,algo=ocr@1.0.0,bureau=PSB,tasks=3");
    CHECK(u.job.layout.job_dir.starts_with(mine + "/"));
    CHECK(fs::exists(u.job.layout.job_dir + "/job.sh"));
    CHECK(fs::exists(u.job.layout.job_dir + "/shards/00002.list"));
    CHECK(catalog::list_jobs(f.c, {}).empty());
    // What sync reads back from the tag.
    auto tag = usage::parse_pdai_tag(u.job.comment);
    CHECK(!tag.job_id);
    CHECK(tag.kind == "infer");
    CHECK(tag.tasks == 3);

    auto keyed = spec;
    keyed.idempotency_key = "nightly";
    CHECK(error_code_of([&] { jobs::submit_unrecorded(f.backend, keyed, mine); }) == Errc::usage);

    f.backend.on_submit = [](const jobs::PreparedJob&) { throw Error(Errc::refused, "over budget"); };
    CHECK(error_code_of([&] { jobs::submit_unrecorded(f.backend, spec, mine); }) == Errc::refused);
    int dirs = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(mine)) ++dirs;
    CHECK(dirs == 1);  // the refused one left nothing
}
