#include "app/algorithms.hpp"

#include <filesystem>

#include "bundle/store.hpp"
#include "common/log.hpp"

namespace pdai::app {

Registered register_algorithm(const Context& ctx, const RegisterAlgorithm& r) {
    auto c = ctx.open_catalog(true);
    catalog::RegisterOptions ro;
    ro.bundle_path = r.bundle;
    ro.signature_path = r.signature;
    ro.owner_bureau = r.owner;
    ro.store_root = ctx.store_root();
    ro.limits = ctx.settings.bundle_limits;
    ro.require_signed = ctx.settings.require_signed_bundles;
    Registered out{catalog::register_bundle(c, ro)};
    for (const auto& w : out.result.warnings) log::warn(w);
    return out;
}

std::vector<catalog::Algorithm> list_algorithms(const Context& ctx, const catalog::AlgorithmFilter& f) {
    auto c = ctx.open_catalog(false);
    return catalog::list_algorithms(c, f);
}

std::vector<catalog::Algorithm> search_algorithms(const Context& ctx, const std::string& text,
                                                  const std::optional<std::string>& bureau) {
    auto c = ctx.open_catalog(false);
    return catalog::search_algorithms(c, text, bureau);
}

AlgorithmDetail show_algorithm(const Context& ctx, const std::string& name) {
    auto c = ctx.open_catalog(false);
    return {catalog::get_algorithm(c, name), catalog::list_versions(c, name)};
}

VersionDetail show_version(const Context& ctx, const catalog::VersionRef& ref, bool files) {
    auto c = ctx.open_catalog(false);
    VersionDetail d;
    d.version = catalog::get_version(c, ref.name, *ref.version);
    if (files) d.files = catalog::list_version_files(c, d.version.id);
    return d;
}

Removed remove_version(const Context& ctx, const std::string& spec) {
    Removed out{catalog::parse_exact_version_ref(spec), false, {}, {}};
    auto c = ctx.open_catalog(true);
    const auto [version, whole] = c.write([&] { return catalog::remove_version(c, out.ref); });
    out.algorithm_removed = whole;
    out.store_path = version.store_path;
    // After the commit: a bundle tree without its record is a leftover that 'pdai catalog
    // check' names, while a record without its tree would be a broken catalog.
    bundle::remove_tree(version.store_path);
    if (std::error_code ec; std::filesystem::exists(version.store_path, ec))
        out.store_problem = "could not delete " + version.store_path;
    return out;
}

StatusChange set_version_status(const Context& ctx, const std::string& spec, const std::string& status,
                                const std::string& reason) {
    StatusChange out{catalog::parse_exact_version_ref(spec), status, false};
    auto c = ctx.open_catalog(true);
    out.changed = c.write([&] { return catalog::set_version_status(c, out.ref, status, reason); });
    return out;
}

Verified verify_version(const Context& ctx, const std::string& spec) {
    Verified out{catalog::parse_exact_version_ref(spec), {}, std::nullopt};
    auto c = ctx.open_catalog(false);
    out.report = catalog::verify_version(c, out.ref);
    const auto& r = out.report;
    if (!r.ok())
        out.failure = Error(Errc::failure,
                            out.ref.str() + ": " + std::to_string(r.changed.size()) + " changed, " +
                                std::to_string(r.missing.size()) + " missing, " + std::to_string(r.extra.size()) +
                                " extra in " + r.version.store_path,
                            "the stored tree was altered; re-register the vendor's bundle after removing " +
                                r.version.store_path + ", or revoke the version");
    return out;
}

Exported export_version(const Context& ctx, const std::string& spec, const std::string& out, bool force) {
    Exported e{catalog::parse_exact_version_ref(spec), {}};
    auto c = ctx.open_catalog(false);
    e.result = catalog::export_version(c, e.ref, out, force, ctx.settings.bundle_limits);
    return e;
}

Sharing share_algorithm(const Context& ctx, const std::string& algorithm, const std::string& bureau) {
    auto c = ctx.open_catalog(true);
    const bool added = c.write([&] { return catalog::share_algorithm(c, algorithm, bureau); });
    return {algorithm, bureau, true, added};
}

Sharing unshare_algorithm(const Context& ctx, const std::string& algorithm, const std::string& bureau) {
    auto c = ctx.open_catalog(true);
    c.write([&] { catalog::unshare_algorithm(c, algorithm, bureau); });
    return {algorithm, bureau, false, true};
}

}  // namespace pdai::app
