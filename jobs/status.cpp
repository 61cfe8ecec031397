#include "jobs/status.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "catalog/catalog.hpp"
#include "common/error.hpp"

namespace pdai::jobs {
namespace {

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

std::optional<int> read_exit_file(const std::string& path) {
    std::ifstream in(path);
    int rc = 0;
    if (in >> rc) return rc;
    return std::nullopt;
}

std::optional<std::int64_t> parse_id(std::string_view s) {
    std::int64_t v = 0;
    if (s.empty()) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
    return v;
}

State stored_state(const std::string& s) { return parse_state(s).value_or(State::lost); }

// The ids to ask the backend about for one job: the latest, and every array a task ran in.
std::vector<std::int64_t> backend_ids(const catalog::JobRecord& r,
                                      const std::vector<catalog::JobTaskRecord>& tasks) {
    std::set<std::int64_t> ids;
    if (r.slurm_job_id) ids.insert(*r.slurm_job_id);
    for (const auto& t : tasks)
        if (t.slurm_job_id && !is_terminal(stored_state(t.state))) ids.insert(*t.slurm_job_id);
    return {ids.begin(), ids.end()};
}

void finish_view(JobView& v) {
    v.state = v.counts.overall();
    if (v.state == State::completed) {
        v.exit_code = 0;
    } else if (is_terminal(v.state)) {
        for (const auto& t : v.tasks)
            if (t.state != State::completed && is_terminal(t.state)) {
                v.exit_code = exit_code_for(t.state, t.exit_code);
                if (v.reason.empty()) v.reason = t.reason;
                break;
            }
    }
    for (const auto& t : v.tasks) {
        if (t.started_at && (!v.started_at || *t.started_at < *v.started_at)) v.started_at = t.started_at;
        if (is_terminal(v.state) && t.ended_at && (!v.ended_at || *t.ended_at > *v.ended_at))
            v.ended_at = t.ended_at;
        if (v.reason.empty() && !is_terminal(t.state)) v.reason = t.reason;
        if (v.nodes.empty() && t.state == State::running) v.nodes = t.nodes;
    }
    if (!v.started_at) v.started_at = v.record.started_at;
    if (!v.ended_at && is_terminal(v.state)) v.ended_at = v.record.ended_at;
}

// A run or training job: one task.
void view_single(JobView& v, const BackendJob* live) {
    const auto& r = v.record;
    TaskStatus t;
    if (live && live->known && !live->tasks.empty()) {
        t = live->tasks.front();
    } else if (auto rc = read_exit_file(layout_of(r).exit_code_file)) {
        // The backend forgot the job; the script recorded how the entrypoint ended.
        t.state = *rc == 0 ? State::completed : State::failed;
        t.exit_code = *rc;
    } else if (live) {
        t.state = State::lost;
        t.reason = "the backend no longer knows job " + std::to_string(live->id);
    } else {
        t.state = stored_state(r.state);
        t.exit_code = r.exit_code;
    }
    v.tasks.push_back(t);
    v.counts.add(t.state);
}

// An inference batch: one task per shard; a shard's done marker is the final word.
void view_batch(JobView& v, const std::vector<catalog::JobTaskRecord>& rows,
                const std::map<std::int64_t, const BackendJob*>& live) {
    const auto& r = v.record;
    Layout layout = layout_of(r);
    ShardPlan plan = shard_plan_of(r);
    std::map<std::pair<std::int64_t, int>, const TaskStatus*> live_tasks;
    for (const auto& [id, bj] : live)
        for (const auto& t : bj->tasks)
            if (t.index) live_tasks[{id, *t.index}] = &t;
    std::map<int, const catalog::JobTaskRecord*> row_of;
    for (const auto& row : rows) row_of[row.index] = &row;

    v.tasks.reserve(static_cast<std::size_t>(plan.count));
    for (int s = 0; s < plan.count; ++s) {
        TaskStatus t;
        t.index = s;
        const catalog::JobTaskRecord* row = row_of.count(s) ? row_of[s] : nullptr;
        const TaskStatus* lt = nullptr;
        if (row && row->slurm_job_id) {
            auto it = live_tasks.find({*row->slurm_job_id, s});
            if (it != live_tasks.end()) lt = it->second;
        }
        if (lt) t = *lt;
        if (exists(layout.shard_done(plan, s))) {
            t.state = State::completed;
            t.exit_code = 0;
        } else if (!lt) {
            if (row && is_terminal(stored_state(row->state))) {
                t.state = stored_state(row->state);
                t.exit_code = row->exit_code;
                t.started_at = row->started_at;
                t.ended_at = row->ended_at;
            } else if (row && row->slurm_job_id && !live.count(*row->slurm_job_id)) {
                t.state = stored_state(row->state);  // not asked: its array had ended before
            } else {
                t.state = State::lost;
                t.reason = "no done marker, and the backend no longer knows the task";
            }
        } else if (t.state == State::completed) {
            t.state = State::failed;  // exited 0 but wrote no marker: its outputs are not there
            t.reason = "the task ended without writing its done marker";
        }
        v.tasks.push_back(t);
        v.counts.add(t.state);
    }
}

void write_back(catalog::Catalog& c, const std::vector<JobView>& views,
                const std::map<std::int64_t, std::vector<catalog::JobTaskRecord>>& rows) {
    c.write([&] {
        for (const auto& v : views) {
            if (to_string(v.state) != v.record.state || v.exit_code != v.record.exit_code ||
                v.started_at != v.record.started_at || v.ended_at != v.record.ended_at)
                catalog::update_job_state(c, v.record.id, std::string(to_string(v.state)), v.exit_code,
                                          v.started_at, v.ended_at);
            auto it = rows.find(v.record.id);
            if (it == rows.end()) continue;
            std::map<int, const catalog::JobTaskRecord*> row_of;
            for (const auto& row : it->second) row_of[row.index] = &row;
            for (const auto& t : v.tasks) {
                if (!t.index || !row_of.count(*t.index)) continue;
                const auto* row = row_of[*t.index];
                if (row->state == to_string(t.state) && row->exit_code == t.exit_code) continue;
                catalog::update_task_state(c, v.record.id, *t.index, std::string(to_string(t.state)),
                                           t.exit_code, t.started_at, t.ended_at);
            }
        }
    });
}

}  // namespace

Backend& BackendSet::get(const std::string& name) {
    auto it = by_name_.find(name);
    if (it != by_name_.end()) return *it->second;
    add(open_(name));
    return *by_name_.at(name);
}

void BackendSet::add(std::unique_ptr<Backend> b) {
    by_name_[b->name()] = b.get();
    owned_.push_back(std::move(b));
}

void BackendSet::borrow(Backend& b) { by_name_[b.name()] = &b; }

int JobView::wait_exit_code() const { return exit_code_for(state, exit_code); }

Layout layout_of(const catalog::JobRecord& r) {
    auto j = nlohmann::json::parse(r.request_json, nullptr, false);
    std::string output_dir;
    if (j.is_object() && j.contains("output_dir") && j["output_dir"].is_string())
        output_dir = j["output_dir"].get<std::string>();
    return layout_in(r.workdir, std::move(output_dir));
}

ShardPlan shard_plan_of(const catalog::JobRecord& r) {
    auto j = nlohmann::json::parse(r.request_json, nullptr, false);
    if (!j.is_object() || !j.contains("shard_size") || !j.contains("inputs")) return {};
    return plan_shards(j["inputs"].get<std::int64_t>(), j["shard_size"].get<int>());
}

std::vector<JobView> inspect_jobs(catalog::Catalog& c, BackendSet& backends,
                                  const std::vector<catalog::JobRecord>& records, bool write) {
    std::vector<JobView> views(records.size());
    std::map<std::int64_t, std::vector<catalog::JobTaskRecord>> rows;
    // Which backend ids to ask, per backend, for the jobs not known to have ended.
    std::map<std::string, std::vector<std::int64_t>> ask;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        views[i].record = r;
        if (r.kind == "infer") rows[r.id] = catalog::list_job_tasks(c, r.id);
        if (is_terminal(stored_state(r.state))) continue;
        auto ids = backend_ids(r, rows[r.id]);
        auto& a = ask[r.backend];
        a.insert(a.end(), ids.begin(), ids.end());
    }
    std::map<std::string, std::map<std::int64_t, BackendJob>> answers;
    for (auto& [name, ids] : ask) {
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        auto& by_id = answers[name];
        for (auto& bj : backends.get(name).status(ids)) by_id[bj.id] = std::move(bj);
    }

