// Registration of hostile and broken bundles: one test per way a bundle can be refused.
// Each checks the error code and message, that the catalog's rows are unchanged, and that
// the disk is as it was: nothing outside the store, and no half-unpacked tree or temporary
// directory inside it.
#include <sqlite3.h>

#include "catalog/db_access.hpp"
#include "bundle_fixture.hpp"
#include "catalog/algorithms.hpp"
#include "bundle/example.hpp"
#include "bundle/ingest.hpp"
#include "bundle/pack.hpp"
#include "bundle/signature.hpp"
#include "bundle/store.hpp"
#include "common/files.hpp"
#include "catalog/vendor_keys.hpp"

using namespace pdai;
using namespace pdai::test;
namespace fs = std::filesystem;

namespace {

void expect_refused(BundleFixture& f, const catalog::RegisterOptions& o, Errc code, const std::string& says) {
    auto rows = f.catalog_rows();
    auto disk = disk_listing(f.root);
    try {
        catalog::register_bundle(f.c, o);
        FAIL("expected " << o.bundle_path << " to be refused");
    } catch (const Error& e) {
        INFO(e.what());
        CHECK(e.code() == code);
        CHECK(std::string(e.what()).find(says) != std::string::npos);
    }
    CHECK(f.catalog_rows() == rows);
    CHECK(disk_listing(f.root) == disk);
}

void expect_refused(BundleFixture& f, const std::string& bundle, Errc code, const std::string& says) {
    expect_refused(f, f.options(bundle), code, says);
}

std::vector<Entry> plus(std::vector<Entry> base, const std::vector<Entry>& more) {
    base.insert(base.end(), more.begin(), more.end());
    return base;
}

}  // namespace

TEST_CASE("ingest: a valid bundle registers, and again is a no-op", "[bundle][ingest]") {
    BundleFixture f;
    std::string b = f.bundle("ok.tar.gz", plus(valid_entries(), {{"lib/libx.so.1", Entry::file, 0644, "elf", ""},
                                                                   {"lib/libx.so", Entry::symlink, 0777, "", "libx.so.1"},
                                                                   {"bin/run2", Entry::hardlink, 0755, "", "bin/run"}}));
    auto r = f.add(b);
    CHECK(r.created);
    const auto& v = r.version;
    CHECK(v.algorithm == "ocr-table");
    CHECK(v.status == "active");
    CHECK(v.file_count == 5);
    CHECK(v.store_path == f.store + "/" + v.tree_sha256.substr(0, 2) + "/" + v.tree_sha256);
    CHECK(fs::is_regular_file(v.store_path + "/bin/run"));
    CHECK((fs::status(v.store_path + "/bin/run").permissions() & fs::perms::owner_exec) != fs::perms::none);
    CHECK((fs::status(v.store_path + "/pdai.toml").permissions() & fs::perms::owner_write) == fs::perms::none);
    CHECK(fs::read_symlink(v.store_path + "/lib/libx.so") == "libx.so.1");
    CHECK(slurp(v.store_path + "/bin/run2") == "#!/bin/sh\necho ok\n");
    CHECK(v.archive_sha256 == bundle::sha256_file(b));

    auto rows = f.catalog_rows();
    auto disk = disk_listing(f.root);
    auto again = f.add(b);
    CHECK_FALSE(again.created);
    CHECK(again.version.id == v.id);
    CHECK(f.catalog_rows() == rows);
    CHECK(disk_listing(f.root) == disk);
}

TEST_CASE("ingest: the same content packed differently is the same version", "[bundle][ingest]") {
    BundleFixture f;
    f.add(f.bundle("a.tar.gz", valid_entries()));
    auto zip = f.add(f.bundle("a.zip", valid_entries(), ArchiveFormat::zip));
    CHECK_FALSE(zip.created);
    // ./-prefixed names and explicit directory entries do not change the content either.
    auto dotted = f.add(f.bundle("b.tar", {{"./", Entry::dir, 0755, "", ""},
                                           {"./pdai.toml", Entry::file, 0644, manifest_text(), ""},
                                           {"./bin/", Entry::dir, 0700, "", ""},
                                           {"./bin/run", Entry::file, 0700, "#!/bin/sh\necho ok\n", ""},
                                           {"model/weights.bin", Entry::file, 0600, std::string(4096, 'w'), ""}},
                                 ArchiveFormat::tar));
    CHECK_FALSE(dotted.created);
}

