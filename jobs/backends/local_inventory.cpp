#include "jobs/backends/local_inventory.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "catalog/nodes.hpp"

namespace pdai::jobs::local {

std::string this_host() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    return buf;
}

std::vector<int> HostGpus::usable(const std::optional<std::string>& type) const {
    std::vector<int> out;
    for (const auto& [t, devs] : by_type)
        if (!type || t == *type || t.empty()) out.insert(out.end(), devs.begin(), devs.end());
    std::sort(out.begin(), out.end());
    return out;
}

HostGpus host_gpus(catalog::Catalog* c) {
    HostGpus h;
    if (c) {
        std::string host = this_host();
        auto node = catalog::find_node(*c, host);
        if (!node && host.find('.') != std::string::npos) node = catalog::find_node(*c, host.substr(0, host.find('.')));
        if (node) {
            int next = 0;
            for (const auto& [type, count] : node->spec.gpus)
                for (std::int64_t i = 0; i < count; ++i) h.by_type[type].push_back(next++);
            h.source = "catalog node " + node->spec.host;
            return h;
        }
    }
    // /dev/nvidia0, /dev/nvidia1, ... (not nvidiactl, nvidia-uvm).
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/dev", ec)) {
        std::string n = e.path().filename().string();
        if (n.size() > 6 && n.starts_with("nvidia") &&
            std::all_of(n.begin() + 6, n.end(), [](unsigned char ch) { return std::isdigit(ch); }))
            h.by_type[""].push_back(std::stoi(n.substr(6)));
    }
    std::sort(h.by_type[""].begin(), h.by_type[""].end());
    h.source = "/dev/nvidia*";
    return h;
}

}  // namespace pdai::jobs::local
