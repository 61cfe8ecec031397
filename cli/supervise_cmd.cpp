// `pdai __supervise RUN_DIR --lock-fd N`: the local backend's detached supervisor of one
// submission (jobs/backends/local_run.hpp). Started by the backend itself, never by hand.
#include "cli/context.hpp"
#include "common/error.hpp"
#include "app/names.hpp"

namespace pdai::cli {

void set_supervise_command(CLI::App& app, Context& ctx) {
    auto dir = std::make_shared<std::string>();
    auto fd = std::make_shared<int>(-1);
    auto* sub = app.add_subcommand("__supervise", "Supervise one local-backend submission")->group("");
    sub->add_option("RUN_DIR", *dir, "the submission's run directory")->required();
    sub->add_option("--lock-fd", *fd, "inherited descriptor holding the supervisor lock");
    on_run(sub, ctx, [dir, fd] {
        int rc = app::supervise(*dir, *fd);
        if (rc != 0) throw Error(Errc::failure, "the local supervisor of " + *dir + " failed");
    });
}

}  // namespace pdai::cli
