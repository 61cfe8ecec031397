// pdai gpu probe|bench|check|weights|results (see gpu_device_cmd.hpp and pdai-gpu(1)).
#include "cli/gpu_device_cmd.hpp"

#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "catalog/gpu_benchmarks.hpp"
#include "catalog/gpu_types.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"
#include "gpu/gpu.hpp"
#include "inventory/gpu_inventory.hpp"
#include "pdai/build_config.hpp"

namespace pdai::cli {
namespace {

constexpr const char* kNoCuda = "this pdai was built without CUDA";
constexpr const char* kNoCudaHelp =
    "build pdai where the CUDA toolkit is installed (/usr/local/cuda), with "
    "-DPDAI_WITH_CUDA=ON to make sure";

gpu::Probe run_probe() {
#if PDAI_HAVE_CUDA
    return gpu::probe();
#else
    gpu::Probe p;
    p.no_device_reason = std::string("no CUDA device: ") + kNoCuda;
    return p;
#endif
}

[[noreturn]] void no_cuda(const std::string& command) {
    throw Error(Errc::failure, "pdai gpu " + command + ": " + kNoCuda, kNoCudaHelp);
}

std::string version_text(int v) {
    return v ? std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10) : "-";
}

// The short host name, as Slurm's NodeName usually is.
std::string short_hostname() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    std::string h = buf;
    return h.substr(0, h.find('.'));
}

nlohmann::json device_json(const gpu::Device& d) {
    return {{"index", d.index},
            {"name", d.name},
            {"uuid", d.uuid},
            {"pci_bus_id", d.pci_bus_id},
            {"memory_mib", d.memory_bytes >> 20},
            {"sm_count", d.sm_count},
            {"compute_capability", std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor)},
            {"clock_mhz", d.clock_mhz},
            {"memory_clock_mhz", d.memory_clock_mhz},
            {"memory_bus_bits", d.memory_bus_bits},
            {"ecc", d.ecc}};
}

nlohmann::json figure_json(const gpu::Figure& f) {
    nlohmann::json j = {{"kind", f.kind},
                        {"dtype", f.dtype ? nlohmann::json(gpu::dtype_name(*f.dtype)) : nlohmann::json(nullptr)},
                        {"supported", f.supported},
                        {"note", f.note}};
    if (!f.supported) return j;
    j["size"] = f.size;
    j[f.kind == "copy" ? "gbps" : "tflops"] = f.value;
    j["min"] = f.min;
    j["max"] = f.max;
    j["spread"] = f.spread;
    j["repeats"] = f.repeats;
    return j;
}

bool progress_wanted(const Context& ctx) {
    return !ctx.opts.quiet && !ctx.opts.json && isatty(STDERR_FILENO) == 1;
}

// ------------------------------------------------------------------ probe

struct ProbeOpts {
    bool register_node = false, require = false;
    std::string host;
};

