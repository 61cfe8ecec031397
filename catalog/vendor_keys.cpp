#include "catalog/vendor_keys.hpp"

#include <nlohmann/json.hpp>

#include "catalog/audit.hpp"
#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "catalog/vendors.hpp"
#include "common/error.hpp"
#include "common/names.hpp"

namespace pdai::catalog {

namespace {

constexpr const char* kSelect =
    "SELECT v.name, k.key_id, k.algorithm, k.public_key, k.added_at, k.added_by "
    "FROM vendor_keys k JOIN vendors v ON v.id = k.vendor_id ";

VendorKey read_key(const Stmt& s) {
    return {s.text(0), s.text(1), s.text(2), s.text(3), s.i64(4), s.text(5)};
}

}  // namespace

VendorKey add_vendor_key(Catalog& c, const std::string& vendor, const std::string& key_id,
                         const std::string& public_key) {
    validate_identifier("key id", key_id);
    Vendor v = get_vendor(c, vendor);
    if (find_vendor_key(c, vendor, key_id))
        throw Error(Errc::conflict, "vendor '" + vendor + "' already has a key '" + key_id + "'",
                    "remove it first with 'pdai vendor key remove " + vendor + " " + key_id + "'");
    auto dup = db_of(c).prepare("SELECT key_id FROM vendor_keys WHERE vendor_id = ? AND public_key = ?");
    dup.bind(1, v.id).bind(2, public_key);
    if (dup.step())
        throw Error(Errc::conflict, "vendor '" + vendor + "' already has this key, as '" + dup.text(0) + "'");
    auto s = db_of(c).prepare(
        "INSERT INTO vendor_keys (vendor_id, key_id, algorithm, public_key, added_at, added_by) "
        "VALUES (?, ?, 'ed25519', ?, ?, ?)");
    s.bind(1, v.id).bind(2, key_id).bind(3, public_key).bind(4, now_unix()).bind(5, c.actor());
    s.run();
    VendorKey k = *find_vendor_key(c, vendor, key_id);
    nlohmann::json after = k;
    audit(c, "vendor.key.add", "vendor_key", vendor + "/" + key_id, nullptr, &after);
    return k;
}

std::vector<VendorKey> list_vendor_keys(Catalog& c, const std::optional<std::string>& vendor) {
    if (vendor) get_vendor(c, *vendor);
    auto s = db_of(c).prepare(std::string(kSelect) +
                            "WHERE ?1 IS NULL OR v.name = ?1 ORDER BY v.name, k.key_id");
    s.bind(1, vendor);
    std::vector<VendorKey> out;
    while (s.step()) out.push_back(read_key(s));
    return out;
}

std::optional<VendorKey> find_vendor_key(Catalog& c, const std::string& vendor,
                                         const std::string& key_id) {
    auto s = db_of(c).prepare(std::string(kSelect) + "WHERE v.name = ? AND k.key_id = ?");
    s.bind(1, vendor).bind(2, key_id);
    if (!s.step()) return std::nullopt;
    return read_key(s);
}

void remove_vendor_key(Catalog& c, const std::string& vendor, const std::string& key_id) {
    get_vendor(c, vendor);
    auto k = find_vendor_key(c, vendor, key_id);
    if (!k)
        throw Error(Errc::not_found, "vendor '" + vendor + "' has no key '" + key_id + "'",
                    "list its keys with 'pdai vendor key list " + vendor + "'");
    auto s = db_of(c).prepare(
        "DELETE FROM vendor_keys WHERE key_id = ? AND vendor_id = (SELECT id FROM vendors WHERE name = ?)");
    s.bind(1, key_id).bind(2, vendor).run();
    nlohmann::json before = *k;
    audit(c, "vendor.key.remove", "vendor_key", vendor + "/" + key_id, &before, nullptr);
}

void to_json(nlohmann::json& j, const VendorKey& k) {
    j = {{"vendor", k.vendor},
         {"key_id", k.key_id},
         {"algorithm", k.algorithm},
         {"public_key", k.public_key},
         {"added_at", format_time(k.added_at)},
         {"added_by", k.added_by}};
}

}  // namespace pdai::catalog
