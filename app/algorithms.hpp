// pdai algo register | list | search | show | deprecate | revoke | verify | export | share |
// unshare.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "catalog/algorithm_bundles.hpp"
#include "catalog/algorithms.hpp"
#include "common/error.hpp"

namespace pdai::app {

struct RegisterAlgorithm {
    std::string bundle;
    std::optional<std::string> owner, signature;
};
struct Registered {
    catalog::RegisterResult result;
};
// Limits, the store and whether a signature is required come from the settings, never from
// the request.
Registered register_algorithm(const Context& ctx, const RegisterAlgorithm& r);

std::vector<catalog::Algorithm> list_algorithms(const Context& ctx, const catalog::AlgorithmFilter& f);
std::vector<catalog::Algorithm> search_algorithms(const Context& ctx, const std::string& text,
                                                  const std::optional<std::string>& bureau);

struct AlgorithmDetail {
    catalog::Algorithm algorithm;
    std::vector<catalog::AlgorithmVersion> versions;
};
struct VersionDetail {
    catalog::AlgorithmVersion version;
    std::optional<std::vector<catalog::AlgorithmFile>> files;  // with --files
};
// "NAME": the algorithm and its versions; "NAME@VERSION": that version.
AlgorithmDetail show_algorithm(const Context& ctx, const std::string& name);
VersionDetail show_version(const Context& ctx, const catalog::VersionRef& ref, bool files);

struct StatusChange {
    catalog::VersionRef ref;
    std::string status;  // "deprecated" | "revoked"
    bool changed = false;
};
struct Removed {
    catalog::VersionRef ref;
    bool algorithm_removed = false;  // it was the algorithm's last version
    std::string store_path;          // the unpacked bundle, deleted
    std::string store_problem;       // why it could not be deleted ('pdai catalog check' lists it)
};
Removed remove_version(const Context& ctx, const std::string& spec);

StatusChange set_version_status(const Context& ctx, const std::string& spec, const std::string& status,
                                const std::string& reason);

struct Verified {
    catalog::VersionRef ref;
    catalog::VerifyReport report;
    std::optional<Error> failure;  // the command fails with it after printing the differences
};
Verified verify_version(const Context& ctx, const std::string& spec);

struct Exported {
    catalog::VersionRef ref;
    catalog::ExportResult result;
};
Exported export_version(const Context& ctx, const std::string& spec, const std::string& out, bool force);

struct Sharing {
    std::string algorithm, bureau;
    bool shared = false, changed = false;
};
Sharing share_algorithm(const Context& ctx, const std::string& algorithm, const std::string& bureau);
Sharing unshare_algorithm(const Context& ctx, const std::string& algorithm, const std::string& bureau);

}  // namespace pdai::app
