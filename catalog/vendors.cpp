#include "catalog/vendors.hpp"

#include <nlohmann/json.hpp>

#include "catalog/audit.hpp"
#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "common/error.hpp"
#include "common/names.hpp"

namespace pdai::catalog {
namespace {

constexpr const char* kColumns = "id, name, display_name, contact, created_at, created_by";

Vendor read_vendor(const Stmt& s) {
    return {s.i64(0), s.text(1), s.text(2), s.text(3), s.i64(4), s.text(5)};
}

}  // namespace

Vendor add_vendor(Catalog& c, const std::string& name, const std::string& display_name,
                  const std::string& contact) {
    validate_identifier("vendor name", name);
    const std::string& shown = display_name.empty() ? name : display_name;
    validate_display_name("vendor display name", shown);
    if (!contact.empty()) validate_display_name("vendor contact", contact);
    if (find_vendor(c, name))
        throw Error(Errc::conflict, "vendor '" + name + "' already exists",
                    "see it with 'pdai vendor show " + name + "'");
    auto s = db_of(c).prepare(
        "INSERT INTO vendors (name, display_name, contact, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?)");
    s.bind(1, name).bind(2, shown).bind(3, contact).bind(4, now_unix()).bind(5, c.actor());
    s.run();
    Vendor v = get_vendor(c, name);
    nlohmann::json after = v;
    audit(c, "vendor.add", "vendor", name, nullptr, &after);
    return v;
}

std::vector<Vendor> list_vendors(Catalog& c) {
    auto s = db_of(c).prepare(std::string("SELECT ") + kColumns + " FROM vendors ORDER BY name");
    std::vector<Vendor> out;
    while (s.step()) out.push_back(read_vendor(s));
    return out;
}

std::optional<Vendor> find_vendor(Catalog& c, const std::string& name) {
    auto s = db_of(c).prepare(std::string("SELECT ") + kColumns + " FROM vendors WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return read_vendor(s);
}

Vendor get_vendor(Catalog& c, const std::string& name) {
    if (auto v = find_vendor(c, name)) return *v;
    throw Error(Errc::not_found, "unknown vendor '" + name + "'",
                "list vendors with 'pdai vendor list'");
}

void remove_vendor(Catalog& c, const std::string& name) {
    Vendor v = get_vendor(c, name);
    auto used = db_of(c).prepare("SELECT count(*) FROM algorithms WHERE vendor_id = ?");
    used.bind(1, v.id).step();
    if (auto n = used.i64(0); n > 0)
        throw Error(Errc::conflict,
                    "vendor '" + name + "' still has " + std::to_string(n) + " algorithm(s)",
                    "remove each version no job ran with 'pdai algo remove NAME@VERSION'; a vendor whose algorithms ran stays");
    auto s = db_of(c).prepare("DELETE FROM vendors WHERE id = ?");
    s.bind(1, v.id).run();
    nlohmann::json before = v;
    audit(c, "vendor.remove", "vendor", name, &before, nullptr);
}

void to_json(nlohmann::json& j, const Vendor& v) {
    j = {{"name", v.name},
         {"display_name", v.display_name},
         {"contact", v.contact},
         {"created_at", format_time(v.created_at)},
         {"created_by", v.created_by}};
}

}  // namespace pdai::catalog
