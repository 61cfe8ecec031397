#include "cli/bundle_format.hpp"

#include "common/time.hpp"
#include "common/byte_size.hpp"
#include "policy/duration.hpp"

namespace pdai::cli {

std::string resources_text(const bundle::Resources& r) {
    std::string gpus = std::to_string(r.gpus) + (r.gpus == 1 ? " GPU" : " GPUs");
    if (r.gpus > 0) {
        std::string types;
        for (const auto& t : r.gpu_types) types += (types.empty() ? "" : "|") + t;
        gpus += " of " + (types.empty() ? std::string("any type") : types);
    }
    std::string out = gpus + ", " + std::to_string(r.cpus) + (r.cpus == 1 ? " CPU" : " CPUs");
    if (r.mem_mib) out += ", " + format_bytes(static_cast<std::uint64_t>(*r.mem_mib) << 20);
    return out + ", " + policy::format_human(r.time_minutes);
}

std::string kinds_text(const std::vector<bundle::JobKind>& kinds) {
    std::string out;
    for (auto k : kinds) out += (out.empty() ? "" : ", ") + std::string(bundle::to_string(k));
    return out;
}

Fields manifest_fields(const bundle::Manifest& m) {
    Fields f = {{"algorithm", m.name + "@" + m.version},
                {"vendor", m.vendor},
                {"category", m.category},
                {"description", m.description},
                {"entrypoint", m.entrypoint},
                {"kinds", kinds_text(m.kinds)},
                {"resources", resources_text(m.resources)},
                {"licence expires", m.licence_expires.value_or("-")}};
    if (m.infer) {
        std::string args, env;
        for (const auto& a : m.infer->args) args += (args.empty() ? "" : " ") + a;
        for (const auto& [k, v] : m.infer->env) env += (env.empty() ? "" : " ") + k + "=" + v;
        f.push_back({"infer args", args.empty() ? "-" : args});
        f.push_back({"infer env", env.empty() ? "-" : env});
    }
    return f;
}

Fields bundle_summary_fields(const bundle::CheckedBundle& b) {
    Fields f = manifest_fields(b.manifest);
    f.push_back({"content", std::to_string(b.tree.files) + " files, " + format_bytes(b.tree.bytes)});
    f.push_back({"tree sha256", b.tree.sha256});
    if (!b.archive_sha256.empty()) f.push_back({"archive sha256", b.archive_sha256});
    return f;
}

}  // namespace pdai::cli
