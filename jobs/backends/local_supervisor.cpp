// The supervisor of one local submission. It runs in its own session (see spawn_supervisor),
// starts each task as the leader of its own process group so that a time limit or a cancel
// can signal everything the task started, and writes status.json after every change. It
// waits for signals with sigtimedwait: SIGCHLD (a task ended), SIGTERM/SIGINT (cancel), or a
// short timeout to check time limits, GPU slots and the cancel file.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <deque>
#include <map>

#include "catalog/catalog.hpp"
#include "catalog/jobs.hpp"
#include "catalog/ledger.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "jobs/backends/local_files.hpp"
#include "jobs/backends/local_run.hpp"

namespace pdai::jobs::local {
namespace {

std::int64_t now() { return static_cast<std::int64_t>(::time(nullptr)); }

double mono() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// GPU slots: one lock file per device under the state root, held by the supervisor while a
// task of its uses the device. The kernel drops them if the supervisor dies.
struct Slots {
    std::vector<int> devices;
    std::vector<UniqueFd> locks;

    std::string visible() const {
        std::string s;
        for (int d : devices) {
            if (!s.empty()) s += ',';
            s += std::to_string(d);
        }
        return s;
    }
};

std::optional<Slots> try_take_slots(const std::string& root, const std::vector<int>& candidates, int n) {
    Slots s;
    for (int d : candidates) {
        if (static_cast<int>(s.devices.size()) == n) break;
        auto fd = lock_file(root + "/gpu-" + std::to_string(d) + ".lock", true);
        if (!fd) continue;
        s.devices.push_back(d);
        s.locks.push_back(std::move(fd));
    }
    if (static_cast<int>(s.devices.size()) < n) return std::nullopt;  // the locks go with s
    return s;
}

struct Running {
    std::size_t slot = 0;  // index into RunSpec::tasks / RunStatus::tasks
    Slots gpus;
    double deadline = 0;   // monotonic; 0 = none
    double kill_at = 0;    // SIGKILL after SIGTERM; 0 = not signalled
    bool timed_out = false;
};

class Supervisor {
public:
    Supervisor(std::string dir, RunSpec spec) : dir_(std::move(dir)), spec_(std::move(spec)) {
        status_.supervisor_pid = ::getpid();
        for (int t : spec_.tasks) {
            TaskStatus ts;
            if (spec_.array) ts.index = t;
            ts.state = State::pending;
            status_.tasks.push_back(ts);
        }
        for (std::size_t i = 0; i < spec_.tasks.size(); ++i) pending_.push_back(i);
        root_ = dir_.substr(0, dir_.rfind("/runs/"));
    }

    int run() {
        sigset_t set;
        sigemptyset(&set);
        for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
        ::sigprocmask(SIG_BLOCK, &set, &old_mask_);
        save();
        for (;;) {
            if (!cancelling_ && ::access(cancel_file(dir_).c_str(), F_OK) == 0) cancel();
            start_tasks();
            enforce_limits();
            if (pending_.empty() && running_.empty()) break;
            if (dirty_) save();
            timespec timeout{0, 200'000'000};
            int sig = ::sigtimedwait(&set, nullptr, &timeout);
            if (sig == SIGTERM || sig == SIGINT) cancel();
            reap();
        }
        // The catalog first: whoever sees the run finished (a --wait, a listing) then finds
        // its final state and ledger rows recorded too.
        status_.finished = true;
        record_in_catalog();
        save();
        return 0;
    }

private:
    void save() {
        write_json_atomic(status_file(dir_), to_json(status_));
        dirty_ = false;
    }

    void cancel() {
        cancelling_ = true;
        for (auto i : pending_) {
            status_.tasks[i].state = State::cancelled;
            status_.tasks[i].reason = "cancelled before it started";
        }
        pending_.clear();
        double t = mono();
        for (auto& [pid, r] : running_)
            if (r.kill_at == 0) {
                ::kill(-pid, SIGTERM);
                r.kill_at = t + static_cast<double>(spec_.kill_grace_s);
            }
        dirty_ = true;
    }

