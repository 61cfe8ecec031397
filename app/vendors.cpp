#include "app/vendors.hpp"

#include "bundle/signature.hpp"
#include "common/files.hpp"

namespace pdai::app {

catalog::Vendor add_vendor(const Context& ctx, const AddVendor& r) {
    auto c = ctx.open_catalog(true);
    return c.write([&] { return catalog::add_vendor(c, r.name, r.display_name, r.contact); });
}

std::vector<catalog::Vendor> list_vendors(const Context& ctx) {
    auto c = ctx.open_catalog(false);
    return catalog::list_vendors(c);
}

catalog::Vendor show_vendor(const Context& ctx, const std::string& name) {
    auto c = ctx.open_catalog(false);
    return catalog::get_vendor(c, name);
}

void remove_vendor(const Context& ctx, const std::string& name) {
    auto c = ctx.open_catalog(true);
    c.write([&] { catalog::remove_vendor(c, name); });
}

catalog::VendorKey add_vendor_key(const Context& ctx, const AddVendorKey& r) {
    auto key = bundle::parse_public_key(read_small_file(r.key_file, bundle::kMaxKeyFileBytes), r.key_file);
    auto c = ctx.open_catalog(true);
    return c.write([&] { return catalog::add_vendor_key(c, r.vendor, r.key_id.value_or(key.key_id), key.base64()); });
}

std::vector<catalog::VendorKey> list_vendor_keys(const Context& ctx, const std::optional<std::string>& vendor) {
    auto c = ctx.open_catalog(false);
    return catalog::list_vendor_keys(c, vendor);
}

void remove_vendor_key(const Context& ctx, const std::string& vendor, const std::string& key_id) {
    auto c = ctx.open_catalog(true);
    c.write([&] { catalog::remove_vendor_key(c, vendor, key_id); });
}

}  // namespace pdai::app
