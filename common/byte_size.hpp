// Sizes people write in config files and manifests ("64G", "512MiB", "1048576") and the
// short binary form pdai prints ("1.5 GiB").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pdai {

// A whole number with an optional binary unit K, M, G, T or P (any case, optionally followed
// by "B" or "iB"; "K" = 1024). Without a unit the number counts `default_unit` bytes, so
// Slurm-style memory ("32G", "4096" meaning MiB) and plain byte counts share one parser.
// nullopt on anything else, and on overflow.
std::optional<std::uint64_t> parse_byte_size(std::string_view text, std::uint64_t default_unit);

// "0 B", "512 B", "1.5 KiB", "64 GiB": one decimal, trailing ".0" dropped.
std::string format_bytes(std::uint64_t bytes);

}  // namespace pdai
