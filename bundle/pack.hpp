// Bundles from directories: `pdai bundle lint DIR` checks one, `pdai bundle pack` and
// `pdai algo export` write one as a deterministic tar: entries in byte order (pdai.toml
// first), fixed owner (0:0, no names), fixed mtime, normalised modes, no compressor
// timestamp. The same tree therefore always packs to the same bytes.
#pragma once

#include <optional>
#include <string>

#include "bundle/ingest.hpp"

namespace pdai::bundle {

// The mtime every packed entry gets: 1980-01-01T00:00:00Z, which every tool can represent.
inline constexpr long kPackMtime = 315532800;

// Checks `dir` as a bundle with the rules of an archive (symlinks are not followed).
CheckedBundle check_directory(const std::string& dir, const Limits& limits);

// Checks `dir` (manifest first) and writes it to `out`, atomically: a temporary file beside
// `out` is renamed into place only when complete. The compression follows out's suffix
// (compression_for). Refuses an existing `out` unless overwrite (Errc::conflict).
// archive_sha256/archive_bytes of the result describe the written file. With expect_tree,
// a tree whose digest differs is refused (Errc::failure) before `out` appears.
CheckedBundle pack_directory(const std::string& dir, const std::string& out, bool overwrite,
                             const Limits& limits,
                             const std::optional<std::string>& expect_tree = std::nullopt);

}  // namespace pdai::bundle
