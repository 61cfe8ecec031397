// The catalog: one SQLite file (WAL) that is pdai's source of truth. A Catalog holds the
// connection and who is acting (for the audit log); repositories take a Catalog&.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "catalog/sqlite.hpp"

namespace pdai::catalog {

struct OpenOptions {
    std::string path;
    int busy_timeout_ms = 5000;
    bool write = false;  // write commands refuse a read-only catalog before doing anything
};

class Catalog {
public:
    // Opens an existing catalog. A writable open migrates an older schema; a newer schema
    // or a non-pdai file is refused (Errc::busy, "unreadable"); a missing file is not_found.
    static Catalog open(const OpenOptions& opts);
    // Creates the file (and its directory) if needed and migrates it to the latest schema.
    // Returns true when the catalog was created, false when it already existed.
    static std::pair<Catalog, bool> init(const std::string& path, int busy_timeout_ms);

    Db& db() noexcept { return db_; }
    const std::string& path() const noexcept { return db_.path(); }
    const std::string& actor() const noexcept { return actor_; }
    void set_actor(std::string a) { actor_ = std::move(a); }

    // Runs f inside one BEGIN IMMEDIATE transaction: all of f's writes or none.
    template <class F>
    decltype(auto) write(F&& f) {
        Transaction tx(db_);
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
    Catalog(Db db, std::string actor) : db_(std::move(db)), actor_(std::move(actor)) {}
    void configure_connection();
    void check_schema(bool writable);

    Db db_;
    std::string actor_;
};

std::int64_t now_unix();
std::string format_time(std::int64_t unix_seconds);          // "2026-11-23T12:00:00Z"
std::string format_time_compact(std::int64_t unix_seconds);  // "20261123T120000Z", for file names

}  // namespace pdai::catalog
