// pdai gpu type add|list|set; the CUDA probe/bench/check are in gpu_device_cmd.cpp.
#include "app/gpus.hpp"
#include "app/json.hpp"
#include "cli/context.hpp"
#include "cli/gpu_device_cmd.hpp"

namespace pdai::cli {

void set_gpu_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "gpu", "GPU types, their weights and prices; probe, benchmark and check GPUs");
    auto* type = add_group(*grp, "type", "Manage GPU types (weight in CUH per GPU-hour, price)");

    auto a = std::make_shared<app::AddGpuType>();
    auto* add = type->add_subcommand("add", "Add a GPU type");
    add->add_option("NAME", a->name, "Type name as Slurm's GRES type, e.g. a100")->required();
    add->add_option("--weight", a->weight, "Compute-unit-hours per GPU-hour")->required();
    add->add_option("--price", a->price_cny, "Price in CNY per card-hour")->required();
    // --gpu-vendor: --vendor elsewhere names an algorithm vendor.
    add->add_option("--gpu-vendor", a->vendor, "The card's maker, e.g. nvidia");
    add_old_spelling(add, ctx, "--vendor", "--gpu-vendor", a->vendor);
    add->add_option("--memory-gib", a->memory_gib, "Memory per card in GiB");
    on_run(add, ctx, [&ctx, a] {
        auto t = app::add_gpu_type(ctx.app, *a);
        ctx.out.done("added GPU type " + t.name, t);
    });

    auto* list = type->add_subcommand("list", "List GPU types");
    on_run(list, ctx, [&ctx] {
        auto ts = app::list_gpu_types(ctx.app);
        ctx.out.listing({"NAME", "VENDOR", "WEIGHT", "PRICE CNY/H", "MEMORY GIB", "MATCH"}, ts, [](const auto& g) {
            return std::vector<std::string>{g.name, g.vendor.empty() ? "-" : g.vendor, fmt_number(g.weight, 3), fmt_number(g.price_cny), g.memory_mib ? std::to_string(*g.memory_mib / 1024) : "-", or_dash(g.match)};
        });
    });

    auto s = std::make_shared<app::SetGpuType>();
    auto* set = type->add_subcommand("set", "Change a GPU type's weight, price or details");
    set->add_option("NAME", s->name, "Type name")->required();
    set->add_option("--weight", s->weight, "Compute-unit-hours per GPU-hour");
    set->add_option("--price", s->price_cny, "Price in CNY per card-hour");
    set->add_option("--gpu-vendor", s->vendor, "The card's maker");
    add_old_spelling(set, ctx, "--vendor", "--gpu-vendor", s->vendor);
    set->add_option("--memory-gib", s->memory_gib, "Memory per card in GiB");
    set->add_option("--match", s->match, "Glob over CUDA device names, e.g. 'NVIDIA H100*' ('' clears)")
        ->type_name("GLOB");
    on_run(set, ctx, [&ctx, s] {
        const auto t = app::set_gpu_type(ctx.app, *s);
        ctx.out.done(change_text(t.changed, "updated GPU type " + t.value.name, "GPU type " + t.value.name), t);
    });

    set_gpu_device_commands(*grp, ctx);
}

}  // namespace pdai::cli
