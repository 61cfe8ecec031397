// pdai node add|list|set|remove|import; sync and summary are in node_sync_cmd.cpp
#include <fstream>
#include <sstream>

#include "app/json.hpp"
#include "app/nodes.hpp"
#include "cli/context.hpp"
#include "cli/node_sync_cmd.hpp"
#include "common/error.hpp"

namespace pdai::cli {

void set_node_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "node", "Record the cluster's nodes, owners and GPUs");

    auto a = std::make_shared<app::AddNode>();
    auto* add = grp->add_subcommand("add", "Add a node");
    add->add_option("HOST", a->host, "Host name as Slurm knows it")->required();
    add->add_option("--gpus", a->gpus, "GPUs by type, e.g. a100:4,t4:2")->type_name("TYPE:N,...");
    add->add_option("--owner", a->owner, "Owning bureau code, or 'shared'")->capture_default_str();
    add->add_option("--state", a->state, "State label")->capture_default_str();
    on_run(add, ctx, [&ctx, a] {
        auto n = app::add_node(ctx.app, *a);
        ctx.out.done("added node " + n.spec.host + " (" + gpus_text(n.spec.gpus) + ")", n);
    });

    auto* list = grp->add_subcommand("list", "List nodes with their owners and GPUs");
    on_run(list, ctx, [&ctx] {
        auto ns = app::list_nodes(ctx.app);
        ctx.out.listing({"HOST", "OWNER", "GPUS", "STATE", "SOURCE"}, ns, [](const auto& n) {
            return std::vector<std::string>{n.spec.host, n.spec.owner.value_or("shared"), gpus_text(n.spec.gpus), n.spec.state, n.source};
        });
    });

    auto s = std::make_shared<app::SetNode>();
    auto* set = grp->add_subcommand("set", "Change a node's owner, GPUs or state");
    set->add_option("HOST", s->host, "Host name")->required();
    set->add_option("--owner", s->owner, "Owning bureau code, or 'shared'")->type_name("BUREAU|shared");
    set->add_option("--gpus", s->gpus, "All its GPUs by type, e.g. a100:4,t4:2, or 'none'")->type_name("TYPE:N,...");
    set->add_option("--state", s->state, "State label")->type_name("STATE");
    on_run(set, ctx, [&ctx, s] {
        const auto n = app::set_node(ctx.app, *s);
        const auto& spec = n.value.spec;
        ctx.out.done(change_text(n.changed,
                                 "updated node " + spec.host + " (" + gpus_text(spec.gpus) + ", " +
                                     spec.owner.value_or("shared") + ")",
                                 "node " + spec.host),
                     n);
    });

    auto host = std::make_shared<std::string>();
    auto* remove = grp->add_subcommand("remove", "Remove a node");
    remove->add_option("HOST", *host, "Host name")->required();
    on_run(remove, ctx, [&ctx, host] {
        app::remove_node(ctx.app, *host);
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
        auto n = app::import_nodes(ctx.app, buf.str(), *file);
        ctx.out.done("imported " + std::to_string(n) + " nodes from " + *file,
                     {{"imported", n}, {"from", *file}});
    });

    set_node_sync_commands(*grp, ctx);
}

}  // namespace pdai::cli
