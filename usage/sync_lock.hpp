// Keeps two 'pdai sync' runs from overlapping: an exclusive flock on "<catalog>.sync.lock".
// The kernel drops the lock when the process dies, so a killed sync never blocks the next.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace pdai::usage {

class SyncLock {
public:
    // Waits up to `wait` for the lock; nullopt when another sync still holds it then.
    static std::optional<SyncLock> acquire(const std::string& catalog_path, std::chrono::milliseconds wait);
    SyncLock(SyncLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    SyncLock& operator=(SyncLock&&) = delete;
    SyncLock(const SyncLock&) = delete;
    ~SyncLock();

private:
    explicit SyncLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace pdai::usage
