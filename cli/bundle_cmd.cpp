// pdai bundle init|pack|lint|keygen|sign: what a vendor needs to make a bundle; none of
// these touch the catalog.
#include "app/bundles.hpp"
#include "app/json.hpp"
#include "cli/bundle_format.hpp"
#include "app/vocabulary.hpp"
#include "cli/context.hpp"
#include "common/byte_size.hpp"

namespace pdai::cli {

namespace {

void set_init(CLI::App& grp, Context& ctx) {
    auto o = std::make_shared<app::InitBundle>();
    auto* cmd = grp.add_subcommand("init", "Write a commented example pdai.toml and bin/run into DIR");
    cmd->add_option("DIR", o->dir, "Directory of the new bundle (created if missing)")->required();
    cmd->add_option("--name", o->example.name, "Algorithm name")->capture_default_str();
    cmd->add_option("--vendor", o->example.vendor, "Vendor name (as registered with 'pdai vendor add')")
        ->capture_default_str();
    cmd->add_option("--category", o->example.category, "ocr, vision, speech, nlp, llm or other")
        ->check(one_of(app::bundle_category_names()))
        ->capture_default_str();
    cmd->add_flag("--force", o->example.overwrite, "Replace an existing pdai.toml");
    on_run(cmd, ctx, [&ctx, o] {
        const auto r = app::init_bundle(*o);
        std::string msg = "wrote";
        for (const auto& f : r.written) msg += " " + f;
        ctx.out.done(msg + "\nnext: edit pdai.toml, then 'pdai bundle pack " + o->dir + " -o FILE.tar.gz'", r);
    });
}

void set_pack(CLI::App& grp, Context& ctx) {
    auto o = std::make_shared<app::PackBundle>();
    auto* cmd = grp.add_subcommand(
        "pack", "Check DIR as a bundle and write it as a deterministic archive (same DIR, same bytes)");
    cmd->add_option("DIR", o->dir, "Bundle directory (holding pdai.toml)")->required();
    cmd->add_option("-o,--output", o->out, "Archive to write: .tar.gz, .tgz, .tar.zst, .tar.xz, .tar.bz2 or .tar")
        ->required();
    cmd->add_flag("--force", o->force, "Replace an existing output file");
    on_run(cmd, ctx, [&ctx, o] {
        const auto r = app::pack_bundle(ctx.app, *o);
        const auto& b = r.checked.bundle;
        ctx.out.done("packed " + b.manifest.name + "@" + b.manifest.version + " into " + o->out + " (" +
                         std::to_string(b.tree.files) + " files, " + format_bytes(b.archive_bytes) +
                         ")\nsha256 " + b.archive_sha256,
                     r);
    });
}

void set_lint(CLI::App& grp, Context& ctx) {
    auto o = std::make_shared<app::LintBundle>();
    auto* cmd = grp.add_subcommand(
        "lint", "Check a bundle archive or directory as 'pdai algo register' would, without the catalog");
    cmd->add_option("PATH", o->path, "Bundle archive or directory")->required();
    cmd->add_option("--signature", o->signature, "Detached signature to check (default: PATH.sig if present)")
        ->type_name("FILE");
    cmd->add_option("--public-key", o->public_key, "Vendor public key to check the signature with")
        ->type_name("FILE");
    on_run(cmd, ctx, [&ctx, o] {
        const auto r = app::lint_bundle(ctx.app, *o);
        auto fields = bundle_summary_fields(r.bundle);
        fields.insert(fields.begin(), {"bundle", r.path + (r.directory ? " (directory)" : "")});
        if (const auto& sig = r.signature)
            fields.push_back({"signature", sig->path + " by key " + sig->key_id + ": " +
                                               (sig->verified ? "valid" : "key not checked (pass --public-key FILE)")});
        for (const auto& w : r.warnings) fields.push_back({"warning", w});
        fields.push_back({"result", "ok: the bundle can be registered"});
        ctx.out.object(fields, r);
    });
}

void set_keygen(CLI::App& grp, Context& ctx) {
    auto o = std::make_shared<app::KeyGen>();
    auto* cmd = grp.add_subcommand("keygen", "Make an Ed25519 signing keypair: PREFIX.key (secret) and PREFIX.pub");
    cmd->add_option("--key-id", o->key_id, "Name of the key, e.g. acme-2025")->required();
    cmd->add_option("-o,--output", o->prefix, "Path prefix of the two files")->required()->type_name("PREFIX");
    cmd->add_flag("--force", o->force, "Replace existing key files");
    on_run(cmd, ctx, [&ctx, o] {
        const auto r = app::generate_key(*o);
        ctx.out.done("wrote " + r.secret_key_file + " (secret: keep it private) and " + r.public_key_file +
                         "\nthe platform registers the public key with: pdai vendor key add VENDOR " +
                         r.public_key_file,
                     r);
    });
}

void set_sign(CLI::App& grp, Context& ctx) {
    auto o = std::make_shared<app::SignBundle>();
    auto* cmd = grp.add_subcommand("sign", "Write a detached Ed25519 signature of a bundle archive (FILE.sig)");
    cmd->add_option("FILE", o->bundle, "Bundle archive")->required();
    cmd->add_option("--key", o->key, "Secret key file from 'pdai bundle keygen'")->required()->type_name("FILE");
    cmd->add_option("-o,--output", o->out, "Signature file (default: FILE.sig)")->type_name("FILE");
    cmd->add_flag("--force", o->force, "Replace an existing signature file");
    on_run(cmd, ctx, [&ctx, o] {
        const auto r = app::sign_bundle(ctx.app, *o);
        ctx.out.done("signed " + r.name + "@" + r.version + " with key " + r.key_id + ": " + r.signature, r);
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
