#include "app/json.hpp"

#include "catalog/catalog.hpp"
#include "usage/quota_status.hpp"

namespace pdai::app {
namespace {

nlohmann::json time_or_null(const std::optional<std::int64_t>& t) {
    return t ? nlohmann::json(pdai::format_time(*t)) : nlohmann::json(nullptr);
}

std::string version_text(int v) {
    return v ? std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10) : "-";
}

nlohmann::json device_json(const gpu::Device& d) {
    return {{"index", d.index},
            {"name", d.name},
            {"uuid", d.uuid},
            {"pci_bus_id", d.pci_bus_id},
            {"memory_mib", d.memory_bytes >> 20},
            {"sm_count", d.sm_count},
            {"compute_capability", std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor)},
            {"clock_mhz", d.clock_mhz},
            {"memory_clock_mhz", d.memory_clock_mhz},
            {"memory_bus_bits", d.memory_bus_bits},
            {"ecc", d.ecc}};
}

nlohmann::json figure_json(const gpu::Figure& f) {
    nlohmann::json j = {{"kind", f.kind},
                        {"dtype", f.dtype ? nlohmann::json(gpu::dtype_name(*f.dtype)) : nlohmann::json(nullptr)},
                        {"supported", f.supported},
                        {"note", f.note}};
    if (!f.supported) return j;
    j["size"] = f.size;
    j[f.kind == "copy" ? "gbps" : "tflops"] = f.value;
    j["min"] = f.min;
    j["max"] = f.max;
    j["spread"] = f.spread;
    j["repeats"] = f.repeats;
    return j;
}

nlohmann::json bundle_summary(const BundleChecked& c) {
    const auto& b = c.bundle;
    return {{"manifest", b.manifest},
            {"files", b.tree.files},
            {"size_bytes", b.tree.bytes},
            {"tree_sha256", b.tree.sha256},
            {"archive_sha256", b.archive_sha256.empty() ? nlohmann::json(nullptr) : nlohmann::json(b.archive_sha256)},
            {"archive_bytes", b.archive_sha256.empty() ? nlohmann::json(nullptr) : nlohmann::json(b.archive_bytes)},
            {"warnings", c.warnings},
            {"path", c.path}};
}

nlohmann::json figures_json(const catalog::UsageFigures& f) {
    return {{"jobs", f.jobs},     {"completed", f.ok_jobs},   {"gpu_hours", f.gpu_hours},
            {"cuh", f.cuh},       {"cost_cny", f.cost_cny}, {"success_rate", f.success_rate()}};
}

}  // namespace

void to_json(nlohmann::json& j, const UsageReport& r) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& g : r.groups) {
        auto row = figures_json(g.figures);
        for (std::size_t i = 0; i < r.by.size(); ++i) row[catalog::to_string(r.by[i])] = g.keys[i];
        rows.push_back(std::move(row));
    }
    nlohmann::json by = nlohmann::json::array();
    for (auto d : r.by) by.push_back(catalog::to_string(d));
    j = {{"period", r.window.label},
         {"from", format_time(r.window.from)},
         {"to", format_time(r.window.to)},
         {"by", by},
         {"groups", rows},
         {"total", figures_json(r.total)}};
}

void to_json(nlohmann::json& j, const Statement& s) {
    auto groups = [](const std::vector<catalog::UsageGroup>& gs, const char* key) {
        nlohmann::json a = nlohmann::json::array();
        for (const auto& g : gs)
            a.push_back({{key, g.keys.at(0)}, {"jobs", g.figures.jobs}, {"gpu_hours", g.figures.gpu_hours},
                         {"cuh", g.figures.cuh}, {"cost_cny", g.figures.cost_cny}});
        return a;
    };
    j = {{"bureau", s.bureau.code},
         {"period", s.period.label},
         {"budget_cuh", s.budget_cuh ? nlohmann::json(*s.budget_cuh) : nlohmann::json(nullptr)},
         {"used_cuh", s.total.cuh},
         {"left_cuh", s.budget_cuh ? nlohmann::json(*s.budget_cuh - s.total.cuh) : nlohmann::json(nullptr)},
         {"gpu_hours", s.total.gpu_hours},
         {"cost_cny", s.total.cost_cny},
         {"jobs", s.total.jobs},
         {"by_algorithm", groups(s.by_algorithm, "algorithm")},
         {"by_gpu_type", groups(s.by_gpu_type, "gpu_type")},
         {"top_jobs", s.top_jobs}};
}

