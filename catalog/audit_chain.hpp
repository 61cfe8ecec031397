// The exact bytes the audit log's hashes and signatures cover, shared by the writer
// (audit.cpp, audit_seal.cpp) and the verifier: one definition, so they cannot drift.
// For catalog/ only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/audit.hpp"

namespace pdai::catalog {

class Db;

// SHA-256 (hex) of an entry chained to `prev` ("" for the first entry).
std::string entry_sha256(std::string_view prev, std::int64_t id, std::int64_t at, std::string_view actor,
                         std::string_view action, std::string_view entity, std::string_view key,
                         const std::optional<std::string>& before, const std::optional<std::string>& after);

struct CheckpointFields {
    std::int64_t epoch = 0;
    std::string kind;  // genesis | seal
    std::int64_t at = 0;
    std::string actor;
    std::int64_t audit_id = 0;
    std::string chain_sha256, state_sha256;
    std::string signing_key;  // base64: the key of this epoch
    std::string next_public_key;
};
// The message a checkpoint's signature covers.
std::string checkpoint_message(const CheckpointFields& f);

// The text of an audit key file (format pdai-audit-key-1): the key of `epoch` on the chain
// that starts from `genesis_public_key`. The caller wipes it after writing it.
std::string audit_key_text(std::string_view catalog, std::string_view genesis_public_key, std::int64_t epoch,
                           const std::array<unsigned char, 64>& secret);

// The access-control state as read through `db` (in the caller's read or write transaction).
AccessState access_state_of(Db& db);
// {"table": "sha256", ...} of a state: what its digest covers.
std::string state_json(const AccessState& s);
// "table=<first 16 hex of its digest> ..." as a checkpoint's state_tables keeps it, and back.
std::string state_tables_text(const AccessState& s);
std::vector<std::pair<std::string, std::string>> parse_state_tables(std::string_view text);
// The tables whose short digest in `sealed` differs from `live`'s.
std::vector<std::string> tables_differing(const AccessState& live, std::string_view sealed);

}  // namespace pdai::catalog
