#include "cli/usage_access.hpp"

#include <unistd.h>

#include "catalog/catalog.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"
#include "common/unix_user.hpp"

namespace pdai::cli {

const catalog::Bureau& UsageViewer::bureau(const std::string& code) const {
    for (const auto& b : bureaus)
        if (b.code == code) return b;
    if (admin) throw Error(Errc::not_found, "no bureau '" + code + "'", "list bureaus with 'pdai bureau list'");
    throw Error(Errc::refused, user + " is not a member of bureau '" + code + "'",
                "a bureau's usage is shown to its members and to catalog admins");
}

std::vector<std::string> UsageViewer::accounts() const {
    std::vector<std::string> out;
    for (const auto& b : bureaus) out.push_back(b.slurm_account);
    return out;
}

UsageViewer usage_viewer(const Context& ctx, catalog::Catalog& c) {
    UsageViewer v;
    v.user = current_user();
    v.admin = ::geteuid() == 0 || ::access(ctx.catalog_path().c_str(), W_OK) == 0;
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

}  // namespace pdai::cli
