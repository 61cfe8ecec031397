// The batch script of a job: pure text from a PreparedJob, so tests can read it and
// --dry-run can print it. Every value from the user or the manifest is single-quoted;
// placeholders of the manifest's infer convention become shell variables, so one script
// serves every task of an array.
//
//   run    runs the entrypoint once with the user's arguments; PDAI_INPUT_LIST names a file
//          listing the --input files.
//   train  exports the rendezvous variables a distributed trainer reads (MASTER_ADDR = first
//          host of the allocation, MASTER_PORT derived from the job id, WORLD_SIZE) and starts
//          one task per node with srun, each with its RANK and LOCAL_RANK; PDAI_RESUME_DIR and
//          PDAI_RESTART_COUNT tell a requeued run where to resume.
//   infer  reads its shard number from SLURM_ARRAY_TASK_ID (or PDAI_TASK_INDEX), passes the
//          shard's input list and the output directory as the manifest says, and writes the
//          shard's done marker when the entrypoint exits 0.
#pragma once

#include <string>
#include <string_view>

#include "jobs/job.hpp"

namespace pdai::jobs {

std::string make_batch_script(const PreparedJob& job, Launcher launcher);

// POSIX shell single-quoting: abc -> 'abc', it's -> 'it'\''s'.
std::string shell_quote(std::string_view s);

// A manifest template ("--in={input_list}") as one shell word, placeholders turned into
// "${PDAI_INPUT_LIST}" etc. Literal text is single-quoted; "{{" and "}}" are braces.
std::string shell_word_from_template(std::string_view tmpl);

}  // namespace pdai::jobs
