// The catalog: one SQLite file (WAL) that is pdai's source of truth. A Catalog holds the
// connection and who is acting (for the audit log); repositories take a Catalog&. The
// connection itself is private to catalog/ (catalog/db_access.hpp): SQL lives only here.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "common/time.hpp"

namespace pdai::catalog {

class Db;
class Catalog;
// The connection behind a Catalog, for catalog/'s own repositories (catalog/db_access.hpp).
Db& db_of(Catalog& c) noexcept;

struct OpenOptions {
    std::string path;
    int busy_timeout_ms = 5000;
    bool write = false;  // write commands refuse a read-only catalog before doing anything
};

class Catalog {
public:
    // Opens an existing catalog. A writable open migrates an older schema; a newer schema
    // or a non-pdai file is refused (Errc::corrupt); a missing file is not_found.
    static Catalog open(const OpenOptions& opts);
    // Creates the file (and its directory) if needed and migrates it to the latest schema,
    // then runs `then` (the caller's first write; created: whether the file is new). Refuses
    // an SQLite file with tables of its own, and a damaged catalog (Errc::corrupt). If
    // anything fails, a catalog it created is removed again, with the directories it made.
    // Returns true when the catalog was created, false when it already existed.
    static std::pair<Catalog, bool> init(const std::string& path, int busy_timeout_ms,
                                         const std::function<void(Catalog&, bool)>& then = {});

    Catalog(Catalog&&) noexcept;
    Catalog& operator=(Catalog&&) noexcept;
    ~Catalog();

    const std::string& path() const noexcept { return path_; }
    const std::string& actor() const noexcept { return actor_; }
    void set_actor(std::string a) { actor_ = std::move(a); }
    int schema_version();
    // SQLite's data_version: changes whenever another connection commits (cheap; no I/O
    // beyond the WAL index), so a long-lived reader knows when to reload.
    std::int64_t data_version();

    // BEGIN IMMEDIATE on construction (the write lock up front, so concurrent writers wait
    // in the busy handler instead of failing on upgrade); ROLLBACK unless commit() ran.
    class WriteScope {
    public:
        explicit WriteScope(Catalog& c);
        ~WriteScope();
        WriteScope(const WriteScope&) = delete;
        WriteScope& operator=(const WriteScope&) = delete;
        void commit();

    private:
        Catalog& c_;
        bool done_ = false;
    };

    // What runs around the COMMIT of a write transaction that appended audit entries (the
    // audit log's sealer, catalog/audit.hpp, installs them): before_commit inside the
    // transaction (it may throw, and then nothing is written), after_commit once it is
    // durable, after_rollback when it was not (neither may throw).
    struct CommitHooks {
        std::function<void(Catalog&)> before_commit, after_commit, after_rollback;
    };
    void set_commit_hooks(CommitHooks h) { hooks_ = std::move(h); }
    bool has_commit_hooks() const noexcept { return static_cast<bool>(hooks_.before_commit); }
    // Called by audit(): this transaction changes what the audit log records.
    void mark_audited() noexcept { audited_ = true; }

    // Runs f inside one BEGIN IMMEDIATE transaction: all of f's writes or none.
    template <class F>
    decltype(auto) write(F&& f) {
        WriteScope tx(*this);
        if constexpr (std::is_void_v<decltype(f())>) {
            f();
            tx.commit();
        } else {
            decltype(auto) r = f();
            tx.commit();
            return r;
        }
    }

private:
    friend Db& db_of(Catalog& c) noexcept;
    Catalog(std::unique_ptr<Db> db, std::string actor);
    void configure_connection();
    void check_schema(bool writable);

    std::unique_ptr<Db> db_;
    std::string path_;
    std::string actor_;
    CommitHooks hooks_;
    bool audited_ = false;
};

// PRAGMA quick_check of an open catalog: "" when it is sound, else the first problem. It
// reads every page ('catalog init' of an existing file runs it).
std::string quick_check(Catalog& c);
// The same for every table but the history tables that grow with use (jobs, the ledger and
// its rollups, the audit log, bundle file lists): what every write command runs before
// writing (Catalog::open with write), so that a write never lands beside damaged policy
// tables, at a cost that does not grow with the catalog's history (bench/RESULTS.md).
std::string quick_check_before_write(Catalog& c);

// Whether this process may write the catalog at `path`: the file, and its -wal and -shm
// beside it (or the directory, to create them). The one answer to "may this user change the
// catalog": Catalog::open(write) refuses by it, and the CLI uses it to tell an admin (who
// records jobs) from a bureau user (who reads).
bool writable(const std::string& path);


}  // namespace pdai::catalog
