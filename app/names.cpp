#include "app/names.hpp"

#include "catalog/algorithms.hpp"
#include "catalog/bureaus.hpp"
#include "app/visibility.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/jobs.hpp"
#include "catalog/nodes.hpp"
#include "catalog/vendors.hpp"
#include "jobs/backends/local_run.hpp"

namespace pdai::app {

std::vector<std::string> catalog_names(const Context& ctx, const std::string& kind) {
    auto c = ctx.open_catalog(false);
    std::vector<std::string> out;
    if (kind == "vendor")
        for (const auto& v : catalog::list_vendors(c)) out.push_back(v.name);
    if (kind == "bureau")
        for (const auto& b : catalog::list_bureaus(c)) out.push_back(b.code);
    if (kind == "gpu-type")
        for (const auto& t : catalog::list_gpu_types(c)) out.push_back(t.name);
    if (kind == "node")
        for (const auto& n : catalog::list_nodes(c)) out.push_back(n.spec.host);
    if (kind == "algorithm")
        for (const auto& a : catalog::list_algorithms(c, {})) out.push_back(a.name);
    if (kind == "job") {  // the newest jobs this user may see (app/visibility.hpp)
        catalog::JobFilter f;
        f.limit = 100;
        viewer_of(ctx, c).restrict(f);
        for (const auto& j : catalog::list_jobs(c, f)) out.push_back(std::to_string(j.id));
    }
    if (kind == "algorithm-version")
        for (const auto& a : catalog::list_algorithms(c, {}))
            for (const auto& v : catalog::list_versions(c, a.name)) out.push_back(a.name + '@' + v.version);
    return out;
}

int supervise(const std::string& run_dir, int lock_fd) { return jobs::local::supervise(run_dir, lock_fd); }

}  // namespace pdai::app
