#include "catalog/audit.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "bundle/sha256.hpp"
#include "bundle/signature.hpp"
#include "catalog/audit_chain.hpp"
#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "common/error.hpp"

namespace pdai::catalog {

namespace {

void field(std::string& out, std::string_view v) {
    out += std::to_string(v.size());
    out += ':';
    out += v;
    out += '\n';
}
void opt_field(std::string& out, const std::optional<std::string>& v) {
    if (v) field(out, std::string_view(*v));
    else out += "-\n";
}

// The access-control tables and the columns of each that decide who may do what (not the
// bookkeeping: display names, contacts, created_at/by), each in a fixed order.
struct StateTable {
    const char* name;
    const char* sql;
};
constexpr StateTable kStateTables[] = {
    {"vendors", "SELECT id, name FROM vendors ORDER BY id"},
    {"vendor_keys", "SELECT vendor_id, key_id, algorithm, public_key FROM vendor_keys ORDER BY vendor_id, key_id"},
    {"bureaus", "SELECT id, code, slurm_account, active FROM bureaus ORDER BY id"},
    {"bureau_members", "SELECT bureau_id, unix_user, role FROM bureau_members ORDER BY bureau_id, unix_user"},
    {"quotas", "SELECT bureau_id, period, budget_cuh, max_gpus, max_time_minutes FROM quotas ORDER BY bureau_id"},
    {"quota_gpu_types", "SELECT bureau_id, gpu_type_id FROM quota_gpu_types ORDER BY bureau_id, gpu_type_id"},
    {"gpu_types", "SELECT id, name, weight, price_cny, match_pattern FROM gpu_types ORDER BY id"},
    {"algorithms", "SELECT id, name, vendor_id, owner_bureau_id FROM algorithms ORDER BY id"},
    {"algorithm_versions",
     "SELECT id, algorithm_id, version, tree_sha256, status, signed_by_key, licence_expires "
     "FROM algorithm_versions ORDER BY id"},
    {"algorithm_shares", "SELECT algorithm_id, bureau_id FROM algorithm_shares ORDER BY algorithm_id, bureau_id"},
};

std::string table_digest(Db& db, const StateTable& t) {
    auto s = db.prepare(t.sql);
    const int n = sqlite3_column_count(s.raw());
    bundle::Sha256 h;
    h.update(std::string("pdai-state-v1 ") + t.name + "\n");
    std::string row;
    char num[40];
    while (s.step()) {
        row.clear();
        for (int i = 0; i < n; ++i) {
            switch (sqlite3_column_type(s.raw(), i)) {
            case SQLITE_NULL: row += "n;"; break;
            // Appended piece by piece here and below: "x" + std::string&& trips GCC 12's
            // -Wrestrict at -O3 (bug 105329).
            case SQLITE_INTEGER:
                row += 'i';
                row += std::to_string(s.i64(i));
                row += ';';
                break;
            case SQLITE_FLOAT:
                std::snprintf(num, sizeof num, "%.17g", s.f64(i));
                row += "r";
                row += num;
                row += ';';
                break;
            default: {
                const std::string v = s.text(i);
                row += 't';
                row += std::to_string(v.size());
                row += ':';
                row += v;
                row += ';';
                break;
            }
            }
        }
        row += '\n';
        h.update(row);
    }
    return h.hex_digest();
}

}  // namespace

std::string entry_sha256(std::string_view prev, std::int64_t id, std::int64_t at, std::string_view actor,
                         std::string_view action, std::string_view entity, std::string_view key,
                         const std::optional<std::string>& before, const std::optional<std::string>& after) {
    std::string m = "pdai-audit-entry-v1\n";
    m.reserve(256 + (before ? before->size() : 0) + (after ? after->size() : 0));
    field(m, prev);
    field(m, std::to_string(id));
    field(m, std::to_string(at));
    field(m, actor);
    field(m, action);
    field(m, entity);
    field(m, key);
    opt_field(m, before);
    opt_field(m, after);
    return bundle::sha256_hex(m);
}

std::string checkpoint_message(const CheckpointFields& f) {
    std::string m = "pdai-audit-checkpoint-v1\n";
    field(m, std::to_string(f.epoch));
    field(m, f.kind);
    field(m, std::to_string(f.at));
    field(m, f.actor);
    field(m, std::to_string(f.audit_id));
    field(m, f.chain_sha256);
    field(m, f.state_sha256);
    field(m, f.signing_key);
    field(m, f.next_public_key);
    return m;
}

AccessState access_state_of(Db& db) {
    AccessState st;
    for (const auto& t : kStateTables) st.tables.emplace_back(t.name, table_digest(db, t));
    st.sha256 = bundle::sha256_hex(state_json(st));
    return st;
}

std::string state_json(const AccessState& s) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [t, d] : s.tables) j[t] = d;
    return j.dump();
}

