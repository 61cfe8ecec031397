// The audit log: every admin write records who, when, what, and the entity before/after.
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

// The entities audit entries are about, as list_audit's filter names them.
inline constexpr const char* kAuditEntities[] = {"algorithm", "algorithm_version", "bureau", "bureau_member",
                                                 "catalog", "gpu_type", "node", "quota", "vendor", "vendor_key"};

// Appends one entry in the caller's transaction. before/after may be null (add/remove).
void audit(Catalog& c, const std::string& action, const std::string& entity,
           const std::string& key, const nlohmann::json* before, const nlohmann::json* after);

std::vector<AuditEntry> list_audit(Catalog& c, const AuditFilter& f);

void to_json(nlohmann::json& j, const AuditEntry& e);

}  // namespace pdai::catalog
