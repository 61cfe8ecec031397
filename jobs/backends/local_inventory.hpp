// The GPUs of this machine as the local backend hands them out: the catalog's node for this
// host ('pdai node add HOST --gpus t4:2'), else the NVIDIA devices in /dev. Device indices
// number the catalog's types in name order (a100:2,t4:2 -> a100 = 0,1; t4 = 2,3), which is
// how CUDA_VISIBLE_DEVICES names them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pdai::catalog {
class Catalog;
}

namespace pdai::jobs::local {

std::string this_host();

struct HostGpus {
    std::map<std::string, std::vector<int>> by_type;  // "" for probed devices of unknown type
    std::string source;                                // "catalog node HOST" or "/dev/nvidia*"
    std::vector<int> usable(const std::optional<std::string>& type) const;
};

HostGpus host_gpus(catalog::Catalog* c);

}  // namespace pdai::jobs::local
