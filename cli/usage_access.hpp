// Who may see which bureau's usage: an admin (root, or anyone who can write the catalog file)
// sees every bureau; anyone else only the bureaus listing them as a member.
#pragma once

#include <string>
#include <vector>

#include "catalog/bureaus.hpp"

namespace pdai::cli {

class Context;

struct UsageViewer {
    std::string user;
    bool admin = false;
    std::vector<catalog::Bureau> bureaus;  // the member's bureaus (every bureau for an admin)

    // The bureau by code if this viewer may see it; not_found / refused otherwise.
    const catalog::Bureau& bureau(const std::string& code) const;
    std::vector<std::string> accounts() const;
};

UsageViewer usage_viewer(const Context& ctx, catalog::Catalog& c);

}  // namespace pdai::cli
