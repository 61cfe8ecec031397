// Algorithms and their versions (one registered bundle each): lookup, listing and search,
// status (active, deprecated, revoked), sharing with bureaus, and the two questions job
// submission asks: which version does "name[@version]" mean, and may this bureau run it.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bundle/manifest.hpp"
#include "bundle/tree.hpp"

namespace pdai::catalog {

class Catalog;

struct Algorithm {
    std::int64_t id = 0;
    std::string name, vendor, category, description;
    std::optional<std::string> owner_bureau;  // nullopt: platform-wide
    std::vector<std::string> shared_with;     // bureau codes, sorted
    std::optional<std::string> latest_version;  // highest version that is not revoked
    int versions = 0;
    std::int64_t created_at = 0;
    std::string created_by;
};

struct AlgorithmVersion {
    std::int64_t id = 0;
    std::string algorithm, vendor, version;
    std::string archive_sha256, tree_sha256;
    std::int64_t size_bytes = 0, file_count = 0;
    std::string store_path;  // the unpacked bundle, absolute
    bundle::Manifest manifest;
    std::string status;      // active | deprecated | revoked
    std::optional<std::string> licence_expires;  // YYYY-MM-DD
    std::optional<std::string> signed_by_key;    // "<vendor>/<key id>"
    std::optional<std::string> signature;        // the detached signature file's text
    std::int64_t registered_at = 0;
    std::string registered_by;
};

// One entry of a version's tree as registered (directories and symlinks included).
struct AlgorithmFile {
    std::string path, sha256;
    std::int64_t size = 0;
    std::uint32_t mode = 0;  // bundle::TreeEntry::mode()
};

struct AlgorithmFilter {
    std::optional<std::string> vendor, category;
    std::optional<std::string> bureau;  // only what this bureau may use
};

// "name" or "name@version".
struct VersionRef {
    std::string name;
    std::optional<std::string> version;
    std::string str() const { return version ? name + "@" + *version : name; }
};
VersionRef parse_version_ref(std::string_view spec);  // Error(usage) when malformed
// The same, insisting on "@version" (deprecate, revoke, verify, export).
VersionRef parse_exact_version_ref(std::string_view spec);

std::optional<Algorithm> find_algorithm(Catalog& c, const std::string& name);
Algorithm get_algorithm(Catalog& c, const std::string& name);  // not_found if unknown
std::vector<Algorithm> list_algorithms(Catalog& c, const AlgorithmFilter& f);
// Case-insensitive (ASCII) substring search in names, descriptions, categories and vendors.
std::vector<Algorithm> search_algorithms(Catalog& c, const std::string& text,
                                         const std::optional<std::string>& bureau);

// Newest first (semver precedence).
std::vector<AlgorithmVersion> list_versions(Catalog& c, const std::string& name);
std::optional<AlgorithmVersion> find_version(Catalog& c, const std::string& name,
                                             const std::string& version);
AlgorithmVersion get_version(Catalog& c, const std::string& name, const std::string& version);
std::vector<AlgorithmFile> list_version_files(Catalog& c, std::int64_t version_id);

enum class Purpose { inspect, submit };
// "name@version" is that version; "name" is the newest active version, else the newest
// deprecated one. For Purpose::submit a revoked version, or one whose licence has expired,
// is refused (Errc::refused) with a message naming the versions that may be used.
AlgorithmVersion resolve_algorithm(Catalog& c, std::string_view spec,
                                   Purpose purpose = Purpose::submit);

// Whether bureau_code may see and run the algorithm: platform-wide, owned by the bureau, or
// shared with it. not_found for an unknown algorithm or bureau.
bool bureau_can_use(Catalog& c, const std::string& algorithm, const std::string& bureau_code);

// deprecated or revoked; the caller's transaction, audited. A repeat is a no-op (returns
// false); a revoked version stays revoked (conflict).
bool set_version_status(Catalog& c, const VersionRef& ref, const std::string& status,
                        const std::string& reason);

// Returns false when it was already shared (a no-op). Refuses (usage) platform-wide
// algorithms and the owning bureau itself.
// Removes a version no job ran and no later version was derived from (lineage), with its
// file digests; the algorithm goes with its last version. Returns the removed version (its
// store_path is the caller's to delete once the transaction commits) and whether the
// algorithm went too.
std::pair<AlgorithmVersion, bool> remove_version(Catalog& c, const VersionRef& ref);

bool share_algorithm(Catalog& c, const std::string& algorithm, const std::string& bureau_code);
void unshare_algorithm(Catalog& c, const std::string& algorithm, const std::string& bureau_code);

// Used by registration (algorithm_bundles.cpp), in its transaction.
Algorithm insert_algorithm(Catalog& c, const bundle::Manifest& m, std::int64_t vendor_id,
                           std::optional<std::int64_t> owner_bureau_id);
void update_algorithm_text(Catalog& c, const Algorithm& a, const bundle::Manifest& m);
struct NewVersion {
    std::int64_t algorithm_id = 0;
    const bundle::Manifest* manifest = nullptr;
    const bundle::Tree* tree = nullptr;
    std::string archive_sha256, store_path;
    std::optional<std::string> signed_by_key, signature;
};
AlgorithmVersion insert_version(Catalog& c, const NewVersion& v);

void to_json(nlohmann::json& j, const Algorithm& a);
void to_json(nlohmann::json& j, const AlgorithmVersion& v);
void to_json(nlohmann::json& j, const AlgorithmFile& f);

}  // namespace pdai::catalog
