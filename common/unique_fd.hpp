// RAII for a POSIX file descriptor, and the write loop its users share (bundle store, local
// backend, job files).
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace pdai {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        if (this != &o) reset(o.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset(int fd = -1) noexcept;
    // Closes and reports a failed close (which can mean lost written data) as a pdai::Error.
    void close_checked(const std::string& what);

private:
    int fd_ = -1;
};

// Writes all of `data`, retrying short writes and EINTR; a pdai::Error names `what`.
void write_all(const UniqueFd& fd, std::string_view data, const std::string& what);

}  // namespace pdai
