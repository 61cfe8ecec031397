// The tamper-evident audit log (catalog/audit.hpp): the chain, the checkpoints and their
// key chain, forward security (today's key cannot re-sign yesterday), and what the sealer
// refuses. Also the TOML bounds (bundle/toml_bounds.hpp) and the system/user split of
// pdai.conf (app/settings.hpp).
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/settings.hpp"
#include "bundle/signature.hpp"
#include "bundle/toml_bounds.hpp"
#include "bundle/tree.hpp"
#include "catalog/audit.hpp"
#include "catalog/audit_chain.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/db_access.hpp"
#include "catalog/quotas.hpp"
#include "catalog/vendors.hpp"
#include "common/error.hpp"
#include "temp_catalog.hpp"
#include "test_helpers.hpp"

using namespace pdai;
using namespace pdai::catalog;
using pdai::test::error_code_of;

namespace {

struct Sealed {
    test::TempCatalog t;
    std::string key = default_audit_key_path(t.path);
    Sealed() {
        install_audit_sealer(t.cat, {key, true, false, false});
        auto& c = t.cat;
        c.write([&] { add_vendor(c, "acme", "", ""); });
        c.write([&] { add_bureau(c, "fin", "财政局", "fin"); });
        c.write([&] { add_member(c, "fin", "alice", "member"); });
        QuotaChange q;
        q.budget_cuh = 100;
        c.write([&] { set_quota(c, "fin", q); });
    }
    AuditVerifyReport verify() { return verify_audit(t.cat, std::nullopt, key); }
    void sql(const std::string& s) { db_of(t.cat).exec(s); }
    std::string read_key() {
        std::ifstream in(key);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
};

bool names(const AuditVerifyReport& r, const std::string& what) {
    for (const auto& p : r.problems)
        if (p.find(what) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("audit: every audited write is checkpointed and the untouched log verifies", "[unit][audit]") {
    Sealed s;
    auto r = s.verify();
    INFO((r.problems.empty() ? "" : r.problems.front()));
    CHECK(r.ok());
    CHECK(r.entries == 4);
    CHECK(r.checkpoints == 4);
    CHECK(r.sealed_through == 4);
    REQUIRE(r.first_key);
    CHECK(s.read_key().find("epoch = 4") != std::string::npos);
    // Reads are never sealed: a read transaction leaves no checkpoint.
    s.t.cat.write([] {});
    CHECK(s.verify().checkpoints == 4);
}

TEST_CASE("audit: an entry re-chained with its hashes recomputed still fails", "[unit][audit]") {
    Sealed s;
    // The attacker changes entry 2's actor and recomputes every hash after it, as anyone can
    // (hashes need no key): the chain is consistent again, but no longer the one signed.
    s.sql("UPDATE audit_log SET actor = 'mallory' WHERE id = 2");
    auto& db = db_of(s.t.cat);
    auto rows = db.prepare(
        "SELECT id, at, actor, action, entity, entity_key, before_json, after_json FROM audit_log ORDER BY id");
    std::string prev;
    std::vector<std::pair<std::int64_t, std::pair<std::string, std::string>>> fixed;
    while (rows.step()) {
        auto h = entry_sha256(prev, rows.i64(0), rows.i64(1), rows.text(2), rows.text(3), rows.text(4), rows.text(5),
                              rows.opt_text(6), rows.opt_text(7));
        fixed.push_back({rows.i64(0), {prev, h}});
        prev = h;
    }
    for (const auto& [id, ph] : fixed)
        s.sql("UPDATE audit_log SET prev_sha256 = '" + ph.first + "', sha256 = '" + ph.second + "' WHERE id = " +
              std::to_string(id));
    auto r = s.verify();
    CHECK_FALSE(r.ok());
    CHECK(names(r, "no longer match checkpoint #1"));
    // ...and no write signs over it: the chain's head differs from the last checkpoint's.
    CHECK(error_code_of([&] { s.t.cat.write([&] { add_vendor(s.t.cat, "x", "", ""); }); }) == Errc::corrupt);
}

TEST_CASE("audit: forward security: today's key cannot re-sign yesterday's checkpoint", "[unit][audit]") {
    Sealed s;
    // Steal the key file as it is now (the secret of epoch 4) and re-sign checkpoint #1 over
    // a forged state with it, as an attacker who read the key today would.
    const std::string text = s.read_key();
    const auto at = text.find("secret_key = \"") + 14;
    const std::string b64 = text.substr(at, text.find('"', at) - at);
    std::array<unsigned char, 64> stolen{};
    REQUIRE(bundle::base64_decode(b64, stolen.data(), stolen.size()));
    auto& db = db_of(s.t.cat);
    auto row = db.prepare("SELECT at, actor, audit_id, chain_sha256, next_public_key FROM audit_checkpoints WHERE epoch = 1");
    REQUIRE(row.step());
    CheckpointFields f;
    f.epoch = 1;
    f.kind = "seal";
    f.at = row.i64(0);
    f.actor = row.text(1);
    f.audit_id = row.i64(2);
    f.chain_sha256 = row.text(3);
    f.state_sha256 = std::string(64, 'f');  // the forged state
    f.next_public_key = row.text(4);
    // It signs with the key it has, whichever public key the chain expects at epoch 1:
    f.signing_key = bundle::base64_encode(bundle::public_key_of(stolen));
    const auto sig = bundle::sign_message_base64(checkpoint_message(f), stolen);
    s.sql("UPDATE audit_checkpoints SET state_sha256 = '" + f.state_sha256 + "', signature = '" + sig + "' WHERE epoch = 1");
    auto r = s.verify();
    CHECK_FALSE(r.ok());
    CHECK(names(r, "checkpoint #1"));
    // The stolen key is good for the next checkpoint only: that is what it is for.
    CHECK(bundle::base64_encode(bundle::public_key_of(stolen)) ==
          [&] {
              auto n = db.prepare("SELECT next_public_key FROM audit_checkpoints ORDER BY epoch DESC LIMIT 1");
              n.step();
              return n.text(0);
          }());
}

TEST_CASE("audit: a change behind pdai's back is named by table and never signed over", "[unit][audit]") {
    Sealed s;
    s.sql("UPDATE bureau_members SET role = 'admin' WHERE unix_user = 'alice'");
    auto r = s.verify();
    CHECK(names(r, "table bureau_members differs"));
    std::string msg;
    CHECK(error_code_of([&] { s.t.cat.write([&] { add_vendor(s.t.cat, "x", "", ""); }); }, &msg) == Errc::corrupt);
    CHECK(msg.find("bureau_members") != std::string::npos);
    // Bookkeeping columns are not access control.
    s.sql("UPDATE bureau_members SET role = 'member' WHERE unix_user = 'alice'");
    s.sql("UPDATE bureaus SET display_name = 'renamed by hand', created_by = 'x'");
    CHECK(s.verify().ok());
}

TEST_CASE("audit: a missing key, a key of another epoch, and removed checkpoints stop writes", "[unit][audit]") {
    Sealed s;
    auto& c = s.t.cat;
    std::filesystem::rename(s.key, s.key + ".away");
    CHECK(error_code_of([&] { c.write([&] { add_vendor(c, "x", "", ""); }); }) == Errc::corrupt);
    CHECK(!find_vendor(c, "x"));
    std::filesystem::rename(s.key + ".away", s.key);
    std::filesystem::copy_file(s.key, s.key + ".old");
    c.write([&] { add_vendor(c, "y", "", ""); });
    std::filesystem::copy_file(s.key + ".old", s.key, std::filesystem::copy_options::overwrite_existing);
    CHECK(error_code_of([&] { c.write([&] { add_vendor(c, "z", "", ""); }); }) == Errc::corrupt);
    s.sql("DELETE FROM audit_checkpoints");
    auto r = s.verify();
    CHECK(names(r, "holds no audit checkpoint, yet its audit key"));
}

TEST_CASE("audit: a legacy log is chained and sealed by its first change", "[unit][audit]") {
    test::TempCatalog t;
    auto& c = t.cat;
    c.write([&] { add_vendor(c, "acme", "", ""); });  // no sealer: chained, not checkpointed
    db_of(c).exec("UPDATE audit_log SET prev_sha256 = NULL, sha256 = NULL");
    auto r = verify_audit(c, std::nullopt, std::nullopt);
    CHECK(r.ok());
    REQUIRE_FALSE(r.notes.empty());
    CHECK(r.notes.front().find("not sealed yet") != std::string::npos);
    const auto key = default_audit_key_path(t.path);
    install_audit_sealer(c, {key, false, false, false});
    c.write([&] { add_vendor(c, "beta", "", ""); });
    r = verify_audit(c, std::nullopt, key);
    CHECK(r.ok());
    CHECK(r.entries == 2);
    CHECK(r.checkpoints == 1);
}

TEST_CASE("toml bounds: keys, headers and nesting are bounded before parsing", "[unit][toml]") {
    auto refused = [](const std::string& text) {
        try {
            bundle::check_toml_bounds(text, "t.toml");
            return false;
        } catch (const Error& e) {
            return e.code() == Errc::usage;
        }
    };
    std::string deep;
    for (int i = 0; i < 50000; ++i) deep += "a.";
    CHECK(refused(deep + "a = 1\n"));
    CHECK(refused("[" + deep + "a]\n"));
    CHECK(refused("x = { " + deep + "a = 1 }\n"));
    CHECK(refused("x = " + std::string(40, '[') + std::string(40, ']') + "\n"));
    CHECK(refused(std::string(2 << 20, '#')));
    std::string ok32;
    for (int i = 0; i < 31; ++i) ok32 += "k.";
    CHECK_FALSE(refused(ok32 + "k = 1\n"));
    CHECK_FALSE(refused("a = \"" + deep + "\"\nb = '''" + deep + "'''\n# " + deep + "\n"));  // dots in strings and comments
    CHECK_FALSE(refused("f = [" + std::string(200, '1') + ".5, 2.5, 3.5]\nd = 2024-01-01T00:00:00.123Z\n"));
    CHECK_FALSE(refused("\"a.b.c\".\"d.e\" = 1\n[t]\nx.y = 1\n"));
}

TEST_CASE("bundle paths must fit under PATH_MAX in the store", "[unit][bundle]") {
    const std::string root(1000, 'r');
    CHECK(bundle::max_path_in_store(root) == 4096 - (1000 + 1 + 2 + 1 + 64 + 1) - 1);
    CHECK(bundle::max_path_in_store("/var/lib/pdai/bundles") < 4096);
    CHECK(bundle::max_path_in_store(std::string(5000, 'x')) == 0);
}

TEST_CASE("pdai.conf: a user's file holds no system setting", "[unit][settings]") {
    app::Settings s;
    std::string msg;
    CHECK(error_code_of([&] { app::apply_settings_text("require_signed_bundles = false\n", "u.conf", s, app::ConfigLevel::user); },
                        &msg) == Errc::usage);
    CHECK(msg.find("'require_signed_bundles' is a system setting") != std::string::npos);
    for (const char* key : app::kSystemKeys) {
        CAPTURE(key);
        CHECK(error_code_of([&] { app::apply_settings_text(std::string(key) + " = 1\n", "u.conf", s, app::ConfigLevel::user); },
                            &msg) == Errc::usage);
        CHECK(msg.find("system setting") != std::string::npos);
    }
    app::apply_settings_text("backend = \"local\"\nlog_level = \"info\"\nbusy_timeout_ms = 10\n", "u.conf", s,
                             app::ConfigLevel::user);
    CHECK(s.backend == "local");
    app::apply_settings_text("require_signed_bundles = true\nbundle_max_ratio = 0\n", "s.conf", s,
                             app::ConfigLevel::system);
    CHECK(s.require_signed_bundles);
    CHECK(s.bundle_limits.max_ratio == 0);
    CHECK(error_code_of([&] { app::apply_settings_text("busy_timeout_ms = 1e60\n", "s.conf", s); }) == Errc::usage);
    CHECK(app::explicit_config_level("/nonexistent", 0) == app::ConfigLevel::system);
}
