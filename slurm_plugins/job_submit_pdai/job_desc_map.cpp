#include "job_desc_map.hpp"

#include <algorithm>
#include <climits>
#include <optional>
#include <string_view>

#include "policy/duration.hpp"
#include "policy/gpu_request.hpp"
#include "policy/job_ask.hpp"
#include "policy/parse_util.hpp"
#include "slurmapi/slurm_compat.hpp"

namespace pdai::plugin {
namespace {

std::optional<int> count32(std::uint32_t v) {
    if (v == 0 || v == NO_VAL || v == INFINITE) return std::nullopt;
    return static_cast<int>(std::min<std::uint32_t>(v, INT_MAX));
}

std::optional<int> count16(std::uint16_t v) {
    if (v == 0 || v == NO_VAL16 || v == INFINITE16) return std::nullopt;
    return v;
}

std::string_view text(const char* s) { return s ? std::string_view(s) : std::string_view(); }

policy::JobShape shape_of(const job_desc_msg_t& d) {
    return {count32(d.min_nodes), count32(d.max_nodes), count32(d.num_tasks),
            count16(d.ntasks_per_node), count16(d.sockets_per_node)};
}

policy::TresFields tres_of(const job_desc_msg_t& d) {
    return {text(d.tres_per_job), text(d.tres_per_node), text(d.tres_per_task),
            text(d.tres_per_socket)};
}

std::optional<int> time_limit(std::uint32_t v) {
    if (v == NO_VAL) return std::nullopt;
    if (v == INFINITE) return 0;  // "no limit": see the header
    return static_cast<int>(std::min<std::uint32_t>(v, policy::kMaxTimeMinutes));
}

}  // namespace

std::uint32_t job_owner(const job_desc_msg_t& desc, std::uint32_t submit_uid) noexcept {
    return desc.user_id != NO_VAL ? desc.user_id : submit_uid;
}

[[gnu::hot]] policy::JobAsk to_job_ask(const job_desc_msg_t& d, std::string user, std::int64_t now) {
    policy::JobAsk a;
    if (d.account && *d.account) a.account = d.account;
    a.user = std::move(user);
    a.submit_time = now;
    a.tres_per_job = text(d.tres_per_job);
    a.tres_per_node = text(d.tres_per_node);
    a.tres_per_task = text(d.tres_per_task);
    a.tres_per_socket = text(d.tres_per_socket);
    a.shape = shape_of(d);
    a.array = text(d.array_inx);
    // --exclusive gives whole nodes; --exclusive=user keeps every other user off them, so it
    // is charged as whole nodes too (as a partition's ExclusiveUser=YES is). =mcs is not.
    a.exclusive = d.shared == JOB_SHARED_NONE || d.shared == JOB_SHARED_USER;
    a.partition = text(d.partition);  // "" (none given): the default partition
    if (d.time_limit == INFINITE) {
        a.time = policy::TimeAsk::infinite();
    } else if (const auto m = time_limit(d.time_limit)) {
        a.time = policy::TimeAsk::of(*m);
    }
    return a;
}

gate::ModifyRequest to_modify_request(const job_desc_msg_t& d, std::string user,
                                      std::int64_t now) {
    gate::ModifyRequest m;
    m.user = std::move(user);
    m.now = now;
    if (const auto id = slurmapi::job_id(d); id != NO_VAL && id != 0) m.job_id = id;
    // "1234" or "1234_7" (one array task); ranges and het components price the whole job.
    const std::string_view id = text(d.job_id_str);
    const auto us = id.find('_');
    if (const auto base = policy::detail::parse_uint(id.substr(0, us), UINT32_MAX); base && !m.job_id)
        m.job_id = static_cast<std::uint32_t>(*base);
    if (us != std::string_view::npos) {
        if (auto task = policy::detail::parse_uint(id.substr(us + 1), INT_MAX))
            m.task_id = static_cast<int>(*task);
    }
    if (d.account && *d.account) m.account = d.account;
    if (d.partition && *d.partition) m.partition = d.partition;
    if (d.time_limit != NO_VAL) {
        m.time_given = true;
        m.time_limit_minutes = time_limit(d.time_limit);
        if (m.time_limit_minutes == 0) m.time_limit_minutes.reset();  // INFINITE
    }
    using F = gate::ModifyRequest;
    m.tres_named = (d.tres_per_job ? F::tres_job : 0u) | (d.tres_per_node ? F::tres_node : 0u) |
                   (d.tres_per_task ? F::tres_task : 0u) | (d.tres_per_socket ? F::tres_socket : 0u);
    // ArrayTaskThrottle=N arrives as array_inx "N"; other array changes are not pricing ones.
    if (const std::string_view a = text(d.array_inx); !a.empty())
        if (auto n = policy::detail::parse_uint(a, INT_MAX)) m.array_throttle = static_cast<int>(*n);
    const auto tres = tres_of(d);
    m.tres_per_job = tres.per_job;
    m.tres_per_node = tres.per_node;
    m.tres_per_task = tres.per_task;
    m.tres_per_socket = tres.per_socket;
    m.shape = shape_of(d);
    return m;
}

}  // namespace pdai::plugin
