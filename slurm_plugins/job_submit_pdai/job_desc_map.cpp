#include "job_desc_map.hpp"

#include <algorithm>
#include <climits>
#include <optional>
#include <string_view>

#include "policy/array_spec.hpp"
#include "policy/duration.hpp"
#include "policy/gpu_request.hpp"
#include "policy/parse_util.hpp"

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

policy::JobRequest to_job_request(const job_desc_msg_t& d, std::string user, std::int64_t now) {
    policy::JobRequest job;
    if (d.account && *d.account) job.account = d.account;
    job.user = std::move(user);
    job.submit_time = now;
    job.time_limit_minutes = time_limit(d.time_limit);
    std::string errors;
    if (auto ask = policy::gpu_ask_from_tres(tres_of(d), shape_of(d))) {
        job.gpus = *ask;
    } else {
        errors = ask.error();
    }
    if (d.array_inx && *d.array_inx) {
        if (auto spec = policy::parse_array_spec(d.array_inx)) {
            job.array_tasks = spec->tasks;
            job.array_throttle = spec->throttle;
        } else {
            errors += (errors.empty() ? "" : "; ") + ("--array: " + spec.error());
        }
    }
    job.request_error = std::move(errors);
    return job;
}

gate::ModifyRequest to_modify_request(const job_desc_msg_t& d, std::string user,
                                      std::int64_t now) {
    gate::ModifyRequest m;
    m.user = std::move(user);
    m.now = now;
    if (d.job_id != NO_VAL && d.job_id != 0) m.job_id = d.job_id;
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
    if (d.time_limit != NO_VAL) {
        m.time_given = true;
        m.time_limit_minutes = time_limit(d.time_limit);
        if (m.time_limit_minutes == 0) m.time_limit_minutes.reset();  // INFINITE
    }
    m.tres_given = d.tres_per_job || d.tres_per_node || d.tres_per_task || d.tres_per_socket;
    const auto tres = tres_of(d);
    m.tres_per_job = tres.per_job;
    m.tres_per_node = tres.per_node;
    m.tres_per_task = tres.per_task;
    m.tres_per_socket = tres.per_socket;
    m.shape = shape_of(d);
    return m;
}

}  // namespace pdai::plugin
