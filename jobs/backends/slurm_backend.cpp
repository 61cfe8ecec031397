#include "jobs/backends/slurm_backend.hpp"

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "jobs/backends/slurm_client.hpp"
#include "jobs/backends/slurm_request.hpp"
#include "jobs/shards.hpp"
#include "slurmapi/slurm_compat.hpp"

// slurm_conf (the slurm.conf that slurm_init() parsed: the cluster's name without asking
// the controller) and the text of a pending reason come through slurmapi/slurm_compat.hpp.

namespace pdai::jobs {
namespace {

// ------------------------------------------------------------------ RAII for Slurm messages

struct JobInfoFree {
    void operator()(job_info_msg_t* m) const noexcept { slurm_free_job_info_msg(m); }
};
using JobInfoPtr = std::unique_ptr<job_info_msg_t, JobInfoFree>;

struct SubmitResponseFree {
    void operator()(submit_response_msg_t* m) const noexcept {
        slurm_free_submit_response_response_msg(m);
    }
};
using SubmitResponsePtr = std::unique_ptr<submit_response_msg_t, SubmitResponseFree>;

// ------------------------------------------------------------------ configuration and errors

// Slurm's own words, with the exit code and a next step for the common refusals.
Error slurm_error(int e, const std::string& doing) {
    std::string text = slurm_strerror(e);
    if (slurm::is_unreachable(e))
        return Error(Errc::unreachable,
                     "cannot reach slurmctld at " + slurm::controller() + " while " + doing + ": " + text,
                     "check that slurmctld runs ('scontrol ping'); the address comes from " +
                         slurm::conf_path());
    switch (e) {
    case ESLURM_INVALID_PARTITION_NAME:
        return Error(Errc::not_found, "Slurm rejected the job: " + text,
                     "list partitions with 'sinfo -s', or leave out --partition");
    case ESLURM_INVALID_GRES:
    case ESLURM_INVALID_GRES_TYPE:
        return Error(Errc::not_found, "Slurm rejected the job: " + text,
                     "the cluster has no such GPU type or not that many per node; see 'sinfo -o \"%P %G\"'");
    case ESLURM_INVALID_ACCOUNT:
        return Error(Errc::refused, "Slurm rejected the job: " + text,
                     "the bureau's Slurm account must exist and list you (sacctmgr show assoc user=$USER)");
    case ESLURM_ACCESS_DENIED: return Error(Errc::refused, "Slurm refused: " + text);
    case ESLURM_ACCOUNTING_POLICY:
        // The job_submit plugin's refusal (pdai's own, with its reason), or Slurm's limits:
        // refused, as 'pdai quota check' and --dry-run say for the same job.
        if (text.starts_with("pdai: ")) return Error(Errc::refused, text.substr(6));
        return Error(Errc::refused, "Slurm refused the job: " + text,
                     "see 'pdai quota check' and the association's limits (sacctmgr show assoc)");
    case ESLURM_INVALID_JOB_ID:
        return Error(Errc::not_found, "Slurm does not know the job: " + text);
    case ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE:
    case ESLURM_INVALID_NODE_COUNT:
    case ESLURM_INVALID_TIME_LIMIT:
        return Error(Errc::usage, "Slurm rejected the job: " + text,
                     "ask for fewer resources (--gpus, --cpus, --mem, --nodes, --time)");
    default: return Error(Errc::failure, "Slurm rejected " + doing + ": " + text);
    }
}

// ------------------------------------------------------------------ job state

State map_state(std::uint32_t job_state) {
    switch (job_state & JOB_STATE_BASE) {
    case JOB_PENDING: return (job_state & JOB_REQUEUE) ? State::requeued : State::pending;
    case JOB_RUNNING: return State::running;
    case JOB_SUSPENDED: return State::suspended;
    case JOB_COMPLETE: return State::completed;
    case JOB_CANCELLED: return State::cancelled;
    case JOB_FAILED: return State::failed;
    case JOB_TIMEOUT: return State::timeout;
    case JOB_NODE_FAIL: return State::node_fail;
    case JOB_PREEMPTED: return State::preempted;
    case JOB_BOOT_FAIL: return State::boot_fail;
    case JOB_DEADLINE: return State::deadline;
    case JOB_OOM: return State::out_of_memory;
    default: return State::lost;
    }
}

// The wait(2) status Slurm records, as a shell would show it.
int shell_exit_code(std::uint32_t status) {
    int s = static_cast<int>(status);
    if (WIFSIGNALED(s)) return 128 + WTERMSIG(s);
    return WEXITSTATUS(s);
}

std::string reason_text(const slurm_job_info_t& j) {
    if (j.state_desc && *j.state_desc) return j.state_desc;
    if (j.state_reason == WAIT_NO_REASON) return "";
    return slurmapi::job_reason_text(j.state_reason);
}

TaskStatus task_from(const slurm_job_info_t& j, std::optional<int> index) {
    TaskStatus t;
    t.index = index;
    t.state = map_state(j.job_state);
    if (is_terminal(t.state)) {
        t.exit_code = shell_exit_code(j.exit_code);
        if (j.end_time > 0) t.ended_at = j.end_time;
    }
    if (t.state != State::pending && t.state != State::requeued && j.start_time > 0)
        t.started_at = j.start_time;
    if (j.nodes) t.nodes = j.nodes;
    t.reason = reason_text(j);
    return t;
}

// One record of slurm_load_job(s): a plain job, one array task, or the array's record of
// tasks not yet started ("array_task_str" lists them; one TaskStatus each).
void add_record(const slurm_job_info_t& j, std::vector<TaskStatus>& out) {
    if (j.array_job_id == 0) {
        out.push_back(task_from(j, std::nullopt));
        return;
    }
    if (j.array_task_id != NO_VAL) {
        out.push_back(task_from(j, static_cast<int>(j.array_task_id)));
        return;
    }
    if (!j.array_task_str) return;
    auto indices = parse_index_ranges(j.array_task_str);
    if (!indices) return;
    TaskStatus t = task_from(j, std::nullopt);
    for (int i : *indices) {
        t.index = i;
        out.push_back(t);
    }
}

std::int64_t owner_id(const slurm_job_info_t& j) {
    return j.array_job_id != 0 ? j.array_job_id : slurmapi::job_id(j);
}

// ------------------------------------------------------------------ the backend

class SlurmBackend final : public Backend {
public:
    SlurmBackend() { slurm::init_once("set SLURM_CONF to the cluster's slurm.conf, or use --backend local"); }

