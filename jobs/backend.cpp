#include "jobs/backend.hpp"

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "common/error.hpp"
#include "jobs/backends/local_backend.hpp"
#include "pdai/build_config.hpp"
#if PDAI_HAVE_SLURM
#include "jobs/backends/slurm_backend.hpp"
#endif

namespace pdai::jobs {

void Backend::wait_for_change(const std::vector<std::int64_t>&, std::chrono::milliseconds timeout) {
    std::this_thread::sleep_for(timeout);
}

std::string choose_backend(const std::string& configured) {
    if (configured != "auto") return configured;
    const char* conf = std::getenv("SLURM_CONF");
    std::error_code ec;
    if ((conf && *conf) || std::filesystem::exists("/etc/slurm/slurm.conf", ec)) return "slurm";
    return "local";
}

std::unique_ptr<Backend> open_backend(const std::string& name, const LocalOptions& local) {
    if (name == "slurm") {
#if PDAI_HAVE_SLURM
        return make_slurm_backend();
#else
        throw Error(Errc::failure, "this pdai was built without Slurm support",
                    "rebuild with libslurm-dev installed (PDAI_WITH_SLURM=ON), or use --backend local");
#endif
    }
    if (name == "local") return make_local_backend(local);
    throw Error(Errc::usage, "unknown backend '" + name + "'", "use --backend slurm or --backend local");
}

}  // namespace pdai::jobs
