// pdai.conf (TOML, documented in pdai.conf(5)): /etc/pdai/pdai.conf, then
// ~/.config/pdai/pdai.conf on top, or only the file given with --config. The settings reach
// every action explicitly, through app::Context (app/context.hpp).
#pragma once

#include <optional>
#include <string>
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
    std::vector<std::string> loaded_from;  // files read, in order
};

// Reads one file on top of `into`. Unknown keys and wrong types are errors naming the
// key and the line (Errc::usage).
void load_settings_file(const std::string& path, Settings& into);

// --config FILE when given (must exist), else the system then the user file if present.
Settings load_settings(const std::optional<std::string>& explicit_path);

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