void to_json(nlohmann::json& j, const Synced& s) {
    if (s.skipped) {
        j = {{"skipped", "another sync is running"}};
        return;
    }
    const auto& r = s.result;
    j = {{"cluster", r.cluster},         {"from", format_time(r.from)},
         {"to", format_time(r.to)},      {"finished", r.seen},
         {"inserted", r.inserted},       {"corrected", r.corrected},
         {"unchanged", r.unchanged},     {"still_active", r.still_active},
         {"liens", r.liens},             {"jobs_updated", r.jobs_updated},
         {"jobs_repaired", r.jobs_repaired}, {"jobs_recorded", r.jobs_recorded},
         {"watermark", format_time(r.watermark)}};
}

void to_json(nlohmann::json& j, const BundleInitialized& r) { j = {{"dir", r.dir}, {"written", r.written}}; }

void to_json(nlohmann::json& j, const BundlePacked& r) { j = bundle_summary(r.checked); }

void to_json(nlohmann::json& j, const BundleChecked& r) {
    j = bundle_summary(r);
    j["signature"] = r.signature ? nlohmann::json{{"path", r.signature->path},
                                                  {"key_id", r.signature->key_id},
                                                  {"verified", r.signature->verified}}
                                 : nlohmann::json(nullptr);
    j["ok"] = true;
}

void to_json(nlohmann::json& j, const KeyGenerated& r) {
    j = {{"key_id", r.key_id},
         {"secret_key_file", r.secret_key_file},
         {"public_key_file", r.public_key_file},
         {"public_key", r.public_key}};
}

void to_json(nlohmann::json& j, const BundleSigned& r) {
    j = {{"bundle", r.bundle}, {"signature", r.signature}, {"key_id", r.key_id}, {"tree_sha256", r.tree_sha256}};
}

void to_json(nlohmann::json& j, const ProbeResult& r) {
    const auto& p = r.probe;
    j = {{"cuda_build", cuda_built()},
         {"driver_cuda_version", p.driver_version ? nlohmann::json(version_text(p.driver_version)) : nlohmann::json(nullptr)},
         {"runtime_cuda_version", p.runtime_version ? nlohmann::json(version_text(p.runtime_version)) : nlohmann::json(nullptr)},
         {"devices", nlohmann::json::array()}};
    if (p.devices.empty()) j["reason"] = p.no_device_reason;
    for (const auto& d : p.devices) j["devices"].push_back(device_json(d));
    if (const auto& reg = r.registered)
        j["registered"] = {{"host", reg->host},
                           {"added", reg->added},
                           {"gpus_before", reg->gpus_before},
                           {"gpus", reg->gpus_after},
                           {"matched", reg->notes}};
}

void to_json(nlohmann::json& j, const BenchResult& r) {
    j = {{"device", device_json(r.report.device)}, {"library", r.report.library}, {"seconds", r.seconds},
         {"figures", nlohmann::json::array()}};
    for (const auto& f : r.report.figures) j["figures"].push_back(figure_json(f));
    if (const auto& s = r.saved) {
        nlohmann::json updated = nlohmann::json::array();
        for (const auto& u : s->result.updated)
            updated.push_back({{"gpu_type", u.gpu_type}, {"before", u.before}, {"after", u.after}});
        j["saved"] = {{"gpu_type", s->gpu_type},
                      {"host", s->host},
                      {"rows", s->result.rows},
                      {"reference_type", s->reference ? nlohmann::json(*s->reference) : nlohmann::json(nullptr)},
                      {"metric", s->metric},
                      {"weight", s->result.weight ? nlohmann::json(*s->result.weight) : nlohmann::json(nullptr)},
                      {"weights_updated", updated},
                      {"note", s->result.note}};
    }
}

