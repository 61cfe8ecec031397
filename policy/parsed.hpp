// The result type of every parser in pdai::policy: a value, or a message a person can act on.
// Parsers never throw for bad input (they run inside slurmctld via the job_submit plugin);
// only std::bad_alloc can escape them. std::expected would fit, but it is C++23.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace pdai::policy {

template <class T>
class Parsed {
public:
    static Parsed ok(T value) {
        Parsed p;
        p.value_ = std::move(value);
        return p;
    }
    static Parsed fail(std::string error) {
        Parsed p;
        p.error_ = std::move(error);
        return p;
    }

    bool has_value() const noexcept { return value_.has_value(); }
    explicit operator bool() const noexcept { return has_value(); }
    // Precondition: has_value().
    const T& value() const& noexcept { return *value_; }
    T&& value() && noexcept { return std::move(*value_); }
    const T& operator*() const& noexcept { return *value_; }
    const T* operator->() const noexcept { return &*value_; }
    // Empty when has_value().
    const std::string& error() const noexcept { return error_; }

private:
    Parsed() = default;
    std::optional<T> value_;
    std::string error_;
};

}  // namespace pdai::policy
