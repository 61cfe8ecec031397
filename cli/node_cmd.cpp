// pdai node add|list|remove|import; sync and summary are in node_sync_cmd.cpp
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "catalog/nodes.hpp"
#include "cli/context.hpp"
#include "cli/node_sync_cmd.hpp"
#include "common/error.hpp"

namespace pdai::cli {

void set_node_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "node", "Record the cluster's nodes, owners and GPUs");

    struct AddOpts {
        std::string host, owner = "shared", gpus, state = "unknown";
    };
    auto a = std::make_shared<AddOpts>();
    auto* add = grp->add_subcommand("add", "Add a node");
    add->add_option("HOST", a->host, "Host name as Slurm knows it")->required();
    add->add_option("--gpus", a->gpus, "GPUs by type, e.g. a100:4,t4:2")->type_name("TYPE:N,...");
    add->add_option("--owner", a->owner, "Owning bureau code, or 'shared'")->capture_default_str();
    add->add_option("--state", a->state, "State label")->capture_default_str();
    on_run(add, ctx, [&ctx, a] {
        catalog::NodeSpec spec{a->host, {}, catalog::parse_gpu_counts(a->gpus), a->state};
        if (a->owner != "shared" && !a->owner.empty()) spec.owner = a->owner;
        auto c = ctx.open_catalog(true);
        auto n = c.write([&] { return catalog::add_node(c, spec); });
        ctx.out.done("added node " + n.spec.host + " (" + gpus_text(n.spec.gpus) + ")", n);
    });

    auto* list = grp->add_subcommand("list", "List nodes with their owners and GPUs");
    on_run(list, ctx, [&ctx] {
        auto c = ctx.open_catalog(false);
        auto ns = catalog::list_nodes(c);
        ctx.out.listing({"HOST", "OWNER", "GPUS", "STATE", "SOURCE"}, ns, [](const auto& n) {
            return std::vector<std::string>{n.spec.host, n.spec.owner.value_or("shared"), gpus_text(n.spec.gpus), n.spec.state, n.source};
        });
    });

    auto host = std::make_shared<std::string>();
    auto* remove = grp->add_subcommand("remove", "Remove a node");
    remove->add_option("HOST", *host, "Host name")->required();
    on_run(remove, ctx, [&ctx, host] {
        auto c = ctx.open_catalog(true);
        c.write([&] { catalog::remove_node(c, *host); });
        ctx.out.done("removed node " + *host, {{"removed", *host}});
    });

    auto file = std::make_shared<std::string>();
    auto* import = grp->add_subcommand(
        "import", "Add many nodes from a CSV or JSON-lines file: all of them, or none");
    import->add_option("FILE", *file, "CSV (host,owner,gpus) or JSON lines; '-' for stdin")
        ->required();
    on_run(import, ctx, [&ctx, file] {
        std::stringstream buf;
        if (*file == "-") {
            buf << std::cin.rdbuf();
        } else {
            std::ifstream in(*file, std::ios::binary);
            if (!in) throw Error(Errc::not_found, "cannot read node file " + *file);
            buf << in.rdbuf();
        }
        auto specs = catalog::parse_node_file(buf.str());
        auto c = ctx.open_catalog(true);
        spdlog::info("node import: {} rows parsed, writing", specs.size());
        auto n = c.write([&] { return catalog::import_nodes(c, specs, *file); });
        ctx.out.done("imported " + std::to_string(n) + " nodes from " + *file,
                     {{"imported", n}, {"from", *file}});
    });

    set_node_sync_commands(*grp, ctx);
}

}  // namespace pdai::cli
