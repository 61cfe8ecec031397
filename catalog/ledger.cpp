#include "catalog/ledger.hpp"

#include <ctime>

#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"

namespace pdai::catalog {
namespace {

constexpr const char* kColumns =
    "id, cluster, slurm_job_id, array_task_id, pdai_job_id, bureau_id, account, unix_user, "
    "algorithm, algorithm_version, vendor, gpu_type, gpus, start_at, end_at, elapsed_s, "
    "gpu_hours, cuh, cost_cny, exit_state, corrects_id, ingested_at";

LedgerRow read_row(const Stmt& s) {
    LedgerRow r;
    r.id = s.i64(0);
    r.cluster = s.text(1);
    r.slurm_job_id = s.i64(2);
    r.array_task_id = s.opt_i64(3);
    r.pdai_job_id = s.opt_i64(4);
    r.bureau_id = s.opt_i64(5);
    r.account = s.text(6);
    r.unix_user = s.text(7);
    r.algorithm = s.opt_text(8);
    r.algorithm_version = s.opt_text(9);
    r.vendor = s.opt_text(10);
    r.gpu_type = s.opt_text(11);
    r.gpus = static_cast<int>(s.i64(12));
    r.start_at = s.i64(13);
    r.end_at = s.i64(14);
    r.elapsed_s = s.i64(15);
    r.gpu_hours = s.f64(16);
    r.cuh = s.f64(17);
    r.cost_cny = s.f64(18);
    r.exit_state = s.text(19);
    r.corrects_id = s.opt_i64(20);
    r.ingested_at = s.i64(21);
    return r;
}

void bind_row(Stmt& s, const LedgerRow& r) {
    s.bind(1, r.cluster).bind(2, r.slurm_job_id).bind(3, r.array_task_id).bind(4, r.pdai_job_id);
    s.bind(5, r.bureau_id).bind(6, r.account).bind(7, r.unix_user).bind(8, r.algorithm);
    s.bind(9, r.algorithm_version).bind(10, r.vendor).bind(11, r.gpu_type).bind(12, r.gpus);
    s.bind(13, r.start_at).bind(14, r.end_at).bind(15, r.elapsed_s).bind(16, r.gpu_hours);
    s.bind(17, r.cuh).bind(18, r.cost_cny).bind(19, r.exit_state).bind(20, r.corrects_id);
    s.bind(21, r.ingested_at);
}

constexpr const char* kInsert =
    "INSERT INTO usage_ledger (cluster, slurm_job_id, array_task_id, pdai_job_id, bureau_id, "
    "account, unix_user, algorithm, algorithm_version, vendor, gpu_type, gpus, start_at, "
    "end_at, elapsed_s, gpu_hours, cuh, cost_cny, exit_state, corrects_id, ingested_at) "
    "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21)";

// Adds (sign +1) or takes away (sign -1) one row's figures from its day in usage_daily.
void roll(Catalog& c, const LedgerRow& r, int sign) {
    auto s = db_of(c).prepare(
        "INSERT INTO usage_daily (day, account, unix_user, algorithm, algorithm_version, vendor, "
        "gpu_type, jobs, ok_jobs, gpu_hours, cuh, cost_cny) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,"
        "?10,?11,?12) ON CONFLICT DO UPDATE SET jobs = jobs + excluded.jobs, ok_jobs = ok_jobs + "
        "excluded.ok_jobs, gpu_hours = gpu_hours + excluded.gpu_hours, cuh = cuh + excluded.cuh, "
        "cost_cny = cost_cny + excluded.cost_cny");
    const double f = sign;
    s.bind(1, r.start_at / 86400).bind(2, r.account).bind(3, r.unix_user);
    s.bind(4, r.algorithm.value_or("")).bind(5, r.algorithm_version.value_or(""));
    s.bind(6, r.vendor.value_or("")).bind(7, r.gpu_type.value_or("")).bind(8, sign);
    s.bind(9, r.exit_state == "COMPLETED" ? sign : 0).bind(10, f * r.gpu_hours);
    s.bind(11, f * r.cuh).bind(12, f * r.cost_cny);
    s.run();
    auto m = db_of(c).prepare(
        "INSERT INTO usage_monthly (month, account, algorithm, algorithm_version, vendor, gpu_type, "
        "jobs, ok_jobs, gpu_hours, cuh, cost_cny) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11) "
        "ON CONFLICT DO UPDATE SET jobs = jobs + excluded.jobs, ok_jobs = ok_jobs + "
        "excluded.ok_jobs, gpu_hours = gpu_hours + excluded.gpu_hours, cuh = cuh + excluded.cuh, "
        "cost_cny = cost_cny + excluded.cost_cny");
    m.bind(1, month_index(r.start_at)).bind(2, r.account).bind(3, r.algorithm.value_or(""));
    m.bind(4, r.algorithm_version.value_or("")).bind(5, r.vendor.value_or(""));
    m.bind(6, r.gpu_type.value_or("")).bind(7, sign).bind(8, r.exit_state == "COMPLETED" ? sign : 0);
    m.bind(9, f * r.gpu_hours).bind(10, f * r.cuh).bind(11, f * r.cost_cny);
    m.run();
}

}  // namespace

std::optional<LedgerRow> ledger_row(Catalog& c, std::int64_t id) {
    auto s = db_of(c).prepare(std::string("SELECT ") + kColumns + " FROM usage_ledger WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_row(s);
}

std::optional<LedgerRow> current_ledger_row(Catalog& c, const std::string& cluster,
                                            std::int64_t slurm_job_id,
                                            std::optional<std::int64_t> array_task_id) {
    auto s = db_of(c).prepare(
        std::string("SELECT ") + kColumns +
        " FROM usage_ledger u WHERE cluster = ?1 AND slurm_job_id = ?2 AND array_task_id IS ?3 "
        "AND NOT EXISTS (SELECT 1 FROM usage_ledger x WHERE x.corrects_id = u.id) "
        "ORDER BY id DESC LIMIT 1");
    s.bind(1, cluster).bind(2, slurm_job_id).bind(3, array_task_id);
    if (!s.step()) return std::nullopt;
    return read_row(s);
}

std::int64_t append_ledger_row(Catalog& c, const LedgerRow& row) {
    auto s = db_of(c).prepare(kInsert);
    bind_row(s, row);
    s.run();
    const std::int64_t id = db_of(c).last_insert_id();
    if (row.corrects_id) {
        if (auto old = ledger_row(c, *row.corrects_id)) roll(c, *old, -1);
    }
    roll(c, row, +1);
    return id;
}

void append_ledger_rows_raw(Catalog& c, const std::vector<LedgerRow>& rows) {
    auto s = db_of(c).prepare(kInsert);
    for (const auto& r : rows) {
        bind_row(s, r);
        s.run();
        s.reset();
    }
}

void rebuild_usage_daily(Catalog& c) {
    db_of(c).exec("DELETE FROM usage_daily");
    db_of(c).exec(
        "INSERT INTO usage_daily SELECT start_at / 86400, account, unix_user, "
        "COALESCE(algorithm, ''), COALESCE(algorithm_version, ''), COALESCE(vendor, ''), "
        "COALESCE(gpu_type, ''), COUNT(*), SUM(exit_state = 'COMPLETED'), SUM(gpu_hours), "
        "SUM(cuh), SUM(cost_cny) FROM usage_ledger u "
        "WHERE NOT EXISTS (SELECT 1 FROM usage_ledger x WHERE x.corrects_id = u.id) "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7");
    db_of(c).exec("DELETE FROM usage_monthly");
    db_of(c).exec(
        "INSERT INTO usage_monthly SELECT CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) "
        "* 12 + CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1, account, algorithm, "
        "algorithm_version, vendor, gpu_type, SUM(jobs), SUM(ok_jobs), SUM(gpu_hours), SUM(cuh), "
        "SUM(cost_cny) FROM usage_daily GROUP BY 1, 2, 3, 4, 5, 6");
}

std::int64_t month_index(std::int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return (tm.tm_year + 1900LL) * 12 + tm.tm_mon;
}

std::optional<std::int64_t> month_index_if_start(std::int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    if (tm.tm_mday != 1 || tm.tm_hour != 0 || tm.tm_min != 0 || tm.tm_sec != 0) return std::nullopt;
    return (tm.tm_year + 1900LL) * 12 + tm.tm_mon;
}

std::vector<LedgerRow> ledger_rows(Catalog& c, const std::string& cluster, std::int64_t slurm_job_id) {
    auto s = db_of(c).prepare(std::string("SELECT ") + kColumns +
                            " FROM usage_ledger WHERE cluster = ? AND slurm_job_id = ? ORDER BY id");
    s.bind(1, cluster).bind(2, slurm_job_id);
    std::vector<LedgerRow> out;
    while (s.step()) out.push_back(read_row(s));
    return out;
}

std::int64_t ledger_row_count(Catalog& c) {
    auto s = db_of(c).prepare("SELECT COUNT(*) FROM usage_ledger");
    s.step();
    return s.i64(0);
}

bool pdai_job_exists(Catalog& c, std::int64_t id) {
    auto s = db_of(c).prepare("SELECT 1 FROM jobs WHERE id = ?");
    s.bind(1, id);
    return s.step();
}

void replace_liens(Catalog& c, const std::string& cluster, const std::vector<LienRow>& liens,
                   std::int64_t liens_at) {
    auto del = db_of(c).prepare("DELETE FROM liens WHERE cluster = ?");
    del.bind(1, cluster);
    del.run();
    auto s = db_of(c).prepare(
        "INSERT OR REPLACE INTO liens (cluster, slurm_job_id, bureau_id, gpu_type, gpus, tasks, "
        "nodes, time_limit_minutes, concurrent_gpus, bound_cuh, state) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)");
    for (const auto& l : liens) {
        s.bind(1, cluster).bind(2, l.slurm_job_id).bind(3, l.bureau_id).bind(4, l.gpu_type);
        s.bind(5, l.gpus).bind(6, l.tasks).bind(7, l.nodes).bind(8, l.time_limit_minutes);
        s.bind(9, l.concurrent_gpus).bind(10, l.bound_cuh).bind(11, l.state);
        s.run();
        s.reset();
    }
    auto st = db_of(c).prepare(
        "INSERT INTO sync_state (cluster, liens_at) VALUES (?1, ?2) "
        "ON CONFLICT (cluster) DO UPDATE SET liens_at = excluded.liens_at");
    st.bind(1, cluster).bind(2, liens_at);
    st.run();
}

std::optional<SyncState> find_sync_state(Catalog& c, const std::string& cluster) {
    for (auto& s : list_sync_states(c))
        if (s.cluster == cluster) return s;
    return std::nullopt;
}

std::vector<SyncState> list_sync_states(Catalog& c) {
    auto s = db_of(c).prepare(
        "SELECT cluster, watermark, liens_at, last_run_at FROM sync_state ORDER BY cluster");
    std::vector<SyncState> out;
    while (s.step()) out.push_back({s.text(0), s.i64(1), s.opt_i64(2), s.opt_i64(3)});
    return out;
}

void set_sync_run(Catalog& c, const std::string& cluster, std::int64_t watermark, std::int64_t at) {
    auto s = db_of(c).prepare(
        "INSERT INTO sync_state (cluster, watermark, last_run_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (cluster) DO UPDATE SET watermark = MAX(watermark, excluded.watermark), "
        "last_run_at = excluded.last_run_at");
    s.bind(1, cluster).bind(2, watermark).bind(3, at);
    s.run();
}

std::vector<AccountBureau> account_bureaus(Catalog& c) {
    auto s = db_of(c).prepare("SELECT id, code, slurm_account FROM bureaus ORDER BY id");
    std::vector<AccountBureau> out;
    while (s.step()) out.push_back({s.i64(0), s.text(1), s.text(2)});
    return out;
}

std::vector<std::pair<std::string, std::string>> algorithm_vendors(Catalog& c) {
    auto s = db_of(c).prepare(
        "SELECT a.name, v.name FROM algorithms a JOIN vendors v ON v.id = a.vendor_id");
    std::vector<std::pair<std::string, std::string>> out;
    while (s.step()) out.emplace_back(s.text(0), s.text(1));
    return out;
}

void to_json(nlohmann::json& j, const LedgerRow& r) {
    auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    j = {{"id", r.id},
         {"cluster", r.cluster},
         {"slurm_job_id", r.slurm_job_id},
         {"array_task_id", opt(r.array_task_id)},
         {"pdai_job_id", opt(r.pdai_job_id)},
         {"account", r.account},
         {"user", r.unix_user},
         // NAME@VERSION in one field, as usage reports group it.
         {"algorithm", r.algorithm ? nlohmann::json(*r.algorithm + (r.algorithm_version ? "@" + *r.algorithm_version
                                                                                          : std::string()))
                                   : nlohmann::json(nullptr)},
         {"vendor", opt(r.vendor)},
         {"gpu_type", opt(r.gpu_type)},
         {"gpus", r.gpus},
         {"start_at", format_time(r.start_at)},
         {"end_at", format_time(r.end_at)},
         {"elapsed_s", r.elapsed_s},
         {"gpu_hours", r.gpu_hours},
         {"cuh", r.cuh},
         {"cost_cny", r.cost_cny},
         {"exit_state", r.exit_state},
         {"corrects_id", opt(r.corrects_id)}};
}

}  // namespace pdai::catalog
