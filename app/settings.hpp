// pdai.conf (TOML, documented in pdai.conf(5)): /etc/pdai/pdai.conf (the system file, the
// admins' policy), then ~/.config/pdai/pdai.conf on top (the user file: presentation and
// defaults only). A security setting (kSystemKeys) in a user-level file is refused, naming
// the key. --config FILE stands in for one of the two: for the system file when root runs
// pdai, when FILE belongs to root and only root may write it, or when there is no system
// file (no policy to protect: a laptop, a test); otherwise for the user file. The settings reach every
// action explicitly, through app::Context (app/context.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bundle/tree.hpp"

namespace pdai::app {

struct Settings {
    std::optional<std::string> catalog;
    int busy_timeout_ms = 5000;
    std::optional<std::string> bundle_store;
    std::string backend = "auto";  // auto | local | slurm
    // Where job directories go (script, shard lists, logs): <jobs_dir>/<pdai job id>. It must
    // be visible at the same path on every compute node. Default: "jobs" beside the catalog.
    std::optional<std::string> jobs_dir;
    std::optional<std::string> partition;  // Slurm partition for pdai's jobs; none: the default
    std::optional<std::string> log_file;
    bool log_syslog = false;          // also send log lines to syslog (ident pdai, facility user)
    std::string log_level = "warn";   // validated: trace debug info warn error critical off
    bool require_signed_bundles = false;
    // bundle_max_entry_bytes, bundle_max_total_bytes (a byte count or a size like "64G") and
    // bundle_max_entries: what one bundle may unpack to; defaults in bundle::Limits.
    bundle::Limits bundle_limits;
    std::optional<std::string> reference_gpu_type;
    // What a GPU type's weight measures against the reference (inventory/gpu_weight.hpp).
    std::string gpu_weight_metric = "half";
    // The audit log's signing key (pdai-audit(1)); default: "<catalog>-audit-key" beside it.
    std::optional<std::string> audit_key;
    // The first public key of the audit log's key chain, as 'pdai catalog init' printed it:
    // when set, 'pdai audit verify' refuses a log whose chain starts from another key.
    std::optional<std::string> audit_anchor;
    std::vector<std::string> loaded_from;  // files read, in order
};

// Which settings a file may hold: the system file every key, a user-level file only those
// outside kSystemKeys.
enum class ConfigLevel { system, user };

// The keys only the system file may set: policy (signatures, archive limits, the audit key)
// and the paths of the catalog, the store and job directories.
inline constexpr const char* kSystemKeys[] = {
    "catalog", "bundle_store", "jobs_dir", "require_signed_bundles", "bundle_max_entry_bytes",
    "bundle_max_total_bytes", "bundle_max_entries", "bundle_max_ratio", "audit_key", "audit_anchor",
    "reference_gpu_type", "gpu_weight_metric"};
bool is_system_key(std::string_view key);

// Reads one file on top of `into`. Unknown keys, wrong types, a file beyond the TOML bounds
// (bundle/toml_bounds.hpp) and, at ConfigLevel::user, a system key are errors naming the key
// and the line (Errc::usage).
void load_settings_file(const std::string& path, Settings& into, ConfigLevel level = ConfigLevel::system);
// The same from the file's text (`path` names it in messages); what the fuzzer drives.
void apply_settings_text(std::string_view text, const std::string& path, Settings& into,
                         ConfigLevel level = ConfigLevel::system);

// The system file: $PDAI_INSTALL_SYSCONFDIR/pdai/pdai.conf, else /etc/pdai/pdai.conf.
std::string system_config_path();

// The level --config FILE stands for (see the top of this file), for the caller `uid`.
ConfigLevel explicit_config_level(const std::string& path, unsigned uid);

// The system then the user file, each if present; with --config FILE (which must exist),
// FILE in place of the file of its level (explicit_config_level).
Settings load_settings(const std::optional<std::string>& explicit_path, unsigned uid);

// Where the catalog path came from ('pdai catalog path' says it).
enum class CatalogSource { flag, environment, config, fallback };
const char* to_string(CatalogSource s) noexcept;  // "--catalog", "$PDAI_CATALOG", ...

struct CatalogLocation {
    std::string path;
    CatalogSource source = CatalogSource::fallback;
};

// --catalog, else $PDAI_CATALOG, else the config's, else $XDG_DATA_HOME/pdai/catalog.db.
CatalogLocation locate_catalog(const std::optional<std::string>& flag, const Settings& settings);

}  // namespace pdai::app
