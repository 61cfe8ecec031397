#include "bundle/ingest.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <memory>

#include "bundle/archive.hpp"
#include "bundle/paths.hpp"
#include "common/byte_size.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace pdai::bundle {

namespace {

// libarchive's disk writer takes paths relative to the working directory, and its
// SECURE_NOABSOLUTEPATHS/NODOTDOT flags rule out naming the target directory in them; so,
// like bsdtar -C, pdai enters the directory for the unpacking and returns afterwards.
class ScopedChdir {
public:
    explicit ScopedChdir(const std::string& dir)
        : saved_(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) {
        if (!saved_) throw Error(Errc::failure, std::string("cannot open the working directory: ") + std::strerror(errno));
        if (::chdir(dir.c_str()) != 0)
            throw Error(Errc::failure, "cannot enter " + dir + ": " + std::strerror(errno));
    }
    ~ScopedChdir() {
        if (::fchdir(saved_.get()) != 0) {
            // Nothing sensible is left to do; later relative paths would be wrong, so say it.
            log::error(std::string("cannot return to the working directory: ") + std::strerror(errno));
        }
    }
    ScopedChdir(const ScopedChdir&) = delete;
    ScopedChdir& operator=(const ScopedChdir&) = delete;

private:
    UniqueFd saved_;
};

class DiskWriter {
public:
    explicit DiskWriter(std::string name) : name_(std::move(name)), a_(archive_write_disk_new()) {
        if (!a_) throw Error(Errc::failure, "out of memory creating the unpacker");
        // PERM applies exactly the modes pdai chose (no umask); no OWNER, TIME, ACL, XATTR or
        // FFLAGS: nothing from the archive beyond names, types, content and the execute bit.
        int flags = ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_NO_OVERWRITE |
                    ARCHIVE_EXTRACT_PERM;
        if (archive_write_disk_set_options(a_.get(), flags) != ARCHIVE_OK) fail("", "setting options");
    }
    archive* get() const { return a_.get(); }
    [[noreturn]] void fail(const std::string& path, const std::string& doing) const {
        const char* why = archive_error_string(a_.get());
        // Appended piece by piece: "'" + std::string&& trips GCC 12's -Wrestrict at -O3 (bug 105329).
        std::string what = name_ + ": unpacking ";
        if (!path.empty()) what += '\'' + printable_path(path) + "': ";
        what += doing;
        // A system call's failure (a full disk: ENOSPC, EDQUOT) is the machine's, not the
        // bundle's; libarchive's own refusals (its SECURE_* checks) carry no errno.
        if (int err = archive_errno(a_.get()); err > 0) throw_errno(what, err);
        throw Error(Errc::usage, what + ": " + (why ? why : "refused"));
    }

private:
    std::string name_;
    std::unique_ptr<archive, ArchiveWriteFree> a_;
};

RawEntry describe(archive_entry* e, std::string& path_storage) {
    RawEntry r;
    const char* p = archive_entry_pathname_utf8(e);
    if (!p) p = archive_entry_pathname(e);
    path_storage = p ? p : "";
    r.path = path_storage;
    r.perm = static_cast<std::uint32_t>(archive_entry_perm(e));
    if (archive_entry_size_is_set(e) && archive_entry_size(e) >= 0)
        r.size = static_cast<std::uint64_t>(archive_entry_size(e));
    using K = RawEntry::Kind;
    if (const char* hl = archive_entry_hardlink(e)) {
        r.kind = K::hardlink;
        r.link = hl;
        return r;
    }
    switch (archive_entry_filetype(e)) {
    case AE_IFREG: r.kind = K::file; break;
    case AE_IFDIR: r.kind = K::dir; break;
    case AE_IFLNK: {
        r.kind = K::symlink;
        const char* t = archive_entry_symlink_utf8(e);
        if (!t) t = archive_entry_symlink(e);
        r.link = t ? t : "";
        break;
    }
    case AE_IFCHR: r.kind = K::other, r.other_kind = "a character device"; break;
    case AE_IFBLK: r.kind = K::other, r.other_kind = "a block device"; break;
    case AE_IFIFO: r.kind = K::other, r.other_kind = "a FIFO"; break;
    case AE_IFSOCK: r.kind = K::other, r.other_kind = "a socket"; break;
    default: r.kind = K::other, r.other_kind = "of an unknown file type"; break;
    }
    return r;
}

// The entry pdai writes: only what it checked, with the modes the store uses.
ArchiveEntryPtr disk_entry(const RawEntry& r, const std::string& path) {
    ArchiveEntryPtr out(archive_entry_new());
    if (!out) throw Error(Errc::failure, "out of memory");
    archive_entry* o = out.get();
    archive_entry_set_pathname(o, path.c_str());
    using K = RawEntry::Kind;
    switch (r.kind) {
    case K::dir:
        archive_entry_set_filetype(o, AE_IFDIR);
        archive_entry_set_perm(o, 0755);
        break;
    case K::symlink:
        archive_entry_set_filetype(o, AE_IFLNK);
        archive_entry_set_perm(o, 0777);
        archive_entry_set_symlink(o, std::string(r.link).c_str());
        break;
    case K::hardlink:
        archive_entry_set_filetype(o, AE_IFREG);
        archive_entry_set_hardlink(o, normalize_bundle_path(r.link).path.c_str());
        archive_entry_set_size(o, 0);
        break;
    case K::file:
        // Read-only in the store: a job must not change the algorithm it runs.
        archive_entry_set_filetype(o, AE_IFREG);
        archive_entry_set_perm(o, (r.perm & 0111) ? 0555 : 0444);
        archive_entry_unset_size(o);  // the real size is what streams, whatever the header said
        break;
    case K::other: break;
    }
    return out;
}

// Bomb detection while streaming: a few kilobytes of gzip or zip that unpack to gigabytes
// are refused as soon as the ratio passes bundle_max_ratio, long before the disk fills.
void check_ratio(const TreeBuilder& b, const ArchiveReader& in) {
    const auto& l = b.limits();
    const std::uint64_t out = b.unpacked_bytes();
    if (l.max_ratio == 0 || out <= l.ratio_free_bytes) return;
    const std::uint64_t read = std::max<std::uint64_t>(in.bytes_consumed(), 1);
    if (out / read < l.max_ratio) return;
    throw Error(Errc::usage,
                b.origin() + ": unpacks to more than " + std::to_string(l.max_ratio) +
                    " times its size (" + format_bytes(out) + " from the first " + format_bytes(read) +
                    "; bundle_max_ratio): refused as a decompression bomb",
                "raise bundle_max_ratio in pdai.conf (0 turns the check off) if this bundle is trusted");
}

}  // namespace

