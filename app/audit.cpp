#include "app/audit.hpp"

#include <nlohmann/json.hpp>

#include "app/time_arg.hpp"
#include "app/vocabulary.hpp"
#include "catalog/audit.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace pdai::app {

std::vector<catalog::AuditEntry> list_audit(const Context& ctx, const AuditQuery& q) {
    catalog::AuditFilter f{{}, q.actor, {}, q.limit};
    if (q.entity) {
        const char* stored = catalog::audit_entity_stored(*q.entity);
        if (!stored) throw Error(Errc::usage, "unknown audit entity '" + *q.entity + "'", "see 'pdai audit list --help'");
        if (*q.entity != catalog::audit_entity_shown(stored))
            log::warn(renamed_note("--entity " + *q.entity, catalog::audit_entity_shown(stored)));
        f.entity = stored;
    }
    if (q.since) f.since = parse_since(*q.since);
    auto c = ctx.open_catalog(false);
    auto entries = catalog::list_audit(c, f);
    for (auto& e : entries) e.entity = catalog::audit_entity_shown(e.entity);  // as --entity takes it
    return entries;
}

AuditVerified verify_audit(const Context& ctx) {
    auto c = ctx.open_catalog(false);
    AuditVerified out{catalog::verify_audit(c, ctx.settings.audit_anchor, ctx.audit_key_path()), std::nullopt};
    const auto& r = out.report;
    if (!r.ok())
        out.failure = Error(Errc::failure, "the audit log of " + r.catalog + " does not verify: " + r.problems.front(),
                            "see pdai-audit(1): restore the last good backup ('pdai catalog restore'), or, "
                            "for a change you know of, 'pdai audit accept --reason TEXT'");
    return out;
}

AuditAccepted accept_audit(const Context& ctx, const std::string& reason) {
    if (reason.empty())
        throw Error(Errc::usage, "--reason is required: say why this state is accepted",
                    "e.g. --reason \"quota of fin fixed by hand, ticket 1234\"");
    auto c = ctx.open_catalog(true);
    catalog::install_audit_sealer(c, {ctx.audit_key_path(), false, false, true});
    AuditAccepted out;
    out.catalog = c.path();
    out.reason = reason;
    c.write([&] {
        const auto sealed = catalog::sealed_state(c);
        if (sealed.epoch < 0)
            throw Error(Errc::usage, "the audit log of " + c.path() + " has no checkpoint yet: nothing to accept",
                        "any change, or 'pdai catalog init', seals it");
        const auto live = catalog::access_state(c);
        nlohmann::json before = nlohmann::json::object(), after = nlohmann::json::object();
        for (const auto& [t, d] : live.tables) {
            std::string was;
            for (const auto& [st, sd] : sealed.tables)
                if (st == t) was = sd;
            if (was == d.substr(0, was.size()) && !was.empty()) continue;  // checkpoints keep 16 hex a table
            out.tables.push_back(t);
            before[t] = was;
            after[t] = d;
        }
        out.sealed_through = sealed.audit_id;
        out.now_through = catalog::last_audit_id(c);
        // Nothing differs from what the last checkpoint signed: an entry would accept nothing.
        out.changed = !out.tables.empty() || out.now_through != out.sealed_through;
        if (!out.changed) return;
        const nlohmann::json b = {{"tables", before}, {"audit_id", out.sealed_through}};
        const nlohmann::json a = {{"tables", after}, {"audit_id", out.now_through}, {"reason", reason}};
        catalog::audit(c, "audit.accept", "catalog", c.path(), &b, &a);
    });
    out.epoch = catalog::sealed_state(c).epoch;
    return out;
}

}  // namespace pdai::app
