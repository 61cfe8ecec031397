#include "app/bureaus.hpp"

namespace pdai::app {

catalog::Bureau add_bureau(const Context& ctx, const AddBureau& r) {
    auto c = ctx.open_catalog(true);
    return c.write([&] { return catalog::add_bureau(c, r.code, r.display_name, r.account); });
}

std::vector<catalog::Bureau> list_bureaus(const Context& ctx, bool active_only) {
    auto c = ctx.open_catalog(false);
    return catalog::list_bureaus(c, !active_only);
}

BureauDetail show_bureau(const Context& ctx, const std::string& code) {
    auto c = ctx.open_catalog(false);
    BureauDetail d;
    d.bureau = catalog::get_bureau(c, code);
    d.members = catalog::list_members(c, code);
    d.quota = catalog::find_quota(c, code);
    return d;
}

catalog::Updated<catalog::Bureau> set_bureau(const Context& ctx, const std::string& code, const catalog::BureauChange& change) {
    auto c = ctx.open_catalog(true);
    return c.write([&] { return catalog::set_bureau(c, code, change); });
}

void remove_bureau(const Context& ctx, const std::string& code) {
    auto c = ctx.open_catalog(true);
    c.write([&] { catalog::remove_bureau(c, code); });
}

catalog::Member add_member(const Context& ctx, const AddMember& r) {
    auto c = ctx.open_catalog(true);
    return c.write([&] { return catalog::add_member(c, r.bureau, r.user, r.role); });
}

void remove_member(const Context& ctx, const std::string& bureau, const std::string& user) {
    auto c = ctx.open_catalog(true);
    c.write([&] { catalog::remove_member(c, bureau, user); });
}

std::vector<catalog::Member> list_members(const Context& ctx, const std::string& bureau) {
    auto c = ctx.open_catalog(false);
    return catalog::list_members(c, bureau);
}

}  // namespace pdai::app
