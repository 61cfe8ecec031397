// Validation of the names people type: identifiers (vendor names, bureau codes, Slurm
// accounts, GPU types, hosts) and free-text display names (any UTF-8, e.g. 财政局).
#pragma once

#include <string>
#include <string_view>

namespace pdai {

// Identifiers: 1..64 bytes of [A-Za-z0-9._-], not starting with '-' or '.'; they become
// Slurm accounts, file names and command-line words, so nothing else is allowed.
// Throws Error(usage) naming `what` and the offending character.
void validate_identifier(std::string_view what, std::string_view value);

// Display names: 1..200 bytes of valid UTF-8 without control characters.
void validate_display_name(std::string_view what, std::string_view value);

bool is_valid_utf8(std::string_view s);

// Width of a UTF-8 string in terminal columns (East Asian wide characters count 2).
std::size_t display_width(std::string_view s);

}  // namespace pdai
