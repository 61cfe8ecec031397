// Bounds on a TOML document, checked before toml++ sees it. toml++ 3.3 recurses once per
// segment of a dotted key: a 100 KB line of 50,000 segments ("a.a.a...") overflows the stack
// (exit 139, no message). This scanner reads the text once, without recursion, and refuses
// what no pdai file needs: more than kMaxTomlKeySegments segments in one key or table header,
// arrays and inline tables nested deeper than kMaxTomlNesting, or more than max_bytes.
// Manifests, pdai.conf and key files all pass through it (parse_toml_bounded).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pdai::bundle {

inline constexpr std::size_t kMaxTomlKeySegments = 32;
inline constexpr std::size_t kMaxTomlNesting = 32;
inline constexpr std::size_t kMaxTomlBytes = 1 << 20;

// Throws Error(usage) "<source>:<line>: ..." naming the bound that `text` breaks.
void check_toml_bounds(std::string_view text, const std::string& source,
                       std::size_t max_bytes = kMaxTomlBytes);

}  // namespace pdai::bundle
