// cuBLASLt, loaded with dlopen on first use. This toolkit ships no static cuBLAS, and a
// DT_NEEDED on libcublasLt.so.13 would stop pdai from starting at all on login nodes and
// hosts without the toolkit; so only `pdai gpu bench|check` need the library, and they
// say clearly when it is missing. The types come from the header at build time.
#pragma once

#include <cublasLt.h>

#include <string>
#include <string_view>

namespace pdai::gpu::detail {

struct LtApi {
    decltype(&cublasLtCreate) create;
    decltype(&cublasLtDestroy) destroy;
    decltype(&cublasLtGetVersion) get_version;
    decltype(&cublasLtGetStatusName) status_name;
    decltype(&cublasLtMatmulDescCreate) desc_create;
    decltype(&cublasLtMatmulDescDestroy) desc_destroy;
    decltype(&cublasLtMatmulDescSetAttribute) desc_set;
    decltype(&cublasLtMatrixLayoutCreate) layout_create;
    decltype(&cublasLtMatrixLayoutDestroy) layout_destroy;
    decltype(&cublasLtMatmulPreferenceCreate) pref_create;
    decltype(&cublasLtMatmulPreferenceDestroy) pref_destroy;
    decltype(&cublasLtMatmulPreferenceSetAttribute) pref_set;
    decltype(&cublasLtMatmulAlgoGetHeuristic) heuristic;
    decltype(&cublasLtMatmul) matmul;
    std::string path;  // what was loaded
};

// Loads the library once per process; throws pdai::Error naming what is missing.
const LtApi& lt();

// Throws pdai::Error for a failed cuBLASLt call.
void lt_check(cublasStatus_t s, std::string_view doing);

// "13.1.0" from cublasLtGetVersion().
std::string lt_version_text();

class LtHandle {
public:
    LtHandle() { lt_check(lt().create(&h_), "creating a cuBLASLt handle"); }
    ~LtHandle() { lt().destroy(h_); }
    LtHandle(const LtHandle&) = delete;
    LtHandle& operator=(const LtHandle&) = delete;
    cublasLtHandle_t get() const noexcept { return h_; }

private:
    cublasLtHandle_t h_{};
};

}  // namespace pdai::gpu::detail
