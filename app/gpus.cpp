#include "app/gpus.hpp"

#include <unistd.h>

#include <algorithm>

#include "pdai/build_config.hpp"

namespace pdai::app {
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

// The short host name, as Slurm's NodeName usually is.
std::string short_hostname() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    std::string h = buf;
    return h.substr(0, h.find('.'));
}

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

}  // namespace

catalog::GpuType add_gpu_type(const Context& ctx, const AddGpuType& r) {
    std::optional<std::int64_t> mib;
    if (r.memory_gib) mib = *r.memory_gib * 1024;
    auto c = ctx.open_catalog(true);
    return c.write([&] { return catalog::add_gpu_type(c, r.name, r.weight, r.price_cny, r.vendor, mib); });
}

std::vector<catalog::GpuType> list_gpu_types(const Context& ctx) {
    auto c = ctx.open_catalog(false);
    return catalog::list_gpu_types(c);
}

catalog::Updated<catalog::GpuType> set_gpu_type(const Context& ctx, const SetGpuType& r) {
    catalog::GpuTypeChange ch{r.weight, r.price_cny, r.vendor, {}, r.match};
    if (r.memory_gib) ch.memory_mib = *r.memory_gib * 1024;
    auto c = ctx.open_catalog(true);
    return c.write([&] { return catalog::set_gpu_type(c, r.name, ch); });
}

bool cuda_built() noexcept { return PDAI_HAVE_CUDA; }

ProbeResult probe_gpus(const Context& ctx, const ProbeRequest& r) {
    ProbeResult out;
    out.probe = run_probe();
    const auto& p = out.probe;
    if (p.devices.empty() && r.require)
        throw Error(Errc::failure, p.no_device_reason,
                    PDAI_HAVE_CUDA ? "run it on a GPU node (inside the job) and check the driver "
                                     "(nvidia-smi) and CUDA_VISIBLE_DEVICES"
                                   : kNoCudaHelp);
    if (r.register_node && !p.devices.empty()) {
        std::vector<std::string> names;
        for (const auto& d : p.devices) names.push_back(d.name);
        auto host = r.host.empty() ? short_hostname() : r.host;
        auto c = ctx.open_catalog(true);
        out.registered = c.write([&] { return inventory::register_node_gpus(c, host, names); });
    }
    return out;
}

BenchResult bench_gpu(const Context& ctx, const BenchRequest& r) {
    gpu::BenchOptions bo;
    bo.device = r.device;
    bo.dtypes = parse_dtypes(r.dtypes);
    bo.seconds = r.seconds;
    bo.copy = !r.no_copy;
    bo.progress = r.progress;
    if (!(r.seconds > 0) || r.seconds > 3600)
        throw Error(Errc::usage, "--seconds must be more than 0 and at most 3600");
    if (!PDAI_HAVE_CUDA) no_cuda("bench");
    // Before minutes of measuring: which type the figures will be saved under.
    std::string type, host = r.host.value_or(short_hostname());
    if (r.save) {
        auto p = run_probe();
        if (p.devices.empty()) throw Error(Errc::failure, p.no_device_reason);
        auto c = ctx.open_catalog(true);
        for (const auto& d : p.devices)
            if (d.index == r.device)
                type = r.type ? catalog::get_gpu_type(c, *r.type).name : inventory::resolve_device_type(c, d.name);
    }
    BenchResult out;
    out.seconds = r.seconds;
#if PDAI_HAVE_CUDA
    out.report = gpu::bench(bo);
#endif
    if (r.save && type.empty()) throw Error(Errc::failure, "CUDA device " + std::to_string(r.device) + " vanished");
    if (r.save) {
        auto c = ctx.open_catalog(true);
        SavedBench s;
        s.gpu_type = type;
        s.host = host;
        s.reference = ctx.settings.reference_gpu_type;
        s.metric = ctx.settings.gpu_weight_metric;
        s.result = c.write([&] { return inventory::save_benchmarks(c, to_rows(out.report, type, host), s.reference, s.metric); });
        out.saved = std::move(s);
    }
    return out;
}

CheckResult check_gpus(std::optional<int> device) {
    if (!PDAI_HAVE_CUDA) no_cuda("check");
    CheckResult out;
#if PDAI_HAVE_CUDA
    out.reports = gpu::check(device);
#else
    (void)device;
#endif
    for (const auto& r : out.reports) {
        if (r.ok()) continue;
        for (const auto& s : r.steps)
            if (!s.ok && !out.failure)
                out.failure = Error(Errc::failure,
                                    "GPU check failed on device " + std::to_string(r.device.index) + " (" +
                                        r.device.name + ", " + r.device.pci_bus_id + "): " + s.name + ": " + s.detail,
                                    "do not run work on this GPU: requeue the job elsewhere and tell the platform admin");
    }
    return out;
}

WeightsResult gpu_weights(const Context& ctx, const WeightsRequest& r) {
    auto reference = r.reference ? r.reference : ctx.settings.reference_gpu_type;
    if (!reference)
        throw Error(Errc::usage, "no reference GPU type",
                    "set reference_gpu_type in pdai.conf (the type whose weight is 1), or give --reference");
    WeightsResult out;
    out.reference = *reference;
    out.metric = r.metric.value_or(ctx.settings.gpu_weight_metric);
    auto c = ctx.open_catalog(r.apply);
    if (r.apply) {
        c.write([&] {
            out.rows = inventory::weight_table(c, out.reference, out.metric);
            out.updated = inventory::apply_weights(c, out.rows);
        });
    } else {
        out.rows = inventory::weight_table(c, out.reference, out.metric);
    }
    return out;
}

std::vector<catalog::GpuBenchmark> gpu_results(const Context& ctx, const std::optional<std::string>& type) {
    auto c = ctx.open_catalog(false);
    if (type) catalog::get_gpu_type(c, *type);
    return catalog::list_gpu_benchmarks(c, type);
}

}  // namespace pdai::app
