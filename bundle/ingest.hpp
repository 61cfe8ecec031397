// Reading a bundle archive in one pass: the archive's bytes are digested as libarchive pulls
// them, every entry is checked (TreeBuilder) and its content hashed while it streams, and,
// for registration, unpacked into an empty directory by libarchive's disk writer with its
// ARCHIVE_EXTRACT_SECURE_* flags behind pdai's own checks. Memory stays flat: one 1 MiB
// buffer, whatever the archive's size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bundle/manifest.hpp"
#include "bundle/tree.hpp"
#include "common/files.hpp"

namespace pdai::bundle {

struct CheckedBundle {
    Tree tree;
    Manifest manifest;
    std::string archive_sha256;  // empty when checked from a directory
    std::uint64_t archive_bytes = 0;
};

// Checks the archive at `path` (and unpacks it into `unpack_into`, an existing empty
// directory, when given). Throws Error(usage) naming the archive and the entry refused;
// the caller removes a partly filled `unpack_into`.
CheckedBundle read_bundle(const std::string& path, const Limits& limits,
                          const std::optional<std::string>& unpack_into);

// The same from an open descriptor read to its end; `name` is used in messages.
CheckedBundle read_bundle(UniqueFd fd, const std::string& name, const Limits& limits,
                          const std::optional<std::string>& unpack_into);

}  // namespace pdai::bundle
