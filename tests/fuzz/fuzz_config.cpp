// libFuzzer target: pdai.conf parsing (app/settings.cpp), as every pdai command reads it
// before anything else. Bad input must come back as pdai::Error, never a crash, a hang or an
// uncaught exception of another type, at both levels: the system file (every key) and a
// user's file (presentation and defaults only, a system key refused by name).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "app/settings.hpp"
#include "common/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    for (auto level : {pdai::app::ConfigLevel::system, pdai::app::ConfigLevel::user}) {
        pdai::app::Settings s;
        try {
            pdai::app::apply_settings_text(text, "pdai.conf", s, level);
        } catch (const pdai::Error& e) {
            if (e.code() != pdai::Errc::usage) std::abort();  // a config's fault is always a usage error
            continue;
        }
        // Accepted at the user level: no system key got through.
        if (level == pdai::app::ConfigLevel::user &&
            (s.catalog || s.bundle_store || s.jobs_dir || s.require_signed_bundles || s.audit_key || s.audit_anchor))
            std::abort();
        if (s.busy_timeout_ms < 0 || s.busy_timeout_ms > 600000) std::abort();
    }
    return 0;
}
