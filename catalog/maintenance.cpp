#include "catalog/maintenance.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "catalog/audit.hpp"
#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "catalog/migrations.hpp"
#include "common/error.hpp"
#include "common/unix_user.hpp"

namespace pdai::catalog {

namespace fs = std::filesystem;

namespace {

void copy_db(Db& from, Db& to, const char* doing, int busy_timeout_ms) {
    sqlite3_backup* b = sqlite3_backup_init(to.get(), "main", from.get(), "main");
    if (!b) to.fail(sqlite3_errcode(to.get()), doing);
    // Copy in steps so a concurrent writer is never locked out for the whole copy; a lock
    // that stays taken longer than the busy timeout (with no page copied meanwhile) is busy.
    int rc;
    int waited_ms = 0;
    do {
        rc = sqlite3_backup_step(b, 256);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
            sqlite3_sleep(20);
            waited_ms += 20;
        } else {
            waited_ms = 0;
        }
    } while ((rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waited_ms <= busy_timeout_ms);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) to.fail(rc, doing);
}

bool same_file(const std::string& a, const std::string& b) {
    struct stat sa {}, sb {};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void collect_problems(Db& db, CheckReport& r) {
    try {
        int app = application_id(db);
        r.schema_version = schema_version(db);
        if (app != kApplicationId) r.problems.push_back("not a pdai catalog (application_id)");
        if (r.schema_version > latest_schema_version())
            r.problems.push_back("schema version " + std::to_string(r.schema_version) +
                                 " is newer than this pdai (" +
                                 std::to_string(latest_schema_version()) + ")");
        auto ic = db.prepare("PRAGMA integrity_check");
        while (ic.step())
            if (auto line = ic.text(0); line != "ok") r.problems.push_back("integrity: " + line);
        auto fk = db.prepare("PRAGMA foreign_key_check");
        while (fk.step())
            r.problems.push_back("foreign key: table " + fk.text(0) + " row " +
                                 std::to_string(fk.i64(1)) + " refers to a missing " +
                                 fk.text(2) + " row");
    } catch (const Error& e) {
        r.problems.push_back(e.what());
    }
}

}  // namespace

CheckReport check_catalog(const std::string& path, int busy_timeout_ms) {
    if (!fs::exists(path))
        throw Error(Errc::not_found, "no catalog at " + path,
                    "create one with 'pdai catalog init', or pass --catalog PATH");
    CheckReport r{path, 0, {}};
    Db db(path, Db::Mode::read_only, busy_timeout_ms);
    collect_problems(db, r);
    return r;
}

void backup_catalog(Catalog& c, const std::string& dest, bool overwrite) {
    fs::path d(dest);
    std::error_code ec;
    if (fs::is_directory(d, ec))
        throw Error(Errc::usage, dest + " is a directory", "give the backup file's name");
    if (fs::exists(d, ec) && !overwrite)
        throw Error(Errc::conflict, "backup file " + dest + " already exists",
                    "choose another name, or pass --force to replace it");
    if (fs::absolute(d).lexically_normal() == fs::absolute(c.path()).lexically_normal())
        throw Error(Errc::usage, "the backup must not be the catalog itself");
    fs::path tmp = d;
    tmp += ".partial-" + std::to_string(getpid());
    fs::remove(tmp, ec);
    try {
        {
            Db out(tmp.string(), Db::Mode::create, 5000);
            copy_db(db_of(c), out, "writing the backup", 5000);
            // A backup is one self-contained file: no -wal beside it.
            out.exec("PRAGMA journal_mode = DELETE");
        }
        CheckReport r = check_catalog(tmp.string(), 5000);
        if (!r.ok()) throw Error(Errc::failure, "the backup failed verification: " + r.problems[0]);
        fs::rename(tmp, d);
    } catch (...) {
        fs::remove(tmp, ec);
        throw;
    }
}

namespace {

constexpr std::string_view kRotPrefix = "catalog-";
constexpr std::size_t kStampLen = 16;  // 20261123T030000Z

}  // namespace

std::optional<std::pair<std::string, int>> rotating_backup_key(const std::string& name) {
    // catalog-YYYYMMDDTHHMMSSZ.db or catalog-YYYYMMDDTHHMMSSZ-N.db, nothing looser: rotation
    // deletes what matches, so a file someone else put there must never match by accident.
    std::string_view s(name);
    if (!s.starts_with(kRotPrefix) || !s.ends_with(".db")) return std::nullopt;
    s.remove_prefix(kRotPrefix.size());
    s.remove_suffix(3);
    if (s.size() < kStampLen) return std::nullopt;
    auto stamp = s.substr(0, kStampLen);
    for (std::size_t i = 0; i < kStampLen; ++i) {
        bool digit = stamp[i] >= '0' && stamp[i] <= '9';
        if (i == 8 ? stamp[i] != 'T' : i == 15 ? stamp[i] != 'Z' : !digit) return std::nullopt;
    }
    auto rest = s.substr(kStampLen);
    int seq = 0;
    if (!rest.empty()) {
        if (rest.size() < 2 || rest.size() > 6 || rest[0] != '-' || rest[1] == '0')
            return std::nullopt;
        for (char ch : rest.substr(1)) {
            if (ch < '0' || ch > '9') return std::nullopt;
            seq = seq * 10 + (ch - '0');
        }
    }
    return std::pair{std::string(stamp), seq};
}

RotatedBackup backup_rotating(Catalog& c, const std::string& dir, std::optional<int> keep,
                              std::int64_t now) {
    if (keep && *keep < 1)
        throw Error(Errc::usage, "--keep must be at least 1", "keep at least the backup just made");
    fs::path d = fs::absolute(dir);
    std::error_code ec;
    fs::create_directories(d, ec);
    if (!fs::is_directory(d))
        throw Error(Errc::failure, "cannot use backup directory " + dir +
                                       (ec ? ": " + ec.message() : std::string(": not a directory")));

    auto scan = [&] {
        std::vector<std::pair<std::pair<std::string, int>, fs::path>> found;
        for (const auto& e : fs::directory_iterator(d)) {
            if (!e.is_regular_file(ec)) continue;
            if (auto key = rotating_backup_key(e.path().filename().string()))
                found.emplace_back(std::move(*key), e.path());
        }
        return found;
    };

    // Two backups within one second (a retry after a failure) get -1, -2, ... past the
    // highest suffix of that second, so names keep sorting in the order they were written.
    const std::string stamp = format_time_compact(now);
    int seq = 0;
    for (const auto& [key, p] : scan())
        if (key.first == stamp) seq = std::max(seq, key.second + 1);
    fs::path dest = d / (std::string(kRotPrefix) + stamp + (seq ? '-' + std::to_string(seq) : "") + ".db");
    backup_catalog(c, dest.string(), false);  // verified; throws before anything is deleted

    RotatedBackup r;
    r.path = dest.string();
    r.bytes = fs::file_size(dest);
    auto found = scan();
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; i < found.size(); ++i) {
        const auto& p = found[i].second;
        // The backup just written always stays, even if the clock went back.
        if (keep && i >= static_cast<std::size_t>(*keep) && p != dest) {
            if (!fs::remove(p, ec) && ec)
                throw Error(Errc::failure, "wrote " + r.path + " but could not remove the old backup " +
                                               p.string() + ": " + ec.message());
            r.removed.push_back(p.string());
        } else {
            r.kept.push_back(p.string());
        }
    }
    return r;
}

