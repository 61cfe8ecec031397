// `pdai bundle init DIR`: a commented manifest and a small entrypoint that follows the
// batch-inference convention, so a new bundle packs, lints and registers as it is.
#pragma once

#include <string>
#include <vector>

namespace pdai::bundle {

struct ExampleOptions {
    std::string name = "example-ocr";
    std::string vendor = "example-vendor";
    std::string category = "ocr";
    bool overwrite = false;
};

std::string example_manifest(const ExampleOptions& o);

// Writes DIR/pdai.toml and DIR/bin/run (creating DIR). Refuses to replace an existing
// pdai.toml unless overwrite (Errc::conflict); an existing bin/run is kept. Returns the
// files written.
std::vector<std::string> write_example_bundle(const std::string& dir, const ExampleOptions& o);

}  // namespace pdai::bundle
