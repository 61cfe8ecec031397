// The probe: device properties through the CUDA runtime, linked statically, so pdai runs
// (and says "no CUDA device") on hosts without the NVIDIA driver.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "gpu/cuda_util.hpp"
#include "gpu/gpu.hpp"

namespace pdai::gpu {
namespace detail {

void cuda_fail(cudaError_t e, std::string_view doing) {
    cudaGetLastError();  // clear a non-sticky error so the next step can report its own
    throw Error(Errc::failure, "CUDA error while " + std::string(doing) + ": " +
                                   cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
}

void use_device(int index) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        cudaGetLastError();  // clear the sticky error for later calls
        throw Error(Errc::failure, probe().no_device_reason,
                    "run it on a GPU node (inside the job) and check CUDA_VISIBLE_DEVICES");
    }
    if (index < 0 || index >= count)
        throw Error(Errc::usage, "no CUDA device " + std::to_string(index) + ": " +
                                     std::to_string(count) + " visible (0.." +
                                     std::to_string(count - 1) + ")");
    cuda_check(cudaSetDevice(index), "selecting device " + std::to_string(index));
}

double elapsed_seconds(const Event& start, const Event& stop) {
    cuda_check(cudaEventSynchronize(stop.get()), "waiting for the GPU");
    float ms = 0;
    cuda_check(cudaEventElapsedTime(&ms, start.get(), stop.get()), "reading event times");
    return static_cast<double>(ms) / 1000.0;
}

}  // namespace detail

namespace {

std::string version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

std::string uuid_text(const cudaUUID_t& u) {
    // nvidia-smi's form: GPU-8-4-4-4-12 hex digits.
    std::string s = "GPU-";
    char hex[3];
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
        std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned char>(u.bytes[i]));
        s += hex;
    }
    return s;
}

int attribute(cudaDeviceAttr a, int dev) {
    int v = 0;
    return cudaDeviceGetAttribute(&v, a, dev) == cudaSuccess ? v : 0;
}

// Why cudaGetDeviceCount failed, in words an operator can act on.
std::string no_device_reason(cudaError_t e, int driver, int runtime) {
    std::string why;
    switch (e) {
    case cudaErrorNoDevice:
        why = "the driver sees no GPU";
        if (const char* v = std::getenv("CUDA_VISIBLE_DEVICES"); v)
            why += std::string(" (CUDA_VISIBLE_DEVICES='") + v + "')";
        break;
    case cudaErrorInsufficientDriver:
        why = driver == 0 ? "no NVIDIA driver is installed (libcuda.so.1 not found)"
                          : "the NVIDIA driver supports CUDA " + version_text(driver) +
                                ", this pdai's runtime needs " + version_text(runtime);
        break;
    default:
        why = std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
    }
    return "no CUDA device: " + why;
}

}  // namespace

Probe probe() {
    Probe p;
    cudaRuntimeGetVersion(&p.runtime_version);
    if (cudaDriverGetVersion(&p.driver_version) != cudaSuccess) p.driver_version = 0;
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0) {
        cudaGetLastError();
        p.no_device_reason = no_device_reason(e == cudaSuccess ? cudaErrorNoDevice : e,
                                              p.driver_version, p.runtime_version);
        return p;
    }
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp prop{};
        if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) {
            cudaGetLastError();
            continue;  // a device the driver lists but cannot describe is not usable
        }
        Device d;
        d.index = i;
        d.name = prop.name;
        d.uuid = uuid_text(prop.uuid);
        char bus[32] = {};
        if (cudaDeviceGetPCIBusId(bus, sizeof bus, i) == cudaSuccess) d.pci_bus_id = bus;
        d.memory_bytes = prop.totalGlobalMem;
        d.sm_count = prop.multiProcessorCount;
        d.cc_major = prop.major;
        d.cc_minor = prop.minor;
        // CUDA 13 dropped clockRate from cudaDeviceProp; the attributes remain (kHz).
        d.clock_mhz = attribute(cudaDevAttrClockRate, i) / 1000;
        d.memory_clock_mhz = attribute(cudaDevAttrMemoryClockRate, i) / 1000;
        d.memory_bus_bits = prop.memoryBusWidth;
        d.ecc = prop.ECCEnabled != 0;
        p.devices.push_back(std::move(d));
    }
    if (p.devices.empty())
        p.no_device_reason = "no CUDA device: " + std::to_string(count) +
                             " listed by the driver, none could be queried";
    return p;
}

}  // namespace pdai::gpu
