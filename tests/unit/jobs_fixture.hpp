// Shared by the job tests: a catalog with a vendor, a bureau with a member, GPU types and
// registered bundles (run, train and infer kinds), a fake backend that records what it was
// asked, and helpers to make input files.
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bundle_fixture.hpp"
#include "test_helpers.hpp"
#include "catalog/algorithms.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/gpu_types.hpp"
#include "jobs/backend.hpp"
#include "jobs/submit.hpp"

namespace pdai::test {

// Remembers every submission; status() answers from `tasks` (by backend id), else unknown.
class FakeBackend final : public jobs::Backend {
public:
    std::vector<jobs::PreparedJob> submitted;
    std::vector<std::int64_t> cancelled;
    std::map<std::int64_t, std::vector<jobs::TaskStatus>> tasks;
    std::int64_t next_id = 5000;
    std::function<void(const jobs::PreparedJob&)> on_submit;  // may throw to refuse

    std::string name() const override { return "slurm"; }
    std::string cluster() const override { return "fake"; }
    jobs::Launcher launcher() const override { return jobs::Launcher::slurm; }
    nlohmann::json describe(const jobs::PreparedJob& j) const override { return {{"name", j.name}}; }
    jobs::Submitted submit(const jobs::PreparedJob& j) override {
        if (on_submit) on_submit(j);
        submitted.push_back(j);
        jobs::Submitted s;
        s.id = next_id++;
        // New submissions are pending until the test says otherwise.
        auto& ts = tasks[s.id];
        if (j.is_array()) {
            for (int i : j.task_indices) ts.push_back({i, jobs::State::pending, {}, {}, {}, "", "Resources"});
        } else {
            ts.push_back({std::nullopt, jobs::State::pending, {}, {}, {}, "", "Resources"});
        }
        return s;
    }
    std::vector<jobs::BackendJob> status(const std::vector<std::int64_t>& ids) override {
        std::vector<jobs::BackendJob> out;
        for (auto id : ids) {
            jobs::BackendJob b;
            b.id = id;
            if (auto it = tasks.find(id); it != tasks.end()) {
                b.known = true;
                b.tasks = it->second;
            }
            out.push_back(b);
        }
        return out;
    }
    void cancel(const std::vector<std::int64_t>& ids) override {
        cancelled.insert(cancelled.end(), ids.begin(), ids.end());
    }
    void finish_all(std::int64_t id, jobs::State st = jobs::State::completed, int exit_code = 0) {
        for (auto& t : tasks[id]) {
            t.state = st;
            t.exit_code = exit_code;
        }
    }
};

inline std::string job_manifest(const std::string& name, const std::string& kinds,
                                const std::string& extra = "") {
    return "name = \"" + name + "\"\nversion = \"1.0.0\"\nvendor = \"acme\"\ncategory = \"ocr\"\n"
           "description = \"test\"\nentrypoint = \"bin/run\"\nkinds = [" + kinds + "]\n"
           "[resources]\ngpu_types = [\"a100\", \"t4\"]\ngpus = 1\ncpus = 2\nmem = \"4G\"\ntime = \"30m\"\n" + extra;
}

inline const char* kInferSection =
    "[infer]\nargs = [\"--list\", \"{input_list}\", \"--out={output_dir}\"]\n"
    "input_patterns = [\"*.txt\"]\ninputs_per_shard = 10\n[infer.env]\nSHARD_NO = \"{shard}\"\n";

struct JobsFixture : BundleFixture {
    std::string user = "alice";
    std::string data = (root / "data").string();
    std::string jobs_dir = (root / "jobs").string();
    FakeBackend backend;

    JobsFixture() {
        std::filesystem::create_directories(data);
        c.write([&] {
            catalog::add_bureau(c, "PSB", "公安局", "psb");
            catalog::add_bureau(c, "EDU", "教育局", "edu");
            catalog::add_member(c, "PSB", user, "member");
            catalog::add_gpu_type(c, "a100", 2.0, 10.0, "nvidia", std::nullopt);
            catalog::add_gpu_type(c, "t4", 0.5, 2.0, "nvidia", std::nullopt);
            catalog::add_gpu_type(c, "v100", 1.0, 5.0, "nvidia", std::nullopt);
        });
        register_algo("ocr", "\"run\", \"infer\"", kInferSection);
        register_algo("trainer", "\"train\"");
    }

    void register_algo(const std::string& name, const std::string& kinds, const std::string& extra = "") {
        auto entries = valid_entries(job_manifest(name, kinds, extra));
        REQUIRE(add(bundle(name + ".tar.gz", entries)).created);
    }

    // n files data/in-00000.txt ... in a fresh directory `sub`.
    std::string make_inputs(const std::string& sub, int n, const std::string& ext = ".txt") {
        std::string dir = data + "/" + sub;
        std::filesystem::create_directories(dir);
        for (int i = 0; i < n; ++i) {
            char name[32];
            std::snprintf(name, sizeof name, "/in-%05d", i);
            std::ofstream(dir + name + ext) << i << '\n';
        }
        return dir;
    }

    jobs::SubmitRequest request(jobs::Kind kind, const std::string& algo) const {
        jobs::SubmitRequest r;
        r.kind = kind;
        r.algorithm = algo;
        r.user = user;
        r.cwd = root.string();
        return r;
    }

    using BundleFixture::options;  // options(bundle) for registering, beside this one
    jobs::SubmitOptions options() const {
        jobs::SubmitOptions o;
        o.jobs_dir = jobs_dir;
        return o;
    }
};

}  // namespace pdai::test
