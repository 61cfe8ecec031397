// A job's directory on disk: created and filled before the backend sees the job (script,
// shard lists, input list, logs/), and removed again if the submission fails, so a refused
// job leaves nothing behind.
#pragma once

#include <string>
#include <string_view>

#include "jobs/job.hpp"

namespace pdai::jobs {

class JobFiles {
public:
    // A new job: creates <jobs_dir>/<id> and everything in it. A directory already there
    // (left by a submission that was killed before its catalog row was committed) is moved
    // aside to <dir>.orphan-<unix time>.
    static JobFiles create(const PreparedJob& job);
    // A resumed batch: rewrites the script (and any missing shard list) in the existing
    // directory; nothing is removed on failure.
    static JobFiles update(const PreparedJob& job);

    JobFiles(JobFiles&& o) noexcept : dir_(std::move(o.dir_)), remove_(o.remove_) { o.remove_ = false; }
    JobFiles& operator=(JobFiles&&) = delete;
    JobFiles(const JobFiles&) = delete;
    ~JobFiles();

    void keep() noexcept { remove_ = false; }  // the submission went through

private:
    JobFiles(std::string dir, bool remove) : dir_(std::move(dir)), remove_(remove) {}
    std::string dir_;
    bool remove_ = false;
};

// Creates `path` with `mode`, writing `content` (throws Error(failure) naming the path).
void write_file(const std::string& path, std::string_view content, unsigned mode = 0644);

}  // namespace pdai::jobs
