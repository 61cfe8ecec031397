// A batch's inputs from what the user typed: a directory (its regular files), a glob, an
// @LISTFILE (one path per line), or a single file; several of them add up. Inputs come back
// absolute and de-duplicated, in a stable order, so the same command line always makes the
// same shards and the same fingerprint. Built for 100,000 inputs in well under a second.
#pragma once

#include <string>
#include <vector>

namespace pdai::jobs {

struct InputQuery {
    std::vector<std::string> specs;     // DIR | GLOB | @LISTFILE | FILE, in order
    std::vector<std::string> patterns;  // file-name globs a directory's files must match; empty: any
    std::string cwd;                    // what relative specs are relative to
};

// Refusals name the spec: a path that does not exist (Errc::not_found, listing the first
// few missing entries of a list file), a directory or glob that yields nothing, an empty
// input set, a path with a newline (shard lists are line-based) (Errc::usage).
// A directory is not searched recursively and its hidden files are skipped; a list file's
// relative lines are relative to the list file's directory; blank lines are skipped.
std::vector<std::string> resolve_inputs(const InputQuery& q);

// SHA-256 of the inputs in order, one per line: what idempotency keys compare.
std::string inputs_digest(const std::vector<std::string>& inputs);

// Makes `path` absolute against `cwd` and lexically normal ("a/./b/../c" -> "/cwd/a/c").
std::string absolute_path(const std::string& path, const std::string& cwd);

}  // namespace pdai::jobs