    for (auto& v : views) {
        const auto& r = v.record;
        bool asked = !is_terminal(stored_state(r.state));
        auto& by_id = answers[r.backend];
        if (r.kind == "infer") {
            std::map<std::int64_t, const BackendJob*> live;
            if (asked)
                for (auto id : backend_ids(r, rows[r.id]))
                    if (auto it = by_id.find(id); it != by_id.end()) live[id] = &it->second;
            view_batch(v, rows[r.id], live);
        } else {
            const BackendJob* live = nullptr;
            if (asked && r.slurm_job_id)
                if (auto it = by_id.find(*r.slurm_job_id); it != by_id.end()) live = &it->second;
            view_single(v, asked ? live : nullptr);
        }
        finish_view(v);
    }
    if (write) write_back(c, views, rows);
    return views;
}

std::vector<JobView> wait_jobs(catalog::Catalog& c, BackendSet& backends,
                               const std::vector<std::int64_t>& job_ids, const WaitOptions& o) {
    auto start = std::chrono::steady_clock::now();
    auto poll = o.first_poll;
    for (;;) {
        std::vector<catalog::JobRecord> records;
        for (auto id : job_ids) records.push_back(catalog::get_job(c, id));
        auto views = inspect_jobs(c, backends, records, o.write_back);
        if (o.on_progress) o.on_progress(views);
        const JobView* waiting = nullptr;
        for (const auto& v : views)
            if (!is_terminal(v.state)) {
                waiting = &v;
                break;
            }
        if (!waiting) return views;
        if (o.timeout && std::chrono::steady_clock::now() - start > *o.timeout)
            throw Error(Errc::failure, "timed out waiting for pdai job " + std::to_string(waiting->record.id) +
                                           " (" + std::string(to_string(waiting->state)) + ")");
        std::vector<std::int64_t> ids;
        if (waiting->record.slurm_job_id) ids.push_back(*waiting->record.slurm_job_id);
        backends.get(waiting->record.backend).wait_for_change(ids, poll);
        poll = std::min(o.max_poll, poll * 3 / 2);
    }
}

