// pdai bundle init|pack|lint|keygen|sign: what a vendor needs to make a bundle; none of
// these touch the catalog.
#include <filesystem>

#include "bundle/example.hpp"
#include "bundle/ingest.hpp"
#include "bundle/pack.hpp"
#include "bundle/signature.hpp"
#include "common/files.hpp"
#include "cli/bundle_format.hpp"
#include "cli/context.hpp"
#include "common/byte_size.hpp"
#include "common/error.hpp"

namespace pdai::cli {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

void set_init(CLI::App& grp, Context& ctx) {
    struct Opts {
        std::string dir;
        bundle::ExampleOptions example;
    };
    auto o = std::make_shared<Opts>();
    auto* cmd = grp.add_subcommand("init", "Write a commented example pdai.toml and bin/run into DIR");
    cmd->add_option("DIR", o->dir, "Directory of the new bundle (created if missing)")->required();
    cmd->add_option("--name", o->example.name, "Algorithm name")->capture_default_str();
    cmd->add_option("--vendor", o->example.vendor, "Vendor name (as registered with 'pdai vendor add')")
        ->capture_default_str();
    cmd->add_option("--category", o->example.category, "ocr, vision, speech, nlp, llm or other")
        ->check(CLI::IsMember(bundle::categories()))
        ->capture_default_str();
    cmd->add_flag("--force", o->example.overwrite, "Replace an existing pdai.toml");
    on_run(cmd, ctx, [&ctx, o] {
        auto written = bundle::write_example_bundle(o->dir, o->example);
        std::string msg = "wrote";
        for (const auto& f : written) msg += " " + f;
        ctx.out.done(msg + "\nnext: edit pdai.toml, then 'pdai bundle pack " + o->dir + " -o FILE.tar.gz'",
                     {{"dir", o->dir}, {"written", written}});
    });
}

void set_pack(CLI::App& grp, Context& ctx) {
    struct Opts {
        std::string dir, out;
        bool force = false;
    };
    auto o = std::make_shared<Opts>();
    auto* cmd = grp.add_subcommand(
        "pack", "Check DIR as a bundle and write it as a deterministic archive (same DIR, same bytes)");
    cmd->add_option("DIR", o->dir, "Bundle directory (holding pdai.toml)")->required();
    cmd->add_option("-o,--output", o->out, "Archive to write: .tar.gz, .tgz, .tar.zst, .tar.xz, .tar.bz2 or .tar")
        ->required();
    cmd->add_flag("--force", o->force, "Replace an existing output file");
    on_run(cmd, ctx, [&ctx, o] {
        auto b = bundle::pack_directory(o->dir, o->out, o->force, ctx.config.bundle_limits);
        nlohmann::json j = bundle_summary_json(b);
        j["path"] = o->out;
        ctx.out.done("packed " + b.manifest.name + "@" + b.manifest.version + " into " + o->out + " (" +
                         std::to_string(b.tree.files) + " files, " + format_bytes(b.archive_bytes) +
                         ")\nsha256 " + b.archive_sha256,
                     j);
    });
}

void set_lint(CLI::App& grp, Context& ctx) {
    struct Opts {
        std::string path;
        std::optional<std::string> signature, public_key;
    };
    auto o = std::make_shared<Opts>();
    auto* cmd = grp.add_subcommand(
        "lint", "Check a bundle archive or directory as 'pdai algo register' would, without the catalog");
    cmd->add_option("PATH", o->path, "Bundle archive or directory")->required();
    cmd->add_option("--signature", o->signature, "Detached signature to check (default: PATH.sig if present)")
        ->type_name("FILE");
    cmd->add_option("--public-key", o->public_key, "Vendor public key to check the signature with")
        ->type_name("FILE");
    on_run(cmd, ctx, [&ctx, o] {
        std::error_code ec;
        bool is_dir = fs::is_directory(o->path, ec);
        auto b = is_dir ? bundle::check_directory(o->path, ctx.config.bundle_limits)
                        : bundle::read_bundle(o->path, ctx.config.bundle_limits, std::nullopt);
        nlohmann::json j = bundle_summary_json(b);
        j["path"] = o->path;
        auto fields = bundle_summary_fields(b);
        fields.insert(fields.begin(), {"bundle", o->path + (is_dir ? " (directory)" : "")});

        std::string sig_path = o->signature.value_or(bundle::signature_path_for(o->path));
        j["signature"] = nullptr;
        if (!is_dir && (o->signature || fs::exists(sig_path, ec))) {
            auto sig = bundle::parse_signature(pdai::read_small_file(sig_path, kMaxKeyFileBytes), sig_path);
            if (sig.tree_sha256 != b.tree.sha256)
                throw Error(Errc::usage, sig_path + " signs another tree (" + sig.tree_sha256 + ")",
                            "sign this bundle again: pdai bundle sign " + o->path + " --key SECRETKEY");
            std::string state = "key not checked (pass --public-key FILE)";
            if (o->public_key) {
                auto key = bundle::parse_public_key(pdai::read_small_file(*o->public_key, kMaxKeyFileBytes),
                                                    *o->public_key);
                if (!bundle::verify_signature(sig, key, b.tree.sha256))
                    throw Error(Errc::usage, sig_path + " is not a valid signature by key '" + key.key_id + "'");
                state = "valid";
            }
            j["signature"] = {{"path", sig_path}, {"key_id", sig.key_id}, {"verified", o->public_key.has_value()}};
            fields.push_back({"signature", sig_path + " by key " + sig.key_id + ": " + state});
        } else if (o->public_key) {
            throw Error(Errc::usage, "--public-key given but there is no signature " + sig_path);
        }
        for (const auto& w : bundle_warnings(b.manifest)) fields.push_back({"warning", w});
        fields.push_back({"result", "ok: the bundle can be registered"});
        j["ok"] = true;
        ctx.out.object(fields, j);
    });
}

void set_keygen(CLI::App& grp, Context& ctx) {
    struct Opts {
        std::string key_id, prefix;
        bool force = false;
    };
    auto o = std::make_shared<Opts>();
    auto* cmd = grp.add_subcommand("keygen", "Make an Ed25519 signing keypair: PREFIX.key (secret) and PREFIX.pub");
    cmd->add_option("--key-id", o->key_id, "Name of the key, e.g. acme-2025")->required();
    cmd->add_option("-o,--output", o->prefix, "Path prefix of the two files")->required()->type_name("PREFIX");
    cmd->add_flag("--force", o->force, "Replace existing key files");
    on_run(cmd, ctx, [&ctx, o] {
        auto key = bundle::generate_key(o->key_id);
        std::string sec = o->prefix + ".key", pub = o->prefix + ".pub";
        std::error_code ec;
        for (const auto& f : {sec, pub})
            if (!o->force && fs::exists(fs::symlink_status(f, ec)))
                throw Error(Errc::conflict, f + " already exists", "remove it first, or pass --force");
        pdai::write_file_atomic(sec, bundle::format_secret_key(key), 0600, o->force);
        pdai::write_file_atomic(pub, bundle::format_public_key(key.public_key()), 0644, o->force);
        ctx.out.done("wrote " + sec + " (secret: keep it private) and " + pub +
                         "\nthe platform registers the public key with: pdai vendor key add VENDOR " + pub,
                     {{"key_id", key.key_id},
                      {"secret_key_file", sec},
                      {"public_key_file", pub},
                      {"public_key", key.public_key().base64()}});
    });
}

void set_sign(CLI::App& grp, Context& ctx) {
    struct Opts {
        std::string bundle, key;
        std::optional<std::string> out;
        bool force = false;
    };
    auto o = std::make_shared<Opts>();
    auto* cmd = grp.add_subcommand("sign", "Write a detached Ed25519 signature of a bundle archive (FILE.sig)");
    cmd->add_option("FILE", o->bundle, "Bundle archive")->required();
    cmd->add_option("--key", o->key, "Secret key file from 'pdai bundle keygen'")->required()->type_name("FILE");
    cmd->add_option("-o,--output", o->out, "Signature file (default: FILE.sig)")->type_name("FILE");
    cmd->add_flag("--force", o->force, "Replace an existing signature file");
    on_run(cmd, ctx, [&ctx, o] {
        auto key = bundle::parse_secret_key(pdai::read_small_file(o->key, kMaxKeyFileBytes), o->key);
        auto b = bundle::read_bundle(o->bundle, ctx.config.bundle_limits, std::nullopt);
        auto sig = bundle::sign_tree(key, b.tree.sha256);
        std::string out = o->out.value_or(bundle::signature_path_for(o->bundle));
        pdai::write_file_atomic(out, bundle::format_signature(sig), 0644, o->force);
        ctx.out.done("signed " + b.manifest.name + "@" + b.manifest.version + " with key " + key.key_id +
                         ": " + out,
                     {{"bundle", o->bundle},
                      {"signature", out},
                      {"key_id", key.key_id},
                      {"tree_sha256", b.tree.sha256}});
    });
}

}  // namespace

void set_bundle_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "bundle", "Make, check and sign algorithm bundles (see pdai-bundle(5))");
    set_init(*grp, ctx);
    set_pack(*grp, ctx);
    set_lint(*grp, ctx);
    set_keygen(*grp, ctx);
    set_sign(*grp, ctx);
}

}  // namespace pdai::cli
