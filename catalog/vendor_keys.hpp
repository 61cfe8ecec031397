// Vendors' Ed25519 public keys, against which signed bundles are verified.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pdai::catalog {

class Catalog;

struct VendorKey {
    std::string vendor, key_id, algorithm, public_key;  // public_key: base64
    std::int64_t added_at = 0;
    std::string added_by;
};

// Runs in the caller's transaction; audited. Refuses (conflict) a key id the vendor already
// has, and the same public key registered under another id of the same vendor.
VendorKey add_vendor_key(Catalog& c, const std::string& vendor, const std::string& key_id,
                         const std::string& public_key_base64);
// All keys, or one vendor's (not_found for an unknown vendor).
std::vector<VendorKey> list_vendor_keys(Catalog& c, const std::optional<std::string>& vendor);
std::optional<VendorKey> find_vendor_key(Catalog& c, const std::string& vendor,
                                         const std::string& key_id);
void remove_vendor_key(Catalog& c, const std::string& vendor, const std::string& key_id);

void to_json(nlohmann::json& j, const VendorKey& k);

}  // namespace pdai::catalog
