// Which catalog GPU type a CUDA device is ("NVIDIA A100-SXM4-80GB" -> a100), for
// `pdai gpu probe --register` and `pdai gpu bench --save`:
//   1. a type whose match pattern (`pdai gpu type set NAME --match 'NVIDIA H100*'`, a glob
//      with * and ?, case-insensitive) matches the whole name; when several do, the pattern
//      with the most literal characters (the most specific) wins, and a tie is ambiguous;
//   2. else a type whose name is one of the name's words, split at anything that is not a
//      letter or digit: "a100" in "NVIDIA A100-SXM4-80GB", "t4" in "Tesla T4";
//   3. else no type: the caller says how to add one.
// Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pdai::inventory {

struct TypePattern {
    std::string gpu_type;
    std::optional<std::string> match;  // glob; nullopt: only rule 2 applies
};

// Case-insensitive (ASCII) glob over the whole text: '*' any run, '?' one character.
bool glob_match(std::string_view pattern, std::string_view text);

struct TypeMatch {
    std::optional<std::string> gpu_type;
    std::string how;  // "pattern 'NVIDIA H100*'", "name word 'a100'", or why none/ambiguous
    bool ambiguous = false;
};

TypeMatch match_gpu_type(const std::string& device_name, const std::vector<TypePattern>& types);

struct DeviceTally {
    std::map<std::string, std::int64_t> gpus;  // type -> cards
    std::vector<std::string> unmatched;        // device names no type claims (or ambiguous)
    std::vector<std::string> notes;            // one line per distinct device name: how it matched
};

// Counts devices per type, e.g. for one node's `pdai gpu probe --register`.
DeviceTally tally_devices(const std::vector<std::string>& device_names,
                          const std::vector<TypePattern>& types);

}  // namespace pdai::inventory
