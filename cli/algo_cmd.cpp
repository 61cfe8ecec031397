// pdai algo register|list|show|search|deprecate|revoke|verify|export|share|unshare
#include <cstdio>
#include <iostream>

#include <spdlog/spdlog.h>

#include "app/algorithms.hpp"
#include "app/json.hpp"
#include "cli/bundle_format.hpp"
#include "cli/context.hpp"
#include "common/byte_size.hpp"
#include "common/error.hpp"

namespace pdai::cli {

namespace {

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
    auto o = std::make_shared<app::RegisterAlgorithm>();
    auto* cmd = grp.add_subcommand(
        "register", "Check, unpack and record a bundle as one algorithm version (a repeat is a no-op)");
    cmd->add_option("BUNDLE", o->bundle, "Bundle archive (tar, tar.gz, tar.zst, zip, ...)")->required();
    cmd->add_option("--owner", o->owner, "Bureau that owns a new algorithm (default: platform-wide)")
        ->type_name("BUREAU");
    cmd->add_option("--signature", o->signature, "Detached signature (default: BUNDLE.sig if present)")
        ->type_name("FILE");
    on_run(cmd, ctx, [&ctx, o] {
        const auto reg = app::register_algorithm(ctx.app, *o);
        const auto& r = reg.result;
        const auto& v = r.version;
        std::string what = v.algorithm + "@" + v.version;
        std::string msg = r.created ? "registered " + what + ": " + std::to_string(v.file_count) + " files, " +
                                          format_bytes(static_cast<std::uint64_t>(v.size_bytes)) +
                                          (v.signed_by_key ? ", signed by " + *v.signed_by_key : "") +
                                          "\nstored in " + v.store_path
                      : r.restored_tree ? what + " was already registered; its missing tree was restored"
                                        : what + " is already registered with the same content; nothing changed";
        ctx.out.done(msg, reg);
    });
}

void set_list(CLI::App& grp, Context& ctx) {
    auto f = std::make_shared<catalog::AlgorithmFilter>();
    auto* cmd = grp.add_subcommand("list", "List algorithms");
    cmd->add_option("--vendor", f->vendor, "Only this vendor's");
    cmd->add_option("--category", f->category, "Only this category (ocr, vision, speech, nlp, llm, other)");
    cmd->add_option("--bureau", f->bureau, "Only what this bureau may use (platform-wide, owned, shared)");
    on_run(cmd, ctx, [&ctx, f] {
        print_algorithms(ctx, app::list_algorithms(ctx.app, *f));
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
        print_algorithms(ctx, app::search_algorithms(ctx.app, o->text, o->bureau));
    });
}

void show_version(const Context& ctx, const catalog::VersionRef& ref, bool files) {
    const auto d = app::show_version(ctx.app, ref, files);
    const auto& v = d.version;
    Fields f = manifest_fields(v.manifest);
    f.insert(f.begin() + 1, {"status", v.status});
    f.push_back({"content", std::to_string(v.file_count) + " files, " +
                                format_bytes(static_cast<std::uint64_t>(v.size_bytes))});
    f.push_back({"archive sha256", v.archive_sha256});
    f.push_back({"tree sha256", v.tree_sha256});
    f.push_back({"signed by", v.signed_by_key.value_or("- (unsigned)")});
    f.push_back({"registered", pdai::format_time(v.registered_at) + " by " + v.registered_by});
    f.push_back({"stored in", v.store_path});
    ctx.out.object(f, d);
    if (d.files && ctx.out.format == Format::table) {
        std::cout << '\n';
        Table t{{"MODE", "SIZE", "SHA256", "PATH"}, {}};
        for (const auto& e : *d.files) {
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
        if (ref.version) return show_version(ctx, ref, o->files);
        if (o->files) throw Error(Errc::usage, "--files needs NAME@VERSION");
        const auto d = app::show_algorithm(ctx.app, ref.name);
        const auto& [a, versions] = d;
        ctx.out.object({{"name", a.name},
                        {"vendor", a.vendor},
                        {"category", a.category},
                        {"description", a.description},
                        {"owner", owner_text(a)},
                        {"shared with", joined(a.shared_with)},
                        {"created", pdai::format_time(a.created_at) + " by " + a.created_by}},
                       d);
        if (ctx.out.format != Format::table) return;
        std::cout << '\n';
        Table t{{"VERSION", "STATUS", "SIZE", "FILES", "SIGNED BY", "LICENCE", "REGISTERED", "BY", "ARCHIVE SHA256"}, {}};
        for (const auto& v : versions)
            t.rows.push_back({v.version, v.status, format_bytes(static_cast<std::uint64_t>(v.size_bytes)),
                              std::to_string(v.file_count), v.signed_by_key.value_or("-"),
                              v.licence_expires.value_or("-"), pdai::format_time(v.registered_at),
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
        const auto r = app::set_version_status(ctx.app, o->spec, status, o->reason);
        ctx.out.done(r.changed ? r.ref.str() + " is now " + status : r.ref.str() + " was already " + status, r);
    });
}

void set_remove(CLI::App& grp, Context& ctx) {
    auto spec = std::make_shared<std::string>();
    auto* cmd = grp.add_subcommand(
        "remove", "Remove a version no job has run (a mistaken upload), with its stored files; the algorithm goes with "
                  "its last version");
    cmd->add_option("NAME@VERSION", *spec, "The version")->required();
    on_run(cmd, ctx, [&ctx, spec] {
        const auto r = app::remove_version(ctx.app, *spec);
        if (!r.store_problem.empty()) spdlog::warn("{}; 'pdai catalog check' lists it", r.store_problem);
        ctx.out.done("removed " + r.ref.str() + (r.algorithm_removed ? ", its last version: algorithm " + r.ref.name +
                                                                            " is gone"
                                                                      : std::string()),
                     r);
    });
}

void set_verify(CLI::App& grp, Context& ctx) {
    auto spec = std::make_shared<std::string>();
    auto* cmd = grp.add_subcommand(
        "verify", "Re-hash a version's stored files against the digests recorded at registration; exit 1 on any difference");
    cmd->add_option("NAME@VERSION", *spec, "The version")->required();
    on_run(cmd, ctx, [&ctx, spec] {
        const auto v = app::verify_version(ctx.app, *spec);
        const auto& r = v.report;
        if (ctx.out.format == Format::json) {
            ctx.out.done("", v);
        } else if (r.ok()) {
            ctx.out.done(v.ref.str() + ": all " + std::to_string(r.version.file_count) +
                             " files match their registered digests",
                         v);
        } else {
            for (const auto& p : r.changed) std::cout << "changed  " << p << '\n';
            for (const auto& p : r.missing) std::cout << "missing  " << p << '\n';
            for (const auto& p : r.extra) std::cout << "extra    " << p << '\n';
        }
        if (v.failure) throw *v.failure;
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
        const auto e = app::export_version(ctx.app, o->spec, o->out, o->force);
        const auto& r = e.result;
        ctx.out.done("exported " + e.ref.str() + " to " + r.path + " (" + format_bytes(r.bytes) + ")" +
                         (r.signature_path ? " with its signature " + *r.signature_path : "") +
                         "\nsha256 " + r.archive_sha256,
                     e);
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
        const auto r = app::share_algorithm(ctx.app, o->name, o->bureau);
        ctx.out.done(r.changed ? "shared " + o->name + " with " + o->bureau
                               : o->name + " was already shared with " + o->bureau,
                     r);
    });

    auto* unshare = grp.add_subcommand("unshare", "Stop sharing an algorithm with a bureau");
    unshare->add_option("NAME", o->name, "Algorithm")->required();
    unshare->add_option("--with", o->bureau, "Bureau code")->required()->type_name("BUREAU");
    on_run(unshare, ctx, [&ctx, o] {
        const auto r = app::unshare_algorithm(ctx.app, o->name, o->bureau);
        ctx.out.done("stopped sharing " + o->name + " with " + o->bureau, r);
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
    set_remove(*grp, ctx);
    set_export(*grp, ctx);
    set_sharing(*grp, ctx);
}

}  // namespace pdai::cli