std::string state_tables_text(const AccessState& s) {
    std::string out;
    for (const auto& [t, d] : s.tables) out += (out.empty() ? "" : " ") + t + "=" + d.substr(0, 16);
    return out;
}

std::vector<std::pair<std::string, std::string>> parse_state_tables(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!text.empty()) {
        auto sp = text.find(' ');
        std::string_view item = text.substr(0, sp);
        text.remove_prefix(sp == std::string_view::npos ? text.size() : sp + 1);
        auto eq = item.find('=');
        if (eq != std::string_view::npos) out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    return out;
}

std::vector<std::string> tables_differing(const AccessState& live, std::string_view sealed) {
    const auto was = parse_state_tables(sealed);
    std::vector<std::string> out;
    for (const auto& [t, d] : live.tables) {
        bool same = false;
        for (const auto& [st, sd] : was)
            if (st == t) same = sd == d.substr(0, 16);
        if (!same) out.push_back(t);
    }
    return out;
}

AccessState access_state(Catalog& c) { return access_state_of(db_of(c)); }

std::string default_audit_key_path(const std::string& catalog_path) { return catalog_path + "-audit.key"; }

namespace {

// Entries written before the chain existed (a catalog migrated from schema 3) get their
// hashes when the first entry after the migration is appended; the genesis checkpoint of
// that same transaction seals them. A NULL hash after a chained entry is tampering.
void chain_legacy_entries(Db& db) {
    auto chained = db.prepare("SELECT min(id) FROM audit_log WHERE sha256 IS NOT NULL");
    chained.step();
    if (!chained.is_null(0))
        throw Error(Errc::corrupt,
                    "the audit log was altered outside pdai: an entry after #" + std::to_string(chained.i64(0)) +
                        " has no hash",
                    "'pdai audit verify' names the entry; restore the last good backup");
    auto rows = db.prepare(
        "SELECT id, at, actor, action, entity, entity_key, before_json, after_json FROM audit_log ORDER BY id");
    auto upd = db.prepare("UPDATE audit_log SET prev_sha256 = ?, sha256 = ? WHERE id = ?");
    std::string prev;
    while (rows.step()) {
        std::string h = entry_sha256(prev, rows.i64(0), rows.i64(1), rows.text(2), rows.text(3), rows.text(4),
                                     rows.text(5), rows.opt_text(6), rows.opt_text(7));
        upd.bind(1, prev).bind(2, h).bind(3, rows.i64(0)).run();
        upd.reset();
        prev = std::move(h);
    }
}

}  // namespace

