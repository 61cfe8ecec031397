#include "app/bundles.hpp"

#include <filesystem>

#include "bundle/pack.hpp"
#include "bundle/signature.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/time.hpp"

namespace pdai::app {

namespace fs = std::filesystem;

std::vector<std::string> manifest_warnings(const bundle::Manifest& m) {
    std::vector<std::string> w;
    if (m.licence_expires && *m.licence_expires < format_time(now_unix()).substr(0, 10))
        w.push_back("the licence expired on " + *m.licence_expires + "; jobs would be refused");
    return w;
}

BundleInitialized init_bundle(const InitBundle& r) {
    return {r.dir, bundle::write_example_bundle(r.dir, r.example)};
}

BundlePacked pack_bundle(const Context& ctx, const PackBundle& r) {
    BundlePacked out;
    out.checked.bundle = bundle::pack_directory(r.dir, r.out, r.force, ctx.settings.bundle_limits);
    out.checked.path = r.out;
    out.checked.warnings = manifest_warnings(out.checked.bundle.manifest);
    return out;
}

BundleChecked lint_bundle(const Context& ctx, const LintBundle& r) {
    BundleChecked out;
    std::error_code ec;
    out.directory = fs::is_directory(r.path, ec);
    out.path = r.path;
    out.bundle = out.directory ? bundle::check_directory(r.path, ctx.settings.bundle_limits)
                               : bundle::read_bundle(r.path, ctx.settings.bundle_limits, std::nullopt);
    out.warnings = manifest_warnings(out.bundle.manifest);
    const auto& tree = out.bundle.tree;
    const std::string sig_path = r.signature.value_or(bundle::signature_path_for(r.path));
    if (!out.directory && (r.signature || fs::exists(sig_path, ec))) {
        auto sig = bundle::parse_signature(read_small_file(sig_path, bundle::kMaxKeyFileBytes), sig_path);
        if (sig.tree_sha256 != tree.sha256)
            throw Error(Errc::usage, sig_path + " signs another tree (" + sig.tree_sha256 + ")",
                        "sign this bundle again: pdai bundle sign " + r.path + " --key SECRETKEY");
        if (r.public_key) {
            auto key = bundle::parse_public_key(read_small_file(*r.public_key, bundle::kMaxKeyFileBytes), *r.public_key);
            if (!bundle::verify_signature(sig, key, tree.sha256))
                throw Error(Errc::usage, sig_path + " is not a valid signature by key '" + key.key_id + "'");
        }
        out.signature = SignatureCheck{sig_path, sig.key_id, r.public_key.has_value()};
    } else if (r.public_key) {
        throw Error(Errc::usage, "--public-key given but there is no signature " + sig_path);
    }
    return out;
}

KeyGenerated generate_key(const KeyGen& r) {
    auto key = bundle::generate_key(r.key_id);
    KeyGenerated out{key.key_id, r.prefix + ".key", r.prefix + ".pub", key.public_key().base64()};
    std::error_code ec;
    for (const auto& f : {out.secret_key_file, out.public_key_file})
        if (!r.force && fs::exists(fs::symlink_status(f, ec)))
            throw Error(Errc::conflict, f + " already exists", "remove it first, or pass --force");
    write_file_atomic(out.secret_key_file, bundle::format_secret_key(key), 0600, r.force);
    write_file_atomic(out.public_key_file, bundle::format_public_key(key.public_key()), 0644, r.force);
    return out;
}

BundleSigned sign_bundle(const Context& ctx, const SignBundle& r) {
    auto key = bundle::parse_secret_key(read_small_file(r.key, bundle::kMaxKeyFileBytes), r.key);
    auto b = bundle::read_bundle(r.bundle, ctx.settings.bundle_limits, std::nullopt);
    auto sig = bundle::sign_tree(key, b.tree.sha256);
    BundleSigned out{r.bundle, r.out.value_or(bundle::signature_path_for(r.bundle)), key.key_id, b.tree.sha256,
                     b.manifest.name, b.manifest.version};
    write_file_atomic(out.signature, bundle::format_signature(sig), 0644, r.force);
    return out;
}

}  // namespace pdai::app