TEST_CASE("ingest: refuses an entry with '..'", "[bundle][ingest][hostile]") {
    BundleFixture f;
    expect_refused(f, f.bundle("dotdot.tar.gz", plus(valid_entries(), {{"../../outside/evil", Entry::file, 0644, "x", ""}})),
                   Errc::usage, "entry '../../outside/evil' contains '..'");
    expect_refused(f, f.bundle("dotdot2.tar.gz", plus(valid_entries(), {{"bin/../../evil", Entry::file, 0644, "x", ""}})),
                   Errc::usage, "contains '..'");
    CHECK_FALSE(fs::exists(f.root / "outside" / "evil"));
    CHECK_FALSE(fs::exists(f.root / "evil"));
}

TEST_CASE("ingest: refuses an absolute path", "[bundle][ingest][hostile]") {
    BundleFixture f;
    std::string target = (f.root / "outside" / "abs-evil").string();
    expect_refused(f, f.bundle("abs.tar.gz", plus(valid_entries(), {{target, Entry::file, 0644, "x", ""}})),
                   Errc::usage, "is an absolute path");
    CHECK_FALSE(fs::exists(target));
}

TEST_CASE("ingest: refuses a symlink pointing outside the bundle", "[bundle][ingest][hostile]") {
    BundleFixture f;
    expect_refused(f, f.bundle("abslink.tar.gz", plus(valid_entries(), {{"etc", Entry::symlink, 0777, "", "/etc"}})),
                   Errc::usage, "symlink to an absolute path ('/etc'), which points outside the bundle");
    expect_refused(f, f.bundle("uplink.tar.gz",
                               plus(valid_entries(), {{"data/up", Entry::symlink, 0777, "", "../../outside"}})),
                   Errc::usage, "points outside the bundle");
    // Lexically inside, really outside: d -> "." makes "d/.." the bundle's parent.
    expect_refused(f, f.bundle("chain.tar.gz", plus(valid_entries(), {{"d", Entry::symlink, 0777, "", "."},
                                                                       {"s", Entry::symlink, 0777, "", "d/.."}})),
                   Errc::usage, "entry 's' is a symlink to 'd/..', which points outside the bundle");
    // Writing through a symlink (even one that stays inside) is refused too.
    expect_refused(f, f.bundle("through.tar.gz", plus(valid_entries(), {{"lnk", Entry::symlink, 0777, "", "model"},
                                                                         {"lnk/x", Entry::file, 0644, "x", ""}})),
                   Errc::usage, "entry 'lnk/x' is inside 'lnk', which is a symlink");
    expect_refused(f, f.bundle("dangling.tar.gz", plus(valid_entries(), {{"gone", Entry::symlink, 0777, "", "nowhere"}})),
                   Errc::usage, "which is not in the bundle");
    expect_refused(f, f.bundle("loop.tar.gz", plus(valid_entries(), {{"a", Entry::symlink, 0777, "", "b"},
                                                                      {"b", Entry::symlink, 0777, "", "a"}})),
                   Errc::usage, "more than 40 symlinks");
}

TEST_CASE("ingest: refuses a hardlink pointing outside the bundle", "[bundle][ingest][hostile]") {
    BundleFixture f;
    std::ofstream((f.root / "outside" / "secret").string()) << "secret";
    expect_refused(f, f.bundle("hl.tar.gz", plus(valid_entries(), {{"h", Entry::hardlink, 0644, "", "../outside/secret"}})),
                   Errc::usage, "is a hardlink to '../outside/secret', which points outside the bundle");
    expect_refused(f, f.bundle("hlabs.tar.gz", plus(valid_entries(), {{"h", Entry::hardlink, 0644, "", "/etc/passwd"}})),
                   Errc::usage, "points outside the bundle");
    expect_refused(f, f.bundle("hlfwd.tar.gz", plus({{"h", Entry::hardlink, 0644, "", "bin/run"}}, valid_entries())),
                   Errc::usage, "not a file earlier in the bundle");
}