    std::string name() const override { return "slurm"; }
    std::string cluster() const override {
        return slurm_conf.cluster_name ? slurm_conf.cluster_name : "";
    }
    Launcher launcher() const override { return Launcher::slurm; }

    nlohmann::json describe(const PreparedJob& job) const override {
        auto j = to_json(build_slurm_request(job, ::getuid(), ::getgid()));
        j["controller"] = slurm::controller();
        j["cluster"] = cluster();
        return j;
    }

    Submitted submit(const PreparedJob& job) override {
        SlurmRequest q = build_slurm_request(job, ::getuid(), ::getgid());
        job_desc_msg_t d;
        slurm_init_job_desc_msg(&d);
        // Slurm takes char*; it only reads them, and q outlives the call.
        auto str = [](const std::string& s) { return const_cast<char*>(s.c_str()); };
        d.name = str(q.name);
        d.comment = str(q.comment);
        d.account = str(q.account);
        if (q.partition) d.partition = str(*q.partition);
        d.work_dir = str(q.work_dir);
        d.std_out = str(q.std_out);
        if (q.append_output) d.open_mode = OPEN_MODE_APPEND;
        d.time_limit = q.time_limit;
        d.min_nodes = q.min_nodes;
        d.max_nodes = q.max_nodes;
        d.num_tasks = q.num_tasks;
        if (q.ntasks_per_node) d.ntasks_per_node = *q.ntasks_per_node;
        d.cpus_per_task = q.cpus_per_task;
        if (q.pn_min_memory) d.pn_min_memory = *q.pn_min_memory;
        if (q.tres_per_node) d.tres_per_node = str(*q.tres_per_node);
        if (q.array_inx) d.array_inx = str(*q.array_inx);
        d.requeue = q.requeue;
        d.user_id = q.user_id;
        d.group_id = q.group_id;
        std::vector<char*> env;
        env.reserve(q.environment.size() + 1);
        for (const auto& e : q.environment) env.push_back(str(e));
        env.push_back(nullptr);
        d.environment = env.data();
        d.env_size = static_cast<std::uint32_t>(q.environment.size());
        d.script = str(q.script);
        std::string argv0 = job.layout.script;
        char* argv[] = {str(argv0), nullptr};
        d.argc = 1;
        d.argv = argv;

        submit_response_msg_t* raw = nullptr;
        int rc = slurm_submit_batch_job(&d, &raw);
        SubmitResponsePtr resp(raw);
        if (rc != SLURM_SUCCESS) throw slurm_error(slurmapi::last_error(), "submitting pdai job " + std::to_string(job.id));
        if (!resp) throw Error(Errc::failure, "Slurm accepted pdai job " + std::to_string(job.id) + " but returned no job id");
        Submitted s;
        s.id = slurmapi::job_id(*resp);
        s.state = State::pending;
        if (resp->job_submit_user_msg && *resp->job_submit_user_msg) s.message = resp->job_submit_user_msg;
        return s;
    }

