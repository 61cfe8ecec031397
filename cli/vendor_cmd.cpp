// pdai vendor add|list|show|remove, pdai vendor key add|list|remove
#include "app/vendors.hpp"
#include "cli/context.hpp"

namespace pdai::cli {

namespace {

// The public keys signed bundles are checked against (require_signed_bundles in pdai.conf).
void set_vendor_key_commands(CLI::App& vendor, Context& ctx) {
    auto* grp = add_group(vendor, "key", "Register the public keys a vendor signs bundles with");
    struct Opts {
        std::string vendor, key_id;
        std::optional<std::string> only_vendor;
        app::AddVendorKey add;
    };
    auto o = std::make_shared<Opts>();

    auto* add = grp->add_subcommand("add", "Register a public key file from 'pdai bundle keygen'");
    add->add_option("VENDOR", o->add.vendor, "Vendor name")->required();
    add->add_option("KEYFILE", o->add.key_file, "Public key file (PREFIX.pub)")->required();
    add->add_option("--key-id", o->add.key_id, "Register it under this id instead of the file's");
    on_run(add, ctx, [&ctx, o] {
        auto k = app::add_vendor_key(ctx.app, o->add);
        ctx.out.done("added key " + k.key_id + " for vendor " + k.vendor, k);
    });

    auto* list = grp->add_subcommand("list", "List registered keys");
    list->add_option("VENDOR", o->only_vendor, "Only this vendor's keys");
    on_run(list, ctx, [&ctx, o] {
        auto ks = app::list_vendor_keys(ctx.app, o->only_vendor);
        Table t{{"VENDOR", "KEY ID", "ALGORITHM", "PUBLIC KEY", "ADDED", "BY"}, {}};
        for (const auto& k : ks)
            t.rows.push_back({k.vendor, k.key_id, k.algorithm, k.public_key,
                              pdai::format_time(k.added_at), k.added_by});
        ctx.out.listing(t, ks);
    });

    auto* rm = grp->add_subcommand("remove", "Remove a key; bundles signed with it no longer register");
    rm->add_option("VENDOR", o->vendor, "Vendor name")->required();
    rm->add_option("KEY_ID", o->key_id, "Key id")->required();
    on_run(rm, ctx, [&ctx, o] {
        app::remove_vendor_key(ctx.app, o->vendor, o->key_id);
        ctx.out.done("removed key " + o->key_id + " of vendor " + o->vendor,
                     {{"vendor", o->vendor}, {"removed", o->key_id}});
    });
}

}  // namespace

void set_vendor_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "vendor", "Register the vendors that ship algorithm bundles");

    auto a = std::make_shared<app::AddVendor>();
    auto* add = grp->add_subcommand("add", "Register a vendor");
    add->add_option("NAME", a->name, "Vendor name: letters, digits, '.', '_', '-'")->required();
    add->add_option("--display-name", a->display_name, "Name shown to people (any UTF-8)");
    add->add_option("--contact", a->contact, "Contact (e-mail, phone)");
    on_run(add, ctx, [&ctx, a] {
        auto v = app::add_vendor(ctx.app, *a);
        ctx.out.done("added vendor " + v.name, v);
    });

    auto* list = grp->add_subcommand("list", "List vendors");
    on_run(list, ctx, [&ctx] {
        auto vs = app::list_vendors(ctx.app);
        ctx.out.listing({"NAME", "DISPLAY NAME", "CONTACT", "CREATED"}, vs, [](const auto& v) {
            return std::vector<std::string>{v.name, v.display_name, v.contact.empty() ? "-" : v.contact, pdai::format_time(v.created_at)};
        });
    });

    auto name = std::make_shared<std::string>();
    auto* show = grp->add_subcommand("show", "Show one vendor");
    show->add_option("NAME", *name, "Vendor name")->required();
    on_run(show, ctx, [&ctx, name] {
        auto v = app::show_vendor(ctx.app, *name);
        ctx.out.object({{"name", v.name},
                        {"display name", v.display_name},
                        {"contact", v.contact.empty() ? "-" : v.contact},
                        {"created", pdai::format_time(v.created_at) + " by " + v.created_by}},
                       v);
    });

    auto* remove = grp->add_subcommand("remove", "Remove a vendor that has no algorithms");
    remove->add_option("NAME", *name, "Vendor name")->required();
    on_run(remove, ctx, [&ctx, name] {
        app::remove_vendor(ctx.app, *name);
        ctx.out.done("removed vendor " + *name, {{"removed", *name}});
    });

    set_vendor_key_commands(*grp, ctx);
}

}  // namespace pdai::cli
