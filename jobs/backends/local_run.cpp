#include "jobs/backends/local_run.hpp"

#include <nlohmann/json.hpp>

namespace pdai::jobs::local {
namespace {

template <class T>
std::optional<T> opt(const nlohmann::json& j, const char* key) {
    if (!j.contains(key) || j[key].is_null()) return std::nullopt;
    return j[key].get<T>();
}

template <class T>
void put(nlohmann::json& j, const char* key, const std::optional<T>& v) {
    if (v) j[key] = *v;
    else j[key] = nullptr;
}

}  // namespace

nlohmann::json to_json(const RunSpec& s) {
    nlohmann::json l = {{"bureau_id", s.ledger.bureau_id}, {"account", s.ledger.account},
                        {"user", s.ledger.user},           {"algorithm", s.ledger.algorithm},
                        {"version", s.ledger.version},     {"vendor", s.ledger.vendor},
                        {"weight", s.ledger.weight},       {"price_cny", s.ledger.price_cny}};
    put(l, "gpu_type", s.ledger.gpu_type);
    return {{"id", s.id},
            {"job_id", s.job_id},
            {"catalog", s.catalog},
            {"busy_timeout_ms", s.busy_timeout_ms},
            {"job_dir", s.job_dir},
            {"script", s.script},
            {"logs_dir", s.logs_dir},
            {"array", s.array},
            {"tasks", s.tasks},
            {"max_parallel", s.max_parallel},
            {"gpus", s.gpus},
            {"devices", s.devices},
            {"time_limit_s", s.time_limit_s},
            {"kill_grace_s", s.kill_grace_s},
            {"environment", s.environment},
            {"ledger", l}};
}

RunSpec run_spec_from_json(const nlohmann::json& j) {
    RunSpec s;
    s.id = j.at("id").get<std::int64_t>();
    s.job_id = j.at("job_id").get<std::int64_t>();
    s.catalog = j.at("catalog").get<std::string>();
    s.busy_timeout_ms = j.at("busy_timeout_ms").get<int>();
    s.job_dir = j.at("job_dir").get<std::string>();
    s.script = j.at("script").get<std::string>();
    s.logs_dir = j.at("logs_dir").get<std::string>();
    s.array = j.at("array").get<bool>();
    s.tasks = j.at("tasks").get<std::vector<int>>();
    s.max_parallel = j.at("max_parallel").get<int>();
    s.gpus = j.at("gpus").get<int>();
    s.devices = j.at("devices").get<std::vector<int>>();
    s.time_limit_s = j.at("time_limit_s").get<std::int64_t>();
    s.kill_grace_s = j.at("kill_grace_s").get<std::int64_t>();
    s.environment = j.at("environment").get<std::vector<std::string>>();
    const auto& l = j.at("ledger");
    s.ledger.bureau_id = l.at("bureau_id").get<std::int64_t>();
    s.ledger.account = l.at("account").get<std::string>();
    s.ledger.user = l.at("user").get<std::string>();
    s.ledger.algorithm = l.at("algorithm").get<std::string>();
    s.ledger.version = l.at("version").get<std::string>();
    s.ledger.vendor = l.at("vendor").get<std::string>();
    s.ledger.gpu_type = opt<std::string>(l, "gpu_type");
    s.ledger.weight = l.at("weight").get<double>();
    s.ledger.price_cny = l.at("price_cny").get<double>();
    return s;
}

nlohmann::json to_json(const RunStatus& s) {
    nlohmann::json tasks = nlohmann::json::array();
    for (const auto& t : s.tasks) {
        nlohmann::json e = {{"state", std::string(to_string(t.state))}, {"reason", t.reason}};
        put(e, "index", t.index);
        put(e, "exit_code", t.exit_code);
        put(e, "started_at", t.started_at);
        put(e, "ended_at", t.ended_at);
        tasks.push_back(std::move(e));
    }
    return {{"supervisor_pid", s.supervisor_pid}, {"finished", s.finished}, {"tasks", tasks}};
}

RunStatus run_status_from_json(const nlohmann::json& j) {
    RunStatus s;
    s.supervisor_pid = j.value("supervisor_pid", 0L);
    s.finished = j.value("finished", false);
    for (const auto& e : j.at("tasks")) {
        TaskStatus t;
        t.index = opt<int>(e, "index");
        t.state = parse_state(e.at("state").get<std::string>()).value_or(State::lost);
        t.exit_code = opt<int>(e, "exit_code");
        t.started_at = opt<std::int64_t>(e, "started_at");
        t.ended_at = opt<std::int64_t>(e, "ended_at");
        t.reason = e.value("reason", std::string());
        s.tasks.push_back(std::move(t));
    }
    return s;
}

}  // namespace pdai::jobs::local