TEST_CASE("ingest: refuses device files and FIFOs", "[bundle][ingest][hostile]") {
    BundleFixture f;
    expect_refused(f, f.bundle("dev.tar.gz", plus(valid_entries(), {{"dev/null", Entry::chardev, 0666, "", ""}})),
                   Errc::usage, "entry 'dev/null' is a character device");
    expect_refused(f, f.bundle("fifo.tar.gz", plus(valid_entries(), {{"pipe", Entry::fifo, 0644, "", ""}})),
                   Errc::usage, "entry 'pipe' is a FIFO");
}

TEST_CASE("ingest: refuses setuid and setgid bits", "[bundle][ingest][hostile]") {
    BundleFixture f;
    expect_refused(f, f.bundle("suid.tar.gz", plus(valid_entries(), {{"bin/su", Entry::file, 04755, "x", ""}})),
                   Errc::usage, "entry 'bin/su' has the setuid bit");
    expect_refused(f, f.bundle("sgid.tar.gz", plus(valid_entries(), {{"bin/sg", Entry::file, 02755, "x", ""}})),
                   Errc::usage, "has the setgid bit");
    expect_refused(f, f.bundle("sgiddir.tar.gz", plus(valid_entries(), {{"shared", Entry::dir, 02775, "", ""}})),
                   Errc::usage, "has the setgid bit");
}

TEST_CASE("ingest: refuses duplicate entries", "[bundle][ingest][hostile]") {
    BundleFixture f;
    expect_refused(f, f.bundle("dup.tar.gz", plus(valid_entries(), {{"bin/run", Entry::file, 0755, "other", ""}})),
                   Errc::usage, "entry 'bin/run' appears twice");
    expect_refused(f, f.bundle("dup2.tar.gz", plus(valid_entries(), {{"./model//weights.bin", Entry::file, 0644, "x", ""}})),
                   Errc::usage, "appears twice in the archive (as 'model/weights.bin')");
    expect_refused(f, f.bundle("dup3.tar.gz", plus(valid_entries(), {{"model", Entry::file, 0644, "x", ""}})),
                   Errc::usage, "entry 'model' appears twice");
    expect_refused(f, f.bundle("under.tar.gz", plus(valid_entries(), {{"pdai.toml/x", Entry::file, 0644, "x", ""}})),
                   Errc::usage, "is inside 'pdai.toml', which is a file");
}

TEST_CASE("ingest: refuses an entry over bundle_max_entry_bytes", "[bundle][ingest][hostile]") {
    BundleFixture f;
    auto o = f.options(f.bundle("big.tar.gz", plus(valid_entries(), {{"big.bin", Entry::file, 0644, std::string(8192, 'b'), ""}})));
    o.limits.max_entry_bytes = 5000;
    expect_refused(f, o, Errc::usage, "entry 'big.bin' is 8 KiB, over bundle_max_entry_bytes (4.9 KiB)");
}

TEST_CASE("ingest: counts decompressed bytes, not what headers claim (zip bomb)", "[bundle][ingest][hostile]") {
    BundleFixture f;
    // 64 MiB of zeros gzips to ~64 KiB; the total limit stops the unpacking at 1 MiB.
    std::string b = f.bundle("bomb.tar.gz", plus(valid_entries(), {{"zeros", Entry::file, 0644, std::string(64 << 20, '\0'), ""}}));
    CHECK(fs::file_size(b) < (1u << 20));
    auto o = f.options(b);
    o.limits.max_total_bytes = 1 << 20;
    expect_refused(f, o, Errc::usage, "unpacks to more than bundle_max_total_bytes (1 MiB)");
}

TEST_CASE("ingest: refuses a bundle over bundle_max_total_bytes", "[bundle][ingest][hostile]") {
    BundleFixture f;
    std::vector<Entry> many = valid_entries();
    for (int i = 0; i < 10; ++i) many.push_back({"part" + std::to_string(i), Entry::file, 0644, std::string(1000, 'p'), ""});
    auto o = f.options(f.bundle("total.tar.gz", many));
    o.limits.max_total_bytes = 8000;
    expect_refused(f, o, Errc::usage, "more than bundle_max_total_bytes");
}