catalog::JobRecord resolve_job_ref(catalog::Catalog& c, std::string_view ref) {
    // slurm:ID is Slurm's; ID_TASK is any backend's, as 'jobs list' shows it (local arrays too).
    auto backend = [&](std::string_view s, bool slurm_only) {
        if (auto u = s.find('_'); u != std::string_view::npos) s = s.substr(0, u);
        auto id = parse_id(s);
        if (!id) throw Error(Errc::usage, "'" + std::string(ref) + "' is not a job id");
        if (auto r = slurm_only ? catalog::find_job_by_slurm_id(c, std::nullopt, *id)
                                : catalog::find_job_by_backend_id(c, *id))
            return *r;
        throw Error(Errc::not_found,
                    "no pdai job has " + std::string(slurm_only ? "Slurm" : "backend") + " job id " + std::to_string(*id),
                    "jobs submitted without pdai are not in its catalog");
    };
    if (ref.starts_with("slurm:")) return backend(ref.substr(6), true);
    if (ref.find('_') != std::string_view::npos) return backend(ref, false);
    std::string_view n = ref.starts_with("pdai:") ? ref.substr(5) : ref;
    auto id = parse_id(n);
    if (!id) throw Error(Errc::usage, "'" + std::string(ref) + "' is not a job id",
                         "give a pdai job id (17), or a Slurm job id as slurm:4242");
    if (auto r = catalog::find_job(c, *id)) return *r;
    if (!ref.starts_with("pdai:"))
        if (auto r = catalog::find_job_by_slurm_id(c, std::nullopt, *id)) return *r;
    return catalog::get_job(c, *id);
}

}  // namespace pdai::jobs