void to_json(nlohmann::json& j, const CheckResult& r) {
    j = nlohmann::json::array();
    for (const auto& rep : r.reports) {
        nlohmann::json steps = nlohmann::json::array();
        for (const auto& s : rep.steps) steps.push_back({{"step", s.name}, {"ok", s.ok}, {"detail", s.detail}});
        j.push_back({{"device", device_json(rep.device)}, {"ok", rep.ok()}, {"steps", steps}});
    }
}

void to_json(nlohmann::json& j, const WeightsResult& r) {
    j = nlohmann::json::array();
    for (const auto& row : r.rows) {
        const auto& m = row.derived.metric;
        j.push_back({{"gpu_type", row.gpu_type},
                     {"weight", row.current},
                     {"derived_weight", row.derived.weight ? nlohmann::json(*row.derived.weight) : nlohmann::json(nullptr)},
                     {"metric", m ? nlohmann::json(m->value) : nlohmann::json(nullptr)},
                     {"unit", m ? m->unit : ""},
                     {"cards", m ? m->cards : 0},
                     {"reference", row.gpu_type == r.reference}});
    }
}

void to_json(nlohmann::json& j, const NodeSyncResult& r) {
    nlohmann::json nodes = nlohmann::json::array();
    for (const auto& n : r.plan.nodes)
        nodes.push_back({{"host", n.host},
                         {"change", r.change_of(n)},
                         {"gpus_before", n.gpus_before},
                         {"gpus", n.gpus_after},
                         {"state_before", n.state_before},
                         {"state", n.state_after},
                         {"notes", n.notes}});
    auto counts = r.counts();
    j = {{"dry_run", r.dry_run}, {"pruned", r.prune && !r.dry_run},
         {"added", counts["added"]}, {"changed", counts["changed"]},
         {"removed", counts["removed"]}, {"unchanged", counts["unchanged"]},
         {"nodes", nodes}, {"partitions", r.partitions}, {"partitions_changed", r.partitions_changed}};
}

void to_json(nlohmann::json& j, const OwnerCapacity& o) {
    // "gpus" by type as in 'node list'; their count is gpu_count.
    j = {{"owner", o.owner}, {"nodes", o.nodes}, {"gpus", o.gpus_by_type}, {"gpu_count", o.gpus},
         {"cuh_per_hour", o.cuh_per_hour}, {"states", o.states}};
}

void to_json(nlohmann::json& j, const Initialized& r) {
    j = {{"path", r.path},
         {"created", r.created},
         {"schema_version", r.schema_version},
         {"audit_key", r.audit_key},
         {"audit_first_key", r.first_key ? nlohmann::json(*r.first_key) : nlohmann::json(nullptr)},
         {"new_key_chain", r.new_key_chain}};
}

void to_json(nlohmann::json& j, const Checked& r) {
    j = r.report;
    j["audit"] = r.audit ? nlohmann::json(*r.audit) : nlohmann::json(nullptr);
    j["bundle_store"] = r.store ? nlohmann::json(*r.store) : nlohmann::json(nullptr);
    j["repaired"] = r.repaired;
}

void to_json(nlohmann::json& j, const AuditVerified& r) { j = r.report; }

void to_json(nlohmann::json& j, const AuditAccepted& r) {
    j = {{"catalog", r.catalog},           {"reason", r.reason},
         {"tables", r.tables},             {"sealed_through", r.sealed_through},
         {"now_through", r.now_through},   {"checkpoint", r.epoch},
         {"changed", r.changed}};
}

void to_json(nlohmann::json& j, const BackedUp& r) {
    if (r.rotated) {
        j = *r.rotated;
        j["catalog"] = r.catalog;
        return;
    }
    j = {{"catalog", r.catalog}, {"backup", r.path}, {"bytes", r.bytes}};
}

