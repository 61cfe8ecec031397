// The file reading and writing the bundle code shares, over common/unique_fd.hpp.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "common/unique_fd.hpp"

namespace pdai::bundle {

using pdai::UniqueFd;  // common/unique_fd.hpp
using pdai::write_all;

// Opens a file for reading; a final symlink is refused (O_NOFOLLOW). Throws Error naming path.
UniqueFd open_for_reading(const std::string& path);

// Reads fd to its end in 1 MiB chunks, handing each chunk to `sink`.
void read_all(const UniqueFd& fd, const std::string& what,
              const std::function<void(const char*, std::size_t)>& sink);

// Reads a whole small file (a manifest, a key) refusing anything over max_bytes.
std::string read_small_file(const std::string& path, std::size_t max_bytes);

// Moves a complete temporary file to `dest`. Without overwrite an existing dest is refused
// (Errc::conflict) atomically: link() fails on an existing name, where a check before a
// rename would race. The temporary name is gone afterwards either way.
void publish_file(const std::string& tmp, const std::string& dest, bool overwrite);

// Writes `data` to path atomically (temporary file beside it, fsync, rename) with `mode`.
// Refuses to replace an existing file unless overwrite.
void write_file_atomic(const std::string& path, std::string_view data, unsigned mode,
                       bool overwrite);

inline constexpr std::size_t kIoChunk = 1 << 20;

}  // namespace pdai::bundle