    std::vector<BackendJob> status(const std::vector<std::int64_t>& ids) override {
        std::vector<BackendJob> out;
        out.reserve(ids.size());
        for (auto id : ids) out.push_back({id, false, {}});
        if (ids.empty()) return out;
        // A few ids: one small request each. Many: one listing of every job, filtered here.
        if (ids.size() <= 8) {
            for (auto& b : out) {
                job_info_msg_t* raw = nullptr;
                int rc = slurmapi::load_job(&raw, static_cast<std::uint32_t>(b.id), SHOW_ALL);
                JobInfoPtr msg(raw);
                if (rc != SLURM_SUCCESS) {
                    int e = slurmapi::last_error();
                    if (e == ESLURM_INVALID_JOB_ID) continue;
                    throw slurm_error(e, "reading the state of Slurm job " + std::to_string(b.id));
                }
                for (std::uint32_t i = 0; msg && i < msg->record_count; ++i) {
                    const auto& j = msg->job_array[i];
                    if (owner_id(j) != b.id) continue;
                    b.known = true;
                    add_record(j, b.tasks);
                }
            }
            return out;
        }
        job_info_msg_t* raw = nullptr;
        int rc = slurm_load_jobs(0, &raw, SHOW_ALL);
        JobInfoPtr msg(raw);
        if (rc != SLURM_SUCCESS) throw slurm_error(slurmapi::last_error(), "listing Slurm jobs");
        std::map<std::int64_t, BackendJob*> by_id;
        for (auto& b : out) by_id[b.id] = &b;
        for (std::uint32_t i = 0; msg && i < msg->record_count; ++i) {
            const auto& j = msg->job_array[i];
            auto it = by_id.find(owner_id(j));
            if (it == by_id.end()) continue;
            it->second->known = true;
            add_record(j, it->second->tasks);
        }
        return out;
    }

    void cancel(const std::vector<std::int64_t>& ids) override {
        for (auto id : ids) {
            std::string s = std::to_string(id);
            // Every task of an array, started or not.
            if (slurm_kill_job2(s.c_str(), SIGKILL, slurmapi::kKillWholeArray, nullptr) == SLURM_SUCCESS)
                continue;
            int e = slurmapi::last_error();
            if (e == ESLURM_ALREADY_DONE || e == ESLURM_INVALID_JOB_ID) continue;
            throw slurm_error(e, "cancelling Slurm job " + s);
        }
    }
};

}  // namespace

std::unique_ptr<Backend> make_slurm_backend() { return std::make_unique<SlurmBackend>(); }

}  // namespace pdai::jobs