void to_json(nlohmann::json& j, const Restored& r) {
    j = {{"catalog", r.catalog}, {"restored_from", r.source}};
}

void to_json(nlohmann::json& j, const CatalogPath& r) {
    j = {{"path", r.location.path},
         {"source", to_string(r.location.source)},
         {"exists", r.exists},
         {"config_files", r.config_files}};
}

void to_json(nlohmann::json& j, const AlgorithmDetail& d) {
    j = d.algorithm;
    j["version_list"] = d.versions;
}

void to_json(nlohmann::json& j, const VersionDetail& d) {
    j = d.version;
    if (d.files) j["files"] = *d.files;
}

void to_json(nlohmann::json& j, const Removed& r) {
    j = {{"algorithm", r.ref.name},
         {"version", *r.ref.version},
         {"algorithm_removed", r.algorithm_removed},
         {"store_path", r.store_path},
         {"store_problem", r.store_problem.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.store_problem)}};
}

void to_json(nlohmann::json& j, const StatusChange& r) {
    j = {{"algorithm", r.ref.name}, {"version", *r.ref.version}, {"status", r.status}, {"changed", r.changed}};
}

void to_json(nlohmann::json& j, const Verified& r) {
    j = {{"algorithm", r.ref.name}, {"version", *r.ref.version},
         {"store_path", r.report.version.store_path}, {"ok", r.report.ok()},
         {"changed", r.report.changed}, {"missing", r.report.missing}, {"extra", r.report.extra}};
}

void to_json(nlohmann::json& j, const Exported& r) {
    const auto& e = r.result;
    j = {{"algorithm", r.ref.name}, {"version", *r.ref.version}, {"path", e.path},
         {"archive_sha256", e.archive_sha256}, {"bytes", e.bytes},
         {"signature", e.signature_path ? nlohmann::json(*e.signature_path) : nlohmann::json(nullptr)}};
}

void to_json(nlohmann::json& j, const Sharing& r) {
    j = {{"algorithm", r.algorithm}, {"bureau", r.bureau}, {"shared", r.shared}, {"changed", r.changed}};
}

void to_json(nlohmann::json& j, const Registered& reg) {
    const auto& r = reg.result;
    j = r.version;
    j["created"] = r.created;
    j["restored_tree"] = r.restored_tree;
    j["warnings"] = r.warnings;
}

void to_json(nlohmann::json& j, const BureauDetail& d) {
    j = d.bureau;
    j["members"] = d.members;
    j["quota"] = d.quota ? nlohmann::json(*d.quota) : nlohmann::json(nullptr);
}

void to_json(nlohmann::json& j, const QuotaVerdict& v) {
    const auto& d = v.decision;
    j = {{"verdict", policy::to_string(d.verdict)},
         {"reason", policy::to_string(d.reason)},
         {"bureau", d.bureau},
         {"account", d.account},
         {"period", d.period_label},
         {"gpus", d.gpus},
         {"gpu_type", d.gpu_type},
         {"priced_untyped", d.priced_untyped},
         {"whole_node", d.whole_node.empty() ? nlohmann::json() : nlohmann::json(d.whole_node)},
         {"array_tasks", d.array_tasks},
         {"concurrent_gpus", d.concurrent_gpus},
         {"time_limit_minutes", d.time_limit_minutes},
         {"weight", d.weight},
         {"bound_cuh", d.bound_cuh},
         {"remaining_cuh", d.remaining_cuh},
         {"cost_cny", d.cost_cny},
         {"message", d.message},
         {"snapshot_at", pdai::format_time(v.snapshot_at)},
         {"liens_at", time_or_null(v.liens_at)}};
}

void to_json(nlohmann::json& j, const QuotaStanding& s) {
    j = s.quota;
    j.update(nlohmann::json(s.status));
}

