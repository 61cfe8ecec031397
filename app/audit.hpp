// pdai audit list.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "catalog/audit.hpp"

namespace pdai::app {

struct AuditQuery {
    std::optional<std::string> since, actor, entity;  // since: a date or an age ("7d")
    int limit = 100;
};
std::vector<catalog::AuditEntry> list_audit(const Context& ctx, const AuditQuery& q);

}  // namespace pdai::app
