// Device kernels of pdai's benchmark and health check (see kernels.hpp).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include "gpu/kernels.hpp"

namespace pdai::gpu::detail {
namespace {

constexpr int kThreads = 256;

__device__ __forceinline__ std::uint32_t mix(std::uint64_t i, std::uint32_t seed) {
    // splitmix64's finaliser: cheap, and every bit of the index reaches the output.
    std::uint64_t z = i + 0x9e3779b97f4a7c15ull * (seed + 1ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return static_cast<std::uint32_t>((z ^ (z >> 31)) >> 32);
}

__device__ __forceinline__ float uniform(std::uint64_t i, std::uint32_t seed) {
    return static_cast<float>(mix(i, seed)) * (2.0f / 4294967296.0f) - 1.0f;
}

template <class T>
__device__ __forceinline__ T convert(float v);
template <>
__device__ __forceinline__ float convert<float>(float v) { return v; }
template <>
__device__ __forceinline__ __half convert<__half>(float v) { return __float2half(v); }
template <>
__device__ __forceinline__ __nv_bfloat16 convert<__nv_bfloat16>(float v) { return __float2bfloat16(v); }
template <>
__device__ __forceinline__ __nv_fp8_e4m3 convert<__nv_fp8_e4m3>(float v) { return __nv_fp8_e4m3(v); }

template <class T>
__global__ void fill_kernel(T* p, std::size_t n, std::uint32_t seed) {
    std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n; i += stride)
        p[i] = convert<T>(uniform(i, seed));
}

// Four independent 16-byte loads in flight per thread before the stores: enough bytes in
// flight per SM to cover HBM latency with one wave of resident blocks.
__global__ void copy_kernel(const int4* __restrict__ src, int4* __restrict__ dst, std::size_t n) {
    std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
    for (; i + 3 * stride < n; i += 4 * stride) {
        int4 a = src[i], b = src[i + stride], c = src[i + 2 * stride], d = src[i + 3 * stride];
        dst[i] = a;
        dst[i + stride] = b;
        dst[i + 2 * stride] = c;
        dst[i + 3 * stride] = d;
    }
    for (; i < n; i += stride) dst[i] = src[i];
}

__global__ void pattern_kernel(std::uint32_t* p, std::size_t n, std::uint32_t seed) {
    std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n; i += stride)
        p[i] = mix(i, seed);
}

__global__ void verify_kernel(const std::uint32_t* p, std::size_t n, std::uint32_t seed,
                              unsigned long long* errors) {
    std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    unsigned long long bad = 0;
    for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n; i += stride)
        bad += p[i] != mix(i, seed);
    if (bad) atomicAdd(errors, bad);
}

int blocks_for(std::size_t n) {
    std::size_t b = (n + kThreads - 1) / kThreads;
    return static_cast<int>(b < 65535 ? (b ? b : 1) : 65535);
}

}  // namespace

void fill_random(void* p, Storage s, std::size_t n, std::uint32_t seed, cudaStream_t stream) {
    int blocks = blocks_for(n);
    switch (s) {
    case Storage::f32: fill_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<float*>(p), n, seed); break;
    case Storage::f16: fill_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<__half*>(p), n, seed); break;
    case Storage::bf16: fill_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<__nv_bfloat16*>(p), n, seed); break;
    case Storage::e4m3: fill_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<__nv_fp8_e4m3*>(p), n, seed); break;
    }
}

void copy_bytes(const void* src, void* dst, std::size_t bytes, int blocks, cudaStream_t stream) {
    copy_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const int4*>(src), static_cast<int4*>(dst),
                                                 bytes / sizeof(int4));
}

void write_pattern(std::uint32_t* p, std::size_t words, std::uint32_t seed, cudaStream_t stream) {
    pattern_kernel<<<blocks_for(words), kThreads, 0, stream>>>(p, words, seed);
}

void count_pattern_errors(const std::uint32_t* p, std::size_t words, std::uint32_t seed,
                          unsigned long long* errors, cudaStream_t stream) {
    verify_kernel<<<blocks_for(words), kThreads, 0, stream>>>(p, words, seed, errors);
}

}  // namespace pdai::gpu::detail
