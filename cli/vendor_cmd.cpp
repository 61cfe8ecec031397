// pdai vendor add|list|show|remove
#include "catalog/vendors.hpp"
#include "cli/context.hpp"

namespace pdai::cli {

void set_vendor_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "vendor", "Register the vendors that ship algorithm bundles");

    struct AddOpts {
        std::string name, display_name, contact;
    };
    auto a = std::make_shared<AddOpts>();
    auto* add = grp->add_subcommand("add", "Register a vendor");
    add->add_option("NAME", a->name, "Vendor name: letters, digits, '.', '_', '-'")->required();
    add->add_option("--display-name", a->display_name, "Name shown to people (any UTF-8)");
    add->add_option("--contact", a->contact, "Contact (e-mail, phone)");
    on_run(add, ctx, [&ctx, a] {
        auto c = ctx.open_catalog(true);
        auto v = c.write([&] { return catalog::add_vendor(c, a->name, a->display_name, a->contact); });
        ctx.out.done("added vendor " + v.name, v);
    });

    auto* list = grp->add_subcommand("list", "List vendors");
    on_run(list, ctx, [&ctx] {
        auto c = ctx.open_catalog(false);
        auto vs = catalog::list_vendors(c);
        ctx.out.listing({"NAME", "DISPLAY NAME", "CONTACT", "CREATED"}, vs, [](const auto& v) {
            return std::vector<std::string>{v.name, v.display_name, v.contact.empty() ? "-" : v.contact, catalog::format_time(v.created_at)};
        });
    });

    auto name = std::make_shared<std::string>();
    auto* show = grp->add_subcommand("show", "Show one vendor");
    show->add_option("NAME", *name, "Vendor name")->required();
    on_run(show, ctx, [&ctx, name] {
        auto c = ctx.open_catalog(false);
        auto v = catalog::get_vendor(c, *name);
        ctx.out.object({{"name", v.name},
                        {"display name", v.display_name},
                        {"contact", v.contact.empty() ? "-" : v.contact},
                        {"created", catalog::format_time(v.created_at) + " by " + v.created_by}},
                       v);
    });

    auto* remove = grp->add_subcommand("remove", "Remove a vendor that has no algorithms");
    remove->add_option("NAME", *name, "Vendor name")->required();
    on_run(remove, ctx, [&ctx, name] {
        auto c = ctx.open_catalog(true);
        c.write([&] { catalog::remove_vendor(c, *name); });
        ctx.out.done("removed vendor " + *name, {{"removed", *name}});
    });
}

}  // namespace pdai::cli