void to_json(nlohmann::json& j, const Submitted& s) {
    const auto& r = s.result;
    j = r.job;
    j["outcome"] = jobs::to_string(r.outcome);
    j["tasks_submitted"] = r.tasks;
    j["backend_message"] = r.message;
    j["output_dir"] = s.output_dir;
}

void to_json(nlohmann::json& j, const SubmittedUnrecorded& s) {
    const auto& u = s.submission;
    const auto& spec = s.spec;
    j = {{"outcome", "submitted_unrecorded"},
         {"recorded", false},
         {"backend", s.backend},
         {"cluster", s.cluster},
         {"slurm_job_id", u.submitted.id},
         {"state", std::string(jobs::to_string(u.submitted.state))},
         {"kind", bundle::to_string(spec.kind)},
         {"algorithm", spec.algorithm.ref()},
         {"bureau", spec.bureau},
         {"account", spec.account},
         {"user", spec.user},
         {"name", u.job.name},
         {"job_dir", u.job.layout.job_dir},
         {"output_dir", u.job.layout.output_dir},
         {"tasks_submitted", u.job.task_indices},
         {"backend_message", u.submitted.message}};
}

void to_json(nlohmann::json& j, const SubmittedCopies& s) {
    const auto count = static_cast<int>(s.jobs.size());
    j = {{"count", count},
         {"first_id", s.jobs.front().id},
         {"last_id", s.jobs.back().id},
         {"first_backend_id", s.jobs.front().slurm_job_id.value_or(0)},
         {"last_backend_id", s.jobs.back().slurm_job_id.value_or(0)},
         {"seconds", s.seconds},
         {"jobs_per_second", s.seconds > 0 ? count / s.seconds : 0.0}};
}

void to_json(nlohmann::json& j, const DryRunResult& d) {
    const auto& job = d.dry.job;
    j = {{"dry_run", true},
         {"backend", d.backend},
         {"id", job.id},  // the id it would get, named as every job's id
         {"job_dir", job.layout.job_dir},
         {"output_dir", job.layout.output_dir},
         {"existing_job", d.dry.existing ? nlohmann::json(*d.dry.existing) : nlohmann::json(nullptr)},
         {"request", d.request},
         {"quota", d.quota}};
    if (job.is_array())
        j["shards"] = {{"inputs", job.shards.inputs}, {"shard_size", job.shards.size}, {"count", job.shards.count}};
}

nlohmann::json job_json(const jobs::JobView& v, bool with_tasks, bool with_request) {
    nlohmann::json j = v.record;
    j["state"] = std::string(jobs::to_string(v.state));
    j["exit_code"] = v.exit_code ? nlohmann::json(*v.exit_code) : nlohmann::json(nullptr);
    j["started_at"] = time_or_null(v.started_at);
    j["ended_at"] = time_or_null(v.ended_at);
    j["reason"] = v.reason;
    j["node_list"] = v.nodes;  // the hosts it ran on; "nodes" stays the count asked for
    j["output_dir"] = jobs::layout_of(v.record).output_dir;
    nlohmann::json counts = nlohmann::json::object();
    for (auto s : jobs::all_states())
        if (v.counts[s] > 0) counts[std::string(jobs::to_string(s))] = v.counts[s];
    j["task_states"] = counts;
    if (with_tasks) {
        nlohmann::json tasks = nlohmann::json::array();
        for (const auto& task : v.tasks)
            tasks.push_back({{"index", task.index ? nlohmann::json(*task.index) : nlohmann::json(nullptr)},
                             {"state", std::string(jobs::to_string(task.state))},
                             {"exit_code", task.exit_code ? nlohmann::json(*task.exit_code) : nlohmann::json(nullptr)},
                             {"started_at", time_or_null(task.started_at)},
                             {"ended_at", time_or_null(task.ended_at)},
                             {"node_list", task.nodes},
                             {"reason", task.reason}});
        j["task_list"] = tasks;
    }
    if (with_request) j["request"] = nlohmann::json::parse(v.record.request_json, nullptr, false);
    return j;
}

}  // namespace pdai::app
