// pdai catalog init | check | backup | restore | path.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "catalog/maintenance.hpp"
#include "common/error.hpp"

namespace pdai::app {

struct Initialized {
    std::string path;
    bool created = false;  // false: it existed and is (now) up to date
    int schema_version = 0;
};
Initialized init_catalog(const Context& ctx);

struct Checked {
    catalog::CheckReport report;
    std::optional<Error> failure;  // the command fails with it (exit 8) after printing the report
};
Checked check_catalog(const Context& ctx);

struct BackupRequest {
    std::string dest;  // a file; or
    std::string dir;   // DIR/catalog-<UTC time>.db, for cron
    std::optional<int> keep;
    bool force = false;
};
struct BackedUp {
    std::string catalog, path;
    std::uintmax_t bytes = 0;
    std::optional<catalog::RotatedBackup> rotated;  // with dir
};
BackedUp backup_catalog(const Context& ctx, const BackupRequest& r);

struct Restored {
    std::string catalog, source;
};
Restored restore_catalog(const Context& ctx, const std::string& src);

struct CatalogPath {
    CatalogLocation location;
    bool exists = false;
    std::vector<std::string> config_files;
};
CatalogPath catalog_path(const Context& ctx);

}  // namespace pdai::app
