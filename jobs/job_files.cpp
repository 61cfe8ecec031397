#include "jobs/job_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <vector>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "jobs/shards.hpp"

namespace pdai::jobs {
namespace {

namespace fs = std::filesystem;

void make_dirs(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error(Errc::failure, "cannot create directory " + dir + ": " + ec.message());
}

void make_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        throw Error(Errc::failure, "cannot create directory " + dir + ": " + std::strerror(errno));
}

std::string inputs_text(const std::vector<std::string>& inputs) {
    std::string s;
    for (const auto& i : inputs) s += i + "\n";
    return s;
}

// The registered tree in the forms the job's check reads (jobs/job.hpp, Layout).
void write_tree_lists(const PreparedJob& job) {
    const auto& tree = job.spec.algorithm.tree;
    if (tree.empty()) return;
    std::string sums, links, paths;
    std::vector<std::string> lines;  // "<type> <path>", sorted bytewise as 'LC_ALL=C sort' does
    for (const auto& e : tree) {
        lines.push_back(std::string(e.type == bundle::EntryType::dir       ? "d "
                                    : e.type == bundle::EntryType::symlink ? "l "
                                                                           : "f ") +
                        e.path);
        if (e.type == bundle::EntryType::file) sums += e.sha256 + "  " + e.path + "\n";
        if (e.type == bundle::EntryType::symlink) links += e.path + "\t" + e.link_target + "\n";
    }
    std::sort(lines.begin(), lines.end());
    for (const auto& l : lines) paths += l + "\n";
    const auto& L = job.layout;
    write_file(L.bundle_sums, sums);
    write_file(L.bundle_links, links);
    write_file(L.bundle_paths, paths);
}

void write_contents(const PreparedJob& job, bool only_missing_lists) {
    const auto& L = job.layout;
    make_dir(L.logs_dir);
    write_file(L.script, job.script, 0755);
    write_tree_lists(job);
    if (job.spec.kind == Kind::run && !job.spec.inputs.empty())
        write_file(L.inputs_list, inputs_text(job.spec.inputs));
    if (job.spec.kind == Kind::train) make_dir(L.resume_dir);
    if (job.spec.kind == Kind::infer) {
        make_dir(L.shards_dir);
        bool all_there = only_missing_lists;
        for (int s = 0; all_there && s < job.shards.count; ++s)
            all_there = ::access(L.shard_list(job.shards, s).c_str(), F_OK) == 0;
        if (!all_there) write_shard_lists(job.shards, job.spec.inputs, L.shards_dir);
    }
    make_dirs(L.output_dir);
}

}  // namespace

void write_file(const std::string& path, std::string_view content, unsigned mode) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!fd) throw Error(Errc::failure, "cannot create " + path + ": " + std::strerror(errno));
    write_all(fd, content, path);
    ::fchmod(fd.get(), mode);  // O_CREAT's mode passes through the umask; the script must be executable
    fd.close_checked(path);
}

JobFiles JobFiles::create(const PreparedJob& job) {
    const std::string& dir = job.layout.job_dir;
    make_dirs(fs::path(dir).parent_path().string());
    if (::mkdir(dir.c_str(), 0755) != 0) {
        if (errno != EEXIST)
            throw Error(Errc::failure, "cannot create job directory " + dir + ": " + std::strerror(errno));
        std::string aside = dir + ".orphan-" + std::to_string(std::time(nullptr));
        if (::rename(dir.c_str(), aside.c_str()) != 0 || ::mkdir(dir.c_str(), 0755) != 0)
            throw Error(Errc::conflict, "job directory " + dir + " already exists and cannot be moved aside",
                        "is 'jobs_dir' shared with another catalog? give each catalog its own");
    }
    JobFiles files(dir, true);
    write_contents(job, false);
    return files;
}

JobFiles JobFiles::update(const PreparedJob& job) {
    make_dirs(job.layout.job_dir);
    write_contents(job, true);
    return JobFiles(job.layout.job_dir, false);
}

JobFiles::~JobFiles() {
    if (!remove_ || dir_.empty()) return;
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

}  // namespace pdai::jobs
