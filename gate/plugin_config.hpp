// pdai_plugin.conf: the settings of the job_submit/pdai plugin, a file next to slurm.conf
// (documented in pdai.conf(5), section "PLUGIN"). One loader, read_plugin_config(), serves
// the plugin, 'pdai quota check', every --dry-run and the local backend, so all of them
// answer with the same exemptions and default time.
//
// One "key = value" a line; '#' starts a comment; values may be quoted; lists are
// comma-separated and may be written TOML-style (["root", "slurm"]):
//   catalog = /var/lib/pdai/catalog.db      (required)
//   fail_mode = closed                       open | closed: what happens while the catalog
//                                            cannot be read
//   default_account_from_bureau = yes        yes | no
//   default_time = none                      a Slurm time ("4:00:00") or none
//   exempt_accounts =                        accounts pdai never checks
//   exempt_users = root                      users pdai never checks
//   reload_interval_ms = 1000                how often the catalog is checked for changes
//   cluster =                                read the liens of this cluster only
//   inventory_max_age_days = 7               an exclusive job is refused (per fail_mode)
//                                            when 'pdai node sync' is older; 0 = never
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "policy/parsed.hpp"
#include "policy/quota_policy.hpp"

namespace pdai::gate {

enum class FailMode { open, closed };

struct PluginConfig {
    std::string catalog;
    FailMode fail_mode = FailMode::closed;
    policy::Settings settings = default_settings();
    int reload_interval_ms = 1000;
    std::string cluster;

    static policy::Settings default_settings() {
        policy::Settings s;
        s.exempt_users = {"root"};
        return s;
    }
};

inline constexpr int kMinReloadIntervalMs = 10;
inline constexpr int kMaxReloadIntervalMs = 600'000;

std::string_view to_string(FailMode m) noexcept;

// Unknown keys, bad values and a missing catalog line are errors naming the line.
policy::Parsed<PluginConfig> parse_plugin_config(std::string_view text);

// $PDAI_PLUGIN_CONF; else pdai_plugin.conf in the directory of $SLURM_CONF; else
// /etc/slurm/pdai_plugin.conf (Debian's slurm.conf directory).
std::string plugin_config_path();

// Reads and parses `path`; a file that cannot be read is an error saying so.
policy::Parsed<PluginConfig> load_plugin_config(const std::string& path);

struct PluginConfigSource {
    PluginConfig config;
    std::string path;        // the file read, or the one looked for
    bool from_file = false;  // false: no file there, so the defaults (root exempt)
};

// The settings as the plugin reads them: `explicit_path` (which must then exist), else
// plugin_config_path() when that file exists, else the defaults. A file that exists but does
// not parse is an error, the same for every caller.
policy::Parsed<PluginConfigSource> read_plugin_config(const std::optional<std::string>& explicit_path);

}  // namespace pdai::gate
