// RAII wrappers over sqlite3* and sqlite3_stmt*, and a transaction guard. Every SQLite
// failure becomes a pdai::Error with the exit code a person expects (busy -> 6, ...).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pdai::catalog {

struct SqliteCloser {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};

class Stmt;

class Db {
public:
    enum class Mode { read_only, read_write, create };

    // Opens (never creates unless Mode::create). busy_timeout_ms bounds every lock wait.
    Db(const std::string& path, Mode mode, int busy_timeout_ms);

    sqlite3* get() const noexcept { return db_.get(); }
    const std::string& path() const noexcept { return path_; }
    bool read_only() const;

    void exec(std::string_view sql);  // statements without results
    Stmt prepare(std::string_view sql);
    std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_.get()); }
    int changes() const { return sqlite3_changes(db_.get()); }

    // Turns the current SQLite error into a pdai::Error and throws it.
    [[noreturn]] void fail(int rc, std::string_view doing) const;

private:
    std::unique_ptr<sqlite3, SqliteCloser> db_;
    std::string path_;
    int busy_timeout_ms_;
};

class Stmt {
public:
    Stmt(Db& db, sqlite3_stmt* s) : db_(&db), s_(s) {}

    // Binding, 1-based like SQLite. nullopt binds NULL.
    Stmt& bind(int i, std::int64_t v);
    Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
    Stmt& bind(int i, double v);
    Stmt& bind(int i, std::string_view v);
    Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
    Stmt& bind_null(int i);
    template <class T>
    Stmt& bind(int i, const std::optional<T>& v) {
        return v ? bind(i, *v) : bind_null(i);
    }

    // Steps once; true while a row is available.
    bool step();
    // Runs a statement that returns no rows.
    void run() {
        while (step()) {
        }
    }
    void reset();

    sqlite3_stmt* raw() const noexcept { return s_.get(); }
    bool is_null(int col) const { return sqlite3_column_type(s_.get(), col) == SQLITE_NULL; }
    std::int64_t i64(int col) const { return sqlite3_column_int64(s_.get(), col); }
    double f64(int col) const { return sqlite3_column_double(s_.get(), col); }
    std::string text(int col) const;
    std::optional<std::int64_t> opt_i64(int col) const;
    std::optional<double> opt_f64(int col) const;
    std::optional<std::string> opt_text(int col) const;

private:
    Db* db_;
    std::unique_ptr<sqlite3_stmt, StmtFinalizer> s_;
};

}  // namespace pdai::catalog
