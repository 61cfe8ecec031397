// libFuzzer target: reading and unpacking a bundle archive, as 'pdai algo register' does,
// into a scratch store. Besides the sanitizers' checks it aborts when
//  - anything appears in the scratch directory outside the store,
//  - an unpacking leaves anything behind in the store (the caller's temporary directory
//    must be all there is, and it is removed),
//  - the working directory changed, or
//  - an accepted bundle's unpacked tree differs from the tree that was recorded for it.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "bundle/ingest.hpp"
#include "bundle/pack.hpp"
#include "bundle/store.hpp"
#include "common/error.hpp"

namespace fs = std::filesystem;

namespace {

struct Scratch {
    fs::path root, store;
    std::string cwd;
    Scratch() {
        // Memory-backed when possible: each input unpacks to disk, and disk is what is slow.
        std::error_code ec;
        fs::path base = fs::is_directory("/dev/shm", ec) && access("/dev/shm", W_OK) == 0 ? fs::path("/dev/shm")
                                                                                           : fs::temp_directory_path();
        std::string tmpl = (base / "pdai-fuzz-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) std::abort();
        root = tmpl;
        store = root / "store";
        fs::create_directories(store);
        cwd = fs::current_path().string();
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
};

bool only(const fs::path& dir, const std::string& name) {
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename() != name) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Scratch s;
    pdai::bundle::Limits limits;
    limits.max_entry_bytes = 4 << 20;
    limits.max_total_bytes = 16 << 20;
    limits.max_entries = 2000;

    int fd = memfd_create("bundle", MFD_CLOEXEC);
    if (fd < 0 || write(fd, data, size) != static_cast<ssize_t>(size) || lseek(fd, 0, SEEK_SET) != 0) std::abort();
    {
        pdai::bundle::IncomingDir in(s.store.string());
        try {
            auto b = pdai::bundle::read_bundle(pdai::UniqueFd(fd), "fuzz.tar", limits, in.path());
            // What was recorded is what is on disk.
            auto disk = pdai::bundle::check_directory(in.path(), limits);
            if (disk.tree.sha256 != b.tree.sha256) {
                std::fprintf(stderr, "recorded tree %s, unpacked tree %s\n", b.tree.sha256.c_str(),
                             disk.tree.sha256.c_str());
                std::abort();
            }
        } catch (const pdai::Error&) {
        }
    }
    if (fs::current_path().string() != s.cwd) std::abort();
    if (!only(s.root, "store") || !fs::is_empty(s.store)) {
        std::fprintf(stderr, "ingestion left files behind in %s\n", s.root.c_str());
        std::abort();
    }
    return 0;
}
