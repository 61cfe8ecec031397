// pdai algo register|list|show|search|deprecate|revoke|verify|export|share|unshare
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "catalog/algorithm_bundles.hpp"
#include "catalog/algorithms.hpp"
#include "bundle/store.hpp"
#include "cli/bundle_format.hpp"
#include "cli/context.hpp"
#include "common/byte_size.hpp"
#include "common/error.hpp"

namespace pdai::cli {

namespace {

std::string store_root(const Context& ctx) {
    return ctx.config.bundle_store.value_or(bundle::default_store_root(ctx.catalog_path()));
}

std::string owner_text(const catalog::Algorithm& a) {
    return a.owner_bureau ? *a.owner_bureau : "platform";
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? "-" : out;
}

void print_algorithms(const Context& ctx, const std::vector<catalog::Algorithm>& as) {
    Table t{{"NAME", "VENDOR", "CATEGORY", "LATEST", "VERSIONS", "OWNER", "SHARED WITH"}, {}};
    for (const auto& a : as)
        t.rows.push_back({a.name, a.vendor, a.category, a.latest_version.value_or("-"),
                          std::to_string(a.versions), owner_text(a), joined(a.shared_with)});
    ctx.out.listing(t, as);
}

void set_register(CLI::App& grp, Context& ctx) {
    struct Opts {
        std::string bundle;
        std::optional<std::string> owner, signature;
    };
    auto o = std::make_shared<Opts>();
    auto* cmd = grp.add_subcommand(
        "register", "Check, unpack and record a bundle as one algorithm version (a repeat is a no-op)");
    cmd->add_option("BUNDLE", o->bundle, "Bundle archive (tar, tar.gz, tar.zst, zip, ...)")->required();
    cmd->add_option("--owner", o->owner, "Bureau that owns a new algorithm (default: platform-wide)")
        ->type_name("BUREAU");
    cmd->add_option("--signature", o->signature, "Detached signature (default: BUNDLE.sig if present)")
        ->type_name("FILE");
    on_run(cmd, ctx, [&ctx, o] {
        auto c = ctx.open_catalog(true);
        catalog::RegisterOptions ro;
        ro.bundle_path = o->bundle;
        ro.signature_path = o->signature;
        ro.owner_bureau = o->owner;
        ro.store_root = store_root(ctx);
        ro.limits = ctx.config.bundle_limits;
        ro.require_signed = ctx.config.require_signed_bundles;
        auto r = catalog::register_bundle(c, ro);
        for (const auto& w : r.warnings) spdlog::warn("{}", w);
        const auto& v = r.version;
        nlohmann::json j = v;
        j["created"] = r.created;
        j["restored_tree"] = r.restored_tree;
        j["warnings"] = r.warnings;
        std::string what = v.algorithm + "@" + v.version;
        std::string msg = r.created ? "registered " + what + ": " + std::to_string(v.file_count) + " files, " +
                                          format_bytes(static_cast<std::uint64_t>(v.size_bytes)) +
                                          (v.signed_by_key ? ", signed by " + *v.signed_by_key : "") +
                                          "\nstored in " + v.store_path
                      : r.restored_tree ? what + " was already registered; its missing tree was restored"
                                        : what + " is already registered with the same content; nothing changed";
        ctx.out.done(msg, j);
    });
}

void set_list(CLI::App& grp, Context& ctx) {
    auto f = std::make_shared<catalog::AlgorithmFilter>();
    auto* cmd = grp.add_subcommand("list", "List algorithms");
    cmd->add_option("--vendor", f->vendor, "Only this vendor's");
    cmd->add_option("--category", f->category, "Only this category (ocr, vision, speech, nlp, llm, other)");
    cmd->add_option("--bureau", f->bureau, "Only what this bureau may use (platform-wide, owned, shared)");
    on_run(cmd, ctx, [&ctx, f] {
        auto c = ctx.open_catalog(false);
        print_algorithms(ctx, catalog::list_algorithms(c, *f));
    });
}

void set_search(CLI::App& grp, Context& ctx) {
    struct Opts {
        std::string text;
        std::optional<std::string> bureau;
    };
    auto o = std::make_shared<Opts>();
    auto* cmd = grp.add_subcommand("search", "Find algorithms whose name, description, category or vendor holds TEXT");
    cmd->add_option("TEXT", o->text, "Text to look for (case-insensitive)")->required();
    cmd->add_option("--bureau", o->bureau, "Only what this bureau may use");
    on_run(cmd, ctx, [&ctx, o] {
        auto c = ctx.open_catalog(false);
        print_algorithms(ctx, catalog::search_algorithms(c, o->text, o->bureau));
    });
}

void show_version(const Context& ctx, catalog::Catalog& c, const catalog::VersionRef& ref, bool files) {
    auto v = catalog::get_version(c, ref.name, *ref.version);
    nlohmann::json j = v;
    Fields f = manifest_fields(v.manifest);
    f.insert(f.begin() + 1, {"status", v.status});
    f.push_back({"content", std::to_string(v.file_count) + " files, " +
                                format_bytes(static_cast<std::uint64_t>(v.size_bytes))});
    f.push_back({"archive sha256", v.archive_sha256});
    f.push_back({"tree sha256", v.tree_sha256});
    f.push_back({"signed by", v.signed_by_key.value_or("- (unsigned)")});
    f.push_back({"registered", catalog::format_time(v.registered_at) + " by " + v.registered_by});
    f.push_back({"stored in", v.store_path});
    std::vector<catalog::AlgorithmFile> list;
    if (files) {
        list = catalog::list_version_files(c, v.id);
        j["files"] = list;
    }
    ctx.out.object(f, j);
    if (files && ctx.out.format == Format::table) {
        std::cout << '\n';
        Table t{{"MODE", "SIZE", "SHA256", "PATH"}, {}};
        for (const auto& e : list) {
            char mode[16];
            std::snprintf(mode, sizeof mode, "%o", e.mode);
            t.rows.push_back({mode, std::to_string(e.size), e.sha256.empty() ? "-" : e.sha256, e.path});
        }
        Output::print_table(std::cout, t);
    }
}

void set_show(CLI::App& grp, Context& ctx) {
    struct Opts {
        std::string spec;
        bool files = false;
    };
    auto o = std::make_shared<Opts>();
    auto* cmd = grp.add_subcommand("show", "Show an algorithm and its versions, or one version in detail");
    cmd->add_option("NAME[@VERSION]", o->spec, "Algorithm, optionally with a version")->required();
    cmd->add_flag("--files", o->files, "With @VERSION: list every file and its digest");
    on_run(cmd, ctx, [&ctx, o] {
        auto ref = catalog::parse_version_ref(o->spec);
        auto c = ctx.open_catalog(false);
        if (ref.version) return show_version(ctx, c, ref, o->files);
        if (o->files) throw Error(Errc::usage, "--files needs NAME@VERSION");
        auto a = catalog::get_algorithm(c, ref.name);
        auto versions = catalog::list_versions(c, ref.name);
        nlohmann::json j = a;
        j["version_list"] = versions;
        ctx.out.object({{"name", a.name},
                        {"vendor", a.vendor},
                        {"category", a.category},
                        {"description", a.description},
                        {"owner", owner_text(a)},
                        {"shared with", joined(a.shared_with)},
                        {"created", catalog::format_time(a.created_at) + " by " + a.created_by}},
                       j);
        if (ctx.out.format != Format::table) return;
        std::cout << '\n';
        Table t{{"VERSION", "STATUS", "SIZE", "FILES", "SIGNED BY", "LICENCE", "REGISTERED", "BY", "ARCHIVE SHA256"}, {}};
        for (const auto& v : versions)
            t.rows.push_back({v.version, v.status, format_bytes(static_cast<std::uint64_t>(v.size_bytes)),
                              std::to_string(v.file_count), v.signed_by_key.value_or("-"),
                              v.licence_expires.value_or("-"), catalog::format_time(v.registered_at),
                              v.registered_by, v.archive_sha256});
        Output::print_table(std::cout, t);
    });
}

void set_status_command(CLI::App& grp, Context& ctx, const std::string& status, const std::string& help) {
    struct Opts {
        std::string spec, reason;
    };
    auto o = std::make_shared<Opts>();
    auto* cmd = grp.add_subcommand(status == "revoked" ? "revoke" : "deprecate", help);
    cmd->add_option("NAME@VERSION", o->spec, "The version")->required();
    cmd->add_option("--reason", o->reason, "Why, for the audit log");
    on_run(cmd, ctx, [&ctx, o, status] {
        auto ref = catalog::parse_exact_version_ref(o->spec);
        auto c = ctx.open_catalog(true);
        bool changed = c.write([&] { return catalog::set_version_status(c, ref, status, o->reason); });
        ctx.out.done(changed ? ref.str() + " is now " + status : ref.str() + " was already " + status,
                     {{"algorithm", ref.name}, {"version", *ref.version}, {"status", status}, {"changed", changed}});
    });
}

void set_verify(CLI::App& grp, Context& ctx) {
    auto spec = std::make_shared<std::string>();
    auto* cmd = grp.add_subcommand(
        "verify", "Re-hash a version's stored files against the digests recorded at registration; exit 1 on any difference");
    cmd->add_option("NAME@VERSION", *spec, "The version")->required();
    on_run(cmd, ctx, [&ctx, spec] {
        auto ref = catalog::parse_exact_version_ref(*spec);
        auto c = ctx.open_catalog(false);
        auto r = catalog::verify_version(c, ref);
        nlohmann::json j = {{"algorithm", ref.name}, {"version", *ref.version},
                            {"store_path", r.version.store_path}, {"ok", r.ok()},
                            {"changed", r.changed}, {"missing", r.missing}, {"extra", r.extra}};
        if (ctx.out.format == Format::json) {
            ctx.out.done("", j);
        } else if (r.ok()) {
            ctx.out.done(ref.str() + ": all " + std::to_string(r.version.file_count) +
                             " files match their registered digests",
                         j);
        } else {
            for (const auto& p : r.changed) std::cout << "changed  " << p << '\n';
            for (const auto& p : r.missing) std::cout << "missing  " << p << '\n';
            for (const auto& p : r.extra) std::cout << "extra    " << p << '\n';
        }
        if (!r.ok())
            throw Error(Errc::failure,
                        ref.str() + ": " + std::to_string(r.changed.size()) + " changed, " +
                            std::to_string(r.missing.size()) + " missing, " + std::to_string(r.extra.size()) +
                            " extra in " + r.version.store_path,
                        "the stored tree was altered; re-register the vendor's bundle after removing " +
                            r.version.store_path + ", or revoke the version");
    });
}

void set_export(CLI::App& grp, Context& ctx) {
    struct Opts {
        std::string spec, out;
        bool force = false;
    };
    auto o = std::make_shared<Opts>();
    auto* cmd = grp.add_subcommand("export", "Write a version back to a bundle archive (and its signature, if signed)");
    cmd->add_option("NAME@VERSION", o->spec, "The version")->required();
    cmd->add_option("-o,--output", o->out, "Archive to write: .tar.gz, .tgz, .tar.zst, .tar.xz, .tar.bz2 or .tar")
        ->required();
    cmd->add_flag("--force", o->force, "Replace an existing output file");
    on_run(cmd, ctx, [&ctx, o] {
        auto ref = catalog::parse_exact_version_ref(o->spec);
        auto c = ctx.open_catalog(false);
        auto r = catalog::export_version(c, ref, o->out, o->force, ctx.config.bundle_limits);
        nlohmann::json j = {{"algorithm", ref.name}, {"version", *ref.version}, {"path", r.path},
                            {"archive_sha256", r.archive_sha256}, {"bytes", r.bytes},
                            {"signature", r.signature_path ? nlohmann::json(*r.signature_path) : nlohmann::json(nullptr)}};
        ctx.out.done("exported " + ref.str() + " to " + r.path + " (" + format_bytes(r.bytes) + ")" +
                         (r.signature_path ? " with its signature " + *r.signature_path : "") +
                         "\nsha256 " + r.archive_sha256,
                     j);
    });
}

void set_sharing(CLI::App& grp, Context& ctx) {
    struct Opts {
        std::string name, bureau;
    };
    auto o = std::make_shared<Opts>();
    auto* share = grp.add_subcommand("share", "Let another bureau see and run a bureau-owned algorithm");
    share->add_option("NAME", o->name, "Algorithm")->required();
    share->add_option("--with", o->bureau, "Bureau code")->required()->type_name("BUREAU");
    on_run(share, ctx, [&ctx, o] {
        auto c = ctx.open_catalog(true);
        bool added = c.write([&] { return catalog::share_algorithm(c, o->name, o->bureau); });
        ctx.out.done(added ? "shared " + o->name + " with " + o->bureau
                           : o->name + " was already shared with " + o->bureau,
                     {{"algorithm", o->name}, {"bureau", o->bureau}, {"shared", true}, {"changed", added}});
    });

    auto* unshare = grp.add_subcommand("unshare", "Stop sharing an algorithm with a bureau");
    unshare->add_option("NAME", o->name, "Algorithm")->required();
    unshare->add_option("--with", o->bureau, "Bureau code")->required()->type_name("BUREAU");
    on_run(unshare, ctx, [&ctx, o] {
        auto c = ctx.open_catalog(true);
        c.write([&] { catalog::unshare_algorithm(c, o->name, o->bureau); });
        ctx.out.done("stopped sharing " + o->name + " with " + o->bureau,
                     {{"algorithm", o->name}, {"bureau", o->bureau}, {"shared", false}, {"changed", true}});
    });
}

}  // namespace

void set_algo_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "algo", "Register, inspect, verify and share algorithm versions");
    set_register(*grp, ctx);
    set_list(*grp, ctx);
    set_show(*grp, ctx);
    set_search(*grp, ctx);
    set_status_command(*grp, ctx, "deprecated",
                       "Mark a version deprecated: still runs, but 'NAME' alone prefers active versions");
    set_status_command(*grp, ctx, "revoked", "Revoke a version: it can no longer be submitted (final)");
    set_verify(*grp, ctx);
    set_export(*grp, ctx);
    set_sharing(*grp, ctx);
}

}  // namespace pdai::cli
