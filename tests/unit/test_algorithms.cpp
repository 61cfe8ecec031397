// The algorithm repository: versions in semver order, status changes, what a bureau may
// see and run, search, vendor keys, and the audit each write leaves.
#include "bundle_fixture.hpp"
#include "test_helpers.hpp"
#include "catalog/algorithms.hpp"
#include "bundle/signature.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/vendor_keys.hpp"

using namespace pdai;
using namespace pdai::catalog;
using namespace pdai::test;

namespace {

void add_version(BundleFixture& f, const std::string& name, const std::string& version,
                 std::optional<std::string> owner = std::nullopt, const std::string& extra = "") {
    auto o = f.options(f.bundle(name + "-" + version + ".tar.gz", valid_entries(manifest_text(name, version) + extra)));
    o.owner_bureau = std::move(owner);
    REQUIRE(register_bundle(f.c, o).created);
}

}  // namespace

TEST_CASE("algorithms: versions, resolution and status", "[algorithms]") {
    BundleFixture f;
    for (const char* v : {"1.0.0", "1.10.0", "1.2.0", "2.0.0-rc.1"}) add_version(f, "ocr-table", v);
    auto vs = list_versions(f.c, "ocr-table");
    REQUIRE(vs.size() == 4);
    CHECK(vs[0].version == "2.0.0-rc.1");
    CHECK(vs[1].version == "1.10.0");
    CHECK(vs[3].version == "1.0.0");
    CHECK(get_algorithm(f.c, "ocr-table").latest_version == "2.0.0-rc.1");

    auto r = resolve_algorithm(f.c, "ocr-table");
    CHECK(r.version == "2.0.0-rc.1");
    CHECK(r.manifest.entrypoint == "bin/run");
    CHECK(r.manifest.resources.time_minutes == 60);
    CHECK(resolve_algorithm(f.c, "ocr-table@1.2.0").version == "1.2.0");

    std::size_t audits = list_audit(f.c, {{}, {}, {}, 100000}).size();
    CHECK(f.c.write([&] { return set_version_status(f.c, {"ocr-table", "2.0.0-rc.1"}, "deprecated", "beta"); }));
    CHECK_FALSE(f.c.write([&] { return set_version_status(f.c, {"ocr-table", "2.0.0-rc.1"}, "deprecated", ""); }));
    CHECK(resolve_algorithm(f.c, "ocr-table").version == "1.10.0");  // active preferred
    CHECK(f.c.write([&] { return set_version_status(f.c, {"ocr-table", "1.10.0"}, "revoked", "CVE"); }));
    CHECK(resolve_algorithm(f.c, "ocr-table").version == "1.2.0");
    CHECK(list_audit(f.c, {{}, {}, {}, 100000}).size() == audits + 2);

    // A revoked version cannot be submitted, but can still be inspected.
    try {
        resolve_algorithm(f.c, "ocr-table@1.10.0");
        FAIL("revoked version resolved for submission");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::refused);
        CHECK(std::string(e.what()) == "ocr-table@1.10.0 is revoked and cannot be submitted");
        CHECK(e.help() == "usable versions: 2.0.0-rc.1 (deprecated), 1.2.0, 1.0.0");
    }
    CHECK(resolve_algorithm(f.c, "ocr-table@1.10.0", Purpose::inspect).status == "revoked");
    // Revoked stays revoked.
    CHECK(error_code_of([&] { f.c.write([&] { set_version_status(f.c, {"ocr-table", "1.10.0"}, "deprecated", ""); }); }) ==
          Errc::conflict);
    CHECK(error_code_of([&] { resolve_algorithm(f.c, "ocr-table@9.9.9"); }) == Errc::not_found);
    CHECK(error_code_of([&] { resolve_algorithm(f.c, "nothing"); }) == Errc::not_found);
    CHECK(error_code_of([&] { resolve_algorithm(f.c, "ocr-table@1.2"); }) == Errc::usage);
    CHECK(error_code_of([&] { parse_exact_version_ref("ocr-table"); }) == Errc::usage);

    // Every version revoked: nothing to submit.
    for (const char* v : {"2.0.0-rc.1", "1.2.0", "1.0.0"})
        f.c.write([&] { set_version_status(f.c, {"ocr-table", v}, "revoked", ""); });
    CHECK(error_code_of([&] { resolve_algorithm(f.c, "ocr-table"); }) == Errc::refused);
    CHECK(resolve_algorithm(f.c, "ocr-table", Purpose::inspect).version == "2.0.0-rc.1");
    CHECK_FALSE(get_algorithm(f.c, "ocr-table").latest_version);
}

