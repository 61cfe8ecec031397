// The local backend end to end: real supervisors ('pdai __supervise', the executable named by
// PDAI_TEST_PDAI_EXE) running real batch scripts on this machine, over a temporary catalog.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "catalog/jobs.hpp"
#include "catalog/ledger.hpp"
#include "catalog/nodes.hpp"
#include "catalog/quotas.hpp"
#include "jobs/backends/local_backend.hpp"
#include "jobs/backends/local_files.hpp"
#include "jobs/backends/local_inventory.hpp"
#include "jobs/status.hpp"
#include "jobs_fixture.hpp"

namespace fs = std::filesystem;
using namespace pdai;

namespace {

// Writes one output per input (<name>.out), and a line "START END DEVICES" to $TRACE so that
// the GPU test can check that no two tasks held a device at the same time.
const char* kWorker = R"sh(#!/bin/bash
list="" out=""
while [ $# -gt 0 ]; do
  case "$1" in --list) list="$2"; shift 2 ;; --out) out="$2"; shift 2 ;; *) shift ;; esac
done
start=$(date +%s.%N)
sleep "${SLEEP:-0}"
if [ -n "$list" ]; then
  mkdir -p "$out"
  while IFS= read -r f; do echo "$f" >>"$out/$(basename "$f").out"; done <"$list"
fi
[ -n "${TRACE:-}" ] && echo "$start $(date +%s.%N) ${CUDA_VISIBLE_DEVICES:-none}" >>"$TRACE"
exit "${EXIT:-0}"
)sh";

std::string worker_manifest(int gpus) {
    return "name = \"work" + std::to_string(gpus) + "\"\nversion = \"1.0.0\"\nvendor = \"acme\"\ncategory = \"other\"\n"
           "description = \"test\"\nentrypoint = \"bin/run\"\nkinds = [\"run\", \"infer\"]\n"
           "[resources]\ngpus = " + std::to_string(gpus) + "\ncpus = 1\ntime = \"10m\"\n"
           "[infer]\nargs = [\"--list\", \"{input_list}\", \"--out\", \"{output_dir}\"]\n";
}

struct LocalFixture : test::JobsFixture {
    std::unique_ptr<jobs::Backend> local = jobs::make_local_backend({c.path(), 5000, {}});

    LocalFixture() {
        ::setenv("PDAI_SUPERVISOR_EXE", PDAI_TEST_PDAI_EXE, 0);  // unless the caller chose one
        ::setenv("PDAI_LOCAL_STATE_DIR", (root / "state").c_str(), 1);
        ::setenv("PDAI_LOCAL_SECONDS_PER_MINUTE", "60", 1);
        ::setenv("PDAI_LOCAL_KILL_GRACE", "2", 1);
        c.write([&] {
            catalog::QuotaChange q;
            q.budget_cuh = 1000;
            catalog::set_quota(c, "PSB", q);
        });
        for (int g : {0, 2}) {
            auto e = test::valid_entries(worker_manifest(g));
            e[1].content = kWorker;
            REQUIRE(add(bundle("work" + std::to_string(g) + ".tar.gz", e)).created);
        }
    }

    catalog::JobRecord submit(jobs::SubmitRequest r) {
        auto spec = jobs::build_spec(c, r, {});
        return jobs::submit_job(c, *local, spec, options()).job;
    }

    std::vector<jobs::JobView> wait(const std::vector<std::int64_t>& ids, int seconds = 120) {
        jobs::BackendSet set;
        set.borrow(*local);
        jobs::WaitOptions o;
        o.timeout = std::chrono::seconds(seconds);
        o.write_back = true;
        o.max_poll = std::chrono::milliseconds(300);
        return jobs::wait_jobs(c, set, ids, o);
    }

    jobs::JobView view(std::int64_t id) {
        jobs::BackendSet set;
        set.borrow(*local);
        return jobs::inspect_jobs(c, set, {catalog::get_job(c, id)}, true).front();
    }

    void wait_until_running(std::int64_t id) {
        for (int i = 0; i < 300; ++i) {
            if (view(id).counts[jobs::State::running] > 0) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        FAIL("job never started");
    }
};

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

}  // namespace

TEST_CASE_METHOD(LocalFixture, "local: an infer batch of 200 inputs at 4 at once writes every output once",
                 "[jobs][local]") {
    auto r = request(jobs::Kind::infer, "work0");
    r.inputs = {make_inputs("many", 200)};
    r.shard_size = 10;
    r.max_parallel = 4;
    r.env = {"TRACE=" + (root / "trace").string()};
    auto job = submit(r);
    auto v = wait({job.id}).front();
    REQUIRE(v.state == jobs::State::completed);
    CHECK(v.counts[jobs::State::completed] == 20);
    std::string out = jobs::layout_of(job).output_dir;
    int files = 0;
    for (const auto& e : fs::directory_iterator(out)) {
        ++files;
        CHECK(lines_of(e.path().string()).size() == 1);  // written exactly once
    }
    CHECK(files == 200);
    // Never more than 4 shards at once.
    auto trace = lines_of((root / "trace").string());
    REQUIRE(trace.size() == 20);
    std::vector<std::pair<double, int>> events;
    for (const auto& l : trace) {
        std::istringstream is(l);
        double a = 0, b = 0;
        is >> a >> b;
        events.push_back({a, 1});
        events.push_back({b, -1});
    }
    std::sort(events.begin(), events.end());
    int now = 0, peak = 0;
    for (const auto& ev : events) peak = std::max(peak, now += ev.second);
    CHECK(peak <= 4);
    // The supervisor recorded the end state and one ledger row per shard.
    auto rec = catalog::get_job(c, job.id);
    CHECK(rec.state == "completed");
    CHECK(catalog::ledger_rows(c, "local", *rec.slurm_job_id).size() == 20);
}

