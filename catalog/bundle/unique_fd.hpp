// RAII for POSIX file descriptors and the read/write loops the bundle code shares.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace pdai::bundle {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        if (this != &o) reset(std::exchange(o.fd_, -1));
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    void reset(int fd = -1) noexcept;
    // Closes and reports a failed close (which can mean lost written data).
    void close_checked(const std::string& what);

private:
    int fd_ = -1;
};

// Opens a file for reading; a final symlink is refused (O_NOFOLLOW). Throws Error naming path.
UniqueFd open_for_reading(const std::string& path);

// Reads fd to its end in 1 MiB chunks, handing each chunk to `sink`.
void read_all(const UniqueFd& fd, const std::string& what,
              const std::function<void(const char*, std::size_t)>& sink);

// Reads a whole small file (a manifest, a key) refusing anything over max_bytes.
std::string read_small_file(const std::string& path, std::size_t max_bytes);

void write_all(const UniqueFd& fd, std::string_view data, const std::string& what);

// Moves a complete temporary file to `dest`. Without overwrite an existing dest is refused
// (Errc::conflict) atomically: link() fails on an existing name, where a check before a
// rename would race. The temporary name is gone afterwards either way.
void publish_file(const std::string& tmp, const std::string& dest, bool overwrite);

// Writes `data` to path atomically (temporary file beside it, fsync, rename) with `mode`.
// Refuses to replace an existing file unless overwrite.
void write_file_atomic(const std::string& path, std::string_view data, unsigned mode,
                       bool overwrite);

inline constexpr std::size_t kIoChunk = 1 << 20;

}  // namespace pdai::bundle
