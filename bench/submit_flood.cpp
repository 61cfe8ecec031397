// Submits held batch jobs to slurmctld through libslurm (no sbatch process per job), as the
// calling user. Two modes:
//
//   pdai_submit_flood JOBS THREADS ACCOUNT GRES MINUTES
//     JOBS identical jobs from THREADS threads, as fast as slurmctld takes them; prints
//     "jobs N ok N failed N seconds S rate R" (bench/plugin_rate.sh, with and without
//     JobSubmitPlugins=pdai).
//   pdai_submit_flood --list < JOBS_FILE
//     one job per line "NAME ACCOUNT|- GRES MINUTES ARRAY|-", in order; prints "NAME RC"
//     per job, RC 0 or Slurm's error number (tests/integration/plugin_stress.sh).
//
// GRES as in --gres (gpu:a100:1). The jobs are held (never run); the callers cancel them.
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "slurmapi/slurm_compat.hpp"

namespace {

struct Job {
    std::string name, account, tres, array;
    std::uint32_t minutes = 0;
};

// Returns SLURM_SUCCESS or Slurm's errno.
int submit(const Job& j) {
    std::string script = "#!/bin/sh\ntrue\n", name = j.name, account = j.account, tres = j.tres,
                array = j.array, out = "/dev/null", dir = "/tmp", var = "PDAI_FLOOD=1";
    char* env[] = {var.data(), nullptr};  // slurmctld refuses a batch job without environment
    job_desc_msg_t d;
    slurm_init_job_desc_msg(&d);
    d.script = script.data();
    d.name = name.data();
    if (!account.empty()) d.account = account.data();
    d.tres_per_node = tres.data();
    if (!array.empty()) d.array_inx = array.data();
    d.time_limit = j.minutes;
    d.priority = 0;  // held
    d.std_out = out.data();
    d.work_dir = dir.data();
    d.min_nodes = 1;
    d.user_id = getuid();
    d.group_id = getgid();
    d.environment = env;
    d.env_size = 1;
    submit_response_msg_t* resp = nullptr;
    const int rc =
        slurm_submit_batch_job(&d, &resp) == SLURM_SUCCESS ? SLURM_SUCCESS : pdai::slurmapi::last_error();
    if (resp) slurm_free_submit_response_response_msg(resp);
    return rc;
}

int list_mode() {
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        Job j;
        std::string gres;
        if (!(in >> j.name >> j.account >> gres >> j.minutes >> j.array)) continue;
        if (j.account == "-") j.account.clear();
        if (j.array == "-") j.array.clear();
        j.tres = "gres:" + gres;
        std::printf("%s %d\n", j.name.c_str(), submit(j));
        std::fflush(stdout);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // Reads slurm.conf and loads the plugins libslurm needs. 22.05 did that on first use;
    // 26.05's libslurm crashes without it.
    slurm_init(nullptr);
    if (argc == 2 && std::string(argv[1]) == "--list") return list_mode();
    if (argc != 6) {
        std::fprintf(stderr, "usage: %s JOBS THREADS ACCOUNT GRES MINUTES | --list < FILE\n", argv[0]);
        return 2;
    }
    const long jobs = std::strtol(argv[1], nullptr, 10);
    const int threads = static_cast<int>(std::strtol(argv[2], nullptr, 10));
    const Job job{"flood", argv[3], std::string("gres:") + argv[4], "",
                  static_cast<std::uint32_t>(std::strtoul(argv[5], nullptr, 10))};
    std::atomic<long> next{0}, ok{0}, failed{0};
    std::atomic<int> last_error{0};
    auto worker = [&] {
        while (next.fetch_add(1) < jobs) {
            const int rc = submit(job);
            if (rc == SLURM_SUCCESS) {
                ++ok;
            } else {
                ++failed;
                last_error = rc;
            }
        }
    };
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("jobs %ld ok %ld failed %ld seconds %.3f rate %.1f\n", jobs, ok.load(),
                failed.load(), s, static_cast<double>(ok.load()) / s);
    if (failed > 0)
        std::fprintf(stderr, "pdai_submit_flood: last error: %s\n", slurm_strerror(last_error));
    return 0;
}
