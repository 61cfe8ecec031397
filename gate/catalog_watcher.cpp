#include "gate/catalog_watcher.hpp"

#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "catalog/policy_snapshot.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace pdai::gate {
namespace {

std::int64_t unix_now() {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<std::uint32_t> uid_of(const std::string& name) {
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) == 0 && found)
        return static_cast<std::uint32_t>(pw.pw_uid);
    return std::nullopt;
}

}  // namespace

CatalogWatcher::CatalogWatcher(QuotaGate& gate) : gate_(gate) {}

CatalogWatcher::~CatalogWatcher() { stop(); }

void CatalogWatcher::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] { run(); });
}

void CatalogWatcher::stop() noexcept {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void CatalogWatcher::run() noexcept {
    // slurmctld takes its signals in a thread of its own: keep them away from this one.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    const auto interval = std::chrono::milliseconds(gate_.config().reload_interval_ms);
    std::unique_lock lock(mu_);
    while (!stop_) {
        if (wake_.wait_for(lock, interval, [this] { return stop_; })) break;
        lock.unlock();
        refresh();
        if (tick_) {
            try {
                tick_();
            } catch (...) {  // a log line is never worth the thread
            }
        }
        lock.lock();
    }
}

bool CatalogWatcher::refresh() noexcept {
    std::string why;
    bool ok = false;
    try {
        ok = check_and_load(why);
    } catch (const std::exception& e) {
        why = e.what();
    } catch (...) {
        why = "unknown error";
    }
    try {
        if (!ok) {
            // Drop the connection: the next try opens the file afresh.
            cat_.reset();
            installed_ = false;
            gate_.set_unavailable();
            if (why != failing_) {
                log::error("pdai: cannot load the quota catalog " +
                                          gate_.config().catalog + ": " + why + "; fail_mode=" +
                                          std::string(to_string(gate_.config().fail_mode)) +
                                          " applies until it can be read");
                failing_ = why;
            }
        } else if (!failing_.empty()) {
            log::info("pdai: the quota catalog " + gate_.config().catalog +
                                     " can be read again; quotas are enforced");
            failing_.clear();
        }
    } catch (...) {
    }
    return ok;
}

bool CatalogWatcher::check_and_load(std::string& why) {
    const std::string& path = gate_.config().catalog;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        why = "cannot stat it: " + std::string(std::strerror(errno));
        return false;
    }
    if (::access(path.c_str(), R_OK) != 0) {
        why = "no read permission: " + std::string(std::strerror(errno));
        return false;
    }
    const FileId now_id{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                        static_cast<std::int64_t>(st.st_size),
                        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                            st.st_mtim.tv_nsec};
    if (!cat_ || opened_.dev != now_id.dev || opened_.ino != now_id.ino) {
        cat_.reset();
        installed_ = false;
        cat_.emplace(catalog::Catalog::open({path, 1000, false}));
        opened_ = now_id;
    }
    const std::int64_t version = cat_->data_version();
    const std::int64_t now = unix_now();
    const bool month_turned = policy::period_of(policy::PeriodKind::month, now).start !=
                              policy::period_of(policy::PeriodKind::month, taken_at_).start;
    if (installed_ && version == data_version_ && now_id == loaded_ && !month_turned) return true;
    load(now);
    data_version_ = version;
    loaded_ = now_id;
    return true;
}

void CatalogWatcher::load(std::int64_t now) {
    const auto t0 = std::chrono::steady_clock::now();
    auto snap = catalog::load_policy_snapshot(*cat_, {now, gate_.config().cluster});
    UidNames names = resolve_names(snap.snapshot);
    const std::size_t bureaus = snap.snapshot.by_account.size();
    const std::size_t liens = snap.liens.size();
    gate_.install(std::move(snap), std::move(names));
    installed_ = true;
    taken_at_ = now;
    ++reloads_;
    const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
    if (!log::enabled(log::Level::debug)) return;
    log::debug("pdai: loaded the quota snapshot: " + std::to_string(bureaus) +
                              " bureaus, " + std::to_string(liens) + " liens, " +
                              std::to_string(gate_.bookings()) + " bookings kept, in " +
                              std::to_string(static_cast<int>(ms.count())) + " ms");
}

// Members' and exempt users' uids, so that the hot path never asks the passwd database.
UidNames CatalogWatcher::resolve_names(const policy::Snapshot& s) {
    UidNames out;
    auto add = [&](const std::string& name) {
        auto it = uids_.find(name);
        if (it == uids_.end()) {
            const auto uid = uid_of(name);
            if (!uid) return;  // no such user (yet): asked again at the next load
            it = uids_.emplace(name, *uid).first;
        }
        out.emplace(it->second, name);
    };
    for (const auto& [user, accounts] : s.bureaus_of_user) add(user);
    for (const auto& user : gate_.config().settings.exempt_users) add(user);
    return out;
}

}  // namespace pdai::gate
