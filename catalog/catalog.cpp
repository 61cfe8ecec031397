#include "catalog/catalog.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <vector>

#include "catalog/db_access.hpp"
#include "catalog/migrations.hpp"
#include "common/error.hpp"
#include "common/unix_user.hpp"

namespace pdai::catalog {

namespace fs = std::filesystem;

bool writable(const std::string& path) {
    if (::access(path.c_str(), W_OK) != 0) return false;
    for (const char* suffix : {"-wal", "-shm"}) {
        const std::string side = path + suffix;
        if (::access(side.c_str(), F_OK) == 0) {
            if (::access(side.c_str(), W_OK) != 0) return false;
        } else {
            auto dir = fs::path(path).parent_path();
            if (::access(dir.empty() ? "." : dir.c_str(), W_OK) != 0) return false;
        }
    }
    return true;
}

Db& db_of(Catalog& c) noexcept { return *c.db_; }

Catalog::Catalog(std::unique_ptr<Db> db, std::string actor)
    : db_(std::move(db)), path_(db_->path()), actor_(std::move(actor)) {}
Catalog::Catalog(Catalog&&) noexcept = default;
Catalog& Catalog::operator=(Catalog&&) noexcept = default;
Catalog::~Catalog() = default;

int Catalog::schema_version() { return catalog::schema_version(*db_); }

std::int64_t Catalog::data_version() {
    auto s = db_->prepare("PRAGMA data_version");  // finalized at once: no read left open
    s.step();
    return s.i64(0);
}

Catalog::WriteScope::WriteScope(Catalog& c) : c_(c) {
    c_.db_->exec("BEGIN IMMEDIATE");
    c_.audited_ = false;
}

Catalog::WriteScope::~WriteScope() {
    if (done_) return;
    sqlite3_exec(c_.db_->get(), "ROLLBACK", nullptr, nullptr, nullptr);
    if (c_.audited_ && c_.hooks_.after_rollback) c_.hooks_.after_rollback(c_);
    c_.audited_ = false;
}

void Catalog::WriteScope::commit() {
    const bool audited = c_.audited_;
    if (audited && c_.hooks_.before_commit) c_.hooks_.before_commit(c_);
    c_.db_->exec("COMMIT");
    done_ = true;
    c_.audited_ = false;
    if (audited && c_.hooks_.after_commit) c_.hooks_.after_commit(c_);
}

namespace {

// The first problem that PRAGMA `pragma` reports, or "".
std::string first_problem(Db& db, const std::string& pragma) {
    auto s = db.prepare(pragma);
    std::string first;
    while (s.step())
        if (auto line = s.text(0); line != "ok" && first.empty()) first = line;
    return first;
}

// The history tables: they grow with every job, sync and audited command, and are most of
// a catalog in service (bench/RESULTS.md: a full quick_check takes 0.54 s at a million ledger
// rows and seconds at a million audit checkpoints, and would be paid by every submission).
// The check before a write leaves them out. SQLite still finds a damaged page of theirs
// where a command reads or writes it (SQLITE_CORRUPT: exit 8), their content is checked by
// its own digests (the audit chain, a version's tree digest over its files), and 'pdai
// catalog check' reads every page.
constexpr std::string_view kHistoryTables[] = {"jobs",          "job_tasks", "usage_ledger",      "usage_daily",
                                               "usage_monthly", "audit_log", "audit_checkpoints", "algorithm_files"};

}  // namespace

std::string quick_check(Catalog& c) { return first_problem(db_of(c), "PRAGMA quick_check(1)"); }

std::string quick_check_before_write(Catalog& c) {
    Db& db = db_of(c);
    std::vector<std::string> tables;
    {
        // Reading the schema reads page 1 and the schema's own tree: damage there throws.
        auto s = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'");
        while (s.step()) tables.push_back(s.text(0));
    }
    for (const auto& t : tables) {
        if (std::ranges::find(kHistoryTables, t) != std::end(kHistoryTables)) continue;
        // The table and its indexes (SQLite 3.33+).
        if (auto bad = first_problem(db, "PRAGMA quick_check(\"" + t + "\")"); !bad.empty()) return bad;
    }
    return "";
}

void Catalog::configure_connection() {
    Db& db = *db_;
    // Per-connection settings; journal_mode=WAL is persistent and set at init.
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA synchronous = FULL");
    if (!db.read_only()) {
        // Keep -wal and -shm when the last writer closes: bureau users and the plugin read
        // the catalog without write access to its directory, and SQLite can only open a WAL
        // database read-only when those files already exist.
        int persist = 1;
        sqlite3_file_control(db.get(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
        // Without a size limit a persisted WAL keeps its frames after the last writer's
        // checkpoint, and every later open recovers it: with a 290 MB WAL left by a big
        // import, each read-only `pdai quota show` took 145 ms instead of 30 ms. A limit makes
        // the last writer truncate the WAL to zero bytes as it closes (and to 16 MiB after a
        // checkpoint while others write).
        db.exec("PRAGMA journal_size_limit = 16777216");
    }
}

void Catalog::check_schema(bool writable) {
    Db& db = *db_;
    int app = application_id(db);
    int version = catalog::schema_version(db);
    if (app != kApplicationId && !(app == 0 && version == 0))
        throw Error(Errc::corrupt, db.path() + " is an SQLite database but not a pdai catalog",
                    "point --catalog at a catalog made by 'pdai catalog init'");
    int latest = latest_schema_version();
    if (version > latest)
        throw Error(Errc::corrupt,
                    "catalog " + db.path() + " has schema version " + std::to_string(version) +
                        ", newer than this pdai understands (" + std::to_string(latest) + ")",
                    "use the pdai release that wrote it, or upgrade pdai");
    if (version == latest) return;
    if (!writable)
        throw Error(Errc::corrupt,
                    "catalog " + db.path() + " has schema version " + std::to_string(version) +
                        " and needs migrating to " + std::to_string(latest),
                    "ask a platform admin to run 'pdai catalog init', which migrates it");
    WriteScope tx(*this);
    migrate_to(db, latest);  // re-reads the version under the write lock: racing openers agree
    tx.commit();
}

Catalog Catalog::open(const OpenOptions& opts) {
    std::error_code ec;
    if (!fs::exists(opts.path, ec))
        throw Error(Errc::not_found, "no catalog at " + opts.path,
                    "create one with 'pdai catalog init', or pass --catalog PATH");
    if (fs::is_directory(opts.path, ec))
        throw Error(Errc::usage, "catalog path " + opts.path + " is a directory");
    if (opts.write && !writable(opts.path))
        throw Error(Errc::failure,
                    "catalog " + opts.path + " is read-only for user " + current_user(),
                    "changing the catalog needs write access (platform admins only)");
    auto db = std::make_unique<Db>(opts.path, opts.write ? Db::Mode::read_write : Db::Mode::read_only,
                                   opts.busy_timeout_ms);
    Catalog c(std::move(db), current_user());
    c.configure_connection();
    if (opts.write) {
        // A damaged catalog is never written on: the write would land beside pages that are
        // already lost, and every later backup would carry both.
        if (auto bad = quick_check_before_write(c); !bad.empty())
            throw Error(Errc::corrupt,
                        "catalog " + opts.path + " is damaged (" + bad + "); nothing was written",
                        "'pdai catalog check' lists the damage; restore the last good backup with "
                        "'pdai catalog restore FILE'");
    }
    c.check_schema(opts.write);
    return c;
}

namespace {

// What a failed 'catalog init' made, removed again: the file, its -wal/-shm/-journal, and
// the directories created for it (innermost first, only while empty).
class InitUndo {
public:
    InitUndo(std::string path, bool existed, std::vector<fs::path> made_dirs)
        : path_(std::move(path)), existed_(existed), dirs_(std::move(made_dirs)) {}
    ~InitUndo() {
        if (done_) return;
        std::error_code ec;
        if (!existed_)
            for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path_ + suffix, ec);
        for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) fs::remove(*it, ec);  // only if empty
    }
    void keep() { done_ = true; }

private:
    std::string path_;
    bool existed_;
    std::vector<fs::path> dirs_;
    bool done_ = false;
};

bool has_tables(Db& db) {
    auto s = db.prepare("SELECT count(*) FROM sqlite_schema");
    s.step();
    return s.i64(0) > 0;
}

}  // namespace

std::pair<Catalog, bool> Catalog::init(const std::string& path, int busy_timeout_ms,
                                       const std::function<void(Catalog&, bool)>& then) {
    std::error_code ec;
    bool existed = fs::exists(path, ec);
    if (existed && fs::is_directory(path, ec))
        throw Error(Errc::usage, "catalog path " + path + " is a directory");
    fs::path parent = fs::path(path).parent_path();
    std::vector<fs::path> made;
    for (fs::path p = parent; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
        made.push_back(p);
        if (p == p.parent_path()) break;
    }
    std::reverse(made.begin(), made.end());  // outermost first, the order to create them
    InitUndo undo(path, existed, made);
    for (const auto& d : made) {
        if (!fs::create_directory(d, ec) && ec) throw_errno("cannot create directory " + d.string(), ec.value());
    }
    if (!existed) {
        // SQLite creates files 0644 whatever the umask; made here first, the catalog gets
        // 0666 & ~umask, so an admin with umask 002 makes it writable by the admin group.
        // Its -wal and -shm copy this mode.
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0) throw_errno("cannot create the catalog " + path, errno);
        ::close(fd);
    }
    Catalog c(std::make_unique<Db>(path, Db::Mode::create, busy_timeout_ms), current_user());
    if (existed) {
        // Someone else's SQLite file (tables, no pdai application id) is never adopted:
        // pdai's tables beside the user's would be neither a catalog nor their database.
        int app = application_id(*c.db_);
        if (app != kApplicationId && catalog::schema_version(*c.db_) == 0 && has_tables(*c.db_))
            throw Error(Errc::corrupt, path + " is an SQLite database with tables of its own, not a pdai catalog",
                        "'pdai catalog init' creates a new catalog: give it a new file name");
        if (auto bad = quick_check(c); !bad.empty())
            throw Error(Errc::corrupt, "catalog " + path + " is damaged (" + bad + "); nothing was written",
                        "restore the last good backup with 'pdai catalog restore FILE'");
    }
    if (!existed || c.schema_version() == 0) {
        // WAL lets readers (the plugin, bureau users) run while an admin writes.
        auto s = c.db_->prepare("PRAGMA journal_mode = WAL");
        s.step();
    }
    c.configure_connection();
    c.check_schema(true);
    if (then) then(c, !existed);
    undo.keep();
    return {std::move(c), !existed};
}

}  // namespace pdai::catalog
