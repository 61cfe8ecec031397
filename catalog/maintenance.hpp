// Catalog care: integrity checks, online backups (SQLite backup API, safe while others
// write) and restore that checks the source before it replaces anything.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
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

// Checks src (integrity, foreign keys, a pdai catalog no newer than this pdai) and only
// then replaces the content of the catalog at path, in one step under its write lock.
void restore_catalog(const std::string& src, const std::string& path, int busy_timeout_ms);

void to_json(nlohmann::json& j, const CheckReport& r);

}  // namespace pdai::catalog