TEST_CASE("ingest: refuses more than bundle_max_entries entries", "[bundle][ingest][hostile]") {
    BundleFixture f;
    std::vector<Entry> many = valid_entries();
    for (int i = 0; i < 20; ++i) many.push_back({"f/" + std::to_string(i), Entry::file, 0644, "", ""});
    auto o = f.options(f.bundle("entries.tar.gz", many));
    o.limits.max_entries = 10;
    expect_refused(f, o, Errc::usage, "holds more than 10 entries (bundle_max_entries)");
}

TEST_CASE("ingest: refuses a missing entrypoint", "[bundle][ingest][hostile]") {
    BundleFixture f;
    expect_refused(f, f.bundle("noep.tar.gz", {{"pdai.toml", Entry::file, 0644, manifest_text(), ""}}),
                   Errc::usage, "entrypoint 'bin/run' is not in the bundle");
    expect_refused(f, f.bundle("epdir.tar.gz", {{"pdai.toml", Entry::file, 0644, manifest_text(), ""},
                                                {"bin/run/", Entry::dir, 0755, "", ""}}),
                   Errc::usage, "entrypoint 'bin/run' is a directory");
}

TEST_CASE("ingest: refuses a non-executable entrypoint", "[bundle][ingest][hostile]") {
    BundleFixture f;
    expect_refused(f, f.bundle("noexec.tar.gz", {{"pdai.toml", Entry::file, 0644, manifest_text(), ""},
                                                 {"bin/run", Entry::file, 0644, "#!/bin/sh\n", ""}}),
                   Errc::usage, "entrypoint 'bin/run' is not executable");
    // An entrypoint reached through a symlink is followed to the file it names.
    auto ok = f.add(f.bundle("via-link.tar.gz", {{"pdai.toml", Entry::file, 0644, manifest_text(), ""},
                                                  {"app/main.sh", Entry::file, 0755, "#!/bin/sh\n", ""},
                                                  {"bin/run", Entry::symlink, 0777, "", "../app/main.sh"}}));
    CHECK(ok.created);
}

TEST_CASE("ingest: refuses a bad or missing manifest", "[bundle][ingest][hostile]") {
    BundleFixture f;
    expect_refused(f, f.bundle("unknown-key.tar.gz", valid_entries(manifest_text() + "gpu = 2\n")),
                   Errc::usage, "pdai.toml:11: unknown key 'resources.gpu'");
    std::string wrong_type = manifest_text();
    wrong_type.replace(wrong_type.find("gpus = 1"), 8, "gpus = \"one\"");
    expect_refused(f, f.bundle("wrong-type.tar.gz", valid_entries(wrong_type)), Errc::usage,
                   "pdai.toml:9: 'resources.gpus' must be an integer");
    expect_refused(f, f.bundle("nomanifest.tar.gz", {{"bin/run", Entry::file, 0755, "x", ""}}), Errc::usage,
                   "no pdai.toml manifest");
    expect_refused(f, f.bundle("manifest-link.tar.gz", {{"real.toml", Entry::file, 0644, manifest_text(), ""},
                                                        {"pdai.toml", Entry::symlink, 0777, "", "real.toml"},
                                                        {"bin/run", Entry::file, 0755, "x", ""}}),
                   Errc::usage, "no pdai.toml manifest");
    try {
        catalog::register_bundle(f.c, f.options(f.bundle("nested.tar.gz", {{"ocr/pdai.toml", Entry::file, 0644, manifest_text(), ""},
                                                                           {"ocr/bin/run", Entry::file, 0755, "x", ""}})));
        FAIL("nested bundle accepted");
    } catch (const Error& e) {
        CHECK(e.help().find("pack the directory's content") != std::string::npos);
    }
}

TEST_CASE("ingest: refuses a vendor that is not registered", "[bundle][ingest][hostile]") {
    BundleFixture f;
    expect_refused(f, f.bundle("vendor.tar.gz", valid_entries(manifest_text("ocr-table", "1.0.0", "nobody"))),
                   Errc::not_found, "vendor 'nobody' named in pdai.toml is not registered");
    expect_refused(f, [&] {
        auto o = f.options(f.bundle("owner.tar.gz", valid_entries()));
        o.owner_bureau = "police";
        return o;
    }(), Errc::not_found, "unknown bureau 'police'");
}

