// What shell completion offers: the names of one kind in the catalog ('pdai __complete
// KIND'), and the local backend's supervisor entry point ('pdai __supervise').
#pragma once

#include <string>
#include <vector>

#include "app/context.hpp"

namespace pdai::app {

// vendor | bureau | gpu-type | node | algorithm | algorithm-version (NAME@VERSION, newest
// first per algorithm). An unknown kind lists nothing.
std::vector<std::string> catalog_names(const Context& ctx, const std::string& kind);

// Runs the detached supervisor of one local-backend submission; its exit status.
int supervise(const std::string& run_dir, int lock_fd);

}  // namespace pdai::app
