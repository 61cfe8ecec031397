// Vendors: the companies that ship algorithm bundles.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pdai::catalog {

class Catalog;

struct Vendor {
    std::int64_t id = 0;
    std::string name, display_name, contact;
    std::int64_t created_at = 0;
    std::string created_by;
};

// Each function runs in the caller's transaction; writes are audited.
Vendor add_vendor(Catalog& c, const std::string& name, const std::string& display_name,
                  const std::string& contact);
std::vector<Vendor> list_vendors(Catalog& c);
std::optional<Vendor> find_vendor(Catalog& c, const std::string& name);
Vendor get_vendor(Catalog& c, const std::string& name);  // Errc::not_found if unknown
void remove_vendor(Catalog& c, const std::string& name);

void to_json(nlohmann::json& j, const Vendor& v);

}  // namespace pdai::catalog
