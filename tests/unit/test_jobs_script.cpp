// Batch scripts (run, train, infer) and the Slurm request built from a prepared job: pure
// text and values, checked without Slurm.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "jobs/backends/slurm_request.hpp"
#include "jobs/batch_script.hpp"
#include "jobs/job.hpp"

using namespace pdai;
using namespace pdai::jobs;

namespace {

JobSpec spec_of(Kind kind) {
    JobSpec s;
    s.kind = kind;
    s.bureau = "PSB";
    s.account = "psb";
    s.user = "alice";
    s.algorithm.version_id = 3;
    s.algorithm.name = "ocr";
    s.algorithm.version = "1.2.0";
    s.algorithm.vendor = "acme";
    s.algorithm.bundle_dir = "/store/ab/cd";
    s.algorithm.entrypoint = "/store/ab/cd/bin/run";
    s.resources.gpu_type = "a100";
    s.resources.gpus = 2;
    s.resources.cpus = 4;
    s.resources.mem_mib = 16384;
    s.resources.time_minutes = 90;
    return s;
}

const char* fake_env(const char* name) {
    static const std::map<std::string, std::string> env = {
        {"PATH", "/usr/bin:/bin"}, {"HOME", "/home/alice"}, {"SLURM_CONF", "/etc/slurm/slurm.conf"},
        {"SECRET_TOKEN", "do-not-pass"}};
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
}

PreparedJob prepare(const JobSpec& s, Launcher l = Launcher::slurm) {
    return prepare_job(s, 17, "/var/pdai/jobs", l, fake_env);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("shell quoting and placeholder words", "[jobs][script]") {
    CHECK(shell_quote("abc") == "'abc'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
    CHECK(shell_quote("") == "''");
    CHECK(shell_word_from_template("{input_list}") == "\"${PDAI_INPUT_LIST}\"");
    CHECK(shell_word_from_template("--out={output_dir}") == "'--out='\"${PDAI_OUTPUT_DIR}\"");
    CHECK(shell_word_from_template("shard-{shard}-of-{shards}") ==
          "'shard-'\"${PDAI_SHARD}\"'-of-'\"${PDAI_SHARDS}\"");
    CHECK(shell_word_from_template("{{literal}} $HOME `x`") == "'{literal} $HOME `x`'");
    CHECK(shell_word_from_template("{bundle_dir}/model") == "\"${PDAI_BUNDLE_DIR}\"'/model'");
    // The manifest's grammar (bundle::split_template): a lone '}' is refused, not copied.
    CHECK_THROWS_AS(shell_word_from_template("a}b"), Error);
}

TEST_CASE("run: one entrypoint call with the user's arguments", "[jobs][script]") {
    auto s = spec_of(Kind::run);
    s.args = {"--lang", "chi_sim; rm -rf /"};
    s.inputs = {"/data/a.png"};
    auto job = prepare(s);
    CHECK(job.layout.job_dir == "/var/pdai/jobs/17");
    CHECK(job.layout.output_dir == "/var/pdai/jobs/17/output");
    CHECK(job.script.starts_with("#!/bin/bash\n"));
    CHECK(has(job.script, "set -euo pipefail"));
    CHECK(has(job.script, "export PDAI_JOB_ID=17\n"));
    CHECK(has(job.script, "export PDAI_INPUT_LIST='/var/pdai/jobs/17/inputs.list'"));
    CHECK(has(job.script, "\n'/store/ab/cd/bin/run' '--lang' 'chi_sim; rm -rf /'\n"));
    CHECK(has(job.script, "rc=$?"));
    CHECK(has(job.script, ">'/var/pdai/jobs/17/exit_code'"));
    CHECK_FALSE(has(job.script, "srun"));
    CHECK(job.name == "pdai-17-ocr");
    CHECK(job.comment == "pdai:job=17,kind=run,algo=ocr@1.2.0,bureau=PSB");
    CHECK(job.task_indices.empty());
}

TEST_CASE("the job's environment is curated, the user's --env wins", "[jobs][script]") {
    auto s = spec_of(Kind::run);
    s.env = {{"OMP_NUM_THREADS", "4"}, {"PATH", "/opt/bin"}};
    auto job = prepare(s);
    std::vector<std::string> expected = {"HOME=/home/alice", "OMP_NUM_THREADS=4", "PATH=/opt/bin",
                                         "SLURM_CONF=/etc/slurm/slurm.conf"};
    CHECK(job.environment == expected);
}

TEST_CASE("train: srun one task per node with the rendezvous variables", "[jobs][script]") {
    auto s = spec_of(Kind::train);
    s.resources.nodes = 2;
    s.dataset = "/data/set";
    s.requeue = true;
    s.args = {"--epochs", "3"};
    auto job = prepare(s);
    const auto& t = job.script;
    CHECK(job.layout.output_dir == "/var/pdai/jobs/17/model");
    CHECK(has(t, "export PDAI_DATASET='/data/set'"));
    CHECK(has(t, "export PDAI_RESUME_DIR='/var/pdai/jobs/17/resume'"));
    CHECK(has(t, "export PDAI_RESTART_COUNT=\"${SLURM_RESTART_COUNT:-0}\""));
    CHECK(has(t, "MASTER_ADDR=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | sed -n 1p)\nexport MASTER_ADDR\n"));
    CHECK(has(t, "export MASTER_PORT=$((20000 + SLURM_JOB_ID % 10000))"));
    CHECK(has(t, "export WORLD_SIZE=\"$SLURM_NNODES\""));
    CHECK(has(t, "srun --nodes=\"$SLURM_NNODES\" --ntasks=\"$WORLD_SIZE\" --ntasks-per-node=1 --kill-on-bad-exit=1"));
    CHECK(has(t, "export RANK=\"$SLURM_PROCID\" LOCAL_RANK=\"$SLURM_LOCALID\"; exec \"$@\"' pdai-rank"));
    CHECK(has(t, "'/store/ab/cd/bin/run' '--epochs' '3'"));

    auto local = prepare(s, Launcher::local);
    CHECK_FALSE(has(local.script, "srun"));
    CHECK(has(local.script, "export WORLD_SIZE=1\nexport RANK=0\nexport LOCAL_RANK=0\n"));
}

TEST_CASE("infer: one script for every array task, placeholders from the manifest", "[jobs][script]") {
    auto s = spec_of(Kind::infer);
    bundle::InferConvention conv;
    conv.args = {"--list", "{input_list}", "--out={output_dir}"};
    conv.env = {{"SHARD_NO", "{shard}"}, {"MODEL", "{bundle_dir}/m.bin"}};
    s.algorithm.infer = conv;
    for (int i = 0; i < 1000; ++i) s.inputs.push_back("/data/in-" + std::to_string(i) + ".png");
    s.shard_size = 50;
    s.max_parallel = 4;
    s.output_dir = "/results";
    s.args = {"--fast"};
    auto job = prepare(s);
    CHECK(job.shards.count == 20);
    CHECK(job.task_indices.size() == 20);
    CHECK(job.task_indices.front() == 0);
    CHECK(job.task_indices.back() == 19);
    const auto& t = job.script;
    CHECK(has(t, "task=${PDAI_TASK_INDEX:-${SLURM_ARRAY_TASK_ID:?"));
    CHECK(has(t, "printf -v shard '%05d' \"$task\""));
    CHECK(has(t, "export PDAI_SHARDS=20\n"));
    CHECK(has(t, "export PDAI_OUTPUT_DIR='/results'"));
    CHECK(has(t, "export PDAI_INPUT_LIST='/var/pdai/jobs/17/shards/'\"$shard.list\""));
    CHECK(has(t, "export MODEL=\"${PDAI_BUNDLE_DIR}\"'/m.bin'\n"));
    CHECK(has(t, "export SHARD_NO=\"${PDAI_SHARD}\"\n"));
    CHECK(has(t, "\n'/store/ab/cd/bin/run' '--list' \"${PDAI_INPUT_LIST}\" '--out='\"${PDAI_OUTPUT_DIR}\" '--fast'\n"));
    CHECK(has(t, "touch \"$done_marker\""));
    CHECK(t.find("rm -f \"$done_marker\"") < t.find("'/store/ab/cd/bin/run'"));
}

TEST_CASE("Slurm request: the job_desc fields pdai sets", "[jobs][request]") {
    SECTION("run with typed GPUs") {
        auto job = prepare(spec_of(Kind::run));
        auto q = build_slurm_request(job, 1000, 100);
        CHECK(q.name == "pdai-17-ocr");
        CHECK(q.comment == "pdai:job=17,kind=run,algo=ocr@1.2.0,bureau=PSB");
        CHECK(q.account == "psb");
        CHECK_FALSE(q.partition);
        CHECK(q.work_dir == "/var/pdai/jobs/17");
        CHECK(q.std_out == "/var/pdai/jobs/17/logs/job.out");
        CHECK(q.time_limit == 90);
        CHECK(q.min_nodes == 1);
        CHECK(q.num_tasks == 1);
        CHECK_FALSE(q.ntasks_per_node);
        CHECK(q.cpus_per_task == 4);
        CHECK(q.pn_min_memory == 16384u);
        CHECK(q.tres_per_node == "gres:gpu:a100:2");
        CHECK_FALSE(q.array_inx);
        CHECK(q.requeue == 0);
        CHECK(q.user_id == 1000);
        CHECK(q.script == job.script);
    }
    SECTION("untyped and no GPUs") {
        auto s = spec_of(Kind::run);
        s.resources.gpu_type.reset();
        CHECK(gpu_tres_per_node(s.resources) == "gres:gpu:2");
        s.resources.gpus = 0;
        CHECK_FALSE(gpu_tres_per_node(s.resources));
    }
    SECTION("a 2-node training job with requeue") {
        auto s = spec_of(Kind::train);
        s.resources.nodes = 2;
        s.requeue = true;
        s.partition = "gpu";
        auto q = build_slurm_request(prepare(s), 0, 0);
        CHECK(q.min_nodes == 2);
        CHECK(q.max_nodes == 2);
        CHECK(q.num_tasks == 2);
        CHECK(q.ntasks_per_node == 1);
        CHECK(q.tres_per_node == "gres:gpu:a100:2");  // per node
        CHECK(q.requeue == 1);
        CHECK(q.partition == "gpu");
        auto j = to_json(q)["job_desc"];
        CHECK(j["min_nodes"] == 2);
        CHECK(j["ntasks_per_node"] == 1);
        CHECK(j["requeue"] == 1);
        CHECK(j["tres_per_node"] == "gres:gpu:a100:2");
    }
    SECTION("an inference batch is one array, throttled, a log per task") {
        auto s = spec_of(Kind::infer);
        for (int i = 0; i < 1000; ++i) s.inputs.push_back("/d/" + std::to_string(i));
        s.shard_size = 50;
        s.max_parallel = 4;
        auto job = prepare(s);
        auto q = build_slurm_request(job, 0, 0);
        CHECK(q.array_inx == "0-19%4");
        CHECK(q.std_out == "/var/pdai/jobs/17/logs/task-%a.out");
        CHECK(q.append_output);
        job.task_indices = {3, 4, 5, 9, 17};
        CHECK(build_slurm_request(job, 0, 0).array_inx == "3-5,9,17%4");
        s.max_parallel.reset();
        CHECK(build_slurm_request(prepare(s), 0, 0).array_inx == "0-19");
    }
}

TEST_CASE("request_json records the request without the inputs themselves", "[jobs][request]") {
    auto s = spec_of(Kind::infer);
    for (int i = 0; i < 250; ++i) s.inputs.push_back("/d/" + std::to_string(i));
    s.shard_size = 100;
    s.idempotency_key = "nightly-2026-11-23";
    auto job = prepare(s);
    auto j = request_json(job, {{"inputs", 250}});
    CHECK(j["inputs"] == 250);
    CHECK(j["shards"] == 3);
    CHECK(j["shard_size"] == 100);
    CHECK(j["resources"]["time_limit"] == "01:30:00");
    CHECK(j["idempotency_key"] == "nightly-2026-11-23");
    CHECK(j["fingerprint"]["inputs"] == 250);
    CHECK(j.dump().find("/d/17") == std::string::npos);
}