void restore_catalog(const std::string& src, const std::string& path, int busy_timeout_ms) {
    if (!fs::exists(src)) throw Error(Errc::not_found, "no backup at " + src);
    if (fs::exists(path) && !writable(path))
        throw Error(Errc::failure, "catalog " + path + " is read-only for user " + current_user(),
                    "changing the catalog needs write access (platform admins only)");
    // Restoring a file onto itself would wait for ever on its own locks.
    if (same_file(src, path))
        throw Error(Errc::usage, "cannot restore " + src + " onto itself: it is the catalog",
                    "restore from a backup file, e.g. one 'pdai catalog backup' wrote");
    CheckReport r{src, 0, {}};
    {
        Db probe(src, Db::Mode::read_only, busy_timeout_ms);
        collect_problems(probe, r);
    }
    if (!r.ok())
        throw Error(Errc::corrupt, "refusing to restore " + src + ": " + r.problems.front(),
                    "the catalog was not changed; pick an older backup");
    Db from(src, Db::Mode::read_only, busy_timeout_ms);
    if (!fs::exists(path)) {
        auto [c, created] = Catalog::init(path, busy_timeout_ms);
        (void)created;
    }
    Db to(path, Db::Mode::read_write, busy_timeout_ms);
    if (to.read_only()) to.fail(SQLITE_READONLY, "restoring");
    copy_db(from, to, "restoring the catalog", busy_timeout_ms);
}

void to_json(nlohmann::json& j, const RotatedBackup& r) {
    j = {{"backup", r.path}, {"bytes", r.bytes}, {"kept", r.kept}, {"removed", r.removed}};
}

void to_json(nlohmann::json& j, const CheckReport& r) {
    j = {{"path", r.path},
         {"schema_version", r.schema_version},
         {"ok", r.ok()},
         {"problems", r.problems}};
}

}  // namespace pdai::catalog
