// The bundle store as the catalog sees it ('pdai catalog check'): every registered
// version's tree re-hashed against its recorded digests, and what a crash can leave behind:
// trees no catalog row refers to (killed between the store's rename and the commit) and
// .incoming-* directories (killed while unpacking). With repair, those two are removed,
// under the catalog's write lock (so a registration in flight is never taken for an orphan)
// and only once older than the grace period; an .incoming directory that a live
// registration holds (its flock) is never touched.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pdai::catalog {

class Catalog;

struct StoreReport {
    std::string root;
    std::int64_t trees = 0;                    // registered versions whose tree was checked
    std::vector<std::string> changed;          // "name@version: path (changed|missing|extra)"
    std::vector<std::string> orphans;          // trees under root that no row refers to
    std::vector<std::string> stale_incoming;   // .incoming-* directories nobody holds
    std::vector<std::string> removed;          // with repair: what went
    std::vector<std::string> kept;             // with repair: younger than the grace period, or in use
    bool ok() const { return changed.empty(); }
    bool clean() const { return orphans.empty() && stale_incoming.empty(); }
};

struct StoreCheckOptions {
    std::string root;
    bool verify_trees = true;
    std::optional<std::int64_t> repair_grace_seconds;  // set: remove orphans and stale dirs older than this
};

StoreReport check_store(Catalog& c, const StoreCheckOptions& o);

void to_json(nlohmann::json& j, const StoreReport& r);

}  // namespace pdai::catalog
