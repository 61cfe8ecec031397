// The small POSIX pieces the local backend is built from: an owned file descriptor, advisory
// locks (flock: released by the kernel when the holder dies, which is what makes a killed
// supervisor detectable and its GPU slots free again), atomic JSON files, and where the
// backend keeps its per-host state.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/unique_fd.hpp"

namespace pdai::jobs::local {

using pdai::UniqueFd;  // common/unique_fd.hpp

// Opens (creating) `path` and takes an exclusive flock. nonblocking: an empty UniqueFd when
// another open file holds it. Throws pdai::Error when the file cannot be opened.
UniqueFd lock_file(const std::string& path, bool nonblocking);
// True when some process holds a lock on `path` (probes with a shared non-blocking lock).
bool is_locked(const std::string& path);

// Writes `j` to `path` through a temporary file and rename(2): readers see all or nothing.
void write_json_atomic(const std::string& path, const nlohmann::json& j);
// nullopt when the file is missing or not (yet) valid JSON.
std::optional<nlohmann::json> read_json(const std::string& path);

// $PDAI_LOCAL_STATE_DIR, else $XDG_STATE_HOME/pdai/local, else ~/.local/state/pdai/local:
// per-host state (the id counter, GPU slot locks, one directory per submission). Created.
std::string state_root();
std::string run_dir(const std::string& root, std::int64_t id);

}  // namespace pdai::jobs::local
