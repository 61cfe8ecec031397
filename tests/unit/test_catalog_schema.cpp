// Opening catalogs: migrations keep data, a newer or foreign file is refused, and the
// maintenance operations (check, backup, restore) work on real files.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "catalog/db_access.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/maintenance.hpp"
#include "catalog/migrations.hpp"
#include "catalog/vendors.hpp"
#include "common/error.hpp"
#include "temp_catalog.hpp"

using namespace pdai;
using namespace pdai::catalog;

namespace {

Errc open_error(const std::string& path, bool write) {
    try {
        Catalog::open({path, 200, write});
    } catch (const Error& e) {
        return e.code();
    }
    return Errc::failure;
}

}  // namespace

TEST_CASE("a fresh catalog is at the latest schema, in WAL mode, with foreign keys on",
          "[catalog][schema]") {
    test::TempCatalog t;
    CHECK(schema_version(catalog::db_of(t.cat)) == latest_schema_version());
    CHECK(application_id(catalog::db_of(t.cat)) == kApplicationId);
    auto jm = catalog::db_of(t.cat).prepare("PRAGMA journal_mode");
    jm.step();
    CHECK(jm.text(0) == "wal");
    auto fk = catalog::db_of(t.cat).prepare("PRAGMA foreign_keys");
    fk.step();
    CHECK(fk.i64(0) == 1);
}

TEST_CASE("an old-schema catalog is migrated with its data kept", "[catalog][schema]") {
    test::TempDir dir;
    auto path = (dir.path / "old.db").string();
    {
        // Build a version-1 catalog the way an older pdai would have.
        Db db(path, Db::Mode::create, 1000);
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("BEGIN IMMEDIATE");
        migrate_to(db, 1);
        db.exec(
            "INSERT INTO vendors (name, display_name, created_at, created_by) "
            "VALUES ('acme', 'Acme', 1, 'root');"
            "INSERT INTO bureaus (code, display_name, slurm_account, created_at, created_by) "
            "VALUES ('fin', '财政局', 'fin', 1, 'root');");
        db.exec("COMMIT");
        REQUIRE(schema_version(db) == 1);
    }
    // A reader cannot migrate: it is told to ask an admin.
    CHECK(open_error(path, false) == Errc::corrupt);

    auto c = Catalog::open({path, 1000, true});
    CHECK(schema_version(catalog::db_of(c)) == latest_schema_version());
    CHECK(get_vendor(c, "acme").display_name == "Acme");
    CHECK(get_bureau(c, "fin").display_name == "财政局");
    // Tables of the later migration exist and work against the kept rows.
    catalog::db_of(c).exec(
        "INSERT INTO algorithms (name, vendor_id, category, created_at, created_by) "
        "SELECT 'ocr', id, 'ocr', 1, 'root' FROM vendors WHERE name = 'acme'");
    CHECK(check_catalog(path, 1000).ok());
}

TEST_CASE("a catalog from a newer pdai is refused, and left alone", "[catalog][schema]") {
    test::TempCatalog t;
    catalog::db_of(t.cat).exec("PRAGMA user_version = " + std::to_string(latest_schema_version() + 1));
    auto size = std::filesystem::file_size(t.path);
    CHECK(open_error(t.path, true) == Errc::corrupt);
    CHECK(open_error(t.path, false) == Errc::corrupt);
    CHECK(std::filesystem::file_size(t.path) == size);
    CHECK_FALSE(check_catalog(t.path, 1000).ok());
}

TEST_CASE("files that are not pdai catalogs are refused", "[catalog][schema]") {
    test::TempDir dir;
    auto text = (dir.path / "notes.txt").string();
    std::ofstream(text) << "this is not a database, it is a text file of some length\n";
    CHECK(open_error(text, false) == Errc::corrupt);
    CHECK(open_error(text, true) == Errc::corrupt);

    auto other = (dir.path / "other.db").string();
    {
        Db db(other, Db::Mode::create, 1000);
        db.exec("CREATE TABLE t (x); PRAGMA user_version = 1");
    }
    CHECK(open_error(other, true) == Errc::corrupt);
    CHECK(open_error((dir.path / "missing.db").string(), false) == Errc::not_found);
    CHECK(open_error(dir.path.string(), false) == Errc::usage);
}

