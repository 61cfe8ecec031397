// The CUDA probe, benchmark and health check behind a plain C++ interface: no CUDA type
// crosses it, so cli/ includes it whether or not this pdai was built with CUDA. Only the
// definitions (gpu/*.cpp, gpu/*.cu, built when PDAI_HAVE_CUDA) need the toolkit.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pdai::gpu {

// GEMM element types. fp32: plain FP32; tf32: FP32 data on TF32 tensor cores; fp16, bf16:
// half-precision inputs and outputs with FP32 accumulation; fp8: E4M3 inputs, BF16 output.
enum class Dtype { fp32, tf32, fp16, bf16, fp8 };
inline constexpr std::array<Dtype, 5> kAllDtypes = {Dtype::fp32, Dtype::tf32, Dtype::fp16,
                                                    Dtype::bf16, Dtype::fp8};

inline std::string_view dtype_name(Dtype d) {
    switch (d) {
    case Dtype::fp32: return "fp32";
    case Dtype::tf32: return "tf32";
    case Dtype::fp16: return "fp16";
    case Dtype::bf16: return "bf16";
    case Dtype::fp8: return "fp8";
    }
    return "?";
}

inline std::optional<Dtype> parse_dtype(std::string_view s) {
    for (Dtype d : kAllDtypes)
        if (dtype_name(d) == s) return d;
    return std::nullopt;
}

struct Device {
    int index = 0;  // CUDA ordinal, after CUDA_VISIBLE_DEVICES
    std::string name, uuid, pci_bus_id;  // uuid "GPU-xxxxxxxx-...", as nvidia-smi prints it
    std::uint64_t memory_bytes = 0;
    int sm_count = 0, cc_major = 0, cc_minor = 0;
    int clock_mhz = 0, memory_clock_mhz = 0, memory_bus_bits = 0;  // peak, from the driver
    bool ecc = false;
};

struct Probe {
    std::vector<Device> devices;
    // Set when `devices` is empty: why, in words ("no CUDA device: no NVIDIA driver ...").
    std::string no_device_reason;
    int driver_version = 0;   // CUDA version the driver supports, 12040 = 12.4; 0: none
    int runtime_version = 0;  // the CUDA runtime linked into pdai
};

// Every visible device. A missing driver, an old driver or no device is an empty Probe
// with a reason, never an exception or a crash.
Probe probe();

struct BenchOptions {
    int device = 0;
    std::vector<Dtype> dtypes{kAllDtypes.begin(), kAllDtypes.end()};
    double seconds = 3.0;  // measured time per figure, after the size sweep and warm-up
    bool copy = true;      // also measure device-to-device copy bandwidth
    std::function<void(const std::string&)> progress;  // one line per step; may be empty
};

// One measured figure: the median of `repeats` timed batches, each many back-to-back calls.
struct Figure {
    std::string kind;             // "gemm" or "copy"
    std::optional<Dtype> dtype;   // gemm only
    std::string size;             // gemm "MxNxK"; copy the bytes per buffer
    double value = 0;             // TFLOP/s (gemm, 2·M·N·K per call) or GB/s (copy, read+write)
    double min = 0, max = 0;      // over the repeats
    double spread = 0;            // (max - min) / median
    int repeats = 0;
    bool supported = true;
    std::string note;             // why not supported, or what was chosen
};

struct BenchReport {
    Device device;
    std::vector<Figure> figures;
    std::string library;  // "cuBLASLt 13.1.0"
};

// Throws pdai::Error: no device, cuBLASLt missing, a CUDA failure.
BenchReport bench(const BenchOptions& opts);

struct CheckStep {
    std::string name;
    bool ok = false;
    std::string detail;
};

struct CheckReport {
    Device device;
    std::vector<CheckStep> steps;
    bool ok() const {
        for (const auto& s : steps)
            if (!s.ok) return false;
        return !steps.empty();
    }
};

// A short health test of one device, or of every visible one: allocate and verify memory,
// a known FP32 and FP16 GEMM against a CPU reference. A failing step is reported, not
// thrown; no device at all throws pdai::Error.
std::vector<CheckReport> check(std::optional<int> device);

}  // namespace pdai::gpu