TEST_CASE("ingest: name@version with different content is a conflict", "[bundle][ingest][hostile]") {
    BundleFixture f;
    f.add(f.bundle("v1.tar.gz", valid_entries()));
    auto changed = valid_entries();
    changed[2].content = "retrained weights";
    expect_refused(f, f.bundle("v1-changed.tar.gz", changed), Errc::conflict,
                   "ocr-table@1.0.0 is already registered with different content");
    // Another vendor may not add versions to it.
    f.c.write([&] { catalog::add_vendor(f.c, "rival", "", ""); });
    expect_refused(f, f.bundle("rival.tar.gz", valid_entries(manifest_text("ocr-table", "2.0.0", "rival"))),
                   Errc::conflict, "is registered to vendor 'acme'");
}

TEST_CASE("ingest: refuses what is not an archive, truncated or empty", "[bundle][ingest][hostile]") {
    BundleFixture f;
    std::string junk = f.in + "/junk.tar.gz";
    std::ofstream(junk) << "this is not an archive at all, just some text that goes on for a while\n";
    expect_refused(f, junk, Errc::usage, "junk.tar.gz");
    std::string good = f.bundle("whole.tar.gz", plus(valid_entries(), {{"big", Entry::file, 0644, std::string(200000, 'q'), ""}}));
    std::string cut = f.in + "/cut.tar";
    // Uncompressed, so the cut lands inside the last file's data.
    write_archive(cut, plus(valid_entries(), {{"big", Entry::file, 0644, std::string(200000, 'q'), ""}}), ArchiveFormat::tar);
    fs::resize_file(cut, 100000);
    expect_refused(f, cut, Errc::usage, "cut.tar");
    expect_refused(f, f.bundle("empty.tar", {}, ArchiveFormat::tar), Errc::usage, "");
    expect_refused(f, f.in, Errc::usage, "is a directory");
    expect_refused(f, f.in + "/missing.tar.gz", Errc::not_found, "missing.tar.gz");
}

TEST_CASE("ingest: refuses hostile zip archives too", "[bundle][ingest][hostile]") {
    BundleFixture f;
    expect_refused(f, f.bundle("evil.zip", plus(valid_entries(), {{"../evil", Entry::file, 0644, "x", ""}}), ArchiveFormat::zip),
                   Errc::usage, "contains '..'");
    expect_refused(f, f.bundle("evil-link.zip", plus(valid_entries(), {{"l", Entry::symlink, 0777, "", "/etc/shadow"}}),
                               ArchiveFormat::zip),
                   Errc::usage, "points outside the bundle");
    expect_refused(f, f.bundle("backslash.zip", plus(valid_entries(), {{"..\\evil", Entry::file, 0644, "x", ""}}),
                               ArchiveFormat::zip),
                   Errc::usage, "backslash");
}

TEST_CASE("ingest: a failed rename rolls the catalog back", "[bundle][ingest]") {
    BundleFixture f;
    std::string b = f.bundle("ok.tar.gz", valid_entries());
    auto checked = bundle::read_bundle(b, {}, std::nullopt);
    // A file where the store's shard directory must go: the rename cannot happen.
    std::ofstream(f.store + "/" + checked.tree.sha256.substr(0, 2)) << "in the way";
    expect_refused(f, b, Errc::failure, "cannot create");
}

TEST_CASE("ingest: a failed commit removes the renamed tree", "[bundle][ingest]") {
    BundleFixture f;
    std::string b = f.bundle("ok.tar.gz", valid_entries());
    // Turns the next COMMIT into a ROLLBACK, after registration renamed its tree into place.
    sqlite3_commit_hook(catalog::db_of(f.c).get(), [](void*) { return 1; }, nullptr);
    expect_refused(f, b, Errc::conflict, "constraint failed");  // SQLITE_CONSTRAINT_COMMITHOOK
    sqlite3_commit_hook(catalog::db_of(f.c).get(), nullptr, nullptr);
    CHECK(f.add(b).created);  // and the store is fit for the next attempt
}

