// Who may see which bureau's quotas, jobs and usage: one rule for every read. Until pdaid
// brings roles, a catalog admin (who may write the catalog file) sees every bureau, and
// anyone else only the bureaus they are a member of, and their own jobs.
#pragma once

#include <string>
#include <vector>

#include "app/context.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/jobs.hpp"

namespace pdai::app {

struct Viewer {
    std::string user;
    bool admin = false;
    std::vector<catalog::Bureau> bureaus;  // the member's bureaus (every bureau for an admin)

    // The bureau by code if this viewer may see its `what` (quota, jobs, usage): not_found
    // for an admin when there is none, refused for anyone else who is not its member.
    const catalog::Bureau& bureau(const std::string& code, const std::string& what) const;
    bool sees(const std::string& bureau_code) const;
    bool sees(const catalog::JobRecord& job) const;  // its bureau's, or the viewer's own
    std::vector<std::string> accounts() const;
    // Limits a job listing to what this viewer sees (nothing to limit for an admin).
    void restrict(catalog::JobFilter& f) const;
};

Viewer viewer_of(const Context& ctx, catalog::Catalog& c);

}  // namespace pdai::app
