#include "catalog/quotas.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "catalog/audit.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "catalog/gpu_types.hpp"
#include "common/error.hpp"

namespace pdai::catalog {
namespace {

std::vector<std::string> allowed_types(Catalog& c, std::int64_t bureau_id) {
    auto s = db_of(c).prepare(
        "SELECT t.name FROM quota_gpu_types q JOIN gpu_types t ON t.id = q.gpu_type_id "
        "WHERE q.bureau_id = ? ORDER BY t.name");
    s.bind(1, bureau_id);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
}

std::optional<Quota> read_quota(Catalog& c, const Bureau& b) {
    auto s = db_of(c).prepare(
        "SELECT period, budget_cuh, max_gpus, max_time_minutes, updated_at, updated_by "
        "FROM quotas WHERE bureau_id = ?");
    s.bind(1, b.id);
    if (!s.step()) return std::nullopt;
    return Quota{b.code,        s.text(0),   s.f64(1), s.opt_i64(2), s.opt_i64(3),
                 allowed_types(c, b.id), s.i64(4), s.text(5)};
}

// Whether `names` (checked to exist) are the types `current` already allows, in any order.
bool same_types(Catalog& c, const std::vector<std::string>& names, const std::vector<std::string>& current) {
    std::vector<std::string> wanted;
    for (const auto& name : names) wanted.push_back(get_gpu_type(c, name).name);
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    return wanted == current;  // allowed_types() reads them sorted
}

}  // namespace

void validate_period(const std::string& p) {
    if (p != "month" && p != "quarter" && p != "year")
        throw Error(Errc::usage, "unknown period '" + p + "'", "use month, quarter or year");
}

void validate_budget(double cuh) {
    if (!std::isfinite(cuh) || cuh < 0 || cuh > 1e12)
        throw Error(Errc::usage, "budget must be zero or a positive number of compute-unit-hours");
}

Updated<Quota> set_quota(Catalog& c, const std::string& code, const QuotaChange& ch) {
    Bureau b = get_bureau(c, code);
    std::optional<Quota> before = read_quota(c, b);
    if (ch.period) validate_period(*ch.period);
    if (ch.budget_cuh) validate_budget(*ch.budget_cuh);
    if (ch.max_gpus && *ch.max_gpus && **ch.max_gpus < 0)
        throw Error(Errc::usage, "max GPUs must be zero or positive");
    if (ch.max_time_minutes && *ch.max_time_minutes && **ch.max_time_minutes <= 0)
        throw Error(Errc::usage, "max time must be positive");
    if (!before && !ch.budget_cuh)
        throw Error(Errc::usage, "bureau '" + code + "' has no quota yet: give --budget");

    Quota q = before.value_or(Quota{code, "month", 0, {}, {}, {}, 0, ""});
    if (ch.period) q.period = *ch.period;
    if (ch.budget_cuh) q.budget_cuh = *ch.budget_cuh;
    if (ch.max_gpus) q.max_gpus = *ch.max_gpus;
    if (ch.max_time_minutes) q.max_time_minutes = *ch.max_time_minutes;
    if (before && q.period == before->period && q.budget_cuh == before->budget_cuh &&
        q.max_gpus == before->max_gpus && q.max_time_minutes == before->max_time_minutes &&
        (!ch.gpu_types || same_types(c, *ch.gpu_types, before->gpu_types)))
        return {std::move(*before), false};
    q.updated_at = now_unix();
    q.updated_by = c.actor();

    auto s = db_of(c).prepare(
        "INSERT INTO quotas (bureau_id, period, budget_cuh, max_gpus, max_time_minutes, "
        "updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
        "ON CONFLICT (bureau_id) DO UPDATE SET period = ?2, budget_cuh = ?3, max_gpus = ?4, "
        "max_time_minutes = ?5, updated_at = ?6, updated_by = ?7");
    s.bind(1, b.id).bind(2, q.period).bind(3, q.budget_cuh).bind(4, q.max_gpus);
    s.bind(5, q.max_time_minutes).bind(6, q.updated_at).bind(7, q.updated_by).run();

    if (ch.gpu_types) {
        auto clear = db_of(c).prepare("DELETE FROM quota_gpu_types WHERE bureau_id = ?");
        clear.bind(1, b.id).run();
        auto ins = db_of(c).prepare(
            "INSERT OR IGNORE INTO quota_gpu_types (bureau_id, gpu_type_id) VALUES (?, ?)");
        for (const auto& name : *ch.gpu_types) {
            GpuType t = get_gpu_type(c, name);
            ins.bind(1, b.id).bind(2, t.id).run();
            ins.reset();
        }
    }
    Quota after = *read_quota(c, b);
    nlohmann::json ja = after;
    if (before) {
        nlohmann::json jb = *before;
        audit(c, "quota.set", "quota", code, &jb, &ja);
    } else {
        audit(c, "quota.set", "quota", code, nullptr, &ja);
    }
    return {std::move(after), true};
}

std::optional<Quota> find_quota(Catalog& c, const std::string& code) {
    return read_quota(c, get_bureau(c, code));
}

std::vector<Quota> list_quotas(Catalog& c) {
    std::vector<Quota> out;
    for (const auto& b : list_bureaus(c))
        if (auto q = read_quota(c, b)) out.push_back(std::move(*q));
    return out;
}

void to_json(nlohmann::json& j, const Quota& q) {
    auto opt = [](const std::optional<std::int64_t>& v) {
        return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    };
    j = {{"bureau", q.bureau},
         {"period", q.period},
         {"budget_cuh", q.budget_cuh},
         {"max_gpus", opt(q.max_gpus)},
         {"max_time_minutes", opt(q.max_time_minutes)},
         {"gpu_types", q.gpu_types},
         {"updated_at", format_time(q.updated_at)},
         {"updated_by", q.updated_by}};
}

}  // namespace pdai::catalog
