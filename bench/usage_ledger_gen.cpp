// Writes a synthetic usage ledger for bench/usage_report.sh: N rows over one year, 50 bureaus,
// 500 users, 40 algorithms, 4 GPU types, then rebuilds the per-day rollup once (as many syncs
// would have kept it).  usage_ledger_gen CATALOG ROWS [YEAR_START_UNIX]
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "catalog/bureaus.hpp"
#include "catalog/catalog.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/ledger.hpp"
#include "catalog/quotas.hpp"

using namespace pdai::catalog;

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: usage_ledger_gen CATALOG ROWS [YEAR_START_UNIX]\n";
        return 2;
    }
    const std::string path = argv[1];
    const long long rows = std::atoll(argv[2]);
    const std::int64_t year_start = argc > 3 ? std::atoll(argv[3]) : 1767225600;  // 2026-01-01
    auto t0 = std::chrono::steady_clock::now();
    auto c = Catalog::init(path, 60000).first;
    struct Type {
        const char* name;
        double weight, price;
    };
    const Type types[] = {{"a100", 1.0, 12.0}, {"h100", 2.1, 25.0}, {"t4", 0.25, 3.0}, {"l4", 0.4, 5.0}};
    std::vector<AccountBureau> bureaus;
    c.write([&] {
        for (const auto& t : types) add_gpu_type(c, t.name, t.weight, t.price, "nvidia", std::nullopt);
        for (int b = 0; b < 50; ++b) {
            auto code = 'b' + std::to_string(b);
            auto br = add_bureau(c, code, "bureau " + std::to_string(b), "acct" + std::to_string(b));
            bureaus.push_back({br.id, code, br.slurm_account});
            QuotaChange q;
            q.budget_cuh = 100000.0;
            set_quota(c, code, q);
        }
    });
    std::mt19937_64 rng(42);
    std::vector<LedgerRow> batch;
    const long long per_batch = 200000;
    for (long long i = 0; i < rows; ++i) {
        const int user = static_cast<int>(rng() % 500);
        const auto& b = bureaus[static_cast<std::size_t>(user % 50)];
        const auto& t = types[(user % 50 + rng() % 2) % 4];
        LedgerRow r;
        r.cluster = "bench";
        r.slurm_job_id = 1000 + i;
        r.bureau_id = b.bureau_id;
        r.account = b.account;
        r.unix_user = "user" + std::to_string(user);
        const int algo = static_cast<int>((user * 7 + rng() % 3) % 40);
        r.algorithm = "algo" + std::to_string(algo);
        r.algorithm_version = "1." + std::to_string(algo % 3) + ".0";
        r.vendor = "vendor" + std::to_string(algo % 8);
        r.gpu_type = t.name;
        r.gpus = 1 + static_cast<int>(rng() % 4);
        r.start_at = year_start + static_cast<std::int64_t>(rng() % (365LL * 86400));
        r.elapsed_s = 60 + static_cast<std::int64_t>(rng() % 14400);
        r.end_at = r.start_at + r.elapsed_s;
        r.gpu_hours = r.gpus * r.elapsed_s / 3600.0;
        r.cuh = r.gpu_hours * t.weight;
        r.cost_cny = r.gpu_hours * t.price;
        r.exit_state = rng() % 10 ? "COMPLETED" : "FAILED";
        r.ingested_at = r.end_at;
        batch.push_back(std::move(r));
        if (static_cast<long long>(batch.size()) == per_batch || i + 1 == rows) {
            c.write([&] { append_ledger_rows_raw(c, batch); });
            batch.clear();
        }
    }
    auto t1 = std::chrono::steady_clock::now();
    c.write([&] { rebuild_usage_daily(c); });
    auto t2 = std::chrono::steady_clock::now();
    using S = std::chrono::duration<double>;
    std::cout << "rows " << rows << " insert_s " << S(t1 - t0).count() << " rollup_s "
              << S(t2 - t1).count() << "\n";
}
