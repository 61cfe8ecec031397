// libFuzzer target: pdai.toml parsing and validation. Bad input must come back as
// pdai::Error, never a crash, a hang or an uncaught exception of another type; a manifest
// that parses must survive the catalog's JSON round trip unchanged, and its templates must
// expand.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "bundle/manifest.hpp"
#include "common/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    pdai::bundle::Manifest m;
    try {
        m = pdai::bundle::parse_manifest(text, "pdai.toml");
    } catch (const pdai::Error&) {
        return 0;
    }
    nlohmann::json j = m;
    if (nlohmann::json(j.get<pdai::bundle::Manifest>()) != j) std::abort();
    if (m.infer) {
        pdai::bundle::ShardContext ctx{"/in", "/out", 1, 2, "/b"};
        for (const auto& a : m.infer->args) pdai::bundle::expand_placeholders(a, ctx);
        for (const auto& [k, v] : m.infer->env) pdai::bundle::expand_placeholders(v, ctx);
    }
    return 0;
}