TEST_CASE("ingest: signatures", "[bundle][ingest][signature]") {
    BundleFixture f;
    auto key = bundle::generate_key("acme-2025");
    f.c.write([&] { catalog::add_vendor_key(f.c, "acme", "acme-2025", key.public_key().base64()); });
    std::string b = f.bundle("signed.tar.gz", valid_entries());
    auto tree = bundle::read_bundle(b, {}, std::nullopt).tree.sha256;

    SECTION("require_signed_bundles refuses an unsigned bundle") {
        auto o = f.options(b);
        o.require_signed = true;
        expect_refused(f, o, Errc::usage, "is not signed, and require_signed_bundles = true");
    }
    SECTION("a signature of another bundle is refused, required or not") {
        pdai::write_file_atomic(b + ".sig", bundle::format_signature(bundle::sign_tree(key, std::string(64, 'a'))), 0644, false);
        expect_refused(f, b, Errc::usage, "is not a valid signature of this bundle by acme/acme-2025");
    }
    SECTION("a signature by another key is refused") {
        auto other = bundle::generate_key("acme-2025");  // same id, different key
        pdai::write_file_atomic(b + ".sig", bundle::format_signature(bundle::sign_tree(other, tree)), 0644, false);
        expect_refused(f, b, Errc::usage, "is not a valid signature");
    }
    SECTION("a key the vendor has not registered is refused") {
        auto other = bundle::generate_key("stolen");
        pdai::write_file_atomic(b + ".sig", bundle::format_signature(bundle::sign_tree(other, tree)), 0644, false);
        expect_refused(f, b, Errc::usage, "signed with key 'stolen', which vendor 'acme' has not registered");
    }
    SECTION("a damaged signature file is refused") {
        pdai::write_file_atomic(b + ".sig", "key_id = \"acme-2025\"\nalgorithm = \"ed25519\"\n", 0644, false);
        expect_refused(f, b, Errc::usage, "missing key 'tree_sha256'");
    }
    SECTION("a good signature registers and is kept for export") {
        pdai::write_file_atomic(b + ".sig", bundle::format_signature(bundle::sign_tree(key, tree)), 0644, false);
        auto o = f.options(b);
        o.require_signed = true;
        auto r = catalog::register_bundle(f.c, o);
        CHECK(r.version.signed_by_key == "acme/acme-2025");
        REQUIRE(r.version.signature);
        auto ex = catalog::export_version(f.c, {"ocr-table", "1.0.0"}, f.in + "/out.tar.gz", false, {});
        REQUIRE(ex.signature_path);
        CHECK(slurp(*ex.signature_path) == slurp(b + ".sig"));
    }
}

