// The rules every path inside a bundle obeys, whether it comes from an archive entry, a
// symlink or hardlink target, the manifest's entrypoint, or a directory being packed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pdai::bundle {

inline constexpr std::size_t kMaxPathBytes = 4096;
inline constexpr std::size_t kMaxComponentBytes = 255;

struct NormalizedPath {
    std::string path;   // "bin/run": no leading "./", no empty or "." parts, no trailing '/'
    std::string error;  // why the path is refused; empty when accepted
    bool ok() const { return error.empty(); }
};

// Accepts relative paths of valid UTF-8 without control characters or backslashes; refuses
// absolute paths and any ".." part. "", "." and "./" normalise to "" (the bundle root).
NormalizedPath normalize_bundle_path(std::string_view raw);

// Splits a normalised path at '/'; "" gives no parts.
std::vector<std::string_view> path_parts(std::string_view path);

// "a/b/c" -> "a/b"; "c" -> "".
std::string_view parent_path(std::string_view path);

// Shows an untrusted path in a message: control characters and invalid UTF-8 escaped.
std::string printable_path(std::string_view raw);

}  // namespace pdai::bundle
