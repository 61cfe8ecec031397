// The audit log: every admin write records who, when, what, and the entity before/after.
//
// It is tamper-evident (pdai-audit(1)):
//  - each entry carries the SHA-256 of the entry before it and its own, over all its fields
//    (a hash chain), so an entry edited, deleted, inserted or moved breaks the chain there;
//  - every write transaction that audits ends with a checkpoint (the sealer below): the
//    chain's head and the digest of the access-control state (vendors and their keys,
//    bureaus, members and roles, quotas, GPU types with weights and prices, algorithms,
//    versions and shares), signed with the Ed25519 key of the checkpoint's epoch. The
//    checkpoint names the next epoch's public key, whose secret replaces this one in the key
//    file: a key stolen today signs only from today on (forward security);
//  - before it signs, the sealer checks that the committed catalog still matches the last
//    checkpoint, so a change made behind pdai's back is never signed over;
//  - verify_audit() recomputes the chain, checks every signature along the key chain from
//    the first public key, and compares the live access-control state with the last
//    checkpoint, naming the first entry, checkpoint or table that differs.
//  Every checkpoint keeps, beside its signed state digest, a short digest per table, so that
//  the table that differs can be named.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pdai::catalog {

class Catalog;

struct AuditEntry {
    std::int64_t id = 0;
    std::int64_t at = 0;
    std::string actor, action, entity, entity_key;
    std::optional<std::string> before_json, after_json;
};

struct AuditFilter {
    std::optional<std::int64_t> since;
    std::optional<std::string> actor;
    std::optional<std::string> entity;
    int limit = 100;
};

// The entities audit entries are about: as the log stores them, and as pdai shows them and
// 'pdai audit list --entity' takes them (the CLI's words: 'gpu-type', 'member').
struct AuditEntityName {
    const char* stored;
    const char* shown;
};
inline constexpr AuditEntityName kAuditEntities[] = {
    {"algorithm", "algorithm"}, {"algorithm_version", "algorithm-version"}, {"bureau", "bureau"},
    {"bureau_member", "member"}, {"catalog", "catalog"},   {"gpu_type", "gpu-type"},
    {"node", "node"},           {"partition", "partition"}, {"quota", "quota"},
    {"vendor", "vendor"},       {"vendor_key", "vendor-key"}};
// The shown name of a stored one (itself when unknown), and the stored name of a shown one,
// or of a stored one (the spelling of earlier releases); nullptr when neither.
std::string audit_entity_shown(const std::string& stored);
const char* audit_entity_stored(const std::string& name);

// Appends one entry, chained to the last, in the caller's transaction, and marks the
// transaction as audited (its commit then runs the sealer). before/after may be null.
void audit(Catalog& c, const std::string& action, const std::string& entity,
           const std::string& key, const nlohmann::json* before, const nlohmann::json* after);

std::vector<AuditEntry> list_audit(Catalog& c, const AuditFilter& f);

void to_json(nlohmann::json& j, const AuditEntry& e);

// ---------------------------------------------------------------- the sealer

struct SealOptions {
    std::string key_path;             // the audit key file (pdai.conf audit_key)
    bool replace_orphan_key = false;  // 'catalog init': a catalog without checkpoints starts a chain
                                      // even though a key file is there (a gone catalog's: wiped)
    bool new_key_chain = false;       // 'catalog init --new-audit-key', 'catalog restore' of another
                                      // chain: start again from a new genesis key (recorded)
    bool accept_state = false;        // 'audit accept': sign the catalog as it is, although it differs
};

// Installs the sealer on a writable catalog (app::Context does it for every write command).
// From then on every audited transaction is checkpointed; one that cannot be (no key, a key
// of another epoch, a catalog changed outside pdai) is refused with Errc::corrupt and
// writes nothing.
void install_audit_sealer(Catalog& c, const SealOptions& o);

// "<catalog>-audit.key": where the key lives unless pdai.conf says otherwise.
std::string default_audit_key_path(const std::string& catalog_path);

// The per-table digests of the access-control state, and their digest.
struct AccessState {
    std::vector<std::pair<std::string, std::string>> tables;  // (table, sha256), in a fixed order
    std::string sha256;
};
AccessState access_state(Catalog& c);

struct AuditVerifyReport {
    std::string catalog;
    std::int64_t entries = 0;
    std::int64_t checkpoints = 0;
    std::int64_t sealed_through = 0;           // the last entry the last checkpoint covers
    std::optional<std::string> first_key;      // the genesis public key the chain starts from
    bool anchor_pinned = false;                // pdai.conf's audit_anchor matched it
    std::vector<std::string> problems;         // the first place that differs comes first
    std::vector<std::string> notes;            // what is true but worth knowing
    double seconds = 0;
    bool ok() const { return problems.empty(); }
};

// Reads only (no key needed). `anchor`: pdai.conf's audit_anchor; `key_path`: the key file,
// looked at only to tell "not sealed yet" from "checkpoints removed".
AuditVerifyReport verify_audit(Catalog& c, const std::optional<std::string>& anchor,
                               const std::optional<std::string>& key_path);

void to_json(nlohmann::json& j, const AuditVerifyReport& r);

// 'catalog restore': the checkpoints of the catalog being replaced that come after the last
// one of the backup, carried into the restored catalog as superseded, so that the key chain
// stays unbroken (the key file is already past the backup's epochs). Read them before the
// restore with saved_checkpoints(); carry_checkpoints() inside the restore's write returns
// false when the backup belongs to another key chain (then the restore starts a new one).
struct SavedCheckpoint {
    std::int64_t epoch = 0;
    std::string kind;
    std::int64_t at = 0;
    std::string actor;
    std::int64_t audit_id = 0;
    std::string chain_sha256, state_sha256, state_tables;
    std::optional<std::string> public_key;
    std::string next_public_key, signature;
};
std::vector<SavedCheckpoint> saved_checkpoints(Catalog& c);

// What the last checkpoint signed: its epoch (-1: none), the entry it covers, its per-table
// digests; and the genesis key the chain starts from.
struct SealedState {
    std::int64_t epoch = -1, audit_id = 0;
    std::vector<std::pair<std::string, std::string>> tables;
    std::optional<std::string> first_key;
};
SealedState sealed_state(Catalog& c);
std::int64_t last_audit_id(Catalog& c);
bool carry_checkpoints(Catalog& c, const std::vector<SavedCheckpoint>& from_replaced);

}  // namespace pdai::catalog
