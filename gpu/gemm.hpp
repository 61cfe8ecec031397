// One cuBLASLt matrix multiply, set up once and run many times: D = A^T · B (column-major,
// "TN"). TN is the layout cuBLASLt's FP8 kernels require; every type uses it so that all
// figures come from the same call, and bench/gpu_cublas_baseline.cu makes exactly this call.
#pragma once

#include <cublasLt.h>

#include <cstddef>
#include <string>

#include "gpu/cublaslt.hpp"
#include "gpu/gpu.hpp"
#include "gpu/kernels.hpp"

namespace pdai::gpu::detail {

struct GemmTypes {
    cudaDataType_t ab, cd;  // element types of A and B, and of C and D
    cublasComputeType_t compute;
    Storage ab_storage, cd_storage;
    std::size_t ab_bytes, cd_bytes;  // per element
};

// The benchmark's types for each Dtype (see gpu.hpp).
GemmTypes gemm_types(Dtype d);

// Empty when the device can run `d`; otherwise why not ("needs compute capability 8.9").
std::string unsupported_reason(Dtype d, int cc_major, int cc_minor);

// Frees a cuBLASLt descriptor with the matching destroy function.
template <class T, auto Destroy>
class LtObject {
public:
    LtObject() = default;
    ~LtObject() {
        if (p_) (lt().*Destroy)(p_);
    }
    LtObject(const LtObject&) = delete;
    LtObject& operator=(const LtObject&) = delete;
    T* out() noexcept { return &p_; }
    T get() const noexcept { return p_; }

private:
    T p_{};
};

class LtGemm {
public:
    // Chooses cuBLASLt's first heuristic algorithm with `workspace_bytes` of workspace.
    // Throws pdai::Error when cuBLASLt has no algorithm for these types on this device.
    LtGemm(const LtHandle& h, const GemmTypes& t, int m, int n, int k, const void* a,
           const void* b, void* d, void* workspace, std::size_t workspace_bytes);
    void run(cudaStream_t stream) const;
    double flops() const noexcept { return 2.0 * m_ * n_ * k_; }

private:
    const LtHandle& h_;
    int m_, n_, k_;
    const void *a_, *b_;
    void *d_, *ws_;
    std::size_t ws_bytes_;
    LtObject<cublasLtMatmulDesc_t, &LtApi::desc_destroy> desc_;
    LtObject<cublasLtMatrixLayout_t, &LtApi::layout_destroy> la_, lb_, lcd_;
    cublasLtMatmulAlgo_t algo_{};
};

}  // namespace pdai::gpu::detail