void audit(Catalog& c, const std::string& action, const std::string& entity,
           const std::string& key, const nlohmann::json* before, const nlohmann::json* after) {
    Db& db = db_of(c);
    std::int64_t id = 1;
    std::string prev;
    {
        auto last = db.prepare("SELECT id, sha256 FROM audit_log ORDER BY id DESC LIMIT 1");
        if (last.step()) {
            id = last.i64(0) + 1;
            if (last.is_null(1)) {
                last.reset();
                chain_legacy_entries(db);
                auto again = db.prepare("SELECT sha256 FROM audit_log ORDER BY id DESC LIMIT 1");
                again.step();
                prev = again.text(0);
            } else {
                prev = last.text(1);
            }
        }
    }
    const std::int64_t at = now_unix();
    std::optional<std::string> b, a;
    if (before) b = before->dump();
    if (after) a = after->dump();
    const std::string h = entry_sha256(prev, id, at, c.actor(), action, entity, key, b, a);
    auto s = db.prepare(
        "INSERT INTO audit_log (id, at, actor, action, entity, entity_key, before_json, after_json, "
        "prev_sha256, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, id).bind(2, at).bind(3, c.actor()).bind(4, action).bind(5, entity).bind(6, key);
    s.bind(7, b).bind(8, a).bind(9, prev).bind(10, h);
    s.run();
    c.mark_audited();
}

std::vector<AuditEntry> list_audit(Catalog& c, const AuditFilter& f) {
    auto s = db_of(c).prepare(
        "SELECT id, at, actor, action, entity, entity_key, before_json, after_json FROM audit_log "
        "WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR actor = ?2) "
        "AND (?3 IS NULL OR entity = ?3) ORDER BY id DESC LIMIT ?4");
    s.bind(1, f.since).bind(2, f.actor).bind(3, f.entity).bind(4, f.limit);
    std::vector<AuditEntry> out;
    while (s.step())
        out.push_back({s.i64(0), s.i64(1), s.text(2), s.text(3), s.text(4), s.text(5),
                       s.opt_text(6), s.opt_text(7)});
    return out;
}

std::string audit_entity_shown(const std::string& stored) {
    for (const auto& n : kAuditEntities)
        if (stored == n.stored) return n.shown;
    return stored;
}

const char* audit_entity_stored(const std::string& name) {
    for (const auto& n : kAuditEntities)
        if (name == n.shown || name == n.stored) return n.stored;
    return nullptr;
}

void to_json(nlohmann::json& j, const AuditEntry& e) {
    auto parse = [](const std::optional<std::string>& s) {
        return s ? nlohmann::json::parse(*s, nullptr, false) : nlohmann::json(nullptr);
    };
    j = {{"id", e.id},
         {"changed_at", format_time(e.at)},  // the *_at rule of every time field
         {"actor", e.actor},
         {"action", e.action},
         {"entity", audit_entity_shown(e.entity)},
         {"key", e.entity_key},
         {"before", parse(e.before_json)},
         {"after", parse(e.after_json)}};
}

// ---------------------------------------------------------------- verification

namespace {

struct CheckpointRow {
    CheckpointFields f;
    std::string state_tables;
    std::optional<std::string> public_key;
    std::string signature;
    bool superseded = false;
};

std::vector<CheckpointRow> load_checkpoints(Db& db) {
    auto s = db.prepare(
        "SELECT epoch, kind, at, actor, audit_id, chain_sha256, state_sha256, public_key, next_public_key, "
        "signature, superseded, state_tables FROM audit_checkpoints ORDER BY epoch");
    std::vector<CheckpointRow> out;
    while (s.step()) {
        CheckpointRow r;
        r.f.epoch = s.i64(0);
        r.f.kind = s.text(1);
        r.f.at = s.i64(2);
        r.f.actor = s.text(3);
        r.f.audit_id = s.i64(4);
        r.f.chain_sha256 = s.text(5);
        r.f.state_sha256 = s.text(6);
        r.public_key = s.opt_text(7);
        r.f.next_public_key = s.text(8);
        r.signature = s.text(9);
        r.superseded = s.i64(10) != 0;
        r.state_tables = s.text(11);
        out.push_back(std::move(r));
    }
    return out;
}

// Verifies every signature, spread over the CPUs; the smallest index that fails, if any.
std::optional<std::size_t> first_bad_signature(const std::vector<CheckpointRow>& rows) {
    const std::size_t n = rows.size();
    if (n == 0) return std::nullopt;
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t workers = std::min<std::size_t>({hw, 16, (n + 255) / 256});
    std::atomic<std::size_t> bad{n};
    auto work = [&](std::size_t from) {
        for (std::size_t i = from; i < n; i += workers) {
            if (i >= bad.load(std::memory_order_relaxed)) return;
            const auto& r = rows[i];
            if (!bundle::verify_message_base64(checkpoint_message(r.f), r.signature, r.f.signing_key)) {
                std::size_t cur = bad.load();
                while (i < cur && !bad.compare_exchange_weak(cur, i)) {
                }
                return;
            }
        }
    };
    std::vector<std::thread> pool;
    for (std::size_t w = 1; w < workers; ++w) pool.emplace_back(work, w);
    work(0);
    for (auto& t : pool) t.join();
    if (bad.load() < n) return bad.load();
    return std::nullopt;
}

std::string when(std::int64_t t) { return format_time(t); }

}  // namespace

AuditVerifyReport verify_audit(Catalog& c, const std::optional<std::string>& anchor,
                               const std::optional<std::string>& key_path) {
    const auto t0 = std::chrono::steady_clock::now();
    Db& db = db_of(c);
    AuditVerifyReport r;
    r.catalog = c.path();
    db.exec("BEGIN");  // one snapshot for everything below
    struct Finish {
        Db& db;
        ~Finish() { sqlite3_exec(db.get(), "COMMIT", nullptr, nullptr, nullptr); }
    } finish{db};

    // 1. The key chain: epochs 0, 1, 2, ... each signed by the key the one before named.
    auto cps = load_checkpoints(db);
    r.checkpoints = static_cast<std::int64_t>(cps.size());
    for (std::size_t i = 0; i < cps.size(); ++i) {
        auto& cp = cps[i];
        if (cp.f.epoch != static_cast<std::int64_t>(i)) {
            r.problems.push_back("checkpoint #" + std::to_string(i) + " is missing (deleted outside pdai)");
            cps.resize(i);
            break;
        }
        if (cp.f.kind == "genesis") {
            cp.f.signing_key = cp.public_key.value_or("");
            if (i == 0) r.first_key = cp.f.signing_key;
            else
                r.notes.push_back("the key chain starts again at checkpoint #" + std::to_string(i) + " (" +
                                  when(cp.f.at) + ", by " + cp.f.actor + "): what came before it is kept but "
                                  "no longer continued");
        } else {
            cp.f.signing_key = i > 0 ? cps[i - 1].f.next_public_key : "";
        }
    }
    if (auto bad = first_bad_signature(cps))
        r.problems.push_back("checkpoint #" + std::to_string(*bad) + " (" + when(cps[*bad].f.at) +
                             "): its signature does not verify with the key the chain gives it; it was "
                             "changed or forged after it was signed");
    if (anchor && r.first_key && *anchor != *r.first_key)
        r.problems.push_back("the key chain starts from " + *r.first_key + ", not from audit_anchor " + *anchor +
                             " (pdai.conf): the whole chain was replaced");
    r.anchor_pinned = anchor && r.first_key && *anchor == *r.first_key;

    // The checkpoint that covers each entry id, among those whose entries are still here.
    const CheckpointRow* last_live = nullptr;
    std::map<std::int64_t, const CheckpointRow*> by_entry;
    for (const auto& cp : cps) {
        if (cp.superseded) continue;
        last_live = &cp;
        by_entry[cp.f.audit_id] = &cp;
    }

    // 2. The entries: recomputed one after the other from the first.
    auto s = db.prepare(
        "SELECT id, at, actor, action, entity, entity_key, before_json, after_json, prev_sha256, sha256 "
        "FROM audit_log ORDER BY id");
    std::string computed;  // the recomputed hash of the entry before
    std::int64_t prev_id = 0, last_id = 0;
    std::int64_t unhashed = 0;
    bool entry_problem = false;
    std::int64_t prev_cp_entry = 0;
    auto next_cp = by_entry.begin();
    while (next_cp != by_entry.end() && next_cp->first == 0) ++next_cp;  // checkpoints over an empty log
    while (s.step()) {
        ++r.entries;
        const std::int64_t id = s.i64(0);
        const auto stored_prev = s.opt_text(8), stored = s.opt_text(9);
        const std::string h = entry_sha256(computed, id, s.i64(1), s.text(2), s.text(3), s.text(4), s.text(5),
                                           s.opt_text(6), s.opt_text(7));
        if (!entry_problem) {
            std::string what;
            if (!stored) {
                ++unhashed;
                if (!cps.empty()) what = "has no hash: it was written or changed outside pdai";
            } else if (id != prev_id + 1) {
                const std::string after =
                    prev_id == 0 ? "is the first entry" : "follows #" + std::to_string(prev_id);
                what = prev_id + 1 == id - 1
                           ? after + ": entry #" + std::to_string(prev_id + 1) + " was deleted"
                           : after + ": entries #" + std::to_string(prev_id + 1) + " to #" + std::to_string(id - 1) +
                                 " were deleted";
            } else if (stored_prev && *stored_prev != computed) {
                what = "is not chained to the entry before it: an entry was deleted, inserted or moved before it";
            } else if (*stored != h) {
                what = "was changed after it was written (its fields no longer match its hash)";
            }
            if (!what.empty()) {
                r.problems.insert(r.problems.begin(), "audit entry #" + std::to_string(id) + " (" + when(s.i64(1)) +
                                                          ", " + s.text(3) + " by " + s.text(2) + ") " + what);
                entry_problem = true;
            }
        }
        // A checkpoint at this entry: the chain recomputed up to here is the one it signed.
        while (next_cp != by_entry.end() && next_cp->first < id) {
            if (!entry_problem)
                r.problems.push_back("checkpoint #" + std::to_string(next_cp->second->f.epoch) + " covers entry #" +
                                     std::to_string(next_cp->first) + ", which is no longer in the log");
            entry_problem = true;
            ++next_cp;
        }
        if (next_cp != by_entry.end() && next_cp->first == id) {
            if (!entry_problem && next_cp->second->f.chain_sha256 != h) {
                r.problems.push_back("entries #" + std::to_string(prev_cp_entry + 1) + " to #" + std::to_string(id) +
                                     " no longer match checkpoint #" + std::to_string(next_cp->second->f.epoch) +
                                     " (" + when(next_cp->second->f.at) + "): one of them was changed, deleted "
                                     "or inserted, and the hashes recomputed");
                entry_problem = true;
            }
            prev_cp_entry = id;
            ++next_cp;
        }
        computed = h;
        prev_id = last_id = id;
    }
    if (next_cp != by_entry.end() && !entry_problem)
        r.problems.push_back("checkpoint #" + std::to_string(next_cp->second->f.epoch) + " covers entry #" +
                             std::to_string(next_cp->first) + ", past the end of the log: entries were deleted");

    std::error_code ec;
    const bool key_exists = key_path && ::access(key_path->c_str(), F_OK) == 0;
    if (cps.empty()) {
        if (key_exists)
            r.problems.push_back("the catalog holds no audit checkpoint, yet its audit key " + *key_path +
                                 " exists: the checkpoints were removed");
        else if (anchor)
            r.problems.push_back("the catalog holds no audit checkpoint, yet pdai.conf pins audit_anchor");
        else
            r.notes.push_back("the audit log is not sealed yet (a catalog from before the audit chain): the next "
                              "change, or 'pdai catalog init', seals its " + std::to_string(r.entries) + " entries");
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return r;
    }
    if (unhashed > 0 && !entry_problem) r.notes.push_back(std::to_string(unhashed) + " entries have no hash");
    if (last_live) r.sealed_through = last_live->f.audit_id;
    if (!entry_problem && last_live && last_id > last_live->f.audit_id)
        r.problems.push_back("audit entries #" + std::to_string(last_live->f.audit_id + 1) + " to #" +
                             std::to_string(last_id) + " come after the last checkpoint #" +
                             std::to_string(last_live->f.epoch) + ": they were written without the audit key "
                             "or inserted outside pdai");

    // 3. The state: the live tables against the last checkpoint.
    if (last_live) {
        const AccessState live = access_state_of(db);
        if (live.sha256 != last_live->f.state_sha256) {
            std::string tables;
            for (const auto& t : tables_differing(live, last_live->state_tables))
                tables += (tables.empty() ? "" : ", ") + t;
            r.problems.push_back(tables.empty()
                                     ? "the access-control state differs from checkpoint #" +
                                           std::to_string(last_live->f.epoch) + " (" + when(last_live->f.at) +
                                           "), and its per-table digests were changed too"
                                     : "table " + tables + " differs from checkpoint #" +
                                           std::to_string(last_live->f.epoch) + " (" + when(last_live->f.at) +
                                           "): changed outside pdai, with no audit entry");
        }
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

void to_json(nlohmann::json& j, const AuditVerifyReport& r) {
    j = {{"catalog", r.catalog},
         {"ok", r.ok()},
         {"entries", r.entries},
         {"checkpoints", r.checkpoints},
         {"sealed_through", r.sealed_through},
         {"first_key", r.first_key ? nlohmann::json(*r.first_key) : nlohmann::json(nullptr)},
         {"anchor_pinned", r.anchor_pinned},
         {"problems", r.problems},
         {"notes", r.notes}};
}

SealedState sealed_state(Catalog& c) {
    Db& db = db_of(c);
    SealedState out;
    auto g = db.prepare("SELECT public_key FROM audit_checkpoints WHERE epoch = 0");
    if (g.step()) out.first_key = g.opt_text(0);
    auto s = db.prepare("SELECT epoch, audit_id FROM audit_checkpoints WHERE superseded = 0 ORDER BY epoch DESC LIMIT 1");
    if (s.step()) out.epoch = s.i64(0), out.audit_id = s.i64(1);
    auto st = db.prepare("SELECT state_tables FROM audit_checkpoints WHERE superseded = 0 ORDER BY epoch DESC LIMIT 1");
    if (st.step()) out.tables = parse_state_tables(st.text(0));
    return out;
}

std::int64_t last_audit_id(Catalog& c) {
    auto s = db_of(c).prepare("SELECT coalesce(max(id), 0) FROM audit_log");
    s.step();
    return s.i64(0);
}

std::vector<SavedCheckpoint> saved_checkpoints(Catalog& c) {
    std::vector<SavedCheckpoint> out;
    for (auto& r : load_checkpoints(db_of(c)))
        out.push_back({r.f.epoch, r.f.kind, r.f.at, r.f.actor, r.f.audit_id, r.f.chain_sha256, r.f.state_sha256,
                       r.state_tables, r.public_key, r.f.next_public_key, r.signature});
    return out;
}

bool carry_checkpoints(Catalog& c, const std::vector<SavedCheckpoint>& old) {
    Db& db = db_of(c);
    auto mine = load_checkpoints(db);
    if (mine.empty() || old.empty()) return false;
    const auto& last = mine.back();
    // Same chain: the replaced catalog holds this very checkpoint, signature and all.
    if (static_cast<std::size_t>(last.f.epoch) >= old.size() || old[last.f.epoch].signature != last.signature)
        return false;
    auto ins = db.prepare(
        "INSERT INTO audit_checkpoints (epoch, kind, at, actor, audit_id, chain_sha256, state_sha256, state_tables, "
        "public_key, next_public_key, signature, superseded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)");
    for (const auto& o : old) {
        if (o.epoch <= last.f.epoch) continue;
        ins.bind(1, o.epoch).bind(2, o.kind).bind(3, o.at).bind(4, o.actor).bind(5, o.audit_id);
        ins.bind(6, o.chain_sha256).bind(7, o.state_sha256).bind(8, o.state_tables).bind(9, o.public_key);
        ins.bind(10, o.next_public_key).bind(11, o.signature).run();
        ins.reset();
    }
    return true;
}

}  // namespace pdai::catalog