TEST_CASE_METHOD(LocalFixture, "local: a job over its time limit is killed and reported as timed out",
                 "[jobs][local]") {
    ::setenv("PDAI_LOCAL_SECONDS_PER_MINUTE", "1", 1);  // --time 2m = 2 s
    auto r = request(jobs::Kind::run, "work0");
    r.time = "2m";
    r.env = {"SLEEP=60"};
    auto job = submit(r);
    auto t0 = std::chrono::steady_clock::now();
    auto v = wait({job.id}).front();
    CHECK(v.state == jobs::State::timeout);
    CHECK(v.wait_exit_code() == 124);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
    CHECK(catalog::get_job(c, job.id).state == "timeout");
}

TEST_CASE_METHOD(LocalFixture, "local: cancel stops a running batch and pending shards never start",
                 "[jobs][local]") {
    auto r = request(jobs::Kind::infer, "work0");
    r.inputs = {make_inputs("slow", 10)};
    r.shard_size = 1;
    r.max_parallel = 2;
    r.env = {"SLEEP=60"};
    auto job = submit(r);
    wait_until_running(job.id);
    auto t0 = std::chrono::steady_clock::now();
    local->cancel({*job.slurm_job_id});
    auto v = wait({job.id}, 30).front();
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
    CHECK(v.state == jobs::State::cancelled);
    CHECK(v.counts[jobs::State::cancelled] == 10);
    int logs = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(jobs::layout_of(job).logs_dir)) ++logs;
    CHECK(logs <= 2);  // only the shards that had started
}

TEST_CASE_METHOD(LocalFixture, "local: a SIGKILLed supervisor leaves a job reported lost", "[jobs][local]") {
    auto r = request(jobs::Kind::run, "work0");
    r.env = {"SLEEP=60"};
    auto job = submit(r);
    wait_until_running(job.id);
    auto st = jobs::local::read_json(jobs::local::state_root() + "/runs/" + std::to_string(*job.slurm_job_id) +
                                     "/status.json");
    REQUIRE(st);
    long pid = (*st)["supervisor_pid"].get<long>();
    REQUIRE(pid > 0);
    REQUIRE(::kill(static_cast<pid_t>(pid), SIGKILL) == 0);
    auto v = wait({job.id}, 30).front();
    CHECK(v.state == jobs::State::lost);
    CHECK(catalog::get_job(c, job.id).state == "lost");
}

TEST_CASE_METHOD(LocalFixture, "local: jobs asking for more GPUs than are free wait instead of sharing",
                 "[jobs][local]") {
    c.write([&] {
        catalog::NodeSpec n;
        n.host = jobs::local::this_host();
        n.gpus = {{"t4", 2}};
        catalog::add_node(c, n);
        catalog::QuotaChange q;
        q.gpu_types = std::vector<std::string>{"t4"};
        catalog::set_quota(c, "PSB", q);
    });
    std::string trace = (root / "gpu-trace").string();
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 2; ++i) {
        auto r = request(jobs::Kind::infer, "work2");
        r.inputs = {make_inputs("g" + std::to_string(i), 2)};
        r.shard_size = 1;
        r.max_parallel = 2;
        r.gpus = "t4:2";
        r.env = {"SLEEP=1", "TRACE=" + trace};
        ids.push_back(submit(r).id);
    }
    for (const auto& v : wait(ids)) CHECK(v.state == jobs::State::completed);
    auto lines = lines_of(trace);
    REQUIRE(lines.size() == 4);
    struct Use {
        double a, b;
        std::string devs;
    };
    std::vector<Use> uses;
    for (const auto& l : lines) {
        std::istringstream is(l);
        Use u{};
        is >> u.a >> u.b >> u.devs;
        CHECK((u.devs == "0,1"));  // both of this host's two devices, never "none"
        uses.push_back(u);
    }
    for (std::size_t i = 0; i < uses.size(); ++i)
        for (std::size_t j = i + 1; j < uses.size(); ++j)
            CHECK((uses[i].b <= uses[j].a || uses[j].b <= uses[i].a));  // never at the same time
}

TEST_CASE_METHOD(LocalFixture, "local: a job over the bureau's budget is refused with exit code 3",
                 "[jobs][local]") {
    c.write([&] {
        catalog::NodeSpec n;
        n.host = jobs::local::this_host();
        n.gpus = {{"t4", 2}};
        catalog::add_node(c, n);
        catalog::QuotaChange q;
        q.budget_cuh = 0.01;
        catalog::set_quota(c, "PSB", q);
    });
    auto r = request(jobs::Kind::run, "work2");
    r.gpus = "t4:2";
    std::string msg;
    CHECK(test::error_code_of([&] { submit(r); }, &msg) == Errc::refused);
    CHECK(msg.find("PSB") != std::string::npos);
}
