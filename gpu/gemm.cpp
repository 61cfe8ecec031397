#include "gpu/gemm.hpp"

#include "common/error.hpp"

namespace pdai::gpu::detail {

GemmTypes gemm_types(Dtype d) {
    switch (d) {
    case Dtype::fp32:
        return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F, Storage::f32, Storage::f32, 4, 4};
    case Dtype::tf32:
        return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32, Storage::f32, Storage::f32, 4, 4};
    case Dtype::fp16:
        return {CUDA_R_16F, CUDA_R_16F, CUBLAS_COMPUTE_32F, Storage::f16, Storage::f16, 2, 2};
    case Dtype::bf16:
        return {CUDA_R_16BF, CUDA_R_16BF, CUBLAS_COMPUTE_32F, Storage::bf16, Storage::bf16, 2, 2};
    case Dtype::fp8:
        return {CUDA_R_8F_E4M3, CUDA_R_16BF, CUBLAS_COMPUTE_32F, Storage::e4m3, Storage::bf16, 1, 2};
    }
    throw Error(Errc::failure, "unknown GEMM type");
}

std::string unsupported_reason(Dtype d, int major, int minor) {
    int cc = major * 10 + minor;
    // TF32 and BF16 tensor cores arrived with Ampere (8.0), FP8 with Ada and Hopper (8.9).
    if ((d == Dtype::tf32 || d == Dtype::bf16) && cc < 80)
        return std::string(dtype_name(d)) + " needs compute capability 8.0 (this card has " +
               std::to_string(major) + "." + std::to_string(minor) + ")";
    if (d == Dtype::fp8 && cc < 89)
        return "fp8 needs compute capability 8.9 (this card has " + std::to_string(major) + "." +
               std::to_string(minor) + ")";
    return {};
}

LtGemm::LtGemm(const LtHandle& h, const GemmTypes& t, int m, int n, int k, const void* a,
               const void* b, void* d, void* workspace, std::size_t workspace_bytes)
    : h_(h), m_(m), n_(n), k_(k), a_(a), b_(b), d_(d), ws_(workspace), ws_bytes_(workspace_bytes) {
    const auto& api = lt();
    lt_check(api.desc_create(desc_.out(), t.compute, CUDA_R_32F), "creating a matmul descriptor");
    cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
    lt_check(api.desc_set(desc_.get(), CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta), "setting TRANSA");
    lt_check(api.desc_set(desc_.get(), CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb), "setting TRANSB");
    lt_check(api.layout_create(la_.out(), t.ab, k, m, k), "describing A");
    lt_check(api.layout_create(lb_.out(), t.ab, k, n, k), "describing B");
    lt_check(api.layout_create(lcd_.out(), t.cd, m, n, m), "describing C and D");

    LtObject<cublasLtMatmulPreference_t, &LtApi::pref_destroy> pref;
    lt_check(api.pref_create(pref.out()), "creating a matmul preference");
    lt_check(api.pref_set(pref.get(), CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws_bytes_,
                          sizeof ws_bytes_),
             "setting the workspace size");
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    auto s = api.heuristic(h_.get(), desc_.get(), la_.get(), lb_.get(), lcd_.get(), lcd_.get(),
                           pref.get(), 1, &result, &found);
    if (s != CUBLAS_STATUS_SUCCESS || found == 0)
        throw Error(Errc::failure, "cuBLASLt has no algorithm for this GEMM on this device (" +
                                       std::string(s == CUBLAS_STATUS_SUCCESS ? "none found"
                                                                              : api.status_name(s)) +
                                       ")");
    algo_ = result.algo;
}

void LtGemm::run(cudaStream_t stream) const {
    const float alpha = 1.0f, beta = 0.0f;
    lt_check(lt().matmul(h_.get(), desc_.get(), &alpha, a_, la_.get(), b_, lb_.get(), &beta, d_,
                         lcd_.get(), d_, lcd_.get(), &algo_, ws_, ws_bytes_, stream),
             "running a matmul");
}

}  // namespace pdai::gpu::detail
