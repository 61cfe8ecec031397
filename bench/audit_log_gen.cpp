// Writes a synthetic audit log for bench/audit_verify.sh: N entries, each sealed by its own
// checkpoint (as N separate admin commands would leave them), over a small access-control
// state (10 bureaus, 100 members, 4 GPU types, quotas). The entries and checkpoints are
// exactly what the sealer writes (catalog/audit_chain.hpp), but the key chain is kept in
// memory: writing and syncing the key file a million times would measure the disk, not the
// verification. The last secret is written as the catalog's audit key, so the catalog takes
// further changes.   audit_log_gen CATALOG ENTRIES
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "bundle/signature.hpp"
#include "catalog/audit.hpp"
#include "catalog/audit_chain.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/quotas.hpp"
#include "common/files.hpp"

using namespace pdai::catalog;

// "<prefix><n>", appended: "x" + std::to_string(n) trips GCC 12's -Wrestrict at -O3 (bug 105329).
static std::string numbered(const char* prefix, long long n) {
    std::string s(prefix);
    s += std::to_string(n);
    return s;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: audit_log_gen CATALOG ENTRIES\n";
        return 2;
    }
    const std::string path = argv[1];
    const long long n = std::atoll(argv[2]);
    auto t0 = std::chrono::steady_clock::now();
    auto c = Catalog::init(path, 60000).first;
    c.write([&] {
        for (const char* t : {"a100", "h100", "t4", "l4"}) add_gpu_type(c, t, 1.0, 10.0, "nvidia", std::nullopt);
        for (int b = 0; b < 10; ++b) {
            const auto code = numbered("b", b);
            add_bureau(c, code, numbered("bureau ", b), "");
            for (int u = 0; u < 10; ++u) add_member(c, code, numbered("u", b * 10 + u), "member");
            QuotaChange q;
            q.budget_cuh = 1000;
            set_quota(c, code, q);
        }
    });
    Db& db = db_of(c);
    db.exec("DELETE FROM audit_log");  // the setup's own entries: the log below is all there is
    const AccessState state = access_state(c);
    const std::string tables = state_tables_text(state);

    auto key = pdai::bundle::generate_keypair();
    std::string genesis = pdai::bundle::base64_encode(key.public_key);
    std::string prev;
    const std::int64_t at0 = pdai::now_unix() - n;
    c.write([&] {
        auto ins = db.prepare(
            "INSERT INTO audit_log (id, at, actor, action, entity, entity_key, before_json, after_json, prev_sha256, "
            "sha256) VALUES (?, ?, ?, 'quota.set', 'quota', ?, ?, ?, ?, ?)");
        auto cp = db.prepare(
            "INSERT INTO audit_checkpoints (epoch, kind, at, actor, audit_id, chain_sha256, state_sha256, state_tables, "
            "public_key, next_public_key, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        for (long long i = 1; i <= n; ++i) {
            const std::string actor = numbered("admin", i % 7);
            const std::string bureau = numbered("b", i % 10);
            const nlohmann::json before = {{"bureau", bureau}, {"budget_cuh", 1000}, {"period", "month"}};
            const nlohmann::json after = {{"bureau", bureau}, {"budget_cuh", 1000 + i % 500}, {"period", "month"}};
            const std::string b = before.dump(), a = after.dump();
            const std::int64_t at = at0 + i;
            const std::string h = entry_sha256(prev, i, at, actor, "quota.set", "quota", bureau, b, a);
            ins.bind(1, static_cast<std::int64_t>(i)).bind(2, at).bind(3, actor).bind(4, bureau).bind(5, b).bind(6, a);
            ins.bind(7, prev).bind(8, h).run();
            ins.reset();
            prev = h;

            auto next = pdai::bundle::generate_keypair();
            CheckpointFields f;
            f.epoch = i - 1;
            f.kind = i == 1 ? "genesis" : "seal";
            f.at = at;
            f.actor = actor;
            f.audit_id = i;
            f.chain_sha256 = h;
            f.state_sha256 = state.sha256;
            f.signing_key = pdai::bundle::base64_encode(key.public_key);
            f.next_public_key = pdai::bundle::base64_encode(next.public_key);
            const std::string sig = pdai::bundle::sign_message_base64(checkpoint_message(f), key.secret_key);
            cp.bind(1, f.epoch).bind(2, f.kind).bind(3, f.at).bind(4, f.actor).bind(5, f.audit_id);
            cp.bind(6, f.chain_sha256).bind(7, f.state_sha256).bind(8, tables);
            if (i == 1) cp.bind(9, f.signing_key);
            else cp.bind_null(9);
            cp.bind(10, f.next_public_key).bind(11, sig).run();
            cp.reset();
            key = next;
        }
    });
    // The key file the sealer would have left: epoch n, the secret of the next checkpoint.
    pdai::write_file_atomic(default_audit_key_path(path), audit_key_text(path, genesis, n, key.secret_key), 0600,
                            true);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "wrote " << n << " audit entries and " << n << " checkpoints to " << path << " in " << s << " s\n";
    return 0;
}
