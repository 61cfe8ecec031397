#include "jobs/job.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "jobs/batch_script.hpp"
#include "policy/duration.hpp"

namespace pdai::jobs {

std::string Layout::log_file(std::optional<int> task) const {
    return logs_dir + (task ? "/task-" + std::to_string(*task) + ".out" : "/job.out");
}

std::string Layout::shard_list(const ShardPlan& plan, int shard) const {
    return shards_dir + "/" + plan.file_stem(shard) + ".list";
}

std::string Layout::shard_done(const ShardPlan& plan, int shard) const {
    return shards_dir + "/" + plan.file_stem(shard) + ".done";
}

Layout make_layout(const JobSpec& spec, const std::string& jobs_dir, std::int64_t id) {
    return make_layout_at(spec, jobs_dir + "/" + std::to_string(id));
}

Layout layout_in(const std::string& job_dir, std::string output_dir) {
    Layout l;
    l.job_dir = job_dir;
    l.script = l.job_dir + "/job.sh";
    l.logs_dir = l.job_dir + "/logs";
    l.shards_dir = l.job_dir + "/shards";
    l.inputs_list = l.job_dir + "/inputs.list";
    l.resume_dir = l.job_dir + "/resume";
    l.exit_code_file = l.job_dir + "/exit_code";
    l.bundle_sums = l.job_dir + "/bundle.sha256";
    l.bundle_links = l.job_dir + "/bundle.links";
    l.bundle_paths = l.job_dir + "/bundle.paths";
    l.output_dir = std::move(output_dir);
    return l;
}

Layout make_layout_at(const JobSpec& spec, const std::string& job_dir) {
    return layout_in(job_dir, spec.output_dir ? *spec.output_dir
                                              : job_dir + (spec.kind == Kind::train ? "/model" : "/output"));
}

const std::vector<std::string>& inherited_env_names() {
    static const std::vector<std::string> names = {
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE",
        "LC_MESSAGES", "LC_NUMERIC", "LC_TIME", "TZ", "TMPDIR", "SLURM_CONF"};
    return names;
}

namespace {

PreparedJob prepare_at(const JobSpec& spec, std::int64_t id, Layout layout, Launcher launcher,
                       const std::function<const char*(const char*)>& environ_lookup) {
    PreparedJob job;
    job.id = id;
    job.spec = spec;
    job.layout = std::move(layout);
    if (spec.kind == Kind::infer) {
        job.shards = plan_shards(static_cast<std::int64_t>(spec.inputs.size()), spec.shard_size);
        job.task_indices.resize(static_cast<std::size_t>(job.shards.count));
        for (int i = 0; i < job.shards.count; ++i) job.task_indices[static_cast<std::size_t>(i)] = i;
    }

    // A curated environment: a cron job and an interactive shell submit the same job.
    std::map<std::string, std::string> env;
    for (const auto& name : inherited_env_names())
        if (const char* v = environ_lookup(name.c_str())) env[name] = v;
    if (!env.count("PATH")) env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
    for (const auto& [k, v] : spec.env) env[k] = v;
    for (const auto& [k, v] : env) job.environment.push_back(k + "=" + v);

    const std::string tag = "kind=" + std::string(to_string(spec.kind)) + ",algo=" + spec.algorithm.ref() +
                            ",bureau=" + spec.bureau;
    if (id > 0) {
        job.name = "pdai-" + std::to_string(id) + "-" + spec.algorithm.name;
        job.comment = "pdai:job=" + std::to_string(id) + "," + tag;
    } else {
        job.name = "pdai-u-" + spec.algorithm.name;
        job.comment = "pdai:" + tag + ",tasks=" + std::to_string(spec.kind == Kind::infer ? job.shards.count : 1);
    }
    job.script = make_batch_script(job, launcher);
    return job;
}

}  // namespace

PreparedJob prepare_job(const JobSpec& spec, std::int64_t id, const std::string& jobs_dir,
                        Launcher launcher,
                        const std::function<const char*(const char*)>& environ_lookup) {
    return prepare_at(spec, id, make_layout(spec, jobs_dir, id), launcher, environ_lookup);
}

PreparedJob prepare_unrecorded_job(const JobSpec& spec, const std::string& job_dir, Launcher launcher,
                                   const std::function<const char*(const char*)>& environ_lookup) {
    return prepare_at(spec, 0, make_layout_at(spec, job_dir), launcher, environ_lookup);
}

nlohmann::json request_json(const PreparedJob& job, const nlohmann::json& fingerprint) {
    const auto& s = job.spec;
    const auto& r = s.resources;
    nlohmann::json env_names = nlohmann::json::array();
    for (const auto& [k, v] : s.env) env_names.push_back(k);
    nlohmann::json j = {
        {"kind", to_string(s.kind)},
        {"algorithm", s.algorithm.ref()},
        {"algorithm_version_id", s.algorithm.version_id},
        {"vendor", s.algorithm.vendor},
        {"bureau", s.bureau},
        {"account", s.account},
        {"user", s.user},
        {"resources",
         {{"gpu_type", r.gpu_type ? nlohmann::json(*r.gpu_type) : nlohmann::json(nullptr)},
          {"gpus_per_node", r.gpus},
          {"cpus_per_task", r.cpus},
          {"mem_mib", r.mem_mib ? nlohmann::json(*r.mem_mib) : nlohmann::json(nullptr)},
          {"time_limit", policy::format_slurm_time(r.time_minutes)},
          {"time_limit_minutes", r.time_minutes},
          {"nodes", r.nodes}}},
        {"inputs", s.inputs.size()},
        {"args", s.args},
        {"env", env_names},
        {"partition", s.partition ? nlohmann::json(*s.partition) : nlohmann::json(nullptr)},
        {"job_dir", job.layout.job_dir},
        {"output_dir", job.layout.output_dir},
        {"script", job.layout.script},
        {"requeue", s.requeue},
        {"fingerprint", fingerprint}};
    if (s.dataset) j["dataset"] = *s.dataset;
    if (s.register_as) j["register_as"] = *s.register_as;
    if (s.idempotency_key) j["idempotency_key"] = *s.idempotency_key;
    if (s.kind == Kind::infer) {
        j["shard_size"] = job.shards.size;
        j["shards"] = job.shards.count;
        j["max_parallel"] = s.max_parallel ? nlohmann::json(*s.max_parallel) : nlohmann::json(nullptr);
    }
    return j;
}

}  // namespace pdai::jobs
