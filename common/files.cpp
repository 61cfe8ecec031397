#include "common/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>

#include "common/error.hpp"

namespace pdai {

UniqueFd open_for_reading(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        int err = errno;
        if (err == ELOOP) throw Error(Errc::usage, path + " is a symbolic link");
        throw_errno("cannot open " + path, err);
    }
    return fd;
}

void read_all(const UniqueFd& fd, const std::string& what,
              const std::function<void(const char*, std::size_t)>& sink) {
    auto buf = std::make_unique_for_overwrite<char[]>(kIoChunk);
    for (;;) {
        ssize_t n = ::read(fd.get(), buf.get(), kIoChunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("cannot read " + what, errno);
        if (n == 0) return;
        sink(buf.get(), static_cast<std::size_t>(n));
    }
}

std::string read_small_file(const std::string& path, std::size_t max_bytes) {
    UniqueFd fd = open_for_reading(path);
    std::string out;
    read_all(fd, path, [&](const char* p, std::size_t n) {
        if (out.size() + n > max_bytes)
            throw Error(Errc::usage, path + " is larger than " + std::to_string(max_bytes) +
                                         " bytes; is it the right file?");
        out.append(p, n);
    });
    return out;
}

namespace {

[[noreturn]] void exists_error(const std::string& dest) {
    throw Error(Errc::conflict, dest + " already exists", "remove it first, or pass --force");
}

}  // namespace

AtomicFile::AtomicFile(std::string dest, unsigned mode, bool overwrite)
    : dest_(std::move(dest)), tmp_(dest_ + ".partial-XXXXXX"), mode_(mode), overwrite_(overwrite) {
    std::error_code ec;
    if (!overwrite_ && std::filesystem::exists(std::filesystem::symlink_status(dest_, ec)))
        exists_error(dest_);
    fd_.reset(::mkstemp(tmp_.data()));
    if (!fd_) throw_errno("cannot create a file beside " + dest_, errno);
}

AtomicFile::~AtomicFile() {
    if (!done_) ::unlink(tmp_.c_str());
}

void AtomicFile::commit() {
    if (::fchmod(fd_.get(), static_cast<mode_t>(mode_)) != 0) throw_errno("cannot chmod " + tmp_, errno);
    if (::fsync(fd_.get()) != 0) throw_errno("cannot write " + tmp_, errno);
    fd_.close_checked(tmp_);
    const int rc = overwrite_ ? ::rename(tmp_.c_str(), dest_.c_str()) : ::link(tmp_.c_str(), dest_.c_str());
    const int err = errno;
    if (rc != 0) {
        if (err == EEXIST) exists_error(dest_);
        throw_errno("cannot create " + dest_, err);
    }
    if (!overwrite_) ::unlink(tmp_.c_str());  // the link made dest; drop the temporary name
    done_ = true;
}

void write_file_atomic(const std::string& path, std::string_view data, unsigned mode,
                       bool overwrite) {
    AtomicFile f(path, mode, overwrite);
    f.write(data);
    f.commit();
}

void sync_dir(const std::string& dir) noexcept {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd) ::fsync(fd.get());
}

}  // namespace pdai
