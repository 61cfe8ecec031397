// 1,000 no-op jobs through the local backend's submit() (each a detached supervisor that runs
// the job's script), timed until every job has ended, against running the same script
// directly (fork, exec, wait) as many times. No catalog: this measures the backend alone;
// bench/local_noop.sh measures whole 'pdai run' commands.
// Usage: local_noop_bench PDAI_EXE [N]
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "jobs/backends/local_backend.hpp"

namespace fs = std::filesystem;
using namespace pdai::jobs;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: local_noop_bench PDAI_EXE [N]\n");
        return 2;
    }
    int n = argc > 2 ? std::atoi(argv[2]) : 1000;
    fs::path work = fs::temp_directory_path() / ("pdai-noop-bench-" + std::to_string(::getpid()));
    fs::create_directories(work / "logs");
    ::setenv("PDAI_SUPERVISOR_EXE", argv[1], 1);
    ::setenv("PDAI_LOCAL_STATE_DIR", (work / "state").c_str(), 1);
    std::string script = (work / "job.sh").string();
    std::ofstream(script) << "#!/bin/bash\nexit 0\n";
    fs::permissions(script, fs::perms::owner_all);

    using clock = std::chrono::steady_clock;
    auto t0 = clock::now();
    for (int i = 0; i < n; ++i) {
        pid_t p = ::fork();
        if (p == 0) {
            ::execl("/bin/bash", "bash", script.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        int st = 0;
        ::waitpid(p, &st, 0);
    }
    double direct = std::chrono::duration<double>(clock::now() - t0).count();

    auto backend = make_local_backend({});  // no catalog: nothing admitted or recorded
    PreparedJob job;
    job.spec.kind = Kind::run;
    job.spec.resources.time_minutes = 5;
    job.layout.job_dir = work.string();
    job.layout.script = script;
    job.layout.logs_dir = (work / "logs").string();
    job.environment = {"PATH=/usr/bin:/bin"};
    std::vector<std::int64_t> ids;
    auto t1 = clock::now();
    for (int i = 0; i < n; ++i) {
        job.id = i + 1;
        ids.push_back(backend->submit(job).id);
    }
    double submitted = std::chrono::duration<double>(clock::now() - t1).count();
    int done = 0;
    for (;;) {
        done = 0;
        for (const auto& b : backend->status(ids))
            if (!b.tasks.empty() && is_terminal(b.tasks.front().state)) ++done;
        if (done == n) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    double local = std::chrono::duration<double>(clock::now() - t1).count();
    std::printf("direct:        %d runs in %.2f s (%.1f/s, %.2f ms each)\n", n, direct, n / direct, 1000 * direct / n);
    std::printf("local backend: %d jobs in %.2f s (%.1f/s, %.2f ms each; submit() alone %.2f ms each)\n", n, local,
                n / local, 1000 * local / n, 1000 * submitted / n);
    std::printf("overhead per job: %.2f ms\n", 1000 * (local - direct) / n);
    fs::remove_all(work);
    return 0;
}
