#include "jobs/backends/local_backend.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "catalog/bureaus.hpp"
#include "catalog/catalog.hpp"
#include "catalog/jobs.hpp"
#include "catalog/policy_snapshot.hpp"
#include "common/error.hpp"
#include "jobs/backends/local_files.hpp"
#include "jobs/backends/local_inventory.hpp"
#include "jobs/backends/local_run.hpp"
#include "jobs/quota_ask.hpp"
#include "policy/quota_policy.hpp"

namespace pdai::jobs {
namespace {

using local::UniqueFd;

std::int64_t env_int(const char* name, std::int64_t fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    char* end = nullptr;
    long long n = std::strtoll(v, &end, 10);
    return (end && *end == '\0' && n >= 0) ? n : fallback;
}

std::int64_t next_run_id(const std::string& root) {
    auto lock = local::lock_file(root + "/counter.lock", false);
    std::int64_t id = 1;
    {
        std::ifstream in(root + "/next_id");
        in >> id;
        if (id < 1) id = 1;
    }
    std::ofstream out(root + "/next_id", std::ios::trunc);
    out << id + 1 << '\n';
    if (!out.flush()) throw Error(Errc::failure, "cannot write " + root + "/next_id");
    return id;
}

std::string self_exe() {
    if (const char* e = std::getenv("PDAI_SUPERVISOR_EXE"); e && *e) return e;
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) throw Error(Errc::failure, "cannot find the pdai executable to start the local supervisor: " + ec.message());
    return p.string();
}

// Starts 'pdai __supervise DIR --lock-fd 3' detached: a new session (no terminal, so no
// SIGHUP when it closes), then a second fork so that it is no session leader and init reaps
// it. The supervisor lock is taken here and inherited, so there is no moment at which the run
// exists but nobody holds its lock.
long spawn_supervisor(const std::string& dir) {
    UniqueFd lock = local::lock_file(local::lock_path(dir), true);
    if (!lock) throw Error(Errc::failure, "run directory " + dir + " is already supervised");
    std::string exe = self_exe();
    UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    UniqueFd log(::open(local::supervisor_log(dir).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!devnull || !log) throw Error(Errc::failure, "cannot open the supervisor's files in " + dir);
    std::string arg0 = "pdai", arg1 = "__supervise", arg3 = "--lock-fd", arg4 = "3";
    char* argv[] = {arg0.data(), arg1.data(), const_cast<char*>(dir.c_str()), arg3.data(), arg4.data(), nullptr};

    pid_t child = ::fork();
    if (child < 0) throw Error(Errc::failure, std::string("cannot fork the local supervisor: ") + std::strerror(errno));
    if (child == 0) {
        // Only async-signal-safe calls from here on.
        ::setsid();
        pid_t grandchild = ::fork();
        if (grandchild != 0) ::_exit(grandchild < 0 ? 1 : 0);
        ::dup2(devnull.get(), 0);
        ::dup2(log.get(), 1);
        ::dup2(log.get(), 2);
        if (lock.get() == 3) ::fcntl(3, F_SETFD, 0);
        else ::dup2(lock.get(), 3);  // dup2 clears FD_CLOEXEC on the copy
        ::execv(exe.c_str(), argv);
        const char msg[] = "pdai: cannot execute the local supervisor\n";
        [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
        ::_exit(127);
    }
    int st = 0;
    while (::waitpid(child, &st, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) throw Error(Errc::failure, "cannot start the local supervisor");
    return 0;
}

class LocalBackend final : public Backend {
    // This machine is one node: a training job asking for several would silently run one
    // task without its peers, so it is refused instead.
    static void refuse_many_nodes(const PreparedJob& job) {
        const int n = job.spec.resources.nodes;
        if (n > 1)
            throw Error(Errc::usage,
                        "the local backend runs a job on this machine alone, and this one asks for " + std::to_string(n) +
                            " nodes",
                        "train on one node (--nodes 1), or submit to the cluster with --backend slurm");
    }

public:
    explicit LocalBackend(LocalOptions o) : opts_(std::move(o)) {}

    std::string name() const override { return "local"; }
    std::string cluster() const override { return ""; }
    Launcher launcher() const override { return Launcher::local; }

    nlohmann::json describe(const PreparedJob& job) const override {
        refuse_many_nodes(job);
        const auto& r = job.spec.resources;
        nlohmann::json j = {{"backend", "local"},
                            {"host", local::this_host()},
                            {"script", job.layout.script},
                            {"gpus_per_task", r.gpus},
                            {"time_limit_minutes", r.time_minutes},
                            {"environment", job.environment}};
        j["gpu_type"] = r.gpu_type ? nlohmann::json(*r.gpu_type) : nlohmann::json(nullptr);
        if (job.is_array()) {
            j["tasks"] = job.task_indices;
            j["max_parallel"] = job.spec.max_parallel.value_or(default_parallel());
        }
        return j;
    }

    Submitted submit(const PreparedJob& job) override {
        refuse_many_nodes(job);
        const auto& s = job.spec;
        local::RunSpec run;
        run.job_id = job.id;
        run.job_dir = job.layout.job_dir;
        run.script = job.layout.script;
        run.logs_dir = job.layout.logs_dir;
        run.array = job.is_array();
        run.tasks = run.array ? job.task_indices : std::vector<int>{0};
        run.max_parallel = run.array ? s.max_parallel.value_or(default_parallel()) : 1;
        run.gpus = s.resources.gpus;
        run.time_limit_s = std::int64_t{s.resources.time_minutes} * env_int("PDAI_LOCAL_SECONDS_PER_MINUTE", 60);
        run.kill_grace_s = env_int("PDAI_LOCAL_KILL_GRACE", 10);
        run.environment = job.environment;
        run.ledger.account = s.account;
        run.ledger.user = s.user;
        run.ledger.algorithm = s.algorithm.name;
        run.ledger.version = s.algorithm.version;
        run.ledger.vendor = s.algorithm.vendor;
        run.ledger.gpu_type = s.resources.gpu_type;

        std::string message;
        local::HostGpus gpus;
        if (!opts_.catalog.empty()) {
            run.catalog = std::filesystem::absolute(opts_.catalog).string();
            run.busy_timeout_ms = opts_.busy_timeout_ms;
            // A second connection: the submitting one is inside its write transaction, and in
            // WAL mode this one reads the last committed state meanwhile.
            auto c = catalog::Catalog::open({run.catalog, run.busy_timeout_ms, false});
            auto snap = catalog::load_policy_snapshot(c, {pdai::now_unix(), ""});
            auto d = decide(c, job, snap.snapshot, opts_.policy);
            if (!d.admitted()) {
                std::string m = d.message.starts_with("pdai: ") ? d.message.substr(6) : d.message;
                throw Error(Errc::refused, m);
            }
            message = d.message.starts_with("pdai: ") ? d.message.substr(6) : d.message;
            run.ledger.bureau_id = catalog::get_bureau(c, s.bureau).id;
            if (!d.gpu_type.empty()) {
                run.ledger.gpu_type = d.gpu_type;
                run.ledger.weight = d.weight;
                if (auto it = snap.snapshot.gpu_types.find(d.gpu_type); it != snap.snapshot.gpu_types.end())
                    run.ledger.price_cny = it->second.price_cny;
            }
            gpus = local::host_gpus(&c);
        } else {
            gpus = local::host_gpus(nullptr);
        }
        if (run.gpus > 0) {
            run.devices = gpus.usable(s.resources.gpu_type);
            if (static_cast<int>(run.devices.size()) < run.gpus)
                throw Error(Errc::usage,
                            "this machine (" + local::this_host() + ") has " + std::to_string(run.devices.size()) + " " +
                                (s.resources.gpu_type ? *s.resources.gpu_type + " " : std::string()) +
                                "GPU(s) (from " + gpus.source + "); the job asks for " + std::to_string(run.gpus),
                            "ask for fewer GPUs, or declare this machine's GPUs with 'pdai node add " +
                                local::this_host() + " --gpus TYPE:N'");
        }

        std::string root = local::state_root();
        run.id = next_run_id(root);
        std::string dir = local::run_dir(root, run.id);
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        std::filesystem::create_directories(run.logs_dir, ec);
        local::write_json_atomic(local::spec_file(dir), local::to_json(run));
        local::RunStatus st;
        for (int t : run.tasks) {
            TaskStatus ts;
            if (run.array) ts.index = t;
            ts.state = State::pending;
            st.tasks.push_back(ts);
        }
        local::write_json_atomic(local::status_file(dir), local::to_json(st));
        spawn_supervisor(dir);
        return {run.id, State::pending, message};
    }

    std::vector<BackendJob> status(const std::vector<std::int64_t>& ids) override {
        std::string root = local::state_root();
        std::vector<BackendJob> out;
        for (auto id : ids) {
            BackendJob bj;
            bj.id = id;
            std::string dir = local::run_dir(root, id);
            auto j = local::read_json(local::status_file(dir));
            if (j) {
                bj.known = true;
                auto st = local::run_status_from_json(*j);
                // Read the lock after the status: a supervisor that finished between the two
                // reads has written finished = true before releasing it.
                if (!st.finished && !local::is_locked(local::lock_path(dir))) {
                    if (auto again = local::read_json(local::status_file(dir))) st = local::run_status_from_json(*again);
                    if (!st.finished) mark_lost(st);
                }
                std::string host = local::this_host();
                for (auto& t : st.tasks)
                    if (t.state == State::running) t.nodes = host;
                bj.tasks = std::move(st.tasks);
            }
            out.push_back(std::move(bj));
        }
        return out;
    }

    void cancel(const std::vector<std::int64_t>& ids) override {
        std::string root = local::state_root();
        for (auto id : ids) {
            std::string dir = local::run_dir(root, id);
            if (!std::filesystem::exists(local::spec_file(dir))) continue;
            { std::ofstream(local::cancel_file(dir)) << "cancelled\n"; }
            auto j = local::read_json(local::status_file(dir));
            if (j && local::is_locked(local::lock_path(dir))) {
                auto st = local::run_status_from_json(*j);
                if (st.supervisor_pid > 0) ::kill(static_cast<pid_t>(st.supervisor_pid), SIGTERM);
            }
        }
        // Return once the supervisors have stopped their tasks, so that what follows (a
        // listing, a new submission) sees them gone.
        auto grace = std::chrono::seconds(env_int("PDAI_LOCAL_KILL_GRACE", 10) + 5);
        auto until = std::chrono::steady_clock::now() + grace;
        for (auto id : ids) {
            std::string dir = local::run_dir(root, id);
            while (local::is_locked(local::lock_path(dir)) && std::chrono::steady_clock::now() < until)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            finish_orphan(dir);
        }
    }

private:
    LocalOptions opts_;

    static int default_parallel() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

    static void mark_lost(local::RunStatus& st) {
        for (auto& t : st.tasks)
            if (!is_terminal(t.state)) {
                t.state = State::lost;
                t.reason = "the local supervisor (pid " + std::to_string(st.supervisor_pid) +
                           ") died before the task ended";
            }
    }

    // A cancelled run whose supervisor is gone (killed, or it never started): its unfinished
    // tasks are cancelled, not lost.
    static void finish_orphan(const std::string& dir) {
        auto lock = local::lock_file(local::lock_path(dir), true);
        if (!lock) return;
        auto j = local::read_json(local::status_file(dir));
        if (!j) return;
        auto st = local::run_status_from_json(*j);
        if (st.finished) return;
        for (auto& t : st.tasks)
            if (!is_terminal(t.state)) {
                t.state = State::cancelled;
                t.reason = "cancelled";
            }
        st.finished = true;
        local::write_json_atomic(local::status_file(dir), local::to_json(st));
    }
};

}  // namespace

policy::Decision decide(catalog::Catalog& c, const PreparedJob& job, policy::Snapshot& snap,
                        const policy::Settings& settings) {
    const std::int64_t now = pdai::now_unix();
    catalog::JobFilter f;
    f.states = {"submitting", "pending", "running", "suspended", "requeued"};
    f.limit = 0;
    for (const auto& r : catalog::list_jobs(c, f)) {
        if (r.backend != "local" || r.id == job.id) continue;
        policy::admit(snap, policy::evaluate(snap, settings, policy::build_request(quota_ask(r, now))));
    }
    return policy::evaluate(snap, settings, policy::build_request(quota_ask(job, now)));
}

std::unique_ptr<Backend> make_local_backend(LocalOptions o) { return std::make_unique<LocalBackend>(std::move(o)); }

}  // namespace pdai::jobs
