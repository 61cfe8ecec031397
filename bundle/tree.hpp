// The checked content of a bundle: every entry an archive or a directory holds passes
// through a TreeBuilder, which refuses what may not be in a bundle (paths leaving it,
// device files, setuid bits, duplicates, links pointing outside, sizes over the limits),
// hashes each file as it streams by, and digests the whole tree (pdai-bundle(5)).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bundle/manifest.hpp"
#include "bundle/sha256.hpp"

namespace pdai::bundle {

// Bounds on what one bundle may unpack to (pdai.conf: bundle_max_*). They count bytes
// actually decompressed, as they stream, so a zip bomb stops at the limit whatever its
// headers claim, before the bytes past it are written.
struct Limits {
    std::uint64_t max_entry_bytes = std::uint64_t{64} << 30;  // one file
    std::uint64_t max_total_bytes = std::uint64_t{64} << 30;  // all files together
    std::uint64_t max_entries = 100'000;                      // archive entries
    // Bomb detection: unpacked bytes may be at most this many times the archive bytes decoded
    // so far (0: no limit), checked once more than ratio_free_bytes have been unpacked (small
    // text-only bundles compress far better than real ones, and cannot hurt).
    std::uint64_t max_ratio = 100;
    std::uint64_t ratio_free_bytes = std::uint64_t{16} << 20;
    // The longest path inside the bundle: kMaxPathBytes, or less when the caller knows where
    // the tree will live (the store's root, shard and digest come before every path, and the
    // whole must stay under PATH_MAX for 'algo verify', 'export' and jobs to open it).
    std::uint64_t max_path_bytes = 4096;
};

// The longest bundle path whose full name in a store at `store_root` stays under PATH_MAX
// ("<root>/<sha[0:2]>/<sha>/<path>" and its terminating NUL).
std::uint64_t max_path_in_store(const std::string& store_root);

enum class EntryType { file, dir, symlink };

struct TreeEntry {
    std::string path;  // normalised, relative to the bundle root
    EntryType type = EntryType::file;
    bool executable = false;  // files: any execute bit was set
    std::uint64_t size = 0;   // files: bytes; symlinks: length of the target
    std::string sha256;       // files: content digest; symlinks: digest of the target text
    std::string link_target;  // symlinks only

    // The st_mode the store gives it and the catalog records: 0100755 or 0100644 for files,
    // 040755 for directories, 0120777 for symlinks.
    std::uint32_t mode() const;
    friend bool operator==(const TreeEntry&, const TreeEntry&) = default;
};

struct Tree {
    std::vector<TreeEntry> entries;  // sorted by path (bytes); directories included
    std::string sha256;              // the tree digest
    std::uint64_t bytes = 0;         // sum of file sizes
    std::uint64_t files = 0;         // regular files

    const TreeEntry* find(std::string_view path) const;
};

// Follows `path` through the tree's symlinks like the kernel would. Returns the entry it
// ends at, or nullptr with *why saying what went wrong (outside the bundle, dangling, loop).
const TreeEntry* resolve_in_tree(const Tree& t, std::string_view path, std::string* why);

// The canonical listing whose SHA-256 is the tree digest.
std::string tree_listing(const std::vector<TreeEntry>& sorted_entries);

// What an archive header or a directory walk says one entry is, before any checks.
struct RawEntry {
    enum class Kind { file, dir, symlink, hardlink, other };
    std::string_view path;
    Kind kind = Kind::file;
    std::string_view other_kind;  // for Kind::other: "a character device", "a FIFO", ...
    std::uint32_t perm = 0644;    // permission bits, setuid/setgid/sticky included
    std::optional<std::uint64_t> size;  // declared size of a file, when known
    std::string_view link;              // symlink target, or the path a hardlink names
};

class TreeBuilder {
public:
    // `origin` names the bundle in messages (a file name or a directory).
    TreeBuilder(Limits limits, std::string origin);

    // Checks one entry and records it. Returns the normalised path, "" for the bundle root
    // (which the caller skips). For Kind::file, the caller then passes the content through
    // add_data() and calls end_file(). Throws Error(usage) naming the entry.
    std::string begin(const RawEntry& e);
    void add_data(const void* data, std::size_t n);
    void end_file();

    // After the last entry: checks every symlink resolves inside the bundle, parses the
    // manifest and checks the entrypoint. Throws Error naming what is wrong.
    struct Result {
        Tree tree;
        Manifest manifest;
    };
    Result finish(const std::string& manifest_source);

    const std::string& origin() const { return origin_; }
    const Limits& limits() const { return limits_; }
    std::uint64_t unpacked_bytes() const { return total_bytes_; }  // file content so far

private:
    [[noreturn]] void refuse(std::string_view raw_path, const std::string& why,
                             std::string help = {}) const;
    TreeEntry& add(std::string path, EntryType type, std::string_view raw_path);

    Limits limits_;
    std::string origin_;
    std::vector<TreeEntry> entries_;
    std::unordered_map<std::string, std::size_t> index_;  // path -> entries_
    std::vector<bool> explicit_;                          // entry came from a header
    std::uint64_t entries_seen_ = 0, total_bytes_ = 0;

    // The file being streamed.
    std::optional<std::size_t> current_;
    std::string current_raw_;
    std::optional<Sha256> hash_;
    std::uint64_t current_bytes_ = 0;
    bool capture_manifest_ = false;
    std::optional<std::string> manifest_text_;
};

}  // namespace pdai::bundle
