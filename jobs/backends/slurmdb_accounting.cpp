// The real usage::AccountingSource (see slurmdb_accounting.hpp).
#include <pwd.h>
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <slurm/slurmdb.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>

#include "common/error.hpp"
#include "jobs/backends/slurm_client.hpp"
#include "policy/array_spec.hpp"
#include "policy/gpu_request.hpp"
#include "jobs/backends/slurmdb_accounting.hpp"
#include "slurmapi/slurm_compat.hpp"  // slurm_conf, lists, job ids, errors

namespace pdai::jobs {
namespace {

using usage::AccountingSource;
using usage::ActiveJob;
using usage::FinishedJob;

// ------------------------------------------------------------------ RAII for libslurm objects

struct ListFree {
    void operator()(void* l) const noexcept { slurm_list_destroy(static_cast<slurmapi::list_ptr>(l)); }
};
using ListPtr = std::unique_ptr<std::remove_pointer_t<slurmapi::list_ptr>, ListFree>;

struct IterFree {
    void operator()(void* i) const noexcept {
        slurm_list_iterator_destroy(static_cast<slurmapi::list_iterator_ptr>(i));
    }
};
using IterPtr = std::unique_ptr<std::remove_pointer_t<slurmapi::list_iterator_ptr>, IterFree>;

struct JobInfoFree {
    void operator()(job_info_msg_t* m) const noexcept { slurm_free_job_info_msg(m); }
};
using JobInfoPtr = std::unique_ptr<job_info_msg_t, JobInfoFree>;

class DbConnection {
public:
    DbConnection() {
        errno = 0;
        uint16_t flags = 0;
        conn_ = slurmdb_connection_get(&flags);
    }
    ~DbConnection() {
        if (conn_) slurmdb_connection_close(&conn_);
    }
    DbConnection(const DbConnection&) = delete;
    DbConnection& operator=(const DbConnection&) = delete;
    void* get() const noexcept { return conn_; }

private:
    void* conn_ = nullptr;
};

template <class T, class F>
void for_each(slurmapi::list_ptr l, F f) {
    if (!l) return;
    IterPtr it(slurm_list_iterator_create(l));
    while (void* x = slurm_list_next(it.get())) f(*static_cast<T*>(x));
}

// ------------------------------------------------------------------ configuration and errors

std::string str(const char* s) { return s ? s : ""; }

std::string slurmdbd_address() {
    return str(slurm_conf.accounting_storage_host) + ":" +
           std::to_string(slurm_conf.accounting_storage_port ? slurm_conf.accounting_storage_port : 6819);
}

[[noreturn]] void unreachable(const std::string& daemon, const std::string& where, int e) {
    throw Error(Errc::unreachable,
                "cannot reach " + daemon + " at " + where + ": " + (e ? slurm_strerror(e) : "no answer"),
                daemon == "slurmdbd" ? "check that slurmdbd runs ('sacctmgr ping' or 'sacct')"
                                     : "check that slurmctld runs ('scontrol ping')");
}

// Base job states by name, as sacct prints them.
std::string state_name(uint32_t state) {
    switch (state & JOB_STATE_BASE) {
    case JOB_PENDING: return "PENDING";
    case JOB_RUNNING: return "RUNNING";
    case JOB_SUSPENDED: return "SUSPENDED";
    case JOB_COMPLETE: return "COMPLETED";
    case JOB_CANCELLED: return "CANCELLED";
    case JOB_FAILED: return "FAILED";
    case JOB_TIMEOUT: return "TIMEOUT";
    case JOB_NODE_FAIL: return "NODE_FAIL";
    case JOB_PREEMPTED: return "PREEMPTED";
    case JOB_BOOT_FAIL: return "BOOT_FAIL";
    case JOB_DEADLINE: return "DEADLINE";
    case JOB_OOM: return "OUT_OF_MEMORY";
    default: return "UNKNOWN";
    }
}

std::string user_name(const char* user, uint32_t uid) {
    if (user && *user) return user;
    if (struct passwd* pw = ::getpwuid(uid)) return pw->pw_name;
    return std::to_string(uid);
}

class SlurmAccounting final : public AccountingSource {
public:
    SlurmAccounting() { slurm::init_once(); }

