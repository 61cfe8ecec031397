// Semantic versions (semver.org 2.0.0): what a bundle's `version` must be, and the order
// `pdai algo show` lists versions in and "NAME" without "@VERSION" resolves by.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pdai::bundle {

struct SemVer {
    std::uint64_t major = 0, minor = 0, patch = 0;
    std::string prerelease;  // "rc.1"; empty for a release
    std::string build;       // "20250101"; ignored by precedence
};

// nullopt (and *why, when given, says what is wrong) unless text is a valid semver.
std::optional<SemVer> parse_semver(std::string_view text, std::string* why = nullptr);

// Precedence: <0, 0, >0. 1.0.0-rc.1 < 1.0.0; build metadata does not count.
int compare_precedence(const SemVer& a, const SemVer& b);

// Orders version strings by precedence, then byte-wise (a total order for sorting, also for
// strings that are not semver, which sort first).
bool version_less(std::string_view a, std::string_view b);

}  // namespace pdai::bundle
