// Where catalog rows meet unpacked trees: registering a bundle (the row and the tree appear
// together or not at all), verifying a stored tree against its recorded digests, and
// exporting a version back to an archive.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/algorithms.hpp"
#include "bundle/tree.hpp"

namespace pdai::catalog {

class Catalog;

struct RegisterOptions {
    std::string bundle_path;
    // The detached signature; when not given, "<bundle>.sig" is used if it exists.
    std::optional<std::string> signature_path;
    std::optional<std::string> owner_bureau;  // a new algorithm's owner; nullopt: platform-wide
    std::string store_root;
    bundle::Limits limits;
    bool require_signed = false;
};

struct RegisterResult {
    AlgorithmVersion version;
    bool created = false;         // false: the same content was already registered (a no-op)
    bool restored_tree = false;   // the no-op found the stored tree missing and put it back
    std::vector<std::string> warnings;
};

// Checks and unpacks the bundle, verifies its signature, and records it in one transaction
// of its own. Refusals: Errc::usage (a hostile or malformed bundle, a bad or missing
// signature), not_found (vendor or owner bureau not registered), conflict (name@version
// registered with other content, or the algorithm belongs to another vendor or owner).
// On any refusal the catalog and the store are as before.
RegisterResult register_bundle(Catalog& c, const RegisterOptions& o);

struct VerifyReport {
    AlgorithmVersion version;
    std::vector<std::string> changed, missing, extra;  // paths inside the bundle
    bool ok() const { return changed.empty() && missing.empty() && extra.empty(); }
};

// Re-hashes the stored tree of name@version against the digests recorded at registration.
VerifyReport verify_version(Catalog& c, const VersionRef& ref);

// The tree of a version as registered, for the check a job makes before its entrypoint
// runs (jobs/batch_script.hpp): every entry with its digest, symlinks with their targets
// (read from the store and held to the recorded digest). Refuses, before any job exists:
// a store symlink that no longer matches (failure), a catalog file list that does not add up
// to the version's tree digest, a signature that does not verify (corrupt), and an unsigned
// version when `require_signed` (refused).
std::vector<bundle::TreeEntry> registered_tree(Catalog& c, const AlgorithmVersion& v, bool require_signed);

struct ExportResult {
    std::string path, archive_sha256;
    std::uint64_t bytes = 0;
    std::optional<std::string> signature_path;  // "<path>.sig", when the version was signed
};

// Packs the stored tree of name@version to `out` (deterministically, as 'pdai bundle pack'
// does), refusing a tree that no longer matches its registered digest.
ExportResult export_version(Catalog& c, const VersionRef& ref, const std::string& out,
                            bool overwrite, const bundle::Limits& limits);

}  // namespace pdai::catalog
