// pdai catalog init | check | backup | restore | path.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "catalog/audit.hpp"
#include "catalog/maintenance.hpp"
#include "catalog/store_check.hpp"
#include "common/error.hpp"

namespace pdai::app {

struct InitRequest {
    bool new_audit_key = false;  // start a new audit key chain (the key is lost, or another catalog's)
};
struct Initialized {
    std::string path;
    bool created = false;  // false: it existed and is (now) up to date
    int schema_version = 0;
    std::string audit_key;                 // the key file
    std::optional<std::string> first_key;  // the chain's first public key (audit_anchor)
    bool new_key_chain = false;            // this init started the chain
};
Initialized init_catalog(const Context& ctx, const InitRequest& r = {});

struct CheckRequest {
    bool repair = false;
    std::int64_t grace_seconds = 3600;  // with repair: leave what is younger than this
    bool verify_trees = true;
};
struct Checked {
    catalog::CheckReport report;  // SQLite's checks
    std::optional<catalog::AuditVerifyReport> audit;
    std::optional<catalog::StoreReport> store;
    bool repaired = false;
    std::optional<Error> failure;  // the command fails with it (exit 8) after printing the report
};
Checked check_catalog(const Context& ctx, const CheckRequest& r = {});

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
