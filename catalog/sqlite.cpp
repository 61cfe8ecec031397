#include "catalog/sqlite.hpp"

#include <cerrno>

#include "common/error.hpp"

namespace pdai::catalog {

Db::Db(const std::string& path, Mode mode, int busy_timeout_ms)
    : path_(path), busy_timeout_ms_(busy_timeout_ms) {
    int flags = SQLITE_OPEN_NOMUTEX;
    switch (mode) {
    case Mode::read_only: flags |= SQLITE_OPEN_READONLY; break;
    case Mode::read_write: flags |= SQLITE_OPEN_READWRITE; break;
    case Mode::create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    }
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) {
        if (rc == SQLITE_CANTOPEN)
            throw Error(Errc::corrupt, "cannot open catalog " + path + ": " +
                                        (raw ? sqlite3_errmsg(raw) : "out of memory"),
                        "check that the file exists and that you may read it");
        fail(rc, "opening the catalog");
    }
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, busy_timeout_ms);
}

bool Db::read_only() const { return sqlite3_db_readonly(db_.get(), "main") == 1; }

void Db::fail(int rc, std::string_view doing) const {
    const char* msg = db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc);
    std::string what = std::string(doing) + " in " + path_ + ": " + msg;
    // A write that failed for want of space: SQLite says SQLITE_FULL, or an I/O error whose
    // system errno is ENOSPC (EDQUOT for a quota). Either is a full disk, not a damaged file.
    if (const int sys = db_ ? sqlite3_system_errno(db_.get()) : 0;
        (rc & 0xff) == SQLITE_FULL || ((rc & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT)))
        throw Error(Errc::failure, what + " (the disk is full)", "free some disk space, then try again");
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        throw Error(Errc::busy,
                    "catalog " + path_ + " is locked by another process (waited " +
                        std::to_string(busy_timeout_ms_) + " ms)",
                    "try again, or raise busy_timeout_ms in pdai.conf");
    case SQLITE_NOTADB:
        throw Error(Errc::corrupt, path_ + " is not a pdai catalog (not an SQLite database)",
                    "point --catalog at a catalog made by 'pdai catalog init', or restore a backup");
    case SQLITE_CORRUPT:
        throw Error(Errc::corrupt, "catalog " + path_ + " is corrupt: " + msg,
                    "run 'pdai catalog check', then 'pdai catalog restore' from a backup");
    case SQLITE_READONLY:
        throw Error(Errc::failure, "catalog " + path_ + " is read-only for this user",
                    "only platform admins may change the catalog");
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        throw Error(Errc::corrupt, what);
    case SQLITE_FULL:
        throw Error(Errc::failure, what + " (the disk is full)", "free some disk space, then try again");
    case SQLITE_CONSTRAINT: throw Error(Errc::conflict, what);
    default: throw Error(Errc::failure, what);
    }
}

void Db::exec(std::string_view sql) {
    std::string s(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_.get(), s.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) fail(rc, "running SQL");
}

Stmt Db::prepare(std::string_view sql) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &s, nullptr);
    if (rc != SQLITE_OK) fail(rc, "preparing a query");
    return Stmt(*this, s);
}

Stmt& Stmt::bind(int i, std::int64_t v) {
    if (int rc = sqlite3_bind_int64(s_.get(), i, v); rc != SQLITE_OK) db_->fail(rc, "binding");
    return *this;
}
Stmt& Stmt::bind(int i, double v) {
    if (int rc = sqlite3_bind_double(s_.get(), i, v); rc != SQLITE_OK) db_->fail(rc, "binding");
    return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
    int rc = sqlite3_bind_text64(s_.get(), i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) db_->fail(rc, "binding");
    return *this;
}
Stmt& Stmt::bind_null(int i) {
    if (int rc = sqlite3_bind_null(s_.get(), i); rc != SQLITE_OK) db_->fail(rc, "binding");
    return *this;
}

bool Stmt::step() {
    int rc = sqlite3_step(s_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_->fail(rc, "querying the catalog");
}

void Stmt::reset() {
    sqlite3_reset(s_.get());
    sqlite3_clear_bindings(s_.get());
}

std::string Stmt::text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_.get(), col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_.get(), col)))
             : std::string();
}
std::optional<std::int64_t> Stmt::opt_i64(int col) const {
    if (is_null(col)) return std::nullopt;
    return i64(col);
}
std::optional<double> Stmt::opt_f64(int col) const {
    if (is_null(col)) return std::nullopt;
    return f64(col);
}
std::optional<std::string> Stmt::opt_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
}

}  // namespace pdai::catalog
