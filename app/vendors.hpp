// pdai vendor add | list | show | remove, pdai vendor key add | list | remove.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "catalog/vendor_keys.hpp"
#include "catalog/vendors.hpp"

namespace pdai::app {

struct AddVendor {
    std::string name, display_name, contact;
};
catalog::Vendor add_vendor(const Context& ctx, const AddVendor& r);
std::vector<catalog::Vendor> list_vendors(const Context& ctx);
catalog::Vendor show_vendor(const Context& ctx, const std::string& name);
void remove_vendor(const Context& ctx, const std::string& name);

struct AddVendorKey {
    std::string vendor, key_file;
    std::optional<std::string> key_id;  // else the file's own
};
catalog::VendorKey add_vendor_key(const Context& ctx, const AddVendorKey& r);
std::vector<catalog::VendorKey> list_vendor_keys(const Context& ctx, const std::optional<std::string>& vendor);
void remove_vendor_key(const Context& ctx, const std::string& vendor, const std::string& key_id);

}  // namespace pdai::app
