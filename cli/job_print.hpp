// What run_cmd.cpp and jobs_cmd.cpp share: which backend and job directory to use, how a
// job is shown (table, object, JSON), and waiting with a progress bar (on a TTY only).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "jobs/status.hpp"

namespace pdai::cli {

// --backend, else the config's 'backend' (auto: slurm when slurm.conf is there, else local).
std::string backend_name(const Context& ctx, const std::optional<std::string>& flag);
// The config's jobs_dir, else "jobs" next to the catalog.
std::string jobs_dir(const Context& ctx);
// Where a bureau user's own submissions keep their files when the catalog is read-only for
// them: $XDG_STATE_HOME/pdai/jobs, else ~/.local/state/pdai/jobs. On a cluster the home
// directory is shared with the compute nodes, which run the job's script from there.
std::string user_jobs_dir();
// Opens the catalog for writing when this user may, so that job states seen are recorded;
// read-only otherwise. Returns whether it is writable.
catalog::Catalog open_catalog_for_jobs(const Context& ctx, bool& writable);

nlohmann::json view_json(const jobs::JobView& v, bool with_tasks, bool with_request);
std::string tasks_text(const jobs::JobView& v);  // "12/20" done of total, "-" for one task

// Waits for every job, drawing a progress bar on stderr when it is a terminal (and neither
// --json nor -q), and returns the exit code: the first job's that did not complete, else 0.
int wait_with_progress(Context& ctx, catalog::Catalog& c, jobs::BackendSet& backends,
                       const std::vector<std::int64_t>& ids, bool write_back,
                       std::vector<jobs::JobView>* final_views = nullptr);

// One line per finished job for people ("pdai job 17 completed in 00:01:12 (exit 0)").
void print_finished(const Context& ctx, const std::vector<jobs::JobView>& views);

std::string format_duration(std::int64_t seconds);  // "01:02:03", "1-02:03:04"

}  // namespace pdai::cli
