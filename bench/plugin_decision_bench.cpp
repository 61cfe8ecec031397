// Time per decision of job_submit_pdai.so, outside slurmctld: dlopen()s the plugin the way
// slurmctld does, provides the slurmctld functions it imports (slurm_xstrdup, slurm_info,
// ...), and calls its exported job_submit() with synthetic job descriptions.
//
// usage: pdai_plugin_bench [--cold] PLUGIN.so CONF JOBS USER...
//   CONF   a pdai_plugin.conf (its catalog is the one measured)
//   USER   unix users (must exist) to submit as; user i % n submits job i
//   --cold each call as slurmctld makes it: on a new thread (slurmctld serves every RPC on
//          one), with the data caches full of other work (a 32 MiB buffer written before
//          it). Still faster than inside slurmctld, whose own code also evicts the plugin's
//          from the instruction caches while its other threads load the memory system.
// Prints the time per call (median, p99, max) measured around job_submit(), and the
// admitted / refused counts. The plugin's own summary (slurm_info) goes to stderr.
#include <dlfcn.h>
#include <pwd.h>
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "slurmapi/slurm_compat.hpp"

// ---- what slurmctld exports to plugins (see slurm_plugins/job_submit_pdai/slurm_exports.hpp)
extern "C" {
__attribute__((visibility("default"))) char* slurm_xstrdup(const char* s) {
    return s ? strdup(s) : nullptr;
}
__attribute__((visibility("default"))) void slurm_xfree(void** p) {
    std::free(*p);
    *p = nullptr;
}
__attribute__((visibility("default"), format(printf, 1, 2))) void slurm_info(const char* f, ...) {
    va_list ap;
    va_start(ap, f);
    std::fputs("info: ", stderr);
    std::vfprintf(stderr, f, ap);
    std::fputc('\n', stderr);
    va_end(ap);
}
__attribute__((visibility("default"), format(printf, 1, 2))) void slurm_error(const char* f, ...) {
    va_list ap;
    va_start(ap, f);
    std::fputs("error: ", stderr);
    std::vfprintf(stderr, f, ap);
    std::fputc('\n', stderr);
    va_end(ap);
}
// slurmctld at SlurmctldDebug=info drops debug lines before formatting them, and tells the
// plugin so: get_log_level() is LOG_LEVEL_INFO (3 in Slurm's src/common/log.h).
__attribute__((visibility("default"), format(printf, 1, 2))) void slurm_debug(const char*, ...) {}
__attribute__((visibility("default"))) int get_log_level() { return 3; }
}

namespace {

using JobSubmit = int (*)(job_desc_msg_t*, std::uint32_t, char**);
using Hook = int (*)();

template <class F>
F symbol(void* lib, const char* name) {
    void* s = dlsym(lib, name);
    if (!s) {
        std::fprintf(stderr, "pdai_plugin_bench: %s has no symbol %s\n", "plugin", name);
        std::exit(1);
    }
    return reinterpret_cast<F>(s);
}

// What slurm_init_job_desc_msg() sets for the fields the plugin reads.
void init_desc(job_desc_msg_t& d) {
    std::memset(&d, 0, sizeof d);
    d.time_limit = NO_VAL;
    d.min_nodes = NO_VAL;
    d.max_nodes = NO_VAL;
    d.num_tasks = NO_VAL;
    d.ntasks_per_node = NO_VAL16;
    d.sockets_per_node = NO_VAL16;
    d.user_id = NO_VAL;
    d.shared = NO_VAL16;         // 0 would be --exclusive
    d.het_job_offset = NO_VAL;  // 0 would be a het-job's first component
    pdai::slurmapi::set_job_id(d, NO_VAL);
}

// Evicts the plugin's data from every cache level, as slurmctld's own work between two
// submissions does.
void pollute_caches(std::vector<unsigned char>& buffer, long round) {
    for (std::size_t i = 0; i < buffer.size(); i += 64) buffer[i] = static_cast<unsigned char>(round + i);
}

}  // namespace

int main(int argc, char** argv) {
    const bool cold = argc > 1 && std::strcmp(argv[1], "--cold") == 0;
    if (cold) {
        --argc;
        ++argv;
    }
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s [--cold] PLUGIN.so CONF JOBS USER...\n", argv[0]);
        return 2;
    }
    setenv("PDAI_PLUGIN_CONF", argv[2], 1);
    const long jobs = std::strtol(argv[3], nullptr, 10);
    std::vector<std::uint32_t> uids;
    for (int i = 4; i < argc; ++i) {
        const passwd* pw = getpwnam(argv[i]);
        if (!pw) {
            std::fprintf(stderr, "pdai_plugin_bench: no user %s\n", argv[i]);
            return 1;
        }
        uids.push_back(pw->pw_uid);
    }

    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        std::fprintf(stderr, "pdai_plugin_bench: %s\n", dlerror());
        return 1;
    }
    auto init = symbol<Hook>(lib, "init");
    auto fini = symbol<Hook>(lib, "fini");
    auto submit = symbol<JobSubmit>(lib, "job_submit");
    if (init() != SLURM_SUCCESS) return 1;

    // A mix like a busy day: mostly single GPU jobs, some with several, a few arrays, a
    // fifth without --account (the plugin picks the user's bureau), one in 25 too long.
    static const char* kGres[] = {"gres:gpu:a100:1", "gres:gpu:t4:2", "gres:gpu:1",
                                  "gres:gpu:a100:4", "gres:gpu:t4:1"};
    std::vector<std::int64_t> ns;
    ns.reserve(static_cast<std::size_t>(jobs));
    long admitted = 0, refused = 0;
    std::string gres, name;
    std::vector<unsigned char> junk(cold ? 32u << 20 : 0);
    for (long i = 0; i < jobs; ++i) {
        job_desc_msg_t d;
        init_desc(d);
        gres = kGres[i % 5];
        name = "bench-" + std::to_string(i);
        d.tres_per_node = gres.data();
        d.name = name.data();
        d.time_limit = static_cast<std::uint32_t>(i % 25 == 0 ? 100000 : 30 + (i % 8) * 30);
        std::string array = "0-9%2";
        if (i % 10 == 3) d.array_inx = array.data();
        char* err = nullptr;
        const std::uint32_t uid = uids[static_cast<std::size_t>(i) % uids.size()];
        int rc = 0;
        auto call = [&] {
            const auto t0 = std::chrono::steady_clock::now();
            rc = submit(&d, uid, &err);
            ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::steady_clock::now() - t0)
                             .count());
        };
        if (cold) {
            pollute_caches(junk, i);
            // slurmctld's thread has allocated (unpacking the RPC) before job_submit() runs.
            std::thread([&] {
                void* volatile warm = std::malloc(64);  // volatile: not optimised away
                std::free(warm);
                call();
            }).join();
        } else {
            call();
        }
        (rc == SLURM_SUCCESS ? admitted : refused)++;
        // The plugin may have set these from its allocator (here: strdup).
        if (d.account) std::free(d.account);
        if (d.admin_comment) std::free(d.admin_comment);
        std::free(err);
    }
    fini();
    std::sort(ns.begin(), ns.end());
    auto q = [&](double p) {
        return static_cast<double>(ns[static_cast<std::size_t>(p * static_cast<double>(ns.size() - 1))]) / 1000.0;
    };
    std::printf("jobs %ld admitted %ld refused %ld median_us %.2f p99_us %.2f max_us %.2f\n", jobs,
                admitted, refused, q(0.5), q(0.99), static_cast<double>(ns.back()) / 1000.0);
    return 0;
}