    void start_tasks() {
        while (!cancelling_ && !pending_.empty() && static_cast<int>(running_.size()) < spec_.max_parallel) {
            std::size_t i = pending_.front();
            Slots gpus;
            if (spec_.gpus > 0) {
                auto got = try_take_slots(root_, spec_.devices, spec_.gpus);
                if (!got) {
                    std::string why = "waiting for " + std::to_string(spec_.gpus) + " free GPU(s) on this machine";
                    if (status_.tasks[i].reason != why) {
                        status_.tasks[i].reason = why;
                        dirty_ = true;
                    }
                    return;
                }
                gpus = std::move(*got);
            }
            pending_.pop_front();
            start(i, std::move(gpus));
        }
    }

    void start(std::size_t i, Slots gpus) {
        int task = spec_.tasks[i];
        std::string log = spec_.logs_dir + (spec_.array ? "/task-" + std::to_string(task) + ".out" : "/job.out");
        std::vector<std::string> env = spec_.environment;
        env.push_back("PDAI_TASK_INDEX=" + std::to_string(task));
        // Only the task's own devices; none at all for a CPU-only job.
        env.push_back("CUDA_VISIBLE_DEVICES=" + gpus.visible());
        std::vector<char*> envp;
        for (auto& e : env) envp.push_back(e.data());
        envp.push_back(nullptr);
        std::string bash = "/bin/bash";
        char* argv[] = {bash.data(), spec_.script.data(), nullptr};
        UniqueFd out(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        UniqueFd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        auto& ts = status_.tasks[i];
        ts.started_at = now();
        dirty_ = true;
        if (!out || !in) {
            finish(ts, State::failed, 1, "cannot open the task's log " + log + ": " + std::strerror(errno));
            return;
        }
        pid_t pid = ::fork();
        if (pid < 0) {
            finish(ts, State::failed, 1, std::string("cannot fork: ") + std::strerror(errno));
            return;
        }
        if (pid == 0) {
            ::setpgid(0, 0);
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed supervisor takes its tasks along
            ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
            ::dup2(in.get(), 0);
            ::dup2(out.get(), 1);
            ::dup2(out.get(), 2);
            if (::chdir(spec_.job_dir.c_str()) != 0) ::_exit(126);
            ::execve(bash.c_str(), argv, envp.data());
            ::_exit(127);
        }
        ::setpgid(pid, pid);  // also here: no race with the signals below
        ts.state = State::running;
        ts.reason.clear();
        Running r;
        r.slot = i;
        r.gpus = std::move(gpus);
        if (spec_.time_limit_s > 0) r.deadline = mono() + static_cast<double>(spec_.time_limit_s);
        running_.emplace(pid, std::move(r));
    }

    void enforce_limits() {
        double t = mono();
        for (auto& [pid, r] : running_) {
            if (r.kill_at == 0 && r.deadline > 0 && t >= r.deadline) {
                r.timed_out = true;
                ::kill(-pid, SIGTERM);
                r.kill_at = t + static_cast<double>(spec_.kill_grace_s);
            } else if (r.kill_at > 0 && t >= r.kill_at) {
                ::kill(-pid, SIGKILL);
            }
        }
    }

    void reap() {
        for (;;) {
            int st = 0;
            pid_t pid = ::waitpid(-1, &st, WNOHANG);
            if (pid <= 0) return;
            auto it = running_.find(pid);
            if (it == running_.end()) continue;
            Running& r = it->second;
            auto& ts = status_.tasks[r.slot];
            int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            if (r.kill_at > 0) ::kill(-pid, SIGKILL);  // what the task left behind in its group
            // 124, as timeout(1) and Slurm's TIMEOUT give --wait; the signal goes in the reason.
            if (r.timed_out) finish(ts, State::timeout, 124, "killed at its time limit (status " + std::to_string(code) + ")");
            else if (r.kill_at > 0) finish(ts, State::cancelled, code, "cancelled");
            else finish(ts, code == 0 ? State::completed : State::failed, code, "");
            running_.erase(it);  // releases its GPU slots
        }
    }

    void finish(TaskStatus& ts, State s, int code, std::string reason) {
        ts.state = s;
        ts.exit_code = code;
        ts.ended_at = now();
        ts.reason = std::move(reason);
        dirty_ = true;
    }

    static std::string slurm_name(State s) {
        switch (s) {
        case State::completed: return "COMPLETED";
        case State::timeout: return "TIMEOUT";
        case State::cancelled: return "CANCELLED";
        default: return "FAILED";
        }
    }

    // One short transaction: the job's and tasks' final states, and a ledger row per task
    // that ran. Failures are logged, not fatal: status.json already holds the truth.
    void record_in_catalog() {
        if (spec_.catalog.empty()) return;
        try {
            auto c = catalog::Catalog::open({spec_.catalog, std::max(spec_.busy_timeout_ms, 30000), true});
            StateCounts counts;
            std::optional<std::int64_t> started, ended;
            for (const auto& t : status_.tasks) {
                counts.add(t.state);
                if (t.started_at && (!started || *t.started_at < *started)) started = t.started_at;
                if (t.ended_at && (!ended || *t.ended_at > *ended)) ended = t.ended_at;
            }
            State overall = counts.overall();
            std::optional<int> exit_code;
            for (const auto& t : status_.tasks)
                if (t.state != State::completed) {
                    exit_code = exit_code_for(t.state, t.exit_code);
                    break;
                }
            if (overall == State::completed) exit_code = 0;
            c.write([&] {
                if (!catalog::find_job(c, spec_.job_id)) return;  // the submission was rolled back
                if (spec_.array)
                    for (const auto& t : status_.tasks)
                        catalog::update_task_state(c, spec_.job_id, *t.index, std::string(to_string(t.state)),
                                                   t.exit_code, t.started_at, t.ended_at);
                catalog::update_job_state(c, spec_.job_id, std::string(to_string(overall)), exit_code, started,
                                          ended);
                for (const auto& t : status_.tasks) {
                    if (!t.started_at || !t.ended_at) continue;
                    catalog::LedgerRow row;
                    row.cluster = "local";
                    row.slurm_job_id = spec_.id;
                    if (spec_.array) row.array_task_id = *t.index;
                    row.pdai_job_id = spec_.job_id;
                    if (spec_.ledger.bureau_id > 0) row.bureau_id = spec_.ledger.bureau_id;
                    row.account = spec_.ledger.account;
                    row.unix_user = spec_.ledger.user;
                    row.algorithm = spec_.ledger.algorithm;
                    row.algorithm_version = spec_.ledger.version;
                    row.vendor = spec_.ledger.vendor;
                    row.gpu_type = spec_.gpus > 0 ? spec_.ledger.gpu_type : std::nullopt;
                    row.gpus = spec_.gpus;
                    row.start_at = *t.started_at;
                    row.end_at = *t.ended_at;
                    row.elapsed_s = std::max<std::int64_t>(0, row.end_at - row.start_at);
                    row.gpu_hours = spec_.gpus * static_cast<double>(row.elapsed_s) / 3600.0;
                    row.cuh = row.gpu_hours * spec_.ledger.weight;
                    row.cost_cny = row.gpu_hours * spec_.ledger.price_cny;
                    row.exit_state = slurm_name(t.state);
                    row.ingested_at = now();
                    if (!catalog::current_ledger_row(c, row.cluster, row.slurm_job_id, row.array_task_id))
                        catalog::append_ledger_row(c, row);
                }
            });
        } catch (const std::exception& e) {
            log::error("supervisor " + std::to_string(spec_.id) + ": cannot record job " +
                       std::to_string(spec_.job_id) + " in the catalog: " + e.what());
        }
    }

    std::string dir_, root_;
    RunSpec spec_;
    RunStatus status_;
    std::deque<std::size_t> pending_;
    std::map<pid_t, Running> running_;
    sigset_t old_mask_{};
    bool cancelling_ = false, dirty_ = false;
};

}  // namespace

int supervise(const std::string& dir, int lock_fd) {
    // Keep the lock to ourselves: tasks must not hold it, or a killed supervisor would look alive.
    if (lock_fd >= 0) ::fcntl(lock_fd, F_SETFD, FD_CLOEXEC);
    auto j = read_json(spec_file(dir));
    if (!j) {
        log::error("supervisor: no readable " + spec_file(dir));
        return 1;
    }
    Supervisor s(dir, run_spec_from_json(*j));
    return s.run();
}

}  // namespace pdai::jobs::local