    std::string cluster() override { return str(slurm_conf.cluster_name); }

    std::vector<FinishedJob> jobs_between(std::int64_t from, std::int64_t to) override {
        DbConnection db;
        if (!db.get()) unreachable("slurmdbd", slurmdbd_address(), slurmapi::last_error());
        auto tres = tres_names(db);

        std::string cluster_name = cluster();
        ListPtr clusters(slurm_list_create(nullptr));  // borrowed strings: nothing to free
        slurm_list_append(clusters.get(), cluster_name.data());
        slurmdb_job_cond_t cond{};
        cond.cluster_list = clusters.get();
        // No steps; times not cut to the window (a job is charged all of its run).
        cond.flags = JOBCOND_FLAG_NO_STEP | JOBCOND_FLAG_NO_TRUNC;
        cond.db_flags = SLURMDB_JOB_FLAG_NOTSET;  // 0 would match only jobs with no flags: none
        // 0 would mean "today" to slurmdbd's defaults; 1 is the epoch for our purpose.
        cond.usage_start = static_cast<time_t>(std::max<std::int64_t>(from, 1));
        // slurmdbd's window is half-open (a job must start before usage_end): one second more
        // takes in a job that started and ended in the very second of this sync.
        cond.usage_end = static_cast<time_t>(to + 1);
        errno = 0;
        ListPtr jobs(slurmdb_jobs_get(db.get(), &cond));
        if (!jobs) unreachable("slurmdbd", slurmdbd_address(), slurmapi::last_error());

        std::vector<FinishedJob> out;
        for_each<slurmdb_job_rec_t>(jobs.get(), [&](const slurmdb_job_rec_t& j) {
            FinishedJob f;
            f.cluster = j.cluster ? j.cluster : cluster_name;
            const bool task = j.array_task_id != NO_VAL && j.array_job_id != 0;
            f.job_id = task ? j.array_job_id : j.jobid;
            if (task) f.array_task_id = j.array_task_id;
            f.account = str(j.account);
            f.user = user_name(j.user, j.uid);
            f.state = state_name(j.state);
            f.alloc_tres = named_tres(str(j.tres_alloc_str), tres);
            f.name = str(j.jobname);
            f.work_dir = str(j.work_dir);
            f.submit = j.submit > 0 && j.submit < static_cast<time_t>(NO_VAL) ? j.submit : 0;
            f.comment = str(j.derived_es);  // the job's --comment, when AccountingStoreFlags=job_comment
            // slurmdbd keeps NO_VAL for the times of a job that never started (seen: jobs
            // cancelled while pending whose account was then deleted). 0 = unknown, and sync
            // leaves a job without an end out of the ledger.
            auto when = [](time_t t) -> std::int64_t { return t <= 0 || t >= static_cast<time_t>(NO_VAL) ? 0 : t; };
            f.start = when(j.start);
            f.end = when(j.end);
            f.elapsed_s = j.elapsed >= NO_VAL ? 0 : j.elapsed;
            if (WIFEXITED(j.exitcode)) f.exit_code = WEXITSTATUS(j.exitcode);
            out.push_back(std::move(f));
        });
        return out;
    }

