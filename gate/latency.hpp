// A fixed-size latency histogram for the plugin's time per decision: O(1) to record, no
// allocation after construction, quantiles to 50 ns below 100 us and to 10 us up to 100 ms.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

namespace pdai::gate {

class LatencyHistogram {
public:
    void record(std::int64_t ns) noexcept {
        ns = std::max<std::int64_t>(ns, 0);
        ++buckets_[bucket_of(ns)];
        ++count_;
        max_ns_ = std::max(max_ns_, ns);
    }

    std::uint64_t count() const noexcept { return count_; }
    double max_us() const noexcept { return static_cast<double>(max_ns_) / 1000.0; }

    // The upper edge of the bucket holding quantile q (0..1), in microseconds; never below
    // the true value, and at most max_us().
    double quantile_us(double q) const noexcept {
        if (count_ == 0) return 0.0;
        const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_ - 1)) + 1;
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < buckets_.size(); ++i) {
            seen += buckets_[i];
            if (seen >= rank) return std::min(static_cast<double>(upper_ns(i)), static_cast<double>(max_ns_)) / 1000.0;
        }
        return max_us();
    }

    void reset() noexcept { *this = LatencyHistogram{}; }

private:
    static constexpr std::int64_t kFineNs = 50, kFineEnd = 100'000;
    static constexpr std::int64_t kCoarseNs = 10'000, kCoarseEnd = 100'000'000;
    static constexpr std::size_t kFine = kFineEnd / kFineNs;
    static constexpr std::size_t kCoarse = (kCoarseEnd - kFineEnd) / kCoarseNs;

    static std::size_t bucket_of(std::int64_t ns) noexcept {
        if (ns < kFineEnd) return static_cast<std::size_t>(ns / kFineNs);
        if (ns < kCoarseEnd) return kFine + static_cast<std::size_t>((ns - kFineEnd) / kCoarseNs);
        return kFine + kCoarse;
    }
    static std::int64_t upper_ns(std::size_t i) noexcept {
        if (i < kFine) return static_cast<std::int64_t>(i + 1) * kFineNs;
        if (i < kFine + kCoarse) return kFineEnd + static_cast<std::int64_t>(i - kFine + 1) * kCoarseNs;
        return INT64_MAX;
    }

    std::array<std::uint64_t, kFine + kCoarse + 1> buckets_{};
    std::uint64_t count_ = 0;
    std::int64_t max_ns_ = 0;
};

}  // namespace pdai::gate
