// `pdai gpu bench`: sustained GEMM throughput through cuBLASLt and device-to-device copy
// bandwidth through pdai's own kernel. Each figure: sweep sizes to find where the card
// peaks, warm up (clocks ramp and settle under load), then time `repeats` batches of
// back-to-back calls with CUDA events; the figure is their median, with the spread.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#include "common/error.hpp"
#include "gpu/cuda_util.hpp"
#include "gpu/gemm.hpp"
#include "gpu/gpu.hpp"
#include "gpu/kernels.hpp"

namespace pdai::gpu {
namespace {

using namespace detail;

constexpr int kRepeats = 10;
constexpr std::size_t kWorkspace = 32u << 20;  // what cuBLASLt asks for on Hopper
constexpr int kSizes[] = {1024, 2048, 4096, 6144, 8192, 12288, 16384};

void progress(const BenchOptions& o, const std::string& line) {
    if (o.progress) o.progress(line);
}

std::string fmt(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

void summarise(Figure& f, std::vector<double> v) {
    std::sort(v.begin(), v.end());
    auto n = v.size();
    f.value = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    f.min = v.front();
    f.max = v.back();
    f.spread = f.value > 0 ? (f.max - f.min) / f.value : 0;
    f.repeats = static_cast<int>(n);
}

// Seconds for `n` back-to-back calls of `call` on `stream`.
template <class F>
double time_calls(const Stream& stream, int n, F&& call) {
    Event start, stop;
    start.record(stream);
    for (int i = 0; i < n; ++i) call();
    stop.record(stream);
    cuda_check(cudaGetLastError(), "launching work");
    return elapsed_seconds(start, stop);
}

struct Operands {
    DeviceBuffer a, b, d;
    Operands(const GemmTypes& t, int s, const Stream& stream) {
        auto n = static_cast<std::size_t>(s) * static_cast<std::size_t>(s);
        a = DeviceBuffer(n * t.ab_bytes);
        b = DeviceBuffer(n * t.ab_bytes);
        d = DeviceBuffer(n * t.cd_bytes);
        fill_random(a.get(), t.ab_storage, n, 1, stream.get());
        fill_random(b.get(), t.ab_storage, n, 2, stream.get());
        cuda_check(cudaGetLastError(), "filling matrices");
    }
};

int clamp_calls(double want_s, double per_call_s, int lo, int hi) {
    double n = per_call_s > 0 ? want_s / per_call_s : hi;
    return static_cast<int>(std::clamp(n, static_cast<double>(lo), static_cast<double>(hi)));
}

Figure bench_gemm(const BenchOptions& o, const Device& dev, Dtype dt, const LtHandle& h,
                  const Stream& stream, const DeviceBuffer& ws) {
    Figure f;
    f.kind = "gemm";
    f.dtype = dt;
    auto name = std::string(dtype_name(dt));
    if (auto why = unsupported_reason(dt, dev.cc_major, dev.cc_minor); !why.empty()) {
        f.supported = false;
        f.note = why;
        progress(o, name + ": skipped, " + why);
        return f;
    }
    const GemmTypes t = gemm_types(dt);

    // Sweep: the smallest size at which throughput stops growing.
    int best = 0, worse = 0;
    double best_tflops = 0, best_call_s = 0;
    for (int s : kSizes) {
        std::size_t free = 0, total = 0;
        cuda_check(cudaMemGetInfo(&free, &total), "reading free memory");
        double need = static_cast<double>(s) * s * (2.0 * static_cast<double>(t.ab_bytes) + static_cast<double>(t.cd_bytes));
        if (need > 0.6 * static_cast<double>(free)) break;
        Operands op(t, s, stream);
        std::optional<LtGemm> g;
        try {
            g.emplace(h, t, s, s, s, op.a.get(), op.b.get(), op.d.get(), ws.get(), ws.bytes());
        } catch (const Error& e) {
            if (best == 0) {
                f.supported = false;
                f.note = e.what();
                progress(o, name + ": skipped, " + f.note);
                return f;
            }
            break;
        }
        auto call = [&] { g->run(stream.get()); };
        time_calls(stream, 1, call);  // first call loads kernels
        double per_call = time_calls(stream, 2, call) / 2;
        int n = clamp_calls(0.1, per_call, 2, 5000);
        double tflops = g->flops() * n / time_calls(stream, n, call) / 1e12;
        progress(o, name + " " + std::to_string(s) + "³: " + fmt(tflops, 1) + " TFLOP/s");
        if (tflops > best_tflops * 1.01) {
            best = s;
            best_tflops = tflops;
            best_call_s = per_call;
            worse = 0;
        } else if (++worse >= 2) {
            break;
        }
        if (per_call > 0.1) break;  // larger sizes only take longer to measure
    }
    if (best == 0) {
        f.supported = false;
        f.note = "not enough free device memory for a 1024³ GEMM";
        return f;
    }

    Operands op(t, best, stream);
    LtGemm g(h, t, best, best, best, op.a.get(), op.b.get(), op.d.get(), ws.get(), ws.bytes());
    auto call = [&] { g.run(stream.get()); };
    time_calls(stream, clamp_calls(std::min(1.0, o.seconds / 3), best_call_s, 2, 100000), call);
    int n = clamp_calls(o.seconds / kRepeats, best_call_s, 1, 100000);
    std::vector<double> v;
    for (int r = 0; r < kRepeats; ++r) v.push_back(g.flops() * n / time_calls(stream, n, call) / 1e12);
    summarise(f, v);
    f.size = std::to_string(best) + "x" + std::to_string(best) + "x" + std::to_string(best);
    progress(o, name + " at " + f.size + ": " + fmt(f.value, 1) + " TFLOP/s (spread " +
                    fmt(f.spread * 100, 1) + "%)");
    return f;
}

Figure bench_copy(const BenchOptions& o, const Device& dev, const Stream& stream) {
    Figure f;
    f.kind = "copy";
    std::size_t free = 0, total = 0;
    cuda_check(cudaMemGetInfo(&free, &total), "reading free memory");
    // Far larger than any L2 (50-60 MiB on H100/H200), so the figure is HBM's.
    std::size_t bytes = std::min<std::size_t>(std::size_t{1} << 30, free / 4) & ~((std::size_t{1} << 20) - 1);
    if (bytes < (std::size_t{256} << 20)) {
        f.supported = false;
        f.note = "not enough free device memory for two 256 MiB buffers";
        return f;
    }
    DeviceBuffer src(bytes), dst(bytes);
    fill_random(src.get(), Storage::f32, bytes / 4, 3, stream.get());
    int per_sm = 0;
    cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxThreadsPerMultiProcessor, dev.index);
    int blocks = std::max(1, dev.sm_count * std::max(1, per_sm / 256));  // one full wave
    auto call = [&] { copy_bytes(src.get(), dst.get(), bytes, blocks, stream.get()); };
    time_calls(stream, 3, call);
    double per_call = time_calls(stream, 3, call) / 3;
    time_calls(stream, clamp_calls(std::min(1.0, o.seconds / 3), per_call, 2, 100000), call);
    int n = clamp_calls(o.seconds / kRepeats, per_call, 1, 100000);
    std::vector<double> v;
    for (int r = 0; r < kRepeats; ++r)
        v.push_back(2.0 * static_cast<double>(bytes) * n / time_calls(stream, n, call) / 1e9);
    summarise(f, v);
    f.size = std::to_string(bytes);
    f.note = "GB/s counts bytes read plus bytes written";
    progress(o, "copy " + std::to_string(bytes >> 20) + " MiB: " + fmt(f.value, 0) + " GB/s (spread " +
                    fmt(f.spread * 100, 1) + "%)");
    return f;
}

}  // namespace

BenchReport bench(const BenchOptions& o) {
    if (!(o.seconds > 0) || o.seconds > 3600)
        throw Error(Errc::usage, "--seconds must be more than 0 and at most 3600");
    use_device(o.device);
    BenchReport r;
    Probe p = probe();
    auto it = std::find_if(p.devices.begin(), p.devices.end(),
                           [&](const Device& d) { return d.index == o.device; });
    if (it == p.devices.end())
        throw Error(Errc::failure, "CUDA device " + std::to_string(o.device) + " cannot be queried");
    r.device = *it;
    bool any_gemm = !o.dtypes.empty();
    if (any_gemm) r.library = "cuBLASLt " + lt_version_text();  // fails early when missing
    Stream stream;
    if (any_gemm) {
        LtHandle h;
        DeviceBuffer ws(kWorkspace);
        for (Dtype d : o.dtypes) r.figures.push_back(bench_gemm(o, r.device, d, h, stream, ws));
    }
    if (o.copy) r.figures.push_back(bench_copy(o, r.device, stream));
    return r;
}

}  // namespace pdai::gpu
