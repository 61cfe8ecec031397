#include "catalog/audit.hpp"

#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"

namespace pdai::catalog {

void audit(Catalog& c, const std::string& action, const std::string& entity,
           const std::string& key, const nlohmann::json* before, const nlohmann::json* after) {
    auto s = db_of(c).prepare(
        "INSERT INTO audit_log (at, actor, action, entity, entity_key, before_json, after_json) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, now_unix()).bind(2, c.actor()).bind(3, action).bind(4, entity).bind(5, key);
    before ? s.bind(6, before->dump()) : s.bind_null(6);
    after ? s.bind(7, after->dump()) : s.bind_null(7);
    s.run();
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

void to_json(nlohmann::json& j, const AuditEntry& e) {
    auto parse = [](const std::optional<std::string>& s) {
        return s ? nlohmann::json::parse(*s, nullptr, false) : nlohmann::json(nullptr);
    };
    j = {{"id", e.id},
         {"at", format_time(e.at)},
         {"actor", e.actor},
         {"action", e.action},
         {"entity", e.entity},
         {"key", e.entity_key},
         {"before", parse(e.before_json)},
         {"after", parse(e.after_json)}};
}

}  // namespace pdai::catalog