TEST_CASE("a locked catalog times out with 'busy'", "[catalog][locking]") {
    test::TempCatalog t;
    Db holder(t.path, Db::Mode::read_write, 1000);
    holder.exec("BEGIN IMMEDIATE");
    auto c = Catalog::open({t.path, 100, true});
    try {
        c.write([&] { add_vendor(c, "late", "", ""); });
        FAIL("the write should have timed out");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::busy);
        CHECK_THAT(e.what(), Catch::Contains("locked"));
    }
    holder.exec("ROLLBACK");
    c.write([&] { add_vendor(c, "late", "", ""); });
    CHECK(find_vendor(c, "late"));
}

TEST_CASE("backup, check and restore", "[catalog][backup]") {
    test::TempCatalog t;
    auto& c = t.cat;
    c.write([&] { add_vendor(c, "kept", "", ""); });
    auto backup = (t.dir.path / "backup.db").string();
    backup_catalog(c, backup, false);
    CHECK(check_catalog(backup, 1000).ok());
    CHECK_THROWS_AS(backup_catalog(c, backup, false), Error);  // no silent overwrite

    c.write([&] { add_vendor(c, "after-backup", "", ""); });
    restore_catalog(backup, t.path, 1000);
    auto reopened = Catalog::open({t.path, 1000, false});
    CHECK(find_vendor(reopened, "kept"));
    CHECK_FALSE(find_vendor(reopened, "after-backup"));

    // A damaged backup is refused and the catalog is untouched.
    auto broken = (t.dir.path / "broken.db").string();
    std::filesystem::copy_file(backup, broken);
    {
        std::fstream f(broken, std::ios::in | std::ios::out | std::ios::binary);
        // Overwrite the header of every page after the first: b-tree pages become garbage.
        auto pages = std::filesystem::file_size(broken) / 4096;
        std::string junk(64, '\x5a');
        for (std::uintmax_t p = 1; p < pages; ++p) {
            f.seekp(static_cast<std::streamoff>(p * 4096));
            f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
        }
    }
    CHECK_THROWS_AS(restore_catalog(broken, t.path, 1000), Error);
    CHECK(find_vendor(reopened, "kept"));
    CHECK(check_catalog(t.path, 1000).ok());
}

TEST_CASE("rotating backups: names, order and what is deleted", "[catalog][backup]") {
    CHECK(rotating_backup_key("catalog-20261123T030000Z.db") == std::pair{std::string("20261123T030000Z"), 0});
    CHECK(rotating_backup_key("catalog-20261123T030000Z-12.db") == std::pair{std::string("20261123T030000Z"), 12});
    for (const char* other : {"catalog.db", "catalog-latest.db", "catalog-20261123T030000Z.db.partial-7",
                              "catalog-20261123T030000.db", "catalog-20261123T030000Z-0.db",
                              "catalog-20261123T030000Z-x.db", "old-catalog-20261123T030000Z.db",
                              "catalog-2026112xT030000Z.db", "catalog-20261123T030000Z-.db"})
        CHECK_FALSE(rotating_backup_key(other));

    test::TempCatalog t;
    auto& c = t.cat;
    auto dir = (t.dir.path / "backups").string();  // created by the first backup
    const std::int64_t t0 = 1795402800;             // 2026-11-23T03:00:00Z
    std::vector<std::string> written;
    for (int i = 0; i < 3; ++i) {
        c.write([&] { add_vendor(c, 'v' + std::to_string(i), "", ""); });
        written.push_back(backup_rotating(c, dir, 2, t0).path);  // same second three times
    }
    CHECK(std::filesystem::path(written[1]).filename() == "catalog-20261123T030000Z-1.db");
    CHECK(std::filesystem::path(written[2]).filename() == "catalog-20261123T030000Z-2.db");
    CHECK_FALSE(std::filesystem::exists(written[0]));
    std::ofstream(dir + "/catalog-keepme.db") << "not pdai's";

    auto r = backup_rotating(c, dir, 2, t0 + 86400);
    CHECK(std::filesystem::path(r.path).filename() == "catalog-20261124T030000Z.db");
    CHECK(r.kept == std::vector<std::string>{r.path, written[2]});
    CHECK(r.removed == std::vector<std::string>{written[1]});
    CHECK(std::filesystem::exists(dir + "/catalog-keepme.db"));
    CHECK(check_catalog(r.path, 1000).ok());

    auto all = backup_rotating(c, dir, std::nullopt, t0 + 2 * 86400);  // no --keep: delete nothing
    CHECK(all.kept.size() == 3);
    CHECK(all.removed.empty());
    CHECK_THROWS_AS(backup_rotating(c, dir, 0, t0), Error);
}
