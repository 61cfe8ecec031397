// `pdai gpu check`: a short health test a batch script runs before real work. Memory:
// a pattern written and read back over a large buffer. Compute: a known GEMM in FP32 and
// on the FP16 tensor cores, compared with a CPU reference. Inputs are multiples of 1/4 in
// [-1, 1], exact in FP16, so every product and sum is exact in FP32: the tolerance only
// absorbs summation order, and any wrong bit of a healthy path shows up.
#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "common/error.hpp"
#include "gpu/cuda_util.hpp"
#include "gpu/gemm.hpp"
#include "gpu/gpu.hpp"
#include "gpu/kernels.hpp"

namespace pdai::gpu {
namespace {

using namespace detail;

constexpr int kM = 384, kN = 320, kK = 256;  // not square: a swapped dimension shows
constexpr double kTolerance = 1e-5;          // relative to max(1, |reference|)

float input(int i, int seed) {
    unsigned h = static_cast<unsigned>(i) * 2654435761u + static_cast<unsigned>(seed) * 40503u;
    h ^= h >> 13;
    return static_cast<float>(static_cast<int>(h % 9) - 4) * 0.25f;
}

CheckStep memory_step(const Stream& stream) {
    CheckStep st{"memory", false, ""};
    std::size_t free = 0, total = 0;
    cuda_check(cudaMemGetInfo(&free, &total), "reading free memory");
    std::size_t bytes = std::min<std::size_t>(std::size_t{1} << 30, free / 4) & ~std::size_t{0xfffff};
    if (bytes == 0) {
        st.detail = "less than 4 MiB of device memory free";
        return st;
    }
    DeviceBuffer buf(bytes), errors(sizeof(unsigned long long));
    cuda_check(cudaMemsetAsync(errors.get(), 0, errors.bytes(), stream.get()), "clearing a counter");
    auto words = bytes / 4;
    write_pattern(buf.as<std::uint32_t>(), words, 7, stream.get());
    count_pattern_errors(buf.as<std::uint32_t>(), words, 7, errors.as<unsigned long long>(), stream.get());
    cuda_check(cudaGetLastError(), "launching the memory test");
    unsigned long long bad = 0;
    cuda_check(cudaMemcpyAsync(&bad, errors.get(), sizeof bad, cudaMemcpyDeviceToHost, stream.get()),
               "reading the error count");
    stream.sync();
    st.ok = bad == 0;
    st.detail = std::to_string(bytes >> 20) + " MiB written and read back, " +
                std::to_string(bad) + " words wrong";
    return st;
}

// D (m×n) = A^T · B with A stored k×m and B k×n, column-major, in doubles.
std::vector<double> reference(const std::vector<float>& a, const std::vector<float>& b) {
    std::vector<double> d(static_cast<std::size_t>(kM) * kN);
    for (int j = 0; j < kN; ++j)
        for (int i = 0; i < kM; ++i) {
            double sum = 0;
            for (int p = 0; p < kK; ++p)
                sum += static_cast<double>(a[static_cast<std::size_t>(i) * kK + p]) *
                       b[static_cast<std::size_t>(j) * kK + p];
            d[static_cast<std::size_t>(j) * kM + i] = sum;
        }
    return d;
}

template <class In>
CheckStep gemm_step(const std::string& name, const GemmTypes& t, const LtHandle& h,
                    const Stream& stream, In (*convert)(float)) {
    CheckStep st{name, false, ""};
    std::vector<float> a(static_cast<std::size_t>(kK) * kM), b(static_cast<std::size_t>(kK) * kN);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = input(static_cast<int>(i), 1);
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = input(static_cast<int>(i), 2);
    std::vector<In> ha(a.size()), hb(b.size());
    std::transform(a.begin(), a.end(), ha.begin(), convert);
    std::transform(b.begin(), b.end(), hb.begin(), convert);

    DeviceBuffer da(ha.size() * sizeof(In)), db(hb.size() * sizeof(In));
    DeviceBuffer dd(static_cast<std::size_t>(kM) * kN * sizeof(float)), ws(4u << 20);
    cuda_check(cudaMemcpyAsync(da.get(), ha.data(), da.bytes(), cudaMemcpyHostToDevice, stream.get()), "copying A");
    cuda_check(cudaMemcpyAsync(db.get(), hb.data(), db.bytes(), cudaMemcpyHostToDevice, stream.get()), "copying B");
    LtGemm g(h, t, kM, kN, kK, da.get(), db.get(), dd.get(), ws.get(), ws.bytes());
    g.run(stream.get());
    std::vector<float> d(static_cast<std::size_t>(kM) * kN);
    cuda_check(cudaMemcpyAsync(d.data(), dd.get(), dd.bytes(), cudaMemcpyDeviceToHost, stream.get()), "copying D");
    stream.sync();

    auto ref = reference(a, b);
    double worst = 0;
    std::size_t bad = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
        double err = std::abs(d[i] - ref[i]) / std::max(1.0, std::abs(ref[i]));
        if (!(err <= kTolerance)) ++bad;  // NaN counts as bad
        worst = std::max(worst, std::isfinite(err) ? err : 1e300);
    }
    st.ok = bad == 0;
    char buf[160];
    std::snprintf(buf, sizeof buf, "%dx%dx%d, %zu of %zu elements off, worst relative error %.2g (tolerance %.0e)",
                  kM, kN, kK, bad, d.size(), worst, kTolerance);
    st.detail = buf;
    return st;
}

// Runs one step; a CUDA or cuBLAS failure is that step's failure, not the whole check's.
template <class F>
void step(CheckReport& r, const std::string& name, F&& f) {
    try {
        r.steps.push_back(f());
    } catch (const Error& e) {
        r.steps.push_back({name, false, e.what()});
    }
}

CheckReport check_one(const Device& dev) {
    CheckReport r;
    r.device = dev;
    step(r, "select", [&] {
        use_device(dev.index);
        return CheckStep{"select", true, dev.name + " (" + dev.pci_bus_id + ")"};
    });
    if (!r.ok()) return r;
    try {
        Stream stream;
        step(r, "memory", [&] { return memory_step(stream); });
        try {
            LtHandle h;
            step(r, "gemm fp32", [&] {
                GemmTypes t{CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F, Storage::f32, Storage::f32, 4, 4};
                return gemm_step<float>("gemm fp32", t, h, stream, +[](float v) { return v; });
            });
            step(r, "gemm fp16", [&] {
                GemmTypes t{CUDA_R_16F, CUDA_R_32F, CUBLAS_COMPUTE_32F, Storage::f16, Storage::f32, 2, 4};
                return gemm_step<__half>("gemm fp16", t, h, stream, +[](float v) { return __float2half(v); });
            });
        } catch (const Error& e) {
            r.steps.push_back({"cublas", false, e.what()});
        }
    } catch (const Error& e) {
        r.steps.push_back({"cuda", false, e.what()});
    }
    step(r, "sync", [&] {
        cuda_check(cudaDeviceSynchronize(), "synchronising the device");
        cuda_check(cudaGetLastError(), "reading the device's error state");
        return CheckStep{"sync", true, "no pending CUDA error"};
    });
    return r;
}

}  // namespace

std::vector<CheckReport> check(std::optional<int> device) {
    Probe p = probe();
    if (p.devices.empty())
        throw Error(Errc::failure, p.no_device_reason,
                    "run it on a GPU node (inside the job) and check CUDA_VISIBLE_DEVICES");
    std::vector<CheckReport> out;
    for (const auto& d : p.devices)
        if (!device || d.index == *device) out.push_back(check_one(d));
    if (out.empty())
        throw Error(Errc::usage, "no CUDA device " + std::to_string(*device) + ": " +
                                     std::to_string(p.devices.size()) + " visible");
    return out;
}

}  // namespace pdai::gpu