    std::vector<ActiveJob> active_jobs() override {
        job_info_msg_t* raw = nullptr;
        if (slurm_load_jobs(0, &raw, SHOW_ALL) != SLURM_SUCCESS)
            unreachable("slurmctld", slurm::controller(), slurmapi::last_error());
        JobInfoPtr msg(raw);
        std::vector<ActiveJob> out;
        for (uint32_t i = 0; i < msg->record_count; ++i) {
            const slurm_job_info_t& j = msg->job_array[i];
            const uint32_t base = j.job_state & JOB_STATE_BASE;
            if (base != JOB_PENDING && base != JOB_RUNNING && base != JOB_SUSPENDED) continue;
            ActiveJob a;
            a.job_id = slurmapi::job_id(j);
            if (j.array_job_id != 0 && j.array_job_id != NO_VAL) a.array_job_id = j.array_job_id;
            a.name = str(j.name);
            a.comment = str(j.comment);
            a.work_dir = str(j.work_dir);
            a.user = user_name(nullptr, j.user_id);
            a.submit = j.submit_time > 0 ? j.submit_time : 0;
            a.account = str(j.account);
            a.state = state_name(j.job_state);
            // Views into Slurm's message (alive while msg is), never into temporaries.
            auto view = [](const char* p) { return p ? std::string_view(p) : std::string_view(); };
            policy::TresFields tf{view(j.tres_per_job), view(j.tres_per_node), view(j.tres_per_task),
                                  view(j.tres_per_socket)};
            auto nz = [](uint32_t v) -> std::optional<int> {
                return v == 0 || v == NO_VAL || v == INFINITE ? std::nullopt : std::optional<int>(static_cast<int>(v));
            };
            auto nz16 = [](uint16_t v) -> std::optional<int> {
                return v == 0 || v == NO_VAL16 || v == INFINITE16 ? std::nullopt : std::optional<int>(v);
            };
            policy::JobShape shape{nz(j.num_nodes), nz(j.max_nodes), nz(j.num_tasks),
                                   nz16(j.ntasks_per_node), nz16(j.sockets_per_node)};
            auto ask = policy::gpu_ask_from_tres(tf, shape);
            if (!ask) continue;  // the plugin refused what it cannot read; nothing to charge
            a.gpus = ask->count;
            a.gpu_type = ask->type;
            a.gpu_mix = ask->mixed;
            a.nodes = static_cast<int>(j.num_nodes ? j.num_nodes : 1);
            if (j.array_task_str && *j.array_task_str)  // a pending array's remaining tasks
                if (auto spec = policy::parse_array_spec(j.array_task_str)) a.tasks = spec->tasks;
            if (j.time_limit != NO_VAL && j.time_limit != INFINITE) a.time_limit_minutes = static_cast<int>(j.time_limit);
            out.push_back(std::move(a));
        }
        return out;
    }

private:
    // TRES ids -> "cpu", "mem", "gres/gpu", "gres/gpu:a100".
    static std::map<std::string, std::string> tres_names(DbConnection& db) {
        slurmdb_tres_cond_t cond{};
        cond.with_deleted = 1;
        ListPtr list(slurmdb_tres_get(db.get(), &cond));
        if (!list) unreachable("slurmdbd", slurmdbd_address(), slurmapi::last_error());
        std::map<std::string, std::string> out;
        for_each<slurmdb_tres_rec_t>(list.get(), [&](const slurmdb_tres_rec_t& t) {
            std::string name = str(t.type);
            if (t.name && *t.name) name += '/' + str(t.name);
            out[std::to_string(t.id)] = name;
        });
        return out;
    }

    // "1=2,4=1,1001=2" -> "cpu=2,node=1,gres/gpu:a100=2"
    static std::string named_tres(const std::string& ids, const std::map<std::string, std::string>& names) {
        std::string out;
        std::size_t pos = 0;
        while (pos < ids.size()) {
            auto comma = ids.find(',', pos);
            if (comma == std::string::npos) comma = ids.size();
            auto item = ids.substr(pos, comma - pos);
            pos = comma + 1;
            auto eq = item.find('=');
            if (eq == std::string::npos) continue;
            auto it = names.find(item.substr(0, eq));
            if (it == names.end()) continue;
            out += (out.empty() ? "" : ",") + it->second + item.substr(eq);
        }
        return out;
    }
};

}  // namespace

std::unique_ptr<usage::AccountingSource> make_slurmdb_accounting() {
    return std::make_unique<SlurmAccounting>();
}

}  // namespace pdai::jobs
