// RAII for CUDA runtime handles (device buffers, streams, events) and one way to turn a
// cudaError_t into a pdai::Error. Internal to gpu/: nothing outside includes CUDA headers.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <string_view>
#include <utility>

namespace pdai::gpu::detail {

[[noreturn]] void cuda_fail(cudaError_t e, std::string_view doing);

inline void cuda_check(cudaError_t e, std::string_view doing) {
    if (e != cudaSuccess) cuda_fail(e, doing);
}

// Selects the device for this thread and checks it exists.
void use_device(int index);

class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(std::size_t bytes) : bytes_(bytes) {
        if (bytes) cuda_check(cudaMalloc(&p_, bytes), "allocating device memory");
    }
    ~DeviceBuffer() {
        if (p_) cudaFree(p_);
    }
    DeviceBuffer(DeviceBuffer&& o) noexcept
        : p_(std::exchange(o.p_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
        std::swap(p_, o.p_);
        std::swap(bytes_, o.bytes_);
        return *this;
    }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    void* get() const noexcept { return p_; }
    template <class T>
    T* as() const noexcept {
        return static_cast<T*>(p_);
    }
    std::size_t bytes() const noexcept { return bytes_; }

private:
    void* p_ = nullptr;
    std::size_t bytes_ = 0;
};

class Stream {
public:
    Stream() { cuda_check(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking), "creating a stream"); }
    ~Stream() { cudaStreamDestroy(s_); }
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    cudaStream_t get() const noexcept { return s_; }
    void sync() const { cuda_check(cudaStreamSynchronize(s_), "waiting for the GPU"); }

private:
    cudaStream_t s_{};
};

class Event {
public:
    Event() { cuda_check(cudaEventCreate(&e_), "creating an event"); }
    ~Event() { cudaEventDestroy(e_); }
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
    cudaEvent_t get() const noexcept { return e_; }
    void record(const Stream& s) { cuda_check(cudaEventRecord(e_, s.get()), "recording an event"); }

private:
    cudaEvent_t e_{};
};

// Seconds between two recorded events (waits for the second).
double elapsed_seconds(const Event& start, const Event& stop);

}  // namespace pdai::gpu::detail
