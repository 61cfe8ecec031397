#include "catalog/gpu_types.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "catalog/audit.hpp"
#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "common/error.hpp"
#include "common/names.hpp"

namespace pdai::catalog {
namespace {

constexpr const char* kColumns =
    "id, name, vendor, weight, price_cny, memory_mib, created_at, updated_at, match_pattern";

GpuType read_type(const Stmt& s) {
    return {s.i64(0), s.text(1), s.text(2), s.f64(3), s.f64(4), s.opt_i64(5), s.i64(6), s.i64(7),
            s.opt_text(8)};
}

void validate_memory(std::optional<std::int64_t> m) {
    if (m && *m <= 0) throw Error(Errc::usage, "GPU memory must be positive");
}

}  // namespace

void validate_weight(double w) {
    if (!std::isfinite(w) || w <= 0 || w > 1e6)
        throw Error(Errc::usage, "GPU weight must be a positive number of CUH per GPU-hour",
                    "e.g. --weight 1.0 for the reference card, 0.25 for a card a quarter as fast");
}

void validate_price(double p) {
    if (!std::isfinite(p) || p < 0 || p > 1e9)
        throw Error(Errc::usage, "GPU price must be zero or a positive CNY amount per card-hour");
}

void validate_match_pattern(const std::string& p) {
    bool printable = true;
    for (unsigned char ch : p) printable = printable && ch >= 0x20 && ch != 0x7f;
    if (p.size() > 128 || !printable || p.find_first_not_of("*? ") == std::string::npos)
        throw Error(Errc::usage, "bad GPU name pattern '" + p + "'",
                    "a glob over CUDA device names (* and ?, case-insensitive), e.g. "
                    "--match 'NVIDIA H100*'; '' clears it");
}

GpuType add_gpu_type(Catalog& c, const std::string& name, double weight, double price_cny,
                     const std::string& vendor, std::optional<std::int64_t> memory_mib) {
    validate_identifier("GPU type", name);
    if (!vendor.empty()) validate_identifier("GPU vendor", vendor);
    validate_weight(weight);
    validate_price(price_cny);
    validate_memory(memory_mib);
    if (find_gpu_type(c, name))
        throw Error(Errc::conflict, "GPU type '" + name + "' already exists",
                    "change it with 'pdai gpu type set " + name + "'");
    auto now = now_unix();
    auto s = db_of(c).prepare(
        "INSERT INTO gpu_types (name, vendor, weight, price_cny, memory_mib, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, name).bind(2, vendor).bind(3, weight).bind(4, price_cny).bind(5, memory_mib);
    s.bind(6, now).bind(7, now).run();
    GpuType t = get_gpu_type(c, name);
    nlohmann::json after = t;
    audit(c, "gpu_type.add", "gpu_type", name, nullptr, &after);
    return t;
}

std::vector<GpuType> list_gpu_types(Catalog& c) {
    auto s = db_of(c).prepare(std::string("SELECT ") + kColumns + " FROM gpu_types ORDER BY name");
    std::vector<GpuType> out;
    while (s.step()) out.push_back(read_type(s));
    return out;
}

std::optional<GpuType> find_gpu_type(Catalog& c, const std::string& name) {
    auto s = db_of(c).prepare(std::string("SELECT ") + kColumns + " FROM gpu_types WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return read_type(s);
}

GpuType get_gpu_type(Catalog& c, const std::string& name) {
    if (auto t = find_gpu_type(c, name)) return *t;
    throw Error(Errc::not_found, "unknown GPU type '" + name + "'",
                "list GPU types with 'pdai gpu type list'");
}

Updated<GpuType> set_gpu_type(Catalog& c, const std::string& name, const GpuTypeChange& ch) {
    GpuType before = get_gpu_type(c, name);
    if (ch.weight) validate_weight(*ch.weight);
    if (ch.price_cny) validate_price(*ch.price_cny);
    if (ch.vendor && !ch.vendor->empty()) validate_identifier("GPU vendor", *ch.vendor);
    validate_memory(ch.memory_mib);
    if (ch.match && !ch.match->empty()) validate_match_pattern(*ch.match);
    const std::optional<std::string> pattern =
        ch.match && !ch.match->empty() ? ch.match : std::optional<std::string>{};
    if ((!ch.weight || *ch.weight == before.weight) && (!ch.price_cny || *ch.price_cny == before.price_cny) &&
        (!ch.vendor || *ch.vendor == before.vendor) && (!ch.memory_mib || ch.memory_mib == before.memory_mib) &&
        (!ch.match || pattern == before.match))
        return {std::move(before), false};
    auto s = db_of(c).prepare(
        "UPDATE gpu_types SET weight = coalesce(?, weight), price_cny = coalesce(?, price_cny), "
        "vendor = coalesce(?, vendor), memory_mib = coalesce(?, memory_mib), updated_at = ? "
        "WHERE id = ?");
    s.bind(1, ch.weight).bind(2, ch.price_cny).bind(3, ch.vendor).bind(4, ch.memory_mib);
    s.bind(5, now_unix()).bind(6, before.id).run();
    if (ch.match) {
        auto m = db_of(c).prepare("UPDATE gpu_types SET match_pattern = ? WHERE id = ?");
        m.bind(1, pattern).bind(2, before.id).run();
    }
    GpuType after = get_gpu_type(c, name);
    nlohmann::json jb = before, ja = after;
    audit(c, "gpu_type.set", "gpu_type", name, &jb, &ja);
    return {std::move(after), true};
}

void to_json(nlohmann::json& j, const GpuType& t) {
    j = {{"name", t.name},
         {"vendor", t.vendor},
         {"weight", t.weight},
         {"price_cny", t.price_cny},
         {"memory_mib", t.memory_mib ? nlohmann::json(*t.memory_mib) : nlohmann::json(nullptr)},
         {"match", t.match ? nlohmann::json(*t.match) : nlohmann::json(nullptr)},
         {"updated_at", format_time(t.updated_at)}};
}

}  // namespace pdai::catalog
