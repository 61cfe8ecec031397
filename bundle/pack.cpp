#include "bundle/pack.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "bundle/archive.hpp"
#include "bundle/paths.hpp"
#include "common/error.hpp"
#include "common/files.hpp"

namespace pdai::bundle {

namespace fs = std::filesystem;

namespace {

// Relative paths under dir, pdai.toml first, then in byte order (a parent before its children).
std::vector<std::string> list_tree(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
    if (ec) throw_errno("cannot read " + dir, ec.value());
    for (; it != end; it.increment(ec)) {
        if (ec) throw_errno("cannot read " + dir, ec.value());
        out.push_back(it->path().lexically_relative(dir).string());  // not fs::relative: it follows links
    }
    if (ec) throw_errno("cannot read " + dir, ec.value());
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
        bool am = a == kManifestFile, bm = b == kManifestFile;
        return am != bm ? am : a < b;
    });
    return out;
}

struct Packer {
    const std::string& dir;
    TreeBuilder builder;
    ArchiveWriter* writer;  // null: only check

    void entry(const std::string& rel) {
        std::string full = dir + "/" + rel;
        struct stat st {};
        if (::lstat(full.c_str(), &st) != 0) throw_errno("cannot stat " + full, errno);
        RawEntry raw;
        raw.path = rel;
        raw.perm = st.st_mode & 07777;
        std::string target;
        if (S_ISREG(st.st_mode)) {
            raw.kind = RawEntry::Kind::file;
            raw.size = static_cast<std::uint64_t>(st.st_size);
        } else if (S_ISDIR(st.st_mode)) {
            raw.kind = RawEntry::Kind::dir;
        } else if (S_ISLNK(st.st_mode)) {
            raw.kind = RawEntry::Kind::symlink;
            std::error_code ec;
            target = fs::read_symlink(full, ec).string();
            if (ec) throw_errno("cannot read symlink " + full, ec.value());
            raw.link = target;
        } else {
            raw.kind = RawEntry::Kind::other;
            raw.other_kind = S_ISCHR(st.st_mode)    ? "a character device"
                             : S_ISBLK(st.st_mode)  ? "a block device"
                             : S_ISFIFO(st.st_mode) ? "a FIFO"
                             : S_ISSOCK(st.st_mode) ? "a socket"
                                                    : "of an unknown file type";
        }
        std::string path = builder.begin(raw);
        if (path.empty()) return;
        ArchiveEntryPtr e;
        if (writer) {
            e.reset(archive_entry_new());
            if (!e) throw Error(Errc::failure, "out of memory");
            archive_entry_set_pathname_utf8(e.get(), path.c_str());
            archive_entry_set_mtime(e.get(), kPackMtime, 0);
            archive_entry_set_uid(e.get(), 0);
            archive_entry_set_gid(e.get(), 0);
        }
        if (raw.kind != RawEntry::Kind::file) {
            if (writer) {
                bool is_dir = raw.kind == RawEntry::Kind::dir;
                archive_entry_set_filetype(e.get(), is_dir ? AE_IFDIR : AE_IFLNK);
                archive_entry_set_perm(e.get(), is_dir ? 0755 : 0777);
                if (!is_dir) archive_entry_set_symlink_utf8(e.get(), target.c_str());
                writer->header(e.get());
            }
            return;
        }
        UniqueFd fd = open_for_reading(full);
        if (writer) {
            archive_entry_set_filetype(e.get(), AE_IFREG);
            archive_entry_set_perm(e.get(), (st.st_mode & 0111) ? 0755 : 0644);
            archive_entry_set_size(e.get(), st.st_size);
            writer->header(e.get());
        }
        std::uint64_t copied = 0;
        read_all(fd, full, [&](const char* p, std::size_t n) {
            copied += n;
            if (copied > static_cast<std::uint64_t>(st.st_size))
                throw Error(Errc::failure, full + " grew while it was being packed");
            builder.add_data(p, n);
            if (writer) writer->data(p, n);
        });
        if (copied != static_cast<std::uint64_t>(st.st_size))
            throw Error(Errc::failure, full + " shrank while it was being packed");
        builder.end_file();
    }
};

CheckedBundle walk(const std::string& dir, const Limits& limits, ArchiveWriter* writer) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) throw_errno("cannot open " + dir, errno);
    if (!S_ISDIR(st.st_mode)) throw Error(Errc::usage, dir + " is not a directory");
    // The manifest first: a bad one is reported before any file is read.
    std::string manifest_path = dir + "/" + std::string(kManifestFile);
    if (::access(manifest_path.c_str(), F_OK) != 0)
        throw Error(Errc::usage, dir + " has no pdai.toml", "write one with 'pdai bundle init " + dir + "'");
    parse_manifest(read_small_file(manifest_path, kMaxManifestBytes), manifest_path);

    Packer p{dir, TreeBuilder(limits, dir), writer};
    for (const auto& rel : list_tree(dir)) p.entry(rel);
    auto r = p.builder.finish(manifest_path);
    CheckedBundle out;
    out.tree = std::move(r.tree);
    out.manifest = std::move(r.manifest);
    return out;
}

}  // namespace

CheckedBundle check_directory(const std::string& dir, const Limits& limits) {
    return walk(dir, limits, nullptr);
}

CheckedBundle pack_directory(const std::string& dir, const std::string& out, bool overwrite,
                             const Limits& limits, const std::optional<std::string>& expect_tree) {
    Compression c = compression_for(out);
    std::error_code ec;
    fs::path out_abs = fs::weakly_canonical(fs::absolute(out), ec);
    fs::path dir_abs = fs::weakly_canonical(fs::absolute(dir), ec);
    auto rel = out_abs.lexically_relative(dir_abs);
    if (!rel.empty() && *rel.begin() != "..")
        throw Error(Errc::usage, "the output " + out + " is inside " + dir + ", which is being packed",
                    "write the archive outside the bundle directory");
    AtomicFile file(out, 0644, overwrite);
    ArchiveWriter w(file.fd(), c, out);
    CheckedBundle b = walk(dir, limits, &w);
    if (expect_tree && b.tree.sha256 != *expect_tree)
        throw Error(Errc::failure,
                    dir + " no longer holds the tree that was registered (digest " + b.tree.sha256 +
                        ", expected " + *expect_tree + ")",
                    "'pdai algo verify NAME@VERSION' shows what changed");
    b.archive_sha256 = w.close();
    b.archive_bytes = w.bytes_written();
    file.commit();
    return b;
}

}  // namespace pdai::bundle
