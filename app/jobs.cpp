#include "app/jobs.hpp"

#include <set>

#include "app/time_arg.hpp"
#include "app/visibility.hpp"
#include "catalog/catalog.hpp"
#include "common/error.hpp"

namespace pdai::app {
namespace {

std::vector<std::string> split_states(const std::vector<std::string>& items) {
    std::vector<std::string> out;
    for (const auto& item : items) {
        std::size_t start = 0;
        while (start <= item.size()) {
            auto comma = item.find(',', start);
            std::string s = item.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            if (!s.empty()) {
                if (!jobs::parse_state(s)) {
                    std::string known;
                    for (auto st : jobs::all_states()) known += (known.empty() ? "" : ", ") + std::string(jobs::to_string(st));
                    throw Error(Errc::usage, "unknown job state '" + s + "'", "states: " + known);
                }
                out.push_back(s);
            }
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    return out;
}

// The jobs REFS name, each if `viewer` may see it: a job of one of its bureaus, or its own.
std::vector<catalog::JobRecord> visible_jobs(const Viewer& viewer, catalog::Catalog& c,
                                             const std::vector<std::string>& refs) {
    std::vector<catalog::JobRecord> out;
    for (const auto& ref : refs) {
        auto rec = jobs::resolve_job_ref(c, ref);
        if (!viewer.sees(rec))
            throw Error(Errc::refused, viewer.user + " may not see pdai job " + std::to_string(rec.id) +
                                           " of bureau '" + rec.bureau + "'",
                        "a bureau's jobs are shown to its members and to catalog admins");
        out.push_back(std::move(rec));
    }
    return out;
}

catalog::JobRecord visible_job(const Context& ctx, catalog::Catalog& c, const std::string& ref) {
    return visible_jobs(viewer_of(ctx, c), c, {ref}).front();
}

// Open for writing when this identity may, so that the states seen are recorded.
catalog::Catalog open_for_jobs(const Context& ctx, bool& writable) {
    writable = ctx.may_write();
    return ctx.open_catalog(writable);
}

}  // namespace

std::vector<jobs::JobView> list_jobs(const Context& ctx, const JobQuery& q) {
    const auto wanted = split_states(q.states);
    bool writable = false;
    auto c = open_for_jobs(ctx, writable);
    const auto viewer = viewer_of(ctx, c);
    if (q.bureau) viewer.bureau(*q.bureau, "jobs");
    catalog::JobFilter f;
    f.bureau = q.bureau;
    viewer.restrict(f);
    f.user = q.mine ? std::optional<std::string>(ctx.who.user) : q.user;
    if (q.since) f.since = parse_since(*q.since);
    f.limit = q.limit;
    // The state filter applies to the live state, so ask for every job and filter after.
    auto records = catalog::list_jobs(c, f);
    jobs::BackendSet backends;
    auto views = jobs::inspect_jobs(c, backends, records, writable);
    if (!wanted.empty()) {
        std::set<std::string> w(wanted.begin(), wanted.end());
        std::erase_if(views, [&](const jobs::JobView& v) { return !w.count(std::string(jobs::to_string(v.state))); });
    }
    return views;
}

jobs::JobView show_job(const Context& ctx, const std::string& ref) {
    bool writable = false;
    auto c = open_for_jobs(ctx, writable);
    auto rec = visible_job(ctx, c, ref);
    jobs::BackendSet backends;
    return jobs::inspect_jobs(c, backends, {rec}, writable).front();
}

std::vector<Cancelled> cancel_jobs(const Context& ctx, const std::vector<std::string>& refs) {
    bool writable = false;
    auto c = open_for_jobs(ctx, writable);
    const auto records = visible_jobs(viewer_of(ctx, c), c, refs);
    jobs::BackendSet backends;
    std::vector<Cancelled> out;
    for (const auto& v : jobs::inspect_jobs(c, backends, records, writable)) {
        const auto& r = v.record;
        const bool active = !jobs::is_terminal(v.state);
        if (active) {
            std::set<std::int64_t> ids;
            if (r.slurm_job_id) ids.insert(*r.slurm_job_id);
            for (const auto& t : catalog::list_job_tasks(c, r.id))
                if (t.slurm_job_id) ids.insert(*t.slurm_job_id);
            backends.get(r.backend).cancel({ids.begin(), ids.end()});
        }
        out.push_back({r.id, active, v.state, r.backend, r.slurm_job_id});
    }
    return out;
}

JobLogs job_logs(const Context& ctx, const std::string& ref, std::optional<int> task, bool follow) {
    auto c = ctx.open_catalog(false);
    JobLogs out;
    out.job = visible_job(ctx, c, ref);
    out.task = task;
    const auto& rec = out.job;
    auto layout = jobs::layout_of(rec);
    jobs::BackendSet backends;
    if (rec.kind == "infer") {
        int shards = jobs::shard_plan_of(rec).count;
        if (task) {
            if (*task < 0 || *task >= shards)
                throw Error(Errc::usage, "pdai job " + std::to_string(rec.id) + " has shards 0.." + std::to_string(shards - 1));
            out.paths.push_back(backends.get(rec.backend).log_path(layout, task));
        } else {
            if (follow) throw Error(Errc::usage, "-f follows one shard's log: give --task N");
            for (int s = 0; s < shards; ++s) out.paths.push_back(backends.get(rec.backend).log_path(layout, s));
        }
    } else {
        if (task && *task != 0) throw Error(Errc::usage, "pdai job " + std::to_string(rec.id) + " has one task");
        out.paths.push_back(backends.get(rec.backend).log_path(layout, std::nullopt));
    }
    return out;
}

bool job_ended(const Context& ctx, const JobLogs& logs) {
    bool writable = false;
    auto c = open_for_jobs(ctx, writable);
    jobs::BackendSet backends;
    auto v = jobs::inspect_jobs(c, backends, {catalog::get_job(c, logs.job.id)}, writable).front();
    bool ended = jobs::is_terminal(v.state);
    if (logs.task)
        for (const auto& t : v.tasks)
            if (t.index == logs.task) ended = jobs::is_terminal(t.state);
    return ended;
}

std::vector<std::int64_t> resolve_jobs(const Context& ctx, const std::vector<std::string>& refs) {
    auto c = ctx.open_catalog(false);
    std::vector<std::int64_t> ids;
    for (const auto& r : visible_jobs(viewer_of(ctx, c), c, refs)) ids.push_back(r.id);
    return ids;
}

std::vector<jobs::JobView> wait_jobs(const Context& ctx, const std::vector<std::int64_t>& ids, const Progress& progress) {
    bool writable = false;
    auto c = open_for_jobs(ctx, writable);
    jobs::BackendSet backends;
    jobs::WaitOptions o;
    o.write_back = writable;
    o.on_progress = progress;
    return jobs::wait_jobs(c, backends, ids, o);
}

}  // namespace pdai::app