void do_probe(Context& ctx, const ProbeOpts& o) {
    gpu::Probe p = run_probe();
    if (p.devices.empty() && o.require)
        throw Error(Errc::failure, p.no_device_reason,
                    PDAI_HAVE_CUDA ? "run it on a GPU node (inside the job) and check the driver "
                                     "(nvidia-smi) and CUDA_VISIBLE_DEVICES"
                                   : kNoCudaHelp);
    nlohmann::json j = {{"cuda_build", static_cast<bool>(PDAI_HAVE_CUDA)},
                        {"driver_cuda_version", p.driver_version ? nlohmann::json(version_text(p.driver_version)) : nlohmann::json(nullptr)},
                        {"runtime_cuda_version", p.runtime_version ? nlohmann::json(version_text(p.runtime_version)) : nlohmann::json(nullptr)},
                        {"devices", nlohmann::json::array()}};
    if (p.devices.empty()) j["reason"] = p.no_device_reason;
    for (const auto& d : p.devices) j["devices"].push_back(device_json(d));

    std::optional<inventory::RegisterResult> reg;
    if (o.register_node && !p.devices.empty()) {
        std::vector<std::string> names;
        for (const auto& d : p.devices) names.push_back(d.name);
        auto host = o.host.empty() ? short_hostname() : o.host;
        auto c = ctx.open_catalog(true);
        reg = c.write([&] { return inventory::register_node_gpus(c, host, names); });
        j["registered"] = {{"host", reg->host},
                           {"added", reg->added},
                           {"gpus_before", reg->gpus_before},
                           {"gpus", reg->gpus_after},
                           {"matched", reg->notes}};
    }

    if (ctx.out.format == Format::json) {
        std::cout << j.dump(2) << '\n';
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
    ctx.out.listing(t, j);
    if (reg && ctx.out.format == Format::table && !ctx.opts.quiet) {
        std::string gpus;
        for (const auto& [type, n] : reg->gpus_after) gpus += (gpus.empty() ? "" : ",") + type + ":" + std::to_string(n);
        std::cout << (reg->added ? "registered new node " : "updated node ") << reg->host << ": " << gpus << '\n';
        for (const auto& note : reg->notes) std::cout << "  " << note << '\n';
    }
}

// ------------------------------------------------------------------ bench

struct BenchOpts {
    int device = 0;
    std::vector<std::string> dtypes;
    double seconds = 3.0;
    bool save = false, no_copy = false;
    std::optional<std::string> type, host;
};

std::vector<gpu::Dtype> parse_dtypes(const std::vector<std::string>& names) {
    if (names.empty()) return {gpu::kAllDtypes.begin(), gpu::kAllDtypes.end()};
    std::vector<gpu::Dtype> out;
    for (const auto& n : names) {
        auto d = gpu::parse_dtype(n);
        if (!d)
            throw Error(Errc::usage, "unknown --dtype '" + n + "'", "use fp32, tf32, fp16, bf16, fp8 (comma-separated)");
        if (std::find(out.begin(), out.end(), *d) == out.end()) out.push_back(*d);
    }
    return out;
}

std::vector<catalog::GpuBenchmark> to_rows(const gpu::BenchReport& r, const std::string& type,
                                           const std::string& host) {
    std::vector<catalog::GpuBenchmark> rows;
    for (const auto& f : r.figures) {
        if (!f.supported) continue;
        catalog::GpuBenchmark b;
        b.gpu_type = type;
        b.host = host;
        b.device_index = r.device.index;
        b.device_uuid = r.device.uuid;
        b.device_name = r.device.name;
        b.kind = f.kind;
        b.dtype = f.dtype ? std::string(gpu::dtype_name(*f.dtype)) : "";
        b.size = f.size;
        (f.kind == "copy" ? b.gbps : b.tflops) = f.value;
        b.spread = f.spread;
        b.repeats = f.repeats;
        rows.push_back(std::move(b));
    }
    return rows;
}

void do_bench(Context& ctx, const BenchOpts& o) {
    gpu::BenchOptions bo;
    bo.device = o.device;
    bo.dtypes = parse_dtypes(o.dtypes);
    bo.seconds = o.seconds;
    bo.copy = !o.no_copy;
    if (!(o.seconds > 0) || o.seconds > 3600)
        throw Error(Errc::usage, "--seconds must be more than 0 and at most 3600");
    if (!PDAI_HAVE_CUDA) no_cuda("bench");
    // Before minutes of measuring: which type the figures will be saved under.
    std::string type, host = o.host.value_or(short_hostname());
    if (o.save) {
        auto p = run_probe();
        if (p.devices.empty()) throw Error(Errc::failure, p.no_device_reason);
        auto c = ctx.open_catalog(true);
        for (const auto& d : p.devices)
            if (d.index == o.device) type = o.type ? catalog::get_gpu_type(c, *o.type).name
                                                   : inventory::resolve_device_type(c, d.name);
    }
    if (progress_wanted(ctx)) bo.progress = [](const std::string& line) { std::cerr << "pdai gpu bench: " << line << '\n'; };
#if PDAI_HAVE_CUDA
    gpu::BenchReport r = gpu::bench(bo);
#else
    gpu::BenchReport r;
#endif

    nlohmann::json j = {{"device", device_json(r.device)}, {"library", r.library}, {"seconds", o.seconds},
                        {"figures", nlohmann::json::array()}};
    for (const auto& f : r.figures) j["figures"].push_back(figure_json(f));
    std::optional<inventory::SaveResult> saved;
    if (o.save && type.empty()) throw Error(Errc::failure, "CUDA device " + std::to_string(o.device) + " vanished");
    if (o.save) {
        auto c = ctx.open_catalog(true);
        saved = c.write([&] {
            return inventory::save_benchmarks(c, to_rows(r, type, host), ctx.config.reference_gpu_type,
                                              ctx.config.gpu_weight_metric);
        });
        nlohmann::json updated = nlohmann::json::array();
        for (const auto& u : saved->updated)
            updated.push_back({{"gpu_type", u.gpu_type}, {"before", u.before}, {"after", u.after}});
        j["saved"] = {{"gpu_type", type},
                      {"host", host},
                      {"rows", saved->rows},
                      {"reference_type", ctx.config.reference_gpu_type ? nlohmann::json(*ctx.config.reference_gpu_type) : nlohmann::json(nullptr)},
                      {"metric", ctx.config.gpu_weight_metric},
                      {"weight", saved->weight ? nlohmann::json(*saved->weight) : nlohmann::json(nullptr)},
                      {"weights_updated", updated},
                      {"note", saved->note}};
    }
    if (ctx.out.format == Format::json) {
        std::cout << j.dump(2) << '\n';
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
    ctx.out.listing(t, j);
    if (saved && ctx.out.format == Format::table && !ctx.opts.quiet) {
        std::cout << "saved " << saved->rows << " figures for GPU type " << type << " (host " << host << ")\n";
        for (const auto& u : saved->updated)
            std::cout << "weight of " << u.gpu_type << ": " << fmt_number(u.before, 4) << " -> "
                      << fmt_number(u.after, 4) << " (relative to " << *ctx.config.reference_gpu_type
                      << ", metric " << ctx.config.gpu_weight_metric << ")\n";
        if (saved->weight && saved->updated.empty())
            std::cout << "weight of " << type << " unchanged at " << fmt_number(*saved->weight, 4) << '\n';
        if (!saved->note.empty()) std::cout << saved->note << '\n';
    }
}

// ------------------------------------------------------------------ check

void do_check(Context& ctx, std::optional<int> device) {
    if (!PDAI_HAVE_CUDA) no_cuda("check");
#if PDAI_HAVE_CUDA
    auto reports = gpu::check(device);
#else
    std::vector<gpu::CheckReport> reports;
    (void)device;
#endif
    nlohmann::json j = nlohmann::json::array();
    std::string failed;
    for (const auto& r : reports) {
        nlohmann::json steps = nlohmann::json::array();
        for (const auto& s : r.steps) steps.push_back({{"step", s.name}, {"ok", s.ok}, {"detail", s.detail}});
        j.push_back({{"device", device_json(r.device)}, {"ok", r.ok()}, {"steps", steps}});
        if (!r.ok() && failed.empty()) {
            for (const auto& s : r.steps)
                if (!s.ok && failed.empty())
                    failed = "device " + std::to_string(r.device.index) + " (" + r.device.name + ", " +
                             r.device.pci_bus_id + "): " + s.name + ": " + s.detail;
        }
    }
    if (ctx.out.format == Format::json) {
        std::cout << j.dump(2) << '\n';
    } else {
        Table t{{"DEVICE", "STEP", "RESULT", "DETAIL"}, {}};
        for (const auto& r : reports)
            for (const auto& s : r.steps)
                t.rows.push_back({std::to_string(r.device.index), s.name, s.ok ? "ok" : "FAILED", s.detail});
        ctx.out.listing(t, j);
    }
    if (!failed.empty())
        throw Error(Errc::failure, "GPU check failed on " + failed,
                    "do not run work on this GPU: requeue the job elsewhere and tell the platform admin");
    if (ctx.out.format == Format::table && !ctx.opts.quiet)
        std::cout << "GPU check passed on " << reports.size() << " device" << (reports.size() == 1 ? "" : "s") << '\n';
}

// ------------------------------------------------------------------ weights and results

struct WeightOpts {
    std::optional<std::string> reference, metric;
    bool apply = false;
};

void do_weights(Context& ctx, const WeightOpts& o) {
    auto reference = o.reference ? o.reference : ctx.config.reference_gpu_type;
    if (!reference)
        throw Error(Errc::usage, "no reference GPU type",
                    "set reference_gpu_type in pdai.conf (the type whose weight is 1), or give --reference");
    std::string metric = o.metric.value_or(ctx.config.gpu_weight_metric);
    auto c = ctx.open_catalog(o.apply);
    std::vector<inventory::WeightUpdate> updated;
    std::vector<inventory::WeightRow> rows;
    if (o.apply) {
        c.write([&] {
            rows = inventory::weight_table(c, *reference, metric);
            updated = inventory::apply_weights(c, rows);
        });
    } else {
        rows = inventory::weight_table(c, *reference, metric);
    }
    nlohmann::json j = nlohmann::json::array();
    Table t{{"TYPE", "WEIGHT", "DERIVED", "METRIC", "CARDS"}, {}};
    for (const auto& r : rows) {
        const auto& m = r.derived.metric;
        j.push_back({{"gpu_type", r.gpu_type},
                     {"weight", r.current},
                     {"derived_weight", r.derived.weight ? nlohmann::json(*r.derived.weight) : nlohmann::json(nullptr)},
                     {"metric", m ? nlohmann::json(m->value) : nlohmann::json(nullptr)},
                     {"unit", m ? m->unit : ""},
                     {"cards", m ? m->cards : 0},
                     {"reference", r.gpu_type == *reference}});
        t.rows.push_back({r.gpu_type + (r.gpu_type == *reference ? " (reference)" : ""), fmt_number(r.current, 4),
                          r.derived.weight ? fmt_number(*r.derived.weight, 4) : "-",
                          m ? fmt_number(m->value, 1) + " " + m->unit : "-", m ? std::to_string(m->cards) : "0"});
    }
    ctx.out.listing(t, j);
    if (o.apply && ctx.out.format == Format::table && !ctx.opts.quiet) {
        for (const auto& u : updated)
            std::cout << "weight of " << u.gpu_type << ": " << fmt_number(u.before, 4) << " -> " << fmt_number(u.after, 4) << '\n';
        if (updated.empty()) std::cout << "no weight changed\n";
    }
}

}  // namespace

void set_gpu_device_commands(CLI::App& grp, Context& ctx) {
    auto po = std::make_shared<ProbeOpts>();
    auto* probe = grp.add_subcommand("probe", "List this machine's CUDA devices; --register records them");
    probe->add_flag("--register", po->register_node,
                    "Record this node's GPUs in the catalog under their GPU types");
    probe->add_flag("--require", po->require, "Fail (exit 1) when there is no CUDA device");
    probe->add_option("--host", po->host, "Node name to register under (default: the short host name)");
    on_run(probe, ctx, [&ctx, po] { do_probe(ctx, *po); });

    auto bo = std::make_shared<BenchOpts>();
    auto* bench = grp.add_subcommand("bench", "Measure GEMM TFLOP/s (cuBLASLt) and copy GB/s of one GPU");
    bench->add_option("--device", bo->device, "CUDA device index")->capture_default_str();
    bench->add_option("--dtype", bo->dtypes, "GEMM types, comma-separated: fp32,tf32,fp16,bf16,fp8 (default all)")
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

    auto wo = std::make_shared<WeightOpts>();
    auto* weights = grp.add_subcommand("weights", "Show GPU type weights derived from saved benchmarks");
    weights->add_option("--reference", wo->reference, "Reference GPU type (default: reference_gpu_type)");
    weights->add_option("--metric", wo->metric, "half, fp32, tf32, fp16, bf16, fp8 or copy (default: gpu_weight_metric)");
    weights->add_flag("--apply", wo->apply, "Write the derived weights to the GPU types");
    on_run(weights, ctx, [&ctx, wo] { do_weights(ctx, *wo); });

    auto rtype = std::make_shared<std::optional<std::string>>();
    auto* results = grp.add_subcommand("results", "List saved benchmark figures");
    results->add_option("TYPE", *rtype, "Only this GPU type");
    on_run(results, ctx, [&ctx, rtype] {
        auto c = ctx.open_catalog(false);
        if (*rtype) catalog::get_gpu_type(c, **rtype);
        auto rows = catalog::list_gpu_benchmarks(c, *rtype);
        ctx.out.listing({"MEASURED", "TYPE", "HOST", "DEVICE", "KIND", "DTYPE", "RESULT", "SPREAD %", "WEIGHT"}, rows,
                        [](const catalog::GpuBenchmark& b) {
                            std::string result = b.kind == "copy" ? fmt_number(b.gbps.value_or(0), 0) + " GB/s"
                                                                  : fmt_number(b.tflops.value_or(0), 1) + " TFLOP/s";
                            return std::vector<std::string>{
                                catalog::format_time(b.measured_at), b.gpu_type, b.host,
                                std::to_string(b.device_index) + " " + b.device_name, b.kind,
                                b.dtype.empty() ? "-" : b.dtype, result, fmt_number(b.spread * 100, 1),
                                b.weight ? fmt_number(*b.weight, 4) : "-"};
                        });
    });
}

}  // namespace pdai::cli
