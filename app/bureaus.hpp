// pdai bureau add | list | show | set | remove, pdai bureau member add | remove | list.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/quotas.hpp"

namespace pdai::app {

struct AddBureau {
    std::string code, display_name, account;  // account empty: the code
};
catalog::Bureau add_bureau(const Context& ctx, const AddBureau& r);
std::vector<catalog::Bureau> list_bureaus(const Context& ctx, bool active_only);

struct BureauDetail {
    catalog::Bureau bureau;
    std::vector<catalog::Member> members;
    std::optional<catalog::Quota> quota;
};
BureauDetail show_bureau(const Context& ctx, const std::string& code);

catalog::Updated<catalog::Bureau> set_bureau(const Context& ctx, const std::string& code, const catalog::BureauChange& change);
void remove_bureau(const Context& ctx, const std::string& code);

struct AddMember {
    std::string bureau, user, role = "member";
};
catalog::Member add_member(const Context& ctx, const AddMember& r);
void remove_member(const Context& ctx, const std::string& bureau, const std::string& user);
std::vector<catalog::Member> list_members(const Context& ctx, const std::string& bureau);

}  // namespace pdai::app
