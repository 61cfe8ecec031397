#include "gpu/cublaslt.hpp"

#include <dlfcn.h>

#include <mutex>
#include <optional>

#include "common/error.hpp"

namespace pdai::gpu::detail {
namespace {

#define PDAI_STR2(x) #x
#define PDAI_STR(x) PDAI_STR2(x)
// The soname of the major version whose header we compiled against, then the toolkit's
// own copy for hosts where /usr/local/cuda/lib64 is not in the loader's path.
constexpr const char* kSoname = "libcublasLt.so." PDAI_STR(CUBLAS_VER_MAJOR);

template <class F>
void bind(void* lib, F& fn, const char* name) {
    void* sym = dlsym(lib, name);
    if (!sym)
        throw Error(Errc::failure, std::string("cuBLASLt has no symbol ") + name,
                    "install a cuBLAS of CUDA " PDAI_STR(CUBLAS_VER_MAJOR) ".x");
    fn = reinterpret_cast<F>(sym);
}

LtApi load() {
    void* lib = nullptr;
    std::string tried;
    for (std::string path : {std::string(kSoname), std::string(PDAI_CUDA_LIBRARY_DIR "/") + kSoname}) {
        lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (lib) {
            tried = path;
            break;
        }
        const char* why = dlerror();
        tried += (tried.empty() ? "" : "; ") + std::string(why ? why : path);
    }
    if (!lib)
        throw Error(Errc::failure, "cuBLASLt is not available: " + tried,
                    "pdai gpu bench and check need " + std::string(kSoname) +
                        " (the CUDA toolkit's libcublas package); add its folder to "
                        "LD_LIBRARY_PATH or ld.so.conf");
    LtApi a{};
    a.path = tried;
    bind(lib, a.create, "cublasLtCreate");
    bind(lib, a.destroy, "cublasLtDestroy");
    bind(lib, a.get_version, "cublasLtGetVersion");
    bind(lib, a.status_name, "cublasLtGetStatusName");
    bind(lib, a.desc_create, "cublasLtMatmulDescCreate");
    bind(lib, a.desc_destroy, "cublasLtMatmulDescDestroy");
    bind(lib, a.desc_set, "cublasLtMatmulDescSetAttribute");
    bind(lib, a.layout_create, "cublasLtMatrixLayoutCreate");
    bind(lib, a.layout_destroy, "cublasLtMatrixLayoutDestroy");
    bind(lib, a.pref_create, "cublasLtMatmulPreferenceCreate");
    bind(lib, a.pref_destroy, "cublasLtMatmulPreferenceDestroy");
    bind(lib, a.pref_set, "cublasLtMatmulPreferenceSetAttribute");
    bind(lib, a.heuristic, "cublasLtMatmulAlgoGetHeuristic");
    bind(lib, a.matmul, "cublasLtMatmul");
    return a;  // the library stays loaded for the life of the process
}

}  // namespace

const LtApi& lt() {
    static std::once_flag once;
    static std::optional<LtApi> api;
    static std::optional<Error> failed;
    std::call_once(once, [] {
        try {
            api = load();
        } catch (const Error& e) {
            failed = e;
        }
    });
    if (failed) throw *failed;
    return *api;
}

void lt_check(cublasStatus_t s, std::string_view doing) {
    if (s == CUBLAS_STATUS_SUCCESS) return;
    throw Error(Errc::failure, "cuBLASLt failed while " + std::string(doing) + ": " +
                                   lt().status_name(s));
}

std::string lt_version_text() {
    auto v = lt().get_version();  // major*10000 + minor*100 + patch
    return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." +
           std::to_string(v % 100);
}

}  // namespace pdai::gpu::detail
