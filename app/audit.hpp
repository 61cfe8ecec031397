// pdai audit list.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "catalog/audit.hpp"
#include "common/error.hpp"

namespace pdai::app {

struct AuditQuery {
    std::optional<std::string> since, actor, entity;  // since: a date or an age ("7d")
    int limit = 100;
};
std::vector<catalog::AuditEntry> list_audit(const Context& ctx, const AuditQuery& q);

// pdai audit verify: the chain, every checkpoint's signature, the live access-control state.
struct AuditVerified {
    catalog::AuditVerifyReport report;
    std::optional<Error> failure;  // exit 1 naming the first place that differs, after the report
};
AuditVerified verify_audit(const Context& ctx);

// pdai audit accept: signs the catalog as it is now although it differs from the last
// checkpoint, recording what differed (per-table digests, the last entry) and why.
struct AuditAccepted {
    std::string catalog, reason;
    std::vector<std::string> tables;  // the tables that differed
    std::int64_t sealed_through = 0, now_through = 0;
    std::int64_t epoch = 0;           // the checkpoint that now signs it
    bool changed = true;              // false: it matched its checkpoint, nothing was written
};
AuditAccepted accept_audit(const Context& ctx, const std::string& reason);

}  // namespace pdai::app
