#include "app/vocabulary.hpp"

#include "bundle/manifest.hpp"
#include "catalog/audit.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/usage_report.hpp"
#include "gpu/gpu.hpp"
#include "inventory/gpu_weight.hpp"
#include "jobs/backend.hpp"
#include "jobs/job_state.hpp"
#include "policy/period.hpp"

namespace pdai::app {

std::vector<std::string> job_state_names() {
    std::vector<std::string> out;
    for (auto s : jobs::all_states()) out.emplace_back(jobs::to_string(s));
    return out;
}

std::vector<std::string> period_kind_names() {
    std::vector<std::string> out;
    for (auto k : policy::kPeriodKinds) out.emplace_back(policy::to_string(k));
    return out;
}

std::vector<std::string> usage_dim_names() { return catalog::usage_dim_names(); }

bool is_usage_dim(const std::string& name) { return catalog::parse_usage_dim(name).has_value(); }

std::vector<std::string> audit_entity_names() {
    std::vector<std::string> out;
    for (const auto& n : catalog::kAuditEntities) out.emplace_back(n.shown);
    return out;
}

bool is_audit_entity(const std::string& name) { return catalog::audit_entity_stored(name) != nullptr; }

std::string renamed_note(const std::string& old_spelling, const std::string& new_spelling) {
    return old_spelling + " is spelled " + new_spelling + " now; the old spelling goes in a later release";
}

std::vector<std::string> gpu_dtype_names() {
    std::vector<std::string> out;
    for (auto d : gpu::kAllDtypes) out.emplace_back(gpu::dtype_name(d));
    return out;
}

std::vector<std::string> gpu_metric_names() { return inventory::weight_metrics(); }

std::vector<std::string> bundle_category_names() { return bundle::categories(); }

std::vector<std::string> backend_names() { return {std::begin(jobs::kBackendNames), std::end(jobs::kBackendNames)}; }

std::vector<std::string> member_role_names() {
    return {std::begin(catalog::kMemberRoles), std::end(catalog::kMemberRoles)};
}

}  // namespace pdai::app
