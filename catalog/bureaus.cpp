#include "catalog/bureaus.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "catalog/audit.hpp"
#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "common/error.hpp"
#include "common/names.hpp"

namespace pdai::catalog {
namespace {

constexpr const char* kColumns =
    "id, code, display_name, slurm_account, active, created_at, created_by";

Bureau read_bureau(const Stmt& s) {
    return {s.i64(0), s.text(1), s.text(2), s.text(3), s.i64(4) != 0, s.i64(5), s.text(6)};
}

std::int64_t count_refs(Catalog& c, const char* sql, std::int64_t id) {
    auto s = db_of(c).prepare(sql);
    s.bind(1, id).step();
    return s.i64(0);
}

}  // namespace

Bureau add_bureau(Catalog& c, const std::string& code, const std::string& display_name,
                  const std::string& slurm_account) {
    validate_identifier("bureau code", code);
    validate_display_name("bureau display name", display_name);
    const std::string account = slurm_account.empty() ? code : slurm_account;
    validate_identifier("Slurm account", account);
    if (find_bureau(c, code))
        throw Error(Errc::conflict, "bureau '" + code + "' already exists",
                    "see it with 'pdai bureau show " + code + "'");
    auto taken = db_of(c).prepare("SELECT code FROM bureaus WHERE slurm_account = ?");
    taken.bind(1, account);
    if (taken.step())
        throw Error(Errc::conflict, "Slurm account '" + account + "' already belongs to bureau '" +
                                        taken.text(0) + "'",
                    "give this bureau its own account with --account");
    auto s = db_of(c).prepare(
        "INSERT INTO bureaus (code, display_name, slurm_account, active, created_at, created_by) "
        "VALUES (?, ?, ?, 1, ?, ?)");
    s.bind(1, code).bind(2, display_name).bind(3, account).bind(4, now_unix()).bind(5, c.actor());
    s.run();
    Bureau b = get_bureau(c, code);
    nlohmann::json after = b;
    audit(c, "bureau.add", "bureau", code, nullptr, &after);
    return b;
}

std::vector<Bureau> list_bureaus(Catalog& c, bool include_inactive) {
    auto s = db_of(c).prepare(std::string("SELECT ") + kColumns +
                            " FROM bureaus WHERE ?1 OR active = 1 ORDER BY code");
    s.bind(1, include_inactive ? 1 : 0);
    std::vector<Bureau> out;
    while (s.step()) out.push_back(read_bureau(s));
    return out;
}

std::optional<Bureau> find_bureau(Catalog& c, const std::string& code) {
    auto s = db_of(c).prepare(std::string("SELECT ") + kColumns + " FROM bureaus WHERE code = ?");
    s.bind(1, code);
    if (!s.step()) return std::nullopt;
    return read_bureau(s);
}

Bureau get_bureau(Catalog& c, const std::string& code) {
    if (auto b = find_bureau(c, code)) return *b;
    throw Error(Errc::not_found, "unknown bureau '" + code + "'",
                "list bureaus with 'pdai bureau list'");
}

Updated<Bureau> set_bureau(Catalog& c, const std::string& code, const BureauChange& change) {
    Bureau before = get_bureau(c, code);
    if (change.display_name) validate_display_name("bureau display name", *change.display_name);
    if ((!change.display_name || *change.display_name == before.display_name) &&
        (!change.active || *change.active == before.active))
        return {std::move(before), false};
    auto s = db_of(c).prepare(
        "UPDATE bureaus SET display_name = coalesce(?, display_name), "
        "active = coalesce(?, active) WHERE id = ?");
    s.bind(1, change.display_name);
    change.active ? s.bind(2, *change.active ? 1 : 0) : s.bind_null(2);
    s.bind(3, before.id).run();
    Bureau after = get_bureau(c, code);
    nlohmann::json jb = before, ja = after;
    audit(c, "bureau.set", "bureau", code, &jb, &ja);
    return {std::move(after), true};
}

void remove_bureau(Catalog& c, const std::string& code) {
    Bureau b = get_bureau(c, code);
    struct Ref {
        const char* sql;
        const char* what;
    };
    static constexpr Ref refs[] = {
        {"SELECT count(*) FROM jobs WHERE bureau_id = ?", "job(s)"},
        {"SELECT count(*) FROM usage_ledger WHERE bureau_id = ?", "ledger row(s)"},
        {"SELECT count(*) FROM nodes WHERE owner_bureau_id = ?", "owned node(s)"},
        {"SELECT count(*) FROM algorithms WHERE owner_bureau_id = ?", "algorithm(s)"},
    };
    for (const auto& r : refs)
        if (auto n = count_refs(c, r.sql, b.id); n > 0)
            throw Error(Errc::conflict,
                        "bureau '" + code + "' still has " + std::to_string(n) + " " + r.what,
                        "keep its history and deactivate it: 'pdai bureau set " + code +
                            " --inactive'");
    nlohmann::json before = b;
    auto s = db_of(c).prepare("DELETE FROM bureaus WHERE id = ?");
    s.bind(1, b.id).run();
    audit(c, "bureau.remove", "bureau", code, &before, nullptr);
}

Member add_member(Catalog& c, const std::string& code, const std::string& unix_user,
                  const std::string& role) {
    Bureau b = get_bureau(c, code);
    validate_identifier("unix user", unix_user);
    if (std::find(std::begin(kMemberRoles), std::end(kMemberRoles), role) == std::end(kMemberRoles))
        throw Error(Errc::usage, "unknown role '" + role + "'", "use member or admin");
    auto exists = db_of(c).prepare(
        "SELECT role FROM bureau_members WHERE bureau_id = ? AND unix_user = ?");
    exists.bind(1, b.id).bind(2, unix_user);
    if (exists.step())
        throw Error(Errc::conflict, "user '" + unix_user + "' is already a" +
                                        (exists.text(0) == "admin" ? "n admin" : " member") +
                                        " of bureau '" + code + "'");
    Member m{code, unix_user, role, now_unix()};
    auto s = db_of(c).prepare(
        "INSERT INTO bureau_members (bureau_id, unix_user, role, added_at) VALUES (?, ?, ?, ?)");
    s.bind(1, b.id).bind(2, unix_user).bind(3, role).bind(4, m.added_at).run();
    nlohmann::json after = m;
    audit(c, "bureau.member.add", "bureau_member", code + "/" + unix_user, nullptr, &after);
    return m;
}

void remove_member(Catalog& c, const std::string& code, const std::string& unix_user) {
    Bureau b = get_bureau(c, code);
    auto s = db_of(c).prepare(
        "DELETE FROM bureau_members WHERE bureau_id = ? AND unix_user = ? RETURNING role, added_at");
    s.bind(1, b.id).bind(2, unix_user);
    if (!s.step())
        throw Error(Errc::not_found,
                    "user '" + unix_user + "' is not a member of bureau '" + code + "'");
    nlohmann::json before = Member{code, unix_user, s.text(0), s.i64(1)};
    s.run();
    audit(c, "bureau.member.remove", "bureau_member", code + "/" + unix_user, &before, nullptr);
}

std::vector<Member> list_members(Catalog& c, const std::string& code) {
    Bureau b = get_bureau(c, code);
    auto s = db_of(c).prepare(
        "SELECT unix_user, role, added_at FROM bureau_members WHERE bureau_id = ? "
        "ORDER BY unix_user");
    s.bind(1, b.id);
    std::vector<Member> out;
    while (s.step()) out.push_back({code, s.text(0), s.text(1), s.i64(2)});
    return out;
}

std::vector<Member> memberships_of(Catalog& c, const std::string& unix_user) {
    auto s = db_of(c).prepare(
        "SELECT b.code, m.role, m.added_at FROM bureau_members m JOIN bureaus b "
        "ON b.id = m.bureau_id WHERE m.unix_user = ? ORDER BY b.code");
    s.bind(1, unix_user);
    std::vector<Member> out;
    while (s.step()) out.push_back({s.text(0), unix_user, s.text(1), s.i64(2)});
    return out;
}

void to_json(nlohmann::json& j, const Bureau& b) {
    j = {{"code", b.code},
         {"display_name", b.display_name},
         {"slurm_account", b.slurm_account},
         {"active", b.active},
         {"created_at", format_time(b.created_at)},
         {"created_by", b.created_by}};
}

void to_json(nlohmann::json& j, const Member& m) {
    j = {{"bureau", m.bureau_code},
         {"user", m.unix_user},
         {"role", m.role},
         {"added_at", format_time(m.added_at)}};
}

}  // namespace pdai::catalog
