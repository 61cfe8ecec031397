// The cuBLASLt call `pdai gpu bench` makes, alone: D = A^T·B (TN, column-major), FP32
// accumulation, cuBLASLt's first heuristic algorithm, 32 MiB workspace, random inputs,
// warm-up, then 10 timed batches of back-to-back calls; prints the median TFLOP/s.
// bench/gpu_bench.sh compares pdai's figure with this one.
//
//   gpu_cublas_baseline DTYPE SIZE SECONDS [DEVICE]     DTYPE: fp32|tf32|fp16|bf16|fp8
#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#define CK(x) do { auto e_ = (x); if (e_ != cudaSuccess) { std::fprintf(stderr, "%s: %s\n", #x, cudaGetErrorString(e_)); std::exit(1); } } while (0)
#define LK(x) do { auto s_ = (x); if (s_ != CUBLAS_STATUS_SUCCESS) { std::fprintf(stderr, "%s: %s\n", #x, cublasLtGetStatusName(s_)); std::exit(1); } } while (0)

template <class T>
__global__ void fill(T* p, size_t n, unsigned seed) {
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
        unsigned long long z = i + 0x9e3779b97f4a7c15ull * (seed + 1ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        p[i] = T(float(unsigned((z ^ (z >> 31)) >> 32)) * (2.0f / 4294967296.0f) - 1.0f);
    }
}

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s fp32|tf32|fp16|bf16|fp8 SIZE SECONDS [DEVICE]\n", argv[0]);
        return 2;
    }
    const char* dt = argv[1];
    int s = std::atoi(argv[2]);
    double seconds = std::atof(argv[3]);
    CK(cudaSetDevice(argc > 4 ? std::atoi(argv[4]) : 0));

    cudaDataType_t ab = CUDA_R_32F, cd = CUDA_R_32F;
    cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
    size_t abz = 4, cdz = 4;
    if (!std::strcmp(dt, "tf32")) compute = CUBLAS_COMPUTE_32F_FAST_TF32;
    else if (!std::strcmp(dt, "fp16")) ab = cd = CUDA_R_16F, abz = cdz = 2;
    else if (!std::strcmp(dt, "bf16")) ab = cd = CUDA_R_16BF, abz = cdz = 2;
    else if (!std::strcmp(dt, "fp8")) ab = CUDA_R_8F_E4M3, cd = CUDA_R_16BF, abz = 1, cdz = 2;
    else if (std::strcmp(dt, "fp32")) return std::fprintf(stderr, "unknown type %s\n", dt), 2;

    size_t n = size_t(s) * s, ws_bytes = 32u << 20;
    void *a, *b, *d, *ws;
    CK(cudaMalloc(&a, n * abz));
    CK(cudaMalloc(&b, n * abz));
    CK(cudaMalloc(&d, n * cdz));
    CK(cudaMalloc(&ws, ws_bytes));
    auto fill_ab = [&](void* p, unsigned seed) {
        if (ab == CUDA_R_32F) fill<<<4096, 256>>>(static_cast<float*>(p), n, seed);
        if (ab == CUDA_R_16F) fill<<<4096, 256>>>(static_cast<__half*>(p), n, seed);
        if (ab == CUDA_R_16BF) fill<<<4096, 256>>>(static_cast<__nv_bfloat16*>(p), n, seed);
        if (ab == CUDA_R_8F_E4M3) fill<<<4096, 256>>>(static_cast<__nv_fp8_e4m3*>(p), n, seed);
    };
    fill_ab(a, 1);
    fill_ab(b, 2);
    CK(cudaGetLastError());
    cudaStream_t stream;
    CK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));

    cublasLtHandle_t h;
    LK(cublasLtCreate(&h));
    cublasLtMatmulDesc_t desc;
    LK(cublasLtMatmulDescCreate(&desc, compute, CUDA_R_32F));
    cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
    LK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
    LK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
    cublasLtMatrixLayout_t la, lb, lcd;
    LK(cublasLtMatrixLayoutCreate(&la, ab, s, s, s));
    LK(cublasLtMatrixLayoutCreate(&lb, ab, s, s, s));
    LK(cublasLtMatrixLayoutCreate(&lcd, cd, s, s, s));
    cublasLtMatmulPreference_t pref;
    LK(cublasLtMatmulPreferenceCreate(&pref));
    LK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws_bytes, sizeof ws_bytes));
    cublasLtMatmulHeuristicResult_t res{};
    int found = 0;
    LK(cublasLtMatmulAlgoGetHeuristic(h, desc, la, lb, lcd, lcd, pref, 1, &res, &found));
    if (!found) return std::fprintf(stderr, "no algorithm\n"), 1;

    const float alpha = 1, beta = 0;
    auto call = [&] { LK(cublasLtMatmul(h, desc, &alpha, a, la, b, lb, &beta, d, lcd, d, lcd, &res.algo, ws, ws_bytes, stream)); };
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0));
    CK(cudaEventCreate(&e1));
    auto timed = [&](int calls) {
        CK(cudaEventRecord(e0, stream));
        for (int i = 0; i < calls; ++i) call();
        CK(cudaEventRecord(e1, stream));
        CK(cudaEventSynchronize(e1));
        float ms = 0;
        CK(cudaEventElapsedTime(&ms, e0, e1));
        return ms / 1000.0;
    };
    timed(1);
    double per_call = timed(2) / 2;
    auto calls = [&](double want) { return std::max(1, int(want / per_call)); };
    timed(std::max(2, calls(std::min(1.0, seconds / 3))));
    int batch = calls(seconds / 10);
    double flops = 2.0 * s * s * double(s);
    std::vector<double> v;
    for (int r = 0; r < 10; ++r) v.push_back(flops * batch / timed(batch) / 1e12);
    std::sort(v.begin(), v.end());
    double median = (v[4] + v[5]) / 2;
    std::printf("%s %dx%dx%d: %.1f TFLOP/s (median of 10, min %.1f, max %.1f)\n", dt, s, s, s, median, v.front(), v.back());
    std::printf("tflops=%.3f\n", median);
    return 0;
}
