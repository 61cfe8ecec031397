#include "app/visibility.hpp"

#include "common/error.hpp"

namespace pdai::app {

const catalog::Bureau& Viewer::bureau(const std::string& code, const std::string& what) const {
    for (const auto& b : bureaus)
        if (b.code == code) return b;
    if (admin) throw Error(Errc::not_found, "unknown bureau '" + code + "'", "list bureaus with 'pdai bureau list'");
    throw Error(Errc::refused, user + " is not a member of bureau '" + code + "'",
                "a bureau's " + what + " is shown to its members and to catalog admins");
}

bool Viewer::sees(const std::string& bureau_code) const {
    if (admin) return true;
    for (const auto& b : bureaus)
        if (b.code == bureau_code) return true;
    return false;
}

bool Viewer::sees(const catalog::JobRecord& job) const { return job.unix_user == user || sees(job.bureau); }

void Viewer::restrict(catalog::JobFilter& f) const {
    if (admin) return;
    std::vector<std::string> codes;
    for (const auto& b : bureaus) codes.push_back(b.code);
    f.visible_to = {std::move(codes), user};
}

std::vector<std::string> Viewer::accounts() const {
    std::vector<std::string> out;
    for (const auto& b : bureaus) out.push_back(b.slurm_account);
    return out;
}

Viewer viewer_of(const Context& ctx, catalog::Catalog& c) {
    Viewer v;
    v.user = ctx.who.user;
    v.admin = ctx.may_write();
    auto all = catalog::list_bureaus(c);
    if (v.admin) {
        v.bureaus = std::move(all);
        return v;
    }
    for (const auto& m : catalog::memberships_of(c, v.user))
        for (const auto& b : all)
            if (b.code == m.bureau_code) v.bureaus.push_back(b);
    return v;
}

}  // namespace pdai::app