TEST_CASE("round trip: init, pack, lint, register, verify, export", "[bundle][roundtrip]") {
    BundleFixture f;
    std::string dir = f.in + "/src";
    bundle::ExampleOptions eo;
    eo.name = "ocr-table";
    eo.vendor = "acme";
    bundle::write_example_bundle(dir, eo);
    fs::create_directories(dir + "/model/empty-dir");
    std::ofstream(dir + "/model/weights.bin", std::ios::binary) << std::string(300000, 'w');
    fs::create_symlink("weights.bin", dir + "/model/latest");
    std::ofstream(dir + "/模型说明.txt") << "UTF-8 names survive\n";

    auto packed = bundle::pack_directory(dir, f.in + "/a.tar.gz", false, {});
    auto again = bundle::pack_directory(dir, f.in + "/b.tar.gz", false, {});
    CHECK(slurp(f.in + "/a.tar.gz") == slurp(f.in + "/b.tar.gz"));  // deterministic
    CHECK(again.archive_sha256 == packed.archive_sha256);
    CHECK(packed.archive_sha256 == bundle::sha256_file(f.in + "/a.tar.gz"));

    auto lint = bundle::read_bundle(f.in + "/a.tar.gz", {}, std::nullopt);
    CHECK(lint.tree.sha256 == packed.tree.sha256);
    CHECK(lint.tree.entries == bundle::check_directory(dir, {}).tree.entries);
    CHECK(lint.archive_sha256 == packed.archive_sha256);

    auto r = f.add(f.in + "/a.tar.gz");
    REQUIRE(r.created);
    CHECK(r.version.tree_sha256 == packed.tree.sha256);
    CHECK(fs::is_directory(r.version.store_path + "/model/empty-dir"));
    auto ok = catalog::verify_version(f.c, {"ocr-table", "0.1.0"});
    CHECK(ok.ok());

    auto ex = catalog::export_version(f.c, {"ocr-table", "0.1.0"}, f.in + "/exported.tar.gz", false, {});
    CHECK(slurp(ex.path) == slurp(f.in + "/a.tar.gz"));
    CHECK(ex.archive_sha256 == packed.archive_sha256);
    CHECK_FALSE(ex.signature_path);
    CHECK_THROWS_AS(catalog::export_version(f.c, {"ocr-table", "0.1.0"}, f.in + "/exported.tar.gz", false, {}), Error);

    SECTION("verify reports changed, missing and extra files, and export refuses the tree") {
        std::string s = r.version.store_path;
        fs::permissions(s + "/model/weights.bin", fs::perms::owner_write, fs::perm_options::add);
        std::ofstream(s + "/model/weights.bin", std::ios::binary) << std::string(300000, 'X');
        fs::remove(s + "/pdai.toml");
        std::ofstream(s + "/bin/backdoor") << "x";
        auto bad = catalog::verify_version(f.c, {"ocr-table", "0.1.0"});
        CHECK(bad.changed == std::vector<std::string>{"model/weights.bin"});
        CHECK(bad.missing == std::vector<std::string>{"pdai.toml"});
        CHECK(bad.extra == std::vector<std::string>{"bin/backdoor"});
        std::ofstream(s + "/pdai.toml") << slurp(dir + "/pdai.toml");
        fs::remove(s + "/bin/backdoor");
        try {
            catalog::export_version(f.c, {"ocr-table", "0.1.0"}, f.in + "/tampered.tar.gz", false, {});
            FAIL("exported a tampered tree");
        } catch (const Error& e) {
            CHECK(std::string(e.what()).find("no longer holds the tree that was registered") != std::string::npos);
        }
        CHECK_FALSE(fs::exists(f.in + "/tampered.tar.gz"));
    }
    SECTION("a missing tree is restored by registering the same bundle again") {
        bundle::remove_tree(r.version.store_path);
        CHECK(catalog::verify_version(f.c, {"ocr-table", "0.1.0"}).missing.size() == static_cast<std::size_t>(r.version.file_count) + 4);
        auto restored = f.add(f.in + "/a.tar.gz");
        CHECK_FALSE(restored.created);
        CHECK(restored.restored_tree);
        CHECK(catalog::verify_version(f.c, {"ocr-table", "0.1.0"}).ok());
    }
}

TEST_CASE("pack: refuses what ingestion would refuse, and writes nothing", "[bundle][pack]") {
    BundleFixture f;
    std::string dir = f.in + "/src";
    bundle::ExampleOptions eo;
    eo.vendor = "acme";
    bundle::write_example_bundle(dir, eo);
    SECTION("a symlink out of the bundle") {
        fs::create_symlink("/etc/passwd", dir + "/passwd");
        CHECK_THROWS_WITH(bundle::pack_directory(dir, f.in + "/x.tar.gz", false, {}),
                          Catch::Contains("points outside the bundle"));
    }
    SECTION("a FIFO") {
        REQUIRE(::mkfifo((dir + "/fifo").c_str(), 0644) == 0);
        CHECK_THROWS_WITH(bundle::pack_directory(dir, f.in + "/x.tar.gz", false, {}), Catch::Contains("is a FIFO"));
    }
    SECTION("a bad manifest, before any file is read") {
        std::string text = slurp(dir + "/pdai.toml");
        std::ofstream(dir + "/pdai.toml") << "colour = \"blue\"\n" << text;
        CHECK_THROWS_WITH(bundle::pack_directory(dir, f.in + "/x.tar.gz", false, {}),
                          Catch::Contains("unknown key 'colour'"));
    }
    SECTION("an output inside the directory") {
        CHECK_THROWS_WITH(bundle::pack_directory(dir, dir + "/x.tar.gz", false, {}), Catch::Contains("is inside"));
    }
    SECTION("an unknown archive suffix") {
        CHECK_THROWS_WITH(bundle::pack_directory(dir, f.in + "/x.rar", false, {}),
                          Catch::Contains("cannot tell the archive type"));
    }
    auto left = disk_listing(f.in);
    for (const auto& [path, what] : left) CHECK(path.rfind("src", 0) == 0);  // no archive, no .partial-
}
