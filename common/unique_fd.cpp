#include "common/unique_fd.hpp"

#include <unistd.h>

#include <cerrno>

#include "common/error.hpp"

namespace pdai {

void UniqueFd::reset(int fd) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

void UniqueFd::close_checked(const std::string& what) {
    const int fd = release();
    if (fd >= 0 && ::close(fd) != 0) throw_errno("cannot close " + what, errno);
}

void write_all(const UniqueFd& fd, std::string_view data, const std::string& what) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd.get(), data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("cannot write " + what, errno);
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace pdai
