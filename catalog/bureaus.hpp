// Bureaus (委办局): the government units that share the cluster, each with a Slurm account,
// and their members (unix users with role member or admin).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalog/updated.hpp"

namespace pdai::catalog {

class Catalog;

struct Bureau {
    std::int64_t id = 0;
    std::string code, display_name, slurm_account;
    bool active = true;
    std::int64_t created_at = 0;
    std::string created_by;
};

// What a member may be in a bureau.
inline constexpr const char* kMemberRoles[] = {"member", "admin"};

struct Member {
    std::string bureau_code, unix_user, role;
    std::int64_t added_at = 0;
};

struct BureauChange {
    std::optional<std::string> display_name;
    std::optional<bool> active;
};

Bureau add_bureau(Catalog& c, const std::string& code, const std::string& display_name,
                  const std::string& slurm_account /* empty: same as code */);
std::vector<Bureau> list_bureaus(Catalog& c, bool include_inactive = true);
std::optional<Bureau> find_bureau(Catalog& c, const std::string& code);
Bureau get_bureau(Catalog& c, const std::string& code);  // not_found if unknown
Updated<Bureau> set_bureau(Catalog& c, const std::string& code, const BureauChange& change);
// Refused (conflict) while jobs, ledger rows or nodes refer to the bureau: deactivate it.
void remove_bureau(Catalog& c, const std::string& code);

Member add_member(Catalog& c, const std::string& code, const std::string& unix_user,
                  const std::string& role);
void remove_member(Catalog& c, const std::string& code, const std::string& unix_user);
std::vector<Member> list_members(Catalog& c, const std::string& code);
std::vector<Member> memberships_of(Catalog& c, const std::string& unix_user);

void to_json(nlohmann::json& j, const Bureau& b);
void to_json(nlohmann::json& j, const Member& m);

}  // namespace pdai::catalog
