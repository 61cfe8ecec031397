// pdai gpu probe|bench|check|weights|results (see gpu_device_cmd.hpp and pdai-gpu(1)).
#include "cli/gpu_device_cmd.hpp"

#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "app/gpus.hpp"
#include "app/json.hpp"
#include "app/vocabulary.hpp"
#include "cli/context.hpp"

namespace pdai::cli {
namespace {

bool progress_wanted(const Context& ctx) {
    return !ctx.opts.quiet && !ctx.opts.json && isatty(STDERR_FILENO) == 1;
}

// ------------------------------------------------------------------ probe

void do_probe(Context& ctx, const app::ProbeRequest& o) {
    const auto r = app::probe_gpus(ctx.app, o);
    const auto& p = r.probe;
    if (ctx.out.format == Format::json) {
        std::cout << nlohmann::json(r).dump(2) << '\n';
        return;
    }
    if (p.devices.empty()) {
        std::cout << p.no_device_reason << '\n';
        if (o.register_node && !ctx.opts.quiet) std::cout << "nothing to register\n";
        return;
    }
    Table t{{"INDEX", "NAME", "MEMORY MIB", "SMS", "CC", "CLOCK MHZ", "MEM MHZ", "PCI BUS", "UUID"}, {}};
    for (const auto& d : p.devices)
        t.rows.push_back({std::to_string(d.index), d.name, std::to_string(d.memory_bytes >> 20),
                          std::to_string(d.sm_count), std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor),
                          std::to_string(d.clock_mhz), std::to_string(d.memory_clock_mhz), d.pci_bus_id, d.uuid});
    ctx.out.listing(t, r);
    const auto& reg = r.registered;
    if (reg && ctx.out.format == Format::table && !ctx.opts.quiet) {
        std::string gpus;
        for (const auto& [type, n] : reg->gpus_after) gpus += (gpus.empty() ? "" : ",") + type + ":" + std::to_string(n);
        std::cout << (reg->added ? "registered new node " : "updated node ") << reg->host << ": " << gpus << '\n';
        for (const auto& note : reg->notes) std::cout << "  " << note << '\n';
    }
}

// ------------------------------------------------------------------ bench

void do_bench(Context& ctx, app::BenchRequest o) {
    if (progress_wanted(ctx)) o.progress = [](const std::string& line) { std::cerr << "pdai gpu bench: " << line << '\n'; };
    const auto res = app::bench_gpu(ctx.app, o);
    const auto& r = res.report;
    if (ctx.out.format == Format::json) {
        std::cout << nlohmann::json(res).dump(2) << '\n';
        return;
    }
    if (ctx.out.format == Format::table && !ctx.opts.quiet)
        std::cout << "device " << r.device.index << ": " << r.device.name << " (" << r.device.uuid << "), "
                  << r.library << '\n';
    Table t{{"KIND", "DTYPE", "SIZE", "RESULT", "UNIT", "SPREAD %", "REPEATS"}, {}};
    for (const auto& f : r.figures) {
        std::string dt = f.dtype ? std::string(gpu::dtype_name(*f.dtype)) : "-";
        if (!f.supported) {
            t.rows.push_back({f.kind, dt, "-", "unsupported: " + f.note, "-", "-", "-"});
            continue;
        }
        std::string size = f.kind == "copy" ? std::to_string(std::stoull(f.size) >> 20) + " MiB" : f.size;
        t.rows.push_back({f.kind, dt, size, fmt_number(f.value, f.kind == "copy" ? 0 : 1),
                          f.kind == "copy" ? "GB/s" : "TFLOP/s", fmt_number(f.spread * 100, 1),
                          std::to_string(f.repeats)});
    }
    ctx.out.listing(t, res);
    const auto& saved = res.saved;
    if (saved && ctx.out.format == Format::table && !ctx.opts.quiet) {
        const auto& s = saved->result;
        std::cout << "saved " << s.rows << " figures for GPU type " << saved->gpu_type << " (host " << saved->host << ")\n";
        for (const auto& u : s.updated)
            std::cout << "weight of " << u.gpu_type << ": " << fmt_number(u.before, 4) << " -> "
                      << fmt_number(u.after, 4) << " (relative to " << saved->reference.value_or("-")
                      << ", metric " << saved->metric << ")\n";
        if (s.weight && s.updated.empty())
            std::cout << "weight of " << saved->gpu_type << " unchanged at " << fmt_number(*s.weight, 4) << '\n';
        if (!s.note.empty()) std::cout << s.note << '\n';
    }
}

// ------------------------------------------------------------------ check

void do_check(Context& ctx, std::optional<int> device) {
    const auto r = app::check_gpus(device);
    if (ctx.out.format == Format::json) {
        std::cout << nlohmann::json(r).dump(2) << '\n';
    } else {
        Table t{{"DEVICE", "STEP", "RESULT", "DETAIL"}, {}};
        for (const auto& rep : r.reports)
            for (const auto& s : rep.steps)
                t.rows.push_back({std::to_string(rep.device.index), s.name, s.ok ? "ok" : "FAILED", s.detail});
        ctx.out.listing(t, r);
    }
    if (r.failure) throw *r.failure;
    if (ctx.out.format == Format::table && !ctx.opts.quiet)
        std::cout << "GPU check passed on " << r.reports.size() << " device" << (r.reports.size() == 1 ? "" : "s") << '\n';
}

// ------------------------------------------------------------------ weights and results

void do_weights(Context& ctx, const app::WeightsRequest& o) {
    const auto r = app::gpu_weights(ctx.app, o);
    Table t{{"TYPE", "WEIGHT", "DERIVED", "METRIC", "CARDS"}, {}};
    for (const auto& row : r.rows) {
        const auto& m = row.derived.metric;
        t.rows.push_back({row.gpu_type + (row.gpu_type == r.reference ? " (reference)" : ""), fmt_number(row.current, 4),
                          row.derived.weight ? fmt_number(*row.derived.weight, 4) : "-",
                          m ? fmt_number(m->value, 1) + " " + m->unit : "-", m ? std::to_string(m->cards) : "0"});
    }
    ctx.out.listing(t, r);
    if (o.apply && ctx.out.format == Format::table && !ctx.opts.quiet) {
        for (const auto& u : r.updated)
            std::cout << "weight of " << u.gpu_type << ": " << fmt_number(u.before, 4) << " -> " << fmt_number(u.after, 4) << '\n';
        if (r.updated.empty()) std::cout << "no weight changed\n";
    }
}

}  // namespace

