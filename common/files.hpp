// Reading and writing files the way every pdai library does: no final symlink followed on
// read, whole writes, and one way to publish a file (written beside its destination under a
// temporary name, synced, then linked or renamed into place), so that a reader never sees
// half a file and a killed command leaves only a stray temporary.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/unique_fd.hpp"

namespace pdai {

inline constexpr std::size_t kIoChunk = 1 << 20;

// Opens a file for reading; a final symlink is refused (O_NOFOLLOW). Throws Error naming path.
UniqueFd open_for_reading(const std::string& path);

// Reads fd to its end in 1 MiB chunks, handing each chunk to `sink`.
void read_all(const UniqueFd& fd, const std::string& what,
              const std::function<void(const char*, std::size_t)>& sink);

// Reads a whole small file (a manifest, a key) refusing anything over max_bytes.
std::string read_small_file(const std::string& path, std::size_t max_bytes);

// A file that appears at `dest` only when commit() ran: until then it is `dest` plus
// ".partial-XXXXXX", removed by the destructor. Without overwrite an existing dest is refused
// up front and again atomically at commit (link() fails on an existing name, where a check
// before a rename would race); both are Errc::conflict.
class AtomicFile {
public:
    AtomicFile(std::string dest, unsigned mode, bool overwrite);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    const UniqueFd& fd() const noexcept { return fd_; }
    const std::string& temp_path() const noexcept { return tmp_; }
    void write(std::string_view data) { write_all(fd_, data, tmp_); }
    // Sets the mode, syncs, closes and publishes the file.
    void commit();

private:
    std::string dest_, tmp_;
    unsigned mode_;
    bool overwrite_;
    UniqueFd fd_;
    bool done_ = false;
};

// fsyncs a directory, so that a rename or unlink in it survives a crash (best effort).
void sync_dir(const std::string& dir) noexcept;

// Writes `data` to path through an AtomicFile.
void write_file_atomic(const std::string& path, std::string_view data, unsigned mode,
                       bool overwrite);

}  // namespace pdai