TEST_CASE("algorithms: an expired licence refuses submission", "[algorithms]") {
    BundleFixture f;
    add_version(f, "old-ocr", "1.0.0", std::nullopt, "");
    std::string m = manifest_text("old-ocr", "1.1.0");
    m.insert(m.find("[resources]"), "licence_expires = 2001-01-01\n");
    auto r = register_bundle(f.c, f.options(f.bundle("expired.tar.gz", valid_entries(m))));
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].find("expired on 2001-01-01") != std::string::npos);
    try {
        resolve_algorithm(f.c, "old-ocr@1.1.0");
        FAIL("expired licence resolved");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::refused);
        CHECK(std::string(e.what()).find("licence expired on 2001-01-01") != std::string::npos);
    }
}

TEST_CASE("algorithms: what a bureau may see and run", "[algorithms]") {
    BundleFixture f;
    f.c.write([&] {
        add_bureau(f.c, "fin", "财政局", "");
        add_bureau(f.c, "edu", "教育局", "");
        add_bureau(f.c, "police", "公安局", "");
    });
    add_version(f, "platform-ocr", "1.0.0");
    add_version(f, "fin-ocr", "1.0.0", "fin");
    // Adding a version needs no --owner; a different owner is a conflict.
    add_version(f, "fin-ocr", "1.1.0");
    auto o = f.options(f.bundle("fin-ocr-2.tar.gz", valid_entries(manifest_text("fin-ocr", "2.0.0"))));
    o.owner_bureau = "edu";
    CHECK(error_code_of([&] { register_bundle(f.c, o); }) == Errc::conflict);

    CHECK(bureau_can_use(f.c, "platform-ocr", "edu"));
    CHECK(bureau_can_use(f.c, "fin-ocr", "fin"));
    CHECK_FALSE(bureau_can_use(f.c, "fin-ocr", "edu"));
    CHECK(error_code_of([&] { bureau_can_use(f.c, "fin-ocr", "nobody"); }) == Errc::not_found);
    CHECK(error_code_of([&] { bureau_can_use(f.c, "nothing", "fin"); }) == Errc::not_found);

    auto names = [](const std::vector<Algorithm>& as) {
        std::vector<std::string> out;
        for (const auto& a : as) out.push_back(a.name);
        return out;
    };
    CHECK(names(list_algorithms(f.c, {})) == std::vector<std::string>{"fin-ocr", "platform-ocr"});
    CHECK(names(list_algorithms(f.c, {{}, {}, "edu"})) == std::vector<std::string>{"platform-ocr"});

    CHECK(f.c.write([&] { return share_algorithm(f.c, "fin-ocr", "edu"); }));
    CHECK_FALSE(f.c.write([&] { return share_algorithm(f.c, "fin-ocr", "edu"); }));
    CHECK(bureau_can_use(f.c, "fin-ocr", "edu"));
    CHECK_FALSE(bureau_can_use(f.c, "fin-ocr", "police"));
    CHECK(names(list_algorithms(f.c, {{}, {}, "edu"})) == std::vector<std::string>{"fin-ocr", "platform-ocr"});
    CHECK(get_algorithm(f.c, "fin-ocr").shared_with == std::vector<std::string>{"edu"});
    CHECK(error_code_of([&] { f.c.write([&] { share_algorithm(f.c, "platform-ocr", "edu"); }); }) == Errc::usage);
    CHECK(error_code_of([&] { f.c.write([&] { share_algorithm(f.c, "fin-ocr", "fin"); }); }) == Errc::usage);

    f.c.write([&] { unshare_algorithm(f.c, "fin-ocr", "edu"); });
    CHECK_FALSE(bureau_can_use(f.c, "fin-ocr", "edu"));
    CHECK(error_code_of([&] { f.c.write([&] { unshare_algorithm(f.c, "fin-ocr", "edu"); }); }) == Errc::not_found);
    // A bureau that owns an algorithm cannot be removed.
    CHECK(error_code_of([&] { f.c.write([&] { remove_bureau(f.c, "fin"); }); }) == Errc::conflict);
}