void set_gpu_device_commands(CLI::App& grp, Context& ctx) {
    auto po = std::make_shared<app::ProbeRequest>();
    auto* probe = grp.add_subcommand("probe", "List this machine's CUDA devices; --register records them");
    probe->add_flag("--register", po->register_node,
                    "Record this node's GPUs in the catalog under their GPU types");
    probe->add_flag("--require", po->require, "Fail (exit 1) when there is no CUDA device");
    probe->add_option("--host", po->host, "Node name to register under (default: the short host name)");
    on_run(probe, ctx, [&ctx, po] { do_probe(ctx, *po); });

    auto bo = std::make_shared<app::BenchRequest>();
    auto* bench = grp.add_subcommand("bench", "Measure GEMM TFLOP/s (cuBLASLt) and copy GB/s of one GPU");
    bench->add_option("--device", bo->device, "CUDA device index")->capture_default_str();
    bench->add_option("--dtype", bo->dtypes, "GEMM types, comma-separated: fp32,tf32,fp16,bf16,fp8 (default all)")
        ->check(one_of(app::gpu_dtype_names()))
        ->delimiter(',')
        ->type_name("LIST");
    bench->add_option("--seconds", bo->seconds, "Measured seconds per figure")->capture_default_str();
    bench->add_flag("--no-copy", bo->no_copy, "Skip the copy-bandwidth test");
    bench->add_flag("--save", bo->save, "Store the figures for the GPU type and derive its weight");
    bench->add_option("--type", bo->type, "GPU type to save under (default: matched from the device name)");
    bench->add_option("--host", bo->host, "Host to record with --save (default: the short host name)");
    on_run(bench, ctx, [&ctx, bo] { do_bench(ctx, *bo); });

    auto dev = std::make_shared<std::optional<int>>();
    auto* check = grp.add_subcommand("check", "Health test: memory and a known GEMM; exit 1 on failure");
    check->add_option("--device", *dev, "CUDA device index (default: every visible device)");
    on_run(check, ctx, [&ctx, dev] { do_check(ctx, *dev); });

    auto wo = std::make_shared<app::WeightsRequest>();
    auto* weights = grp.add_subcommand("weights", "Show GPU type weights derived from saved benchmarks");
    weights->add_option("--reference", wo->reference, "Reference GPU type (default: reference_gpu_type)");
    weights->add_option("--metric", wo->metric, "half, fp32, tf32, fp16, bf16, fp8 or copy (default: gpu_weight_metric)")
        ->check(one_of(app::gpu_metric_names()));
    weights->add_flag("--apply", wo->apply, "Write the derived weights to the GPU types");
    on_run(weights, ctx, [&ctx, wo] { do_weights(ctx, *wo); });

    auto rtype = std::make_shared<std::optional<std::string>>();
    auto* results = grp.add_subcommand("results", "List saved benchmark figures");
    results->add_option("TYPE", *rtype, "Only this GPU type");
    on_run(results, ctx, [&ctx, rtype] {
        auto rows = app::gpu_results(ctx.app, *rtype);
        ctx.out.listing({"MEASURED", "TYPE", "HOST", "DEVICE", "KIND", "DTYPE", "RESULT", "SPREAD %", "WEIGHT"}, rows,
                        [](const catalog::GpuBenchmark& b) {
                            std::string result = b.kind == "copy" ? fmt_number(b.gbps.value_or(0), 0) + " GB/s"
                                                                  : fmt_number(b.tflops.value_or(0), 1) + " TFLOP/s";
                            return std::vector<std::string>{
                                pdai::format_time(b.measured_at), b.gpu_type, b.host,
                                std::to_string(b.device_index) + " " + b.device_name, b.kind,
                                b.dtype.empty() ? "-" : b.dtype, result, fmt_number(b.spread * 100, 1),
                                b.weight ? fmt_number(*b.weight, 4) : "-"};
                        });
    });
}

}  // namespace pdai::cli
