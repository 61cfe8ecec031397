#include "bundle/store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

#include "common/files.hpp"
#include "common/error.hpp"

namespace pdai::bundle {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kIncomingPrefix = ".incoming-";

}  // namespace

std::string default_store_root(const std::string& catalog_path) {
    fs::path parent = fs::absolute(catalog_path).parent_path();
    return (parent / "bundles").string();
}

void seal_tree(const std::string& path) noexcept {
    std::error_code ec;
    std::vector<std::string> dirs{path};
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_directory(ec) && !it->is_symlink(ec)) dirs.push_back(it->path().string());
    // Deepest first: a parent made read-only first would still allow this, but keep it tidy.
    for (auto d = dirs.rbegin(); d != dirs.rend(); ++d) ::chmod(d->c_str(), 0555);
}

bool incoming_in_use(const std::string& path) noexcept {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return false;  // gone, or not a directory: nothing fills it
    return ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0;  // released when fd closes
}

void remove_tree(const std::string& path) noexcept {
    std::error_code ec;
    // Directories need write permission for their entries to go.
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_directory(ec) && !it->is_symlink(ec))
            fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
}

Store::Store(std::string root) {
    std::error_code ec;
    root_ = fs::absolute(root, ec).lexically_normal().string();  // recorded in the catalog
    if (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    fs::create_directories(root_, ec);
    if (ec) throw Error(Errc::failure, "cannot create the bundle store " + root_ + ": " + ec.message(),
                        "set bundle_store in pdai.conf to a writable directory");
}

std::string Store::path_for(const std::string& sha) const {
    return root_ + "/" + sha.substr(0, 2) + "/" + sha;
}

void Store::remove_stale_incoming() const {
    std::error_code ec;
    auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(24);
    for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (name.rfind(kIncomingPrefix, 0) != 0) continue;
        auto t = fs::last_write_time(it->path(), ec);
        if (ec || t >= cutoff) continue;
        if (incoming_in_use(it->path().string())) continue;
        remove_tree(it->path().string());
    }
}

IncomingDir::IncomingDir(const std::string& store_root) : root_(store_root) {
    std::string tmpl = store_root + "/" + std::string(kIncomingPrefix) + "XXXXXX";
    if (!::mkdtemp(tmpl.data()))
        throw Error(Errc::failure, "cannot create a directory in the bundle store " + store_root + ": " +
                                       std::strerror(errno));
    ::chmod(tmpl.c_str(), 0755);  // mkdtemp gives 0700; jobs of every bureau read the store
    path_ = tmpl;
    lock_fd_ = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lock_fd_ >= 0) ::flock(lock_fd_, LOCK_EX | LOCK_NB);
}

IncomingDir::~IncomingDir() {
    if (!committed_) remove_tree(path_);
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string IncomingDir::commit(const std::string& sha) {
    std::string shard = root_ + "/" + sha.substr(0, 2);
    std::string dest = shard + "/" + sha;
    std::error_code ec;
    fs::create_directories(shard, ec);
    if (ec) throw Error(Errc::failure, "cannot create " + shard + ": " + ec.message());
    // Data first, then the names: the catalog row committed next must not outlive a power cut
    // that loses the files.
    UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd || ::syncfs(fd.get()) != 0)
        throw Error(Errc::failure, "cannot flush " + path_ + " to disk: " + std::strerror(errno));
    if (fs::exists(fs::symlink_status(dest, ec))) {
        // An orphan: move it aside first, so the new tree replaces it in one rename (a
        // directory moves to another parent only when it is writable: its ".." changes).
        IncomingDir trash(root_);
        std::string aside = trash.path() + "/orphan";
        ::chmod(dest.c_str(), 0755);
        if (::rename(dest.c_str(), aside.c_str()) != 0)
            throw Error(Errc::failure, "cannot move aside " + dest + ": " + std::strerror(errno));
    }
    if (::rename(path_.c_str(), dest.c_str()) != 0)
        throw Error(Errc::failure, "cannot move the unpacked bundle to " + dest + ": " + std::strerror(errno));
    committed_ = true;
    sync_dir(shard);
    return dest;
}

}  // namespace pdai::bundle
