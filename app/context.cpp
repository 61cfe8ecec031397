#include "app/context.hpp"

#include <unistd.h>

#include "bundle/store.hpp"
#include "catalog/audit.hpp"
#include "common/log.hpp"
#include "common/unix_user.hpp"

namespace pdai::app {

Identity Identity::of_this_process() {
    const uid_t uid = ::getuid();
    return {static_cast<std::uint32_t>(uid), user_name(uid)};
}

Context Context::load(const ContextOptions& opts, Identity who) {
    Context c;
    c.who = std::move(who);
    c.settings = load_settings(opts.config, c.who.uid);
    c.catalog = locate_catalog(opts.catalog, c.settings);
    return c;
}

catalog::Catalog Context::open_catalog(bool write) const {
    catalog::OpenOptions o;
    o.path = catalog.path;
    o.busy_timeout_ms = settings.busy_timeout_ms;
    o.write = write;
    if (log::enabled(log::Level::debug)) log::debug("catalog " + o.path + (write ? " (write)" : " (read)"));
    auto c = catalog::Catalog::open(o);
    c.set_actor(who.user);  // the audit log names who asked, as this context knows them
    if (write) catalog::install_audit_sealer(c, {audit_key_path(), false, false});
    return c;
}

std::string Context::audit_key_path() const {
    return settings.audit_key.value_or(catalog::default_audit_key_path(catalog.path));
}

bool Context::may_write() const { return catalog::writable(catalog.path); }

std::string Context::store_root() const {
    return settings.bundle_store.value_or(bundle::default_store_root(catalog.path));
}

}  // namespace pdai::app
