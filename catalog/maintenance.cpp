#include "catalog/maintenance.hpp"

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "catalog/audit.hpp"
#include "catalog/catalog.hpp"
#include "catalog/migrations.hpp"
#include "common/error.hpp"

namespace pdai::catalog {

namespace fs = std::filesystem;

namespace {

void copy_db(Db& from, Db& to, const char* doing) {
    sqlite3_backup* b = sqlite3_backup_init(to.get(), "main", from.get(), "main");
    if (!b) to.fail(sqlite3_errcode(to.get()), doing);
    // Copy in steps so a concurrent writer is never locked out for the whole copy.
    int rc;
    do {
        rc = sqlite3_backup_step(b, 256);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) to.fail(rc, doing);
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
            copy_db(c.db(), out, "writing the backup");
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

void restore_catalog(const std::string& src, const std::string& path, int busy_timeout_ms) {
    if (!fs::exists(src)) throw Error(Errc::not_found, "no backup at " + src);
    CheckReport r{src, 0, {}};
    {
        Db probe(src, Db::Mode::read_only, busy_timeout_ms);
        collect_problems(probe, r);
    }
    if (!r.ok())
        throw Error(Errc::busy, "refusing to restore " + src + ": " + r.problems.front(),
                    "the catalog was not changed; pick an older backup");
    Db from(src, Db::Mode::read_only, busy_timeout_ms);
    if (!fs::exists(path)) {
        auto [c, created] = Catalog::init(path, busy_timeout_ms);
        (void)created;
    }
    Db to(path, Db::Mode::read_write, busy_timeout_ms);
    if (to.read_only()) to.fail(SQLITE_READONLY, "restoring");
    copy_db(from, to, "restoring the catalog");
}

void to_json(nlohmann::json& j, const CheckReport& r) {
    j = {{"path", r.path},
         {"schema_version", r.schema_version},
         {"ok", r.ok()},
         {"problems", r.problems}};
}

}  // namespace pdai::catalog
