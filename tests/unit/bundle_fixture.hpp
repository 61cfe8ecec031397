// Shared by the bundle tests: archives crafted entry by entry with libarchive's writer (so
// hostile ones can be made that no honest tool would write), a catalog with a vendor and a
// store, and snapshots to prove a refusal left the catalog and the disk as they were.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "catalog/db_access.hpp"
#include "catalog/algorithm_bundles.hpp"
#include "catalog/audit.hpp"
#include "common/files.hpp"
#include "catalog/catalog.hpp"
#include "catalog/vendors.hpp"
#include "common/error.hpp"
#include "temp_catalog.hpp"

namespace pdai::test {

struct Entry {
    enum Type { file, dir, symlink, hardlink, chardev, fifo };
    std::string path;
    Type type = file;
    unsigned perm = 0644;
    std::string content;  // files
    std::string link;     // symlink target or hardlink path
};

enum class ArchiveFormat { tar_gz, tar, zip };

inline void write_archive(const std::string& path, const std::vector<Entry>& entries,
                          ArchiveFormat fmt = ArchiveFormat::tar_gz) {
    archive* a = archive_write_new();
    if (fmt == ArchiveFormat::zip) {
        archive_write_set_format_zip(a);
    } else {
        archive_write_set_format_pax_restricted(a);
        if (fmt == ArchiveFormat::tar_gz) archive_write_add_filter_gzip(a);
    }
    REQUIRE(archive_write_open_filename(a, path.c_str()) == ARCHIVE_OK);
    for (const auto& e : entries) {
        archive_entry* ae = archive_entry_new();
        archive_entry_set_pathname(ae, e.path.c_str());
        archive_entry_set_perm(ae, e.perm);
        archive_entry_set_mtime(ae, 1700000000, 0);
        switch (e.type) {
        case Entry::file:
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_size(ae, static_cast<la_int64_t>(e.content.size()));
            break;
        case Entry::dir: archive_entry_set_filetype(ae, AE_IFDIR); break;
        case Entry::symlink:
            archive_entry_set_filetype(ae, AE_IFLNK);
            archive_entry_set_symlink(ae, e.link.c_str());
            break;
        case Entry::hardlink:
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_hardlink(ae, e.link.c_str());
            archive_entry_set_size(ae, 0);
            break;
        case Entry::chardev:
            archive_entry_set_filetype(ae, AE_IFCHR);
            archive_entry_set_rdev(ae, makedev(1, 3));
            break;
        case Entry::fifo: archive_entry_set_filetype(ae, AE_IFIFO); break;
        }
        REQUIRE(archive_write_header(a, ae) == ARCHIVE_OK);
        if (e.type == Entry::file && !e.content.empty())
            REQUIRE(archive_write_data(a, e.content.data(), e.content.size()) ==
                    static_cast<la_ssize_t>(e.content.size()));
        archive_entry_free(ae);
    }
    REQUIRE(archive_write_close(a) == ARCHIVE_OK);
    archive_write_free(a);
}

inline std::string manifest_text(const std::string& name = "ocr-table", const std::string& version = "1.0.0",
                                 const std::string& vendor = "acme",
                                 const std::string& entrypoint = "bin/run") {
    return "name = \"" + name + "\"\nversion = \"" + version + "\"\nvendor = \"" + vendor +
           "\"\ncategory = \"ocr\"\ndescription = \"Reads tables from scanned forms\"\nentrypoint = \"" +
           entrypoint + "\"\nkinds = [\"run\"]\n[resources]\ngpus = 1\ntime = \"1h\"\n";
}

// A valid bundle: the manifest and an executable entrypoint, plus whatever is added.
inline std::vector<Entry> valid_entries(const std::string& manifest = manifest_text()) {
    return {{"pdai.toml", Entry::file, 0644, manifest, ""},
            {"bin/run", Entry::file, 0755, "#!/bin/sh\necho ok\n", ""},
            {"model/weights.bin", Entry::file, 0644, std::string(4096, 'w'), ""}};
}

inline std::string slurp(const std::filesystem::path& p) {
    std::string out;
    pdai::read_all(pdai::open_for_reading(p.string()), p.string(),
                     [&](const char* data, std::size_t n) { out.append(data, n); });
    return out;
}

// Every path under root (not following symlinks) with its type and size.
inline std::map<std::string, std::string> disk_listing(const std::filesystem::path& root) {
    namespace fs = std::filesystem;
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        auto st = it->symlink_status();
        std::string what = fs::is_directory(st)      ? "dir"
                           : fs::is_symlink(st)      ? "link->" + fs::read_symlink(it->path()).string()
                           : fs::is_regular_file(st) ? "file " + std::to_string(fs::file_size(it->path()))
                                                     : "other";
        std::string rel = it->path().lexically_relative(root).string();
        if (rel.rfind("catalog.db", 0) == 0) continue;  // the catalog is checked by rows, not bytes
        out[rel] = what;
    }
    return out;
}

struct BundleFixture {
    TempCatalog t;
    catalog::Catalog& c = t.cat;
    std::filesystem::path root = t.dir.path;
    std::string store = (root / "store").string();
    std::string in = (root / "in").string();

    BundleFixture() {
        std::filesystem::create_directories(store);
        std::filesystem::create_directories(in);
        std::filesystem::create_directories(root / "outside");
        c.write([&] { catalog::add_vendor(c, "acme", "Acme 视觉", ""); });
    }

    catalog::RegisterOptions options(const std::string& bundle) const {
        catalog::RegisterOptions o;
        o.bundle_path = bundle;
        o.store_root = store;
        return o;
    }

    std::string bundle(const std::string& name, const std::vector<Entry>& entries,
                       ArchiveFormat fmt = ArchiveFormat::tar_gz) const {
        std::string p = in + "/" + name;
        write_archive(p, entries, fmt);
        return p;
    }

    catalog::RegisterResult add(const std::string& path) { return catalog::register_bundle(c, options(path)); }

    // Row counts of everything registration may write.
    std::map<std::string, std::int64_t> catalog_rows() {
        std::map<std::string, std::int64_t> out;
        for (const char* table : {"algorithms", "algorithm_versions", "algorithm_files", "algorithm_shares",
                                  "vendor_keys", "audit_log"}) {
            auto s = catalog::db_of(c).prepare(std::string("SELECT count(*) FROM ") + table);
            s.step();
            out[table] = s.i64(0);
        }
        return out;
    }
};

}  // namespace pdai::test
