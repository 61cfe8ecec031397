// Keeps a QuotaGate's snapshot fresh, off the hot path. A background thread looks every
// reload_interval_ms at whether the catalog changed: PRAGMA data_version on its own
// read-only connection (another connection committed), the file's device, inode, size and
// mtime (a file replaced, restored or rewritten in place), and the calendar month (a budget
// period turned). Only then does it reload (catalog::load_policy_snapshot) and install the
// new snapshot. A catalog that cannot be read makes the gate unavailable (fail mode); the
// failure is logged (common/log.hpp) once when it starts and once when it ends, never per job.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "catalog/catalog.hpp"
#include "gate/quota_gate.hpp"

namespace pdai::gate {

class CatalogWatcher {
public:
    explicit CatalogWatcher(QuotaGate& gate);
    ~CatalogWatcher();  // stops the thread
    CatalogWatcher(const CatalogWatcher&) = delete;
    CatalogWatcher& operator=(const CatalogWatcher&) = delete;

    // One check (and reload when needed) on the caller's thread; true when a snapshot is
    // installed afterwards. init() calls it so that the first job already has a snapshot.
    bool refresh() noexcept;
    void start();
    void stop() noexcept;

    std::uint64_t reloads() const noexcept { return reloads_; }
    // Called on the watcher's thread after every check (set it before start()): work that
    // must stay off the hot path, such as the plugin's quiet-time log summary.
    void on_tick(std::function<void()> tick) { tick_ = std::move(tick); }

private:
    struct FileId {
        std::uint64_t dev = 0, ino = 0;
        std::int64_t size = 0, mtime_ns = 0;
        friend bool operator==(const FileId&, const FileId&) = default;
    };

    void run() noexcept;
    bool check_and_load(std::string& why);
    void load(std::int64_t now);
    UidNames resolve_names(const policy::Snapshot& s);

    QuotaGate& gate_;
    std::optional<catalog::Catalog> cat_;
    FileId opened_{};    // the file cat_ has open
    FileId loaded_{};    // the file as it was at the last load
    std::int64_t data_version_ = -1;
    std::int64_t taken_at_ = 0;
    bool installed_ = false;
    std::string failing_;  // the failure last logged; empty while healthy
    std::unordered_map<std::string, std::uint32_t> uids_;  // user name -> uid, kept across loads
    std::uint64_t reloads_ = 0;
    std::function<void()> tick_;

    std::mutex mu_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace pdai::gate
