// A fresh catalog in a private temporary directory, removed with the fixture.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "catalog/catalog.hpp"

namespace pdai::test {

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "pdai-test-XXXXXX").string();
        path = mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

struct TempCatalog {
    TempDir dir;
    std::string path = (dir.path / "catalog.db").string();
    catalog::Catalog cat = catalog::Catalog::init(path, 2000).first;
};

}  // namespace pdai::test
