// What run_cmd.cpp and jobs_cmd.cpp share: how a job is shown, and waiting with a progress
// bar (on a TTY only).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "app/jobs.hpp"

namespace pdai::cli {

std::string tasks_text(const jobs::JobView& v);  // "12/20" done of total, "-" for one task

// Waits for every job, drawing a progress bar on stderr when it is a terminal (and neither
// --json nor -q), and returns the exit code: the first job's that did not complete, else 0.
int wait_with_progress(Context& ctx, const std::vector<std::int64_t>& ids,
                       std::vector<jobs::JobView>* final_views = nullptr);

// One line per finished job for people ("pdai job 17 completed in 00:01:12 (exit 0)").
void print_finished(const Context& ctx, const std::vector<jobs::JobView>& views);

std::string format_duration(std::int64_t seconds);  // "01:02:03", "1-02:03:04"

}  // namespace pdai::cli
