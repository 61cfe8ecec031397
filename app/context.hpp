// What every action in app/ is given: who is asking, the settings, and where the catalog
// is. One function per user action takes an app::Context, a typed request and returns a
// typed result (see ARCHITECTURE.md); the CLI (cli/) and, later, the server parse into the
// request and print the result, and decide nothing themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "app/settings.hpp"
#include "catalog/catalog.hpp"

namespace pdai::app {

// Who is asking. The CLI takes it from the kernel (the process's real uid); never from
// USER, LOGNAME, SUDO_USER or anything a request says about itself.
struct Identity {
    std::uint32_t uid = 0;
    std::string user;

    static Identity of_this_process();
};

struct ContextOptions {
    std::optional<std::string> catalog;  // --catalog
    std::optional<std::string> config;   // --config
};

class Context {
public:
    Identity who;
    Settings settings;
    CatalogLocation catalog;

    // Loads pdai.conf and locates the catalog.
    static Context load(const ContextOptions& opts, Identity who);

    catalog::Catalog open_catalog(bool write) const;
    // The one answer to "may this identity change the catalog" (catalog::writable).
    bool may_write() const;
    // The bundle store: bundle_store from pdai.conf, else beside the catalog.
    std::string store_root() const;
    // The audit log's signing key: audit_key from pdai.conf, else beside the catalog.
    std::string audit_key_path() const;
};

}  // namespace pdai::app
