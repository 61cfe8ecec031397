// The fixed words an option value is chosen from, each taken from the enum or list that
// defines it, so that the CLI declares them on its options and --help, validation and
// shell completion all follow the code (cli/ passes them to CLI::IsMember).
#pragma once

#include <string>
#include <vector>

namespace pdai::app {

std::vector<std::string> job_state_names();     // pending, running, ... (jobs::State)
std::vector<std::string> period_kind_names();   // month, quarter, year (policy::PeriodKind)
std::vector<std::string> usage_dim_names();     // bureau, user, ... (catalog::UsageDim)
bool is_usage_dim(const std::string& name);     // a name above, or an alias ("algo")
std::vector<std::string> audit_entity_names();  // vendor, gpu-type, member, ... (catalog::kAuditEntities)
bool is_audit_entity(const std::string& name);  // one of those, or its old spelling (gpu_type)

// The warning for a spelling of an earlier release, kept one more: "--name is spelled
// --display-name now; the old spelling goes in a later release".
std::string renamed_note(const std::string& old_spelling, const std::string& new_spelling);
std::vector<std::string> gpu_dtype_names();     // fp32, tf32, ... (gpu::Dtype)
std::vector<std::string> gpu_metric_names();    // half, fp32, ... (inventory weight metrics)
std::vector<std::string> bundle_category_names();  // ocr, vision, ... (bundle manifests)
std::vector<std::string> backend_names();       // slurm, local
std::vector<std::string> member_role_names();   // member, admin

}  // namespace pdai::app
