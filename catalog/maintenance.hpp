// Catalog care: integrity checks, online backups (SQLite backup API, safe while others
// write) and restore that checks the source before it replaces anything.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pdai::catalog {

class Catalog;

struct CheckReport {
    std::string path;
    int schema_version = 0;
    std::vector<std::string> problems;  // empty: healthy
    bool ok() const { return problems.empty(); }
};

// integrity_check, foreign_key_check, application id and schema version.
CheckReport check_catalog(const std::string& path, int busy_timeout_ms);

// Copies the live catalog to dest (written beside it under a temporary name, verified,
// then renamed into place). Refuses an existing dest unless overwrite.
void backup_catalog(Catalog& c, const std::string& dest, bool overwrite);

struct RotatedBackup {
    std::string path;                  // the new backup, verified
    std::uintmax_t bytes = 0;
    std::vector<std::string> kept;     // this pattern's backups left in the directory, newest first
    std::vector<std::string> removed;  // the oldest ones deleted to keep `keep`
};

// For cron: writes dir/catalog-<UTC time at `now`>.db (with a -N suffix when that second
// is taken) through backup_catalog, so it is verified before it counts, and only then
// deletes the oldest files of that name pattern beyond `keep` (none when keep is empty).
// Nothing else in dir is ever touched. dir is created if missing.
RotatedBackup backup_rotating(Catalog& c, const std::string& dir, std::optional<int> keep,
                              std::int64_t now);

// The sort key of a file name written by backup_rotating (UTC stamp, suffix), or nothing
// when the name does not follow that pattern.
std::optional<std::pair<std::string, int>> rotating_backup_key(const std::string& filename);

// Checks src (integrity, foreign keys, a pdai catalog no newer than this pdai) and only
// then replaces the content of the catalog at path, in one step under its write lock.
void restore_catalog(const std::string& src, const std::string& path, int busy_timeout_ms);

void to_json(nlohmann::json& j, const CheckReport& r);
void to_json(nlohmann::json& j, const RotatedBackup& r);

}  // namespace pdai::catalog
