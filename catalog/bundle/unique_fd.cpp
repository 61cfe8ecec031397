#include "catalog/bundle/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "common/error.hpp"

namespace pdai::bundle {

namespace {

[[noreturn]] void fail_errno(const std::string& doing, int err) {
    throw Error(err == ENOENT ? Errc::not_found : Errc::failure,
                doing + ": " + std::strerror(err));
}

}  // namespace

UniqueFd open_for_reading(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        int err = errno;
        if (err == ELOOP) throw Error(Errc::usage, path + " is a symbolic link");
        fail_errno("cannot open " + path, err);
    }
    return fd;
}

void read_all(const UniqueFd& fd, const std::string& what,
              const std::function<void(const char*, std::size_t)>& sink) {
    auto buf = std::make_unique_for_overwrite<char[]>(kIoChunk);
    for (;;) {
        ssize_t n = ::read(fd.get(), buf.get(), kIoChunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail_errno("cannot read " + what, errno);
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

void publish_file(const std::string& tmp, const std::string& dest, bool overwrite) {
    int rc = overwrite ? ::rename(tmp.c_str(), dest.c_str()) : ::link(tmp.c_str(), dest.c_str());
    int err = errno;
    if (!overwrite || rc != 0) ::unlink(tmp.c_str());
    if (rc == 0) return;
    if (err == EEXIST)
        throw Error(Errc::conflict, dest + " already exists", "remove it first, or pass --force");
    fail_errno("cannot create " + dest, err);
}

void write_file_atomic(const std::string& path, std::string_view data, unsigned mode,
                       bool overwrite) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!overwrite && fs::exists(fs::symlink_status(path, ec)))
        throw Error(Errc::conflict, path + " already exists", "remove it first, or pass --force");
    std::string tmp = path + ".partial-XXXXXX";
    UniqueFd fd(::mkstemp(tmp.data()));
    if (!fd) fail_errno("cannot create a file beside " + path, errno);
    try {
        if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) fail_errno("cannot chmod " + tmp, errno);
        write_all(fd, data, tmp);
        if (::fsync(fd.get()) != 0) fail_errno("cannot sync " + tmp, errno);
        fd.close_checked(tmp);
        publish_file(tmp, path, overwrite);
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
}

}  // namespace pdai::bundle
