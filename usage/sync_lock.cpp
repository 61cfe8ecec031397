#include "usage/sync_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "common/error.hpp"

namespace pdai::usage {

std::optional<SyncLock> SyncLock::acquire(const std::string& catalog_path, std::chrono::milliseconds wait) {
    const std::string path = catalog_path + ".sync.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        throw Error(Errc::failure, "cannot open the sync lock " + path + ": " + std::strerror(errno),
                    "pdai sync must be able to write next to the catalog (run it as the catalog's owner)");
    SyncLock lock(fd);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR)
            throw Error(Errc::failure, "cannot lock " + path + ": " + std::strerror(errno));
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return lock;
}

SyncLock::~SyncLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace pdai::usage
