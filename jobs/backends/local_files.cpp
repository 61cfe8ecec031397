#include "jobs/backends/local_files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "common/files.hpp"

namespace pdai::jobs::local {

UniqueFd lock_file(const std::string& path, bool nonblocking) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) throw Error(Errc::failure, "cannot open lock file " + path + ": " + std::strerror(errno));
    int op = LOCK_EX | (nonblocking ? LOCK_NB : 0);
    while (::flock(fd.get(), op) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK) return {};
        throw Error(Errc::failure, "cannot lock " + path + ": " + std::strerror(errno));
    }
    return fd;
}

bool is_locked(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) return false;  // closing releases it
    return errno == EWOULDBLOCK;
}

void write_json_atomic(const std::string& path, const nlohmann::json& j) {
    write_file_atomic(path, j.dump() + "\n", 0644, true);
}

std::optional<nlohmann::json> read_json(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
}

std::string state_root() {
    std::string root;
    if (const char* d = std::getenv("PDAI_LOCAL_STATE_DIR"); d && *d) {
        root = d;
    } else if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) {
        root = std::string(x) + "/pdai/local";
    } else if (const char* h = std::getenv("HOME"); h && *h) {
        root = std::string(h) + "/.local/state/pdai/local";
    } else {
        root = "/tmp/pdai-local-" + std::to_string(::getuid());
    }
    std::error_code ec;
    std::filesystem::create_directories(root + "/runs", ec);
    if (ec) throw Error(Errc::failure, "cannot create the local backend's state directory " + root + ": " + ec.message(),
                        "set PDAI_LOCAL_STATE_DIR to a writable directory");
    return root;
}

std::string run_dir(const std::string& root, std::int64_t id) { return root + "/runs/" + std::to_string(id); }

}  // namespace pdai::jobs::local
