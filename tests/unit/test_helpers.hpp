// Small helpers shared by the unit tests.
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "common/error.hpp"

namespace pdai::test {

// The code of the pdai::Error that f throws (and its message, when asked); fails the test
// when f throws nothing.
inline Errc error_code_of(const std::function<void()>& f, std::string* message = nullptr) {
    try {
        f();
    } catch (const Error& e) {
        if (message) *message = e.what();
        return e.code();
    }
    FAIL("expected a pdai::Error");
    return Errc::failure;
}

// A whole file as text ("" when it cannot be read). Through rdbuf(): GCC 12 warns about
// istreambuf_iterator under -Wnull-dereference.
inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream out;
    if (in) out << in.rdbuf();
    return out.str();
}

}  // namespace pdai::test
