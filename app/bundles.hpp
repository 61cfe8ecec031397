// pdai bundle init | pack | lint | keygen | sign: what a vendor needs to make a bundle.
// None of these touch the catalog; the archive limits come from the settings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "bundle/example.hpp"
#include "bundle/ingest.hpp"

namespace pdai::app {

struct InitBundle {
    std::string dir;
    bundle::ExampleOptions example;
};
struct BundleInitialized {
    std::string dir;
    std::vector<std::string> written;
};
BundleInitialized init_bundle(const InitBundle& r);

struct SignatureCheck {
    std::string path, key_id;
    bool verified = false;  // checked against a public key
};

// A bundle checked (and, for pack, written as an archive).
struct BundleChecked {
    bundle::CheckedBundle bundle;
    std::string path;  // the archive written (pack) or the bundle read (lint)
    bool directory = false;
    std::vector<std::string> warnings;  // worth saying about a valid manifest (an expired licence)
    std::optional<SignatureCheck> signature;
};

struct PackBundle {
    std::string dir, out;
    bool force = false;
};
struct BundlePacked {
    BundleChecked checked;
};
BundlePacked pack_bundle(const Context& ctx, const PackBundle& r);

struct LintBundle {
    std::string path;
    std::optional<std::string> signature, public_key;
};
// As 'pdai algo register' would check it, without the catalog.
BundleChecked lint_bundle(const Context& ctx, const LintBundle& r);

struct KeyGen {
    std::string key_id, prefix;
    bool force = false;
};
struct KeyGenerated {
    std::string key_id, secret_key_file, public_key_file, public_key;
};
KeyGenerated generate_key(const KeyGen& r);

struct SignBundle {
    std::string bundle, key;
    std::optional<std::string> out;
    bool force = false;
};
struct BundleSigned {
    std::string bundle, signature, key_id, tree_sha256, name, version;
};
BundleSigned sign_bundle(const Context& ctx, const SignBundle& r);

std::vector<std::string> manifest_warnings(const bundle::Manifest& m);

}  // namespace pdai::app
