#include "catalog/jobs.hpp"

#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "common/error.hpp"

namespace pdai::catalog {
namespace {

// Bureau and algorithm come by join, so a listing needs no second query per row.
constexpr const char* kSelect =
    "SELECT j.id, j.kind, j.backend, j.cluster, b.code, b.slurm_account, j.unix_user, "
    "j.algorithm_version_id, coalesce(a.name || '@' || v.version, ''), j.slurm_job_id, j.state, "
    "j.exit_code, j.gpu_type, j.gpus_per_task, j.nodes, j.tasks, j.time_limit_minutes, "
    "j.idempotency_key, j.request_json, coalesce(j.workdir, ''), j.submitted_at, j.started_at, "
    "j.ended_at "
    "FROM jobs j JOIN bureaus b ON b.id = j.bureau_id "
    "LEFT JOIN algorithm_versions v ON v.id = j.algorithm_version_id "
    "LEFT JOIN algorithms a ON a.id = v.algorithm_id ";

std::optional<int> opt_int(const Stmt& s, int col) {
    if (s.is_null(col)) return std::nullopt;
    return static_cast<int>(s.i64(col));
}

JobRecord read_job(const Stmt& s) {
    JobRecord r;
    r.id = s.i64(0);
    r.kind = s.text(1);
    r.backend = s.text(2);
    r.cluster = s.text(3);
    r.bureau = s.text(4);
    r.account = s.text(5);
    r.unix_user = s.text(6);
    r.algorithm_version_id = s.opt_i64(7);
    r.algorithm = s.text(8);
    r.slurm_job_id = s.opt_i64(9);
    r.state = s.text(10);
    r.exit_code = opt_int(s, 11);
    r.gpu_type = s.opt_text(12);
    r.gpus_per_task = static_cast<int>(s.i64(13));
    r.nodes = static_cast<int>(s.i64(14));
    r.tasks = static_cast<int>(s.i64(15));
    r.time_limit_minutes = opt_int(s, 16);
    r.idempotency_key = s.opt_text(17);
    r.request_json = s.text(18);
    r.workdir = s.text(19);
    r.submitted_at = s.i64(20);
    r.started_at = s.opt_i64(21);
    r.ended_at = s.opt_i64(22);
    return r;
}

std::optional<JobRecord> one(Stmt& s) {
    if (!s.step()) return std::nullopt;
    return read_job(s);
}

}  // namespace

std::int64_t next_job_id(Catalog& c) {
    auto s = db_of(c).prepare("SELECT coalesce(max(id), 0) + 1 FROM jobs");
    s.step();
    return s.i64(0);
}

std::int64_t insert_job(Catalog& c, const NewJobRecord& j) {
    auto s = db_of(c).prepare(
        "INSERT INTO jobs (kind, backend, cluster, bureau_id, unix_user, algorithm_version_id, "
        "state, gpu_type, gpus_per_task, nodes, tasks, time_limit_minutes, idempotency_key, "
        "request_json, workdir, submitted_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, j.kind).bind(2, j.backend).bind(3, j.cluster).bind(4, j.bureau_id);
    s.bind(5, j.unix_user).bind(6, j.algorithm_version_id).bind(7, j.state).bind(8, j.gpu_type);
    s.bind(9, j.gpus_per_task).bind(10, j.nodes).bind(11, j.tasks).bind(12, j.time_limit_minutes);
    s.bind(13, j.idempotency_key).bind(14, j.request_json).bind(15, j.workdir);
    s.bind(16, j.submitted_at ? *j.submitted_at : now_unix());
    s.run();
    return db_of(c).last_insert_id();
}

void set_job_workdir(Catalog& c, std::int64_t id, const std::string& workdir) {
    auto s = db_of(c).prepare("UPDATE jobs SET workdir = ? WHERE id = ?");
    s.bind(1, workdir).bind(2, id).run();
}

void set_job_submitted(Catalog& c, std::int64_t id, std::optional<std::int64_t> slurm_job_id,
                       const std::string& state) {
    auto s = db_of(c).prepare(
        "UPDATE jobs SET slurm_job_id = ?, state = ?, exit_code = NULL, ended_at = NULL "
        "WHERE id = ?");
    s.bind(1, slurm_job_id).bind(2, state).bind(3, id).run();
}

void record_job_accepted(Catalog& c, std::int64_t id, std::int64_t backend_job_id, const std::string& state) {
    auto j = db_of(c).prepare(
        "UPDATE jobs SET slurm_job_id = ?1, state = CASE state WHEN 'submitting' THEN ?2 ELSE state END "
        "WHERE id = ?3");
    j.bind(1, backend_job_id).bind(2, state).bind(3, id).run();
    auto t = db_of(c).prepare(
        "UPDATE job_tasks SET slurm_job_id = ?1, state = CASE state WHEN 'submitting' THEN ?2 ELSE state END "
        "WHERE job_id = ?3 AND slurm_job_id IS NULL");
    t.bind(1, backend_job_id).bind(2, state).bind(3, id).run();
}

bool delete_unaccepted_job(Catalog& c, std::int64_t id) {
    auto t = db_of(c).prepare(
        "DELETE FROM job_tasks WHERE job_id = ?1 AND EXISTS (SELECT 1 FROM jobs WHERE id = ?1 "
        "AND state = 'submitting' AND slurm_job_id IS NULL)");
    t.bind(1, id).run();
    auto j = db_of(c).prepare("DELETE FROM jobs WHERE id = ? AND state = 'submitting' AND slurm_job_id IS NULL");
    j.bind(1, id).run();
    return db_of(c).changes() > 0;
}

std::vector<JobRecord> list_unaccepted_jobs(Catalog& c, const std::string& cluster) {
    auto s = db_of(c).prepare(std::string(kSelect) +
                            "WHERE j.backend = 'slurm' AND j.cluster = ? AND j.state = 'submitting' "
                            "AND j.slurm_job_id IS NULL ORDER BY j.id");
    s.bind(1, cluster);
    std::vector<JobRecord> out;
    while (s.step()) out.push_back(read_job(s));
    return out;
}

void update_job_state(Catalog& c, std::int64_t id, const std::string& state,
                      std::optional<int> exit_code, std::optional<std::int64_t> started_at,
                      std::optional<std::int64_t> ended_at) {
    auto s = db_of(c).prepare(
        "UPDATE jobs SET state = ?, exit_code = coalesce(?, exit_code), "
        "started_at = coalesce(?, started_at), ended_at = coalesce(?, ended_at) WHERE id = ?");
    s.bind(1, state).bind(2, exit_code).bind(3, started_at).bind(4, ended_at).bind(5, id).run();
}

std::optional<JobRecord> find_job(Catalog& c, std::int64_t id) {
    auto s = db_of(c).prepare(std::string(kSelect) + "WHERE j.id = ?");
    s.bind(1, id);
    return one(s);
}

JobRecord get_job(Catalog& c, std::int64_t id) {
    if (auto r = find_job(c, id)) return *r;
    throw Error(Errc::not_found, "no pdai job " + std::to_string(id),
                "list jobs with 'pdai jobs list'; a Slurm job id can be given as slurm:ID");
}

std::optional<JobRecord> find_job_by_key(Catalog& c, const std::string& idempotency_key) {
    auto s = db_of(c).prepare(std::string(kSelect) + "WHERE j.idempotency_key = ?");
    s.bind(1, idempotency_key);
    return one(s);
}

namespace {
// The job whose (latest or any task's) backend id is `id`: of `backend` when given, in
// `cluster` when given; a Slurm job first, then the newest.
std::optional<JobRecord> find_by_backend_id(Catalog& c, const std::optional<std::string>& backend,
                                            const std::optional<std::string>& cluster, std::int64_t id) {
    auto s = db_of(c).prepare(std::string(kSelect) +
                            "WHERE (?1 IS NULL OR j.backend = ?1) AND (?2 IS NULL OR j.cluster = ?2) AND "
                            "(j.slurm_job_id = ?3 OR j.id IN (SELECT job_id FROM job_tasks WHERE slurm_job_id = ?3)) "
                            "ORDER BY j.backend = 'slurm' DESC, j.id DESC LIMIT 1");
    s.bind(1, backend).bind(2, cluster).bind(3, id);
    return one(s);
}
}  // namespace

std::optional<JobRecord> find_job_by_slurm_id(Catalog& c, const std::optional<std::string>& cluster,
                                              std::int64_t slurm_job_id) {
    return find_by_backend_id(c, std::string("slurm"), cluster, slurm_job_id);
}

std::optional<JobRecord> find_job_by_backend_id(Catalog& c, std::int64_t backend_job_id) {
    return find_by_backend_id(c, std::nullopt, std::nullopt, backend_job_id);
}


std::vector<JobRecord> list_jobs(Catalog& c, const JobFilter& f) {
    std::string sql = kSelect;
    sql += "WHERE (?1 IS NULL OR b.code = ?1) AND (?2 IS NULL OR j.unix_user = ?2) "
           "AND (?3 IS NULL OR j.submitted_at >= ?3)";
    if (!f.states.empty()) {
        sql += " AND j.state IN (";
        for (std::size_t i = 0; i < f.states.size(); ++i) sql += i ? ", ?" : "?";
        sql += ")";
    }
    if (f.visible_to) {
        sql += " AND (j.unix_user = ?";
        if (!f.visible_to->first.empty()) {
            sql += " OR b.code IN (";
            for (std::size_t i = 0; i < f.visible_to->first.size(); ++i) sql += i ? ", ?" : "?";
            sql += ")";
        }
        sql += ")";
    }
    sql += " ORDER BY j.id DESC";
    if (f.limit > 0) sql += " LIMIT " + std::to_string(f.limit);
    auto s = db_of(c).prepare(sql);
    s.bind(1, f.bureau).bind(2, f.user).bind(3, f.since);
    int at = 4;
    for (const auto& st : f.states) s.bind(at++, st);
    if (f.visible_to) {
        s.bind(at++, f.visible_to->second);
        for (const auto& code : f.visible_to->first) s.bind(at++, code);
    }
    std::vector<JobRecord> out;
    while (s.step()) out.push_back(read_job(s));
    return out;
}

void set_tasks_submitted(Catalog& c, std::int64_t job_id, const std::vector<int>& indices,
                         std::optional<std::int64_t> slurm_job_id, const std::string& state) {
    auto s = db_of(c).prepare(
        "INSERT INTO job_tasks (job_id, task_index, slurm_job_id, state) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (job_id, task_index) DO UPDATE SET slurm_job_id = excluded.slurm_job_id, "
        "state = excluded.state, exit_code = NULL, started_at = NULL, ended_at = NULL");
    for (int i : indices) {
        s.bind(1, job_id).bind(2, i).bind(3, slurm_job_id).bind(4, state);
        s.run();
        s.reset();
    }
}

void update_task_state(Catalog& c, std::int64_t job_id, int index, const std::string& state,
                       std::optional<int> exit_code, std::optional<std::int64_t> started_at,
                       std::optional<std::int64_t> ended_at) {
    auto s = db_of(c).prepare(
        "UPDATE job_tasks SET state = ?, exit_code = coalesce(?, exit_code), "
        "started_at = coalesce(?, started_at), ended_at = coalesce(?, ended_at) "
        "WHERE job_id = ? AND task_index = ?");
    s.bind(1, state).bind(2, exit_code).bind(3, started_at).bind(4, ended_at).bind(5, job_id);
    s.bind(6, index).run();
}

std::vector<JobTaskRecord> list_job_tasks(Catalog& c, std::int64_t job_id) {
    auto s = db_of(c).prepare(
        "SELECT job_id, task_index, slurm_job_id, state, exit_code, started_at, ended_at "
        "FROM job_tasks WHERE job_id = ? ORDER BY task_index");
    s.bind(1, job_id);
    std::vector<JobTaskRecord> out;
    while (s.step())
        out.push_back({s.i64(0), static_cast<int>(s.i64(1)), s.opt_i64(2), s.text(3),
                       opt_int(s, 4), s.opt_i64(5), s.opt_i64(6)});
    return out;
}

namespace {
nlohmann::json opt_time(const std::optional<std::int64_t>& t) {
    return t ? nlohmann::json(format_time(*t)) : nlohmann::json(nullptr);
}
template <class T>
nlohmann::json opt(const std::optional<T>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
}  // namespace

void to_json(nlohmann::json& j, const JobRecord& r) {
    j = {{"id", r.id},
         {"kind", r.kind},
         {"backend", r.backend},
         {"cluster", r.cluster},
         {"bureau", r.bureau},
         {"account", r.account},
         {"user", r.unix_user},
         {"algorithm", r.algorithm},
         {"slurm_job_id", opt(r.slurm_job_id)},
         {"state", r.state},
         {"exit_code", opt(r.exit_code)},
         {"gpu_type", opt(r.gpu_type)},
         {"gpus_per_task", r.gpus_per_task},
         {"nodes", r.nodes},
         {"tasks", r.tasks},
         {"time_limit_minutes", opt(r.time_limit_minutes)},
         {"idempotency_key", opt(r.idempotency_key)},
         {"job_dir", r.workdir},
         {"submitted_at", format_time(r.submitted_at)},
         {"started_at", opt_time(r.started_at)},
         {"ended_at", opt_time(r.ended_at)}};
}

void to_json(nlohmann::json& j, const JobTaskRecord& t) {
    j = {{"index", t.index},
         {"slurm_job_id", opt(t.slurm_job_id)},
         {"state", t.state},
         {"exit_code", opt(t.exit_code)},
         {"started_at", opt_time(t.started_at)},
         {"ended_at", opt_time(t.ended_at)}};
}

}  // namespace pdai::catalog