CheckedBundle read_bundle(const std::string& path, const Limits& limits,
                          const std::optional<std::string>& unpack_into) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        throw Error(Errc::usage, path + " is a directory, not a bundle archive",
                    "pack it first: pdai bundle pack " + path + " -o FILE.tar.gz");
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw Error(errno == ENOENT ? Errc::not_found : Errc::failure,
                    "cannot open " + path + ": " + std::strerror(errno));
    return read_bundle(std::move(fd), path, limits, unpack_into);
}

CheckedBundle read_bundle(UniqueFd fd, const std::string& name, const Limits& limits,
                          const std::optional<std::string>& unpack_into) {
    ArchiveReader in(std::move(fd), name);
    TreeBuilder builder(limits, name);
    // Declared in this order so that, on an error, the disk writer (whose cleanup may still
    // touch the half-written entries) is freed while the working directory is still the target.
    std::optional<ScopedChdir> cwd;
    std::optional<DiskWriter> disk;
    if (unpack_into) {
        cwd.emplace(*unpack_into);
        disk.emplace(name);
    }
    auto buf = std::make_unique_for_overwrite<char[]>(kIoChunk);
    std::string raw_path;
    int headers = 0;
    while (archive_entry* e = in.next()) {
        ++headers;
        RawEntry raw = describe(e, raw_path);
        std::string path = builder.begin(raw);
        if (path.empty()) {  // the root directory ("./")
            in.entry_done();
            continue;
        }
        if (disk) {
            auto out = disk_entry(raw, path);
            if (archive_write_header(disk->get(), out.get()) < ARCHIVE_WARN) disk->fail(path, "creating it");
        }
        if (raw.kind == RawEntry::Kind::file) {
            while (std::size_t n = in.read_data(buf.get(), kIoChunk)) {
                builder.add_data(buf.get(), n);
                check_ratio(builder, in);
                if (disk && archive_write_data(disk->get(), buf.get(), n) != static_cast<la_ssize_t>(n))
                    disk->fail(path, "writing it");
            }
            builder.end_file();
        }
        if (disk && archive_write_finish_entry(disk->get()) < ARCHIVE_WARN) disk->fail(path, "finishing it");
        in.entry_done();
    }
    if (headers == 0)
        throw Error(Errc::usage, name + ": the archive holds no entries",
                    "a bundle holds at least pdai.toml and its entrypoint");
    in.check_complete();
    if (disk && archive_write_close(disk->get()) != ARCHIVE_OK) disk->fail("", "finishing");
    disk.reset();
    cwd.reset();

    CheckedBundle out;
    out.archive_sha256 = in.finish_digest();
    out.archive_bytes = in.bytes_read();
    auto r = builder.finish(name + ":" + std::string(kManifestFile));
    out.tree = std::move(r.tree);
    out.manifest = std::move(r.manifest);
    return out;
}

}  // namespace pdai::bundle
