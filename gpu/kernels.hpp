// pdai's own device kernels (gpu/kernels.cu): matrix fill, the copy-bandwidth kernel and
// the memory pattern test. Host-callable launchers; internal to gpu/.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace pdai::gpu::detail {

enum class Storage { f32, f16, bf16, e4m3 };

// Pseudo-random values in [-1, 1), by element index and seed: realistic data (all-zero
// matrices draw less power and would flatter a card that throttles under load).
void fill_random(void* p, Storage s, std::size_t n, std::uint32_t seed, cudaStream_t stream);

// dst = src, `bytes` a multiple of 16; `blocks` × 256 threads, 16-byte loads and stores.
void copy_bytes(const void* src, void* dst, std::size_t bytes, int blocks, cudaStream_t stream);

// Writes a per-word pattern, then counts words that read back differently into *errors
// (device memory, zeroed by the caller).
void write_pattern(std::uint32_t* p, std::size_t words, std::uint32_t seed, cudaStream_t stream);
void count_pattern_errors(const std::uint32_t* p, std::size_t words, std::uint32_t seed,
                          unsigned long long* errors, cudaStream_t stream);

}  // namespace pdai::gpu::detail
