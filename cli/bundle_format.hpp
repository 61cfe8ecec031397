// How bundles and manifests read on the terminal, shared by `pdai bundle` and `pdai algo`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "app/bundles.hpp"

namespace pdai::cli {

using Fields = std::vector<std::pair<std::string, std::string>>;

// "1 GPU of a100|l40s, 8 CPUs, 32 GiB, 2h"
std::string resources_text(const bundle::Resources& r);
std::string kinds_text(const std::vector<bundle::JobKind>& kinds);
// The manifest's lines of `pdai bundle lint` and `pdai algo show NAME@VERSION`.
Fields manifest_fields(const bundle::Manifest& m);
Fields bundle_summary_fields(const bundle::CheckedBundle& b);

}  // namespace pdai::cli
