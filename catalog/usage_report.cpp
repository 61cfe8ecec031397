#include "catalog/usage_report.hpp"

#include <algorithm>

#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "catalog/ledger.hpp"

namespace pdai::catalog {
namespace {

// The SQL expression of a dimension over usage_daily d LEFT JOIN bureaus b.
const char* dim_sql(UsageDim d) {
    switch (d) {
    // An account of no bureau is labelled "account:NAME", so that it never reads as (and
    // is never summed with) a bureau whose code is the same word.
    case UsageDim::bureau: return "COALESCE(b.code, 'account:' || d.account)";
    case UsageDim::user: return "d.unix_user";
    case UsageDim::algorithm:
        return "CASE d.algorithm WHEN '' THEN '-' ELSE d.algorithm || '@' || d.algorithm_version END";
    case UsageDim::vendor: return "CASE d.vendor WHEN '' THEN '-' ELSE d.vendor END";
    case UsageDim::gpu_type: return "CASE d.gpu_type WHEN '' THEN '-' ELSE d.gpu_type END";
    case UsageDim::day: return "date(d.day * 86400, 'unixepoch')";
    }
    return "''";
}

std::int64_t day_of(std::int64_t t) { return t >= 0 ? t / 86400 : -((-t + 86399) / 86400); }

}  // namespace

std::optional<UsageDim> parse_usage_dim(const std::string& n) {
    if (n == "bureau") return UsageDim::bureau;
    if (n == "user") return UsageDim::user;
    if (n == "algorithm" || n == "algo") return UsageDim::algorithm;
    if (n == "vendor") return UsageDim::vendor;
    if (n == "gpu-type" || n == "gpu_type" || n == "gpu") return UsageDim::gpu_type;
    if (n == "day") return UsageDim::day;
    return std::nullopt;
}

std::vector<std::string> usage_dim_names() { return {"bureau", "user", "algorithm", "vendor", "gpu-type", "day"}; }

std::string to_string(UsageDim d) {
    switch (d) {
    case UsageDim::bureau: return "bureau";
    case UsageDim::user: return "user";
    case UsageDim::algorithm: return "algorithm";
    case UsageDim::vendor: return "vendor";
    case UsageDim::gpu_type: return "gpu_type";
    case UsageDim::day: return "day";
    }
    return "";
}

std::vector<UsageGroup> usage_report(Catalog& c, const UsageQuery& q) {
    // Whole months and no per-user or per-day key: the monthly rollup answers the same
    // question from a few thousand rows.
    const auto from_month = month_index_if_start(q.from), to_month = month_index_if_start(q.to);
    const bool monthly = from_month && to_month && std::none_of(q.by.begin(), q.by.end(), [](UsageDim d) {
                             return d == UsageDim::user || d == UsageDim::day;
                         });
    std::string keys;
    for (std::size_t i = 0; i < q.by.size(); ++i) keys += std::string(dim_sql(q.by[i])) + ", ";
    std::string sql = "SELECT " + keys +
                      "SUM(d.jobs), SUM(d.ok_jobs), SUM(d.gpu_hours), SUM(d.cuh), SUM(d.cost_cny) "
                      "FROM " + std::string(monthly ? "usage_monthly" : "usage_daily") +
                      " d LEFT JOIN bureaus b ON b.slurm_account = d.account WHERE " +
                      (monthly ? "d.month >= ?1 AND d.month < ?2" : "d.day >= ?1 AND d.day < ?2");
    if (!q.accounts.empty()) {
        sql += " AND d.account IN (";
        for (std::size_t i = 0; i < q.accounts.size(); ++i)
            sql += (i ? ",?" : "?") + std::to_string(i + 3);
        sql += ")";
    }
    if (!q.by.empty()) {
        sql += " GROUP BY ";
        for (std::size_t i = 0; i < q.by.size(); ++i) sql += (i ? ", " : "") + std::to_string(i + 1);
    }
    const auto n = static_cast<int>(q.by.size());
    sql += " HAVING SUM(d.jobs) > 0 ORDER BY " + std::to_string(n + 4) + " DESC";
    for (int i = 0; i < n; ++i) sql += ", " + std::to_string(i + 1);
    auto s = db_of(c).prepare(sql);
    if (monthly)
        s.bind(1, *from_month).bind(2, *to_month);
    else
        s.bind(1, day_of(q.from)).bind(2, day_of(q.to));
    for (std::size_t i = 0; i < q.accounts.size(); ++i)
        s.bind(static_cast<int>(i) + 3, q.accounts[i]);
    std::vector<UsageGroup> out;
    while (s.step()) {
        UsageGroup g;
        for (int i = 0; i < n; ++i) g.keys.push_back(s.is_null(i) ? "-" : s.text(i));
        g.figures = {s.i64(n), s.i64(n + 1), s.f64(n + 2), s.f64(n + 3), s.f64(n + 4)};
        out.push_back(std::move(g));
    }
    return out;
}

UsageFigures usage_total(Catalog& c, const std::string& account, std::int64_t from, std::int64_t to) {
    auto s = db_of(c).prepare(
        "SELECT COALESCE(SUM(jobs), 0), COALESCE(SUM(ok_jobs), 0), COALESCE(SUM(gpu_hours), 0), "
        "COALESCE(SUM(cuh), 0), COALESCE(SUM(cost_cny), 0) FROM usage_daily "
        "WHERE account = ?1 AND day >= ?2 AND day < ?3");
    s.bind(1, account).bind(2, day_of(from)).bind(3, day_of(to));
    s.step();
    return {s.i64(0), s.i64(1), s.f64(2), s.f64(3), s.f64(4)};
}

std::vector<LedgerRow> top_jobs(Catalog& c, std::int64_t bureau_id, std::int64_t from,
                                std::int64_t to, int limit) {
    // Through usage_ledger_by_bureau_time: one bureau's period is a small range of it.
    auto s = db_of(c).prepare(
        "SELECT id FROM usage_ledger u WHERE bureau_id = ?1 AND start_at >= ?2 AND start_at < ?3 "
        "AND NOT EXISTS (SELECT 1 FROM usage_ledger x WHERE x.corrects_id = u.id) "
        "ORDER BY cuh DESC, id LIMIT ?4");
    s.bind(1, bureau_id).bind(2, from).bind(3, to).bind(4, limit);
    std::vector<std::int64_t> ids;
    while (s.step()) ids.push_back(s.i64(0));
    std::vector<LedgerRow> out;
    for (auto id : ids)
        if (auto r = ledger_row(c, id)) out.push_back(std::move(*r));
    return out;
}

double liens_cuh(Catalog& c, std::int64_t bureau_id) {
    auto s = db_of(c).prepare("SELECT COALESCE(SUM(bound_cuh), 0) FROM liens WHERE bureau_id = ?");
    s.bind(1, bureau_id);
    s.step();
    return s.f64(0);
}

}  // namespace pdai::catalog