TEST_CASE("algorithms: list filters and search", "[algorithms]") {
    BundleFixture f;
    add_version(f, "ocr-table", "1.0.0");
    std::string chart = manifest_text("ocr-chart", "1.0.0");
    chart.replace(chart.find("Reads tables from scanned forms"), 31, "Reads charts: 100%_sure");
    REQUIRE(register_bundle(f.c, f.options(f.bundle("chart.tar.gz", valid_entries(chart)))).created);
    CHECK(list_algorithms(f.c, {"acme", {}, {}}).size() == 2);
    CHECK(list_algorithms(f.c, {{}, "ocr", {}}).size() == 2);
    CHECK(list_algorithms(f.c, {{}, "llm", {}}).empty());
    CHECK(error_code_of([&] { list_algorithms(f.c, {"nobody", {}, {}}); }) == Errc::not_found);
    CHECK(error_code_of([&] { list_algorithms(f.c, {{}, "ai", {}}); }) == Errc::usage);
    CHECK(search_algorithms(f.c, "TABLES", {}).size() == 1);  // description, any case
    CHECK(search_algorithms(f.c, "reads", {}).size() == 2);
    CHECK(search_algorithms(f.c, "100%", {}).size() == 1);    // % is literal
    CHECK(search_algorithms(f.c, "_", {}).size() == 1);
    CHECK(search_algorithms(f.c, "acme", {}).size() == 2);     // vendor
    CHECK(search_algorithms(f.c, "nothing like it", {}).empty());
    CHECK(error_code_of([&] { search_algorithms(f.c, "", {}); }) == Errc::usage);
}

TEST_CASE("algorithms: a later version updates the description, an earlier one does not", "[algorithms]") {
    BundleFixture f;
    add_version(f, "ocr-table", "2.0.0");
    std::string older = manifest_text("ocr-table", "1.0.0");
    older.replace(older.find("Reads tables"), 12, "Old text    ");
    REQUIRE(register_bundle(f.c, f.options(f.bundle("old.tar.gz", valid_entries(older)))).created);
    CHECK(get_algorithm(f.c, "ocr-table").description == "Reads tables from scanned forms");
    std::string newer = manifest_text("ocr-table", "3.0.0");
    newer.replace(newer.find("Reads tables"), 12, "Reads charts");
    REQUIRE(register_bundle(f.c, f.options(f.bundle("new.tar.gz", valid_entries(newer)))).created);
    CHECK(get_algorithm(f.c, "ocr-table").description == "Reads charts from scanned forms");
}

TEST_CASE("vendor keys: add, list, remove", "[algorithms][signature]") {
    BundleFixture f;
    auto k = bundle::generate_key("acme-2025").public_key().base64();
    f.c.write([&] { add_vendor_key(f.c, "acme", "acme-2025", k); });
    CHECK(list_vendor_keys(f.c, std::nullopt).size() == 1);
    CHECK(list_vendor_keys(f.c, std::string("acme"))[0].public_key == k);
    CHECK(error_code_of([&] { f.c.write([&] { add_vendor_key(f.c, "acme", "acme-2025", k); }); }) == Errc::conflict);
    CHECK(error_code_of([&] { f.c.write([&] { add_vendor_key(f.c, "acme", "again", k); }); }) == Errc::conflict);
    CHECK(error_code_of([&] { f.c.write([&] { add_vendor_key(f.c, "nobody", "k", k); }); }) == Errc::not_found);
    CHECK(error_code_of([&] { f.c.write([&] { add_vendor_key(f.c, "acme", "bad id", k); }); }) == Errc::usage);
    f.c.write([&] { remove_vendor_key(f.c, "acme", "acme-2025"); });
    CHECK(list_vendor_keys(f.c, std::nullopt).empty());
    CHECK(error_code_of([&] { f.c.write([&] { remove_vendor_key(f.c, "acme", "acme-2025"); }); }) == Errc::not_found);

    // Key files round-trip, and damaged ones are refused with the file's name.
    auto sk = bundle::generate_key("k1");
    auto back = bundle::parse_secret_key(bundle::format_secret_key(sk), "k1.key");
    CHECK(back.bytes == sk.bytes);
    CHECK(bundle::parse_public_key(bundle::format_public_key(sk.public_key()), "k1.pub").bytes ==
          sk.public_key().bytes);
    CHECK_THROWS_WITH(bundle::parse_public_key("key_id = \"k\"\nalgorithm = \"rsa\"\npublic_key = \"x\"\n", "k.pub"),
                      Catch::Contains("pdai knows only ed25519"));
    CHECK_THROWS_WITH(bundle::parse_public_key("key_id = \"k\"\nalgorithm = \"ed25519\"\npublic_key = \"AAAA\"\n", "k.pub"),
                      Catch::Contains("k.pub: 'public_key' is not 32 bytes of base64"));
}
