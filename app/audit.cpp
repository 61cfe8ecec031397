#include "app/audit.hpp"

#include "app/time_arg.hpp"

namespace pdai::app {

std::vector<catalog::AuditEntry> list_audit(const Context& ctx, const AuditQuery& q) {
    catalog::AuditFilter f{{}, q.actor, q.entity, q.limit};
    if (q.since) f.since = parse_since(*q.since);
    auto c = ctx.open_catalog(false);
    return catalog::list_audit(c, f);
}

}  // namespace pdai::app
