#include "inventory/gpu_inventory.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "catalog/audit.hpp"
#include "catalog/catalog.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/nodes.hpp"
#include "common/error.hpp"

namespace pdai::inventory {
namespace {

std::string add_type_help(const std::string& device_name) {
    return "add a type for it ('pdai gpu type add NAME --weight W --price P'), or tell an "
           "existing type its name: 'pdai gpu type set NAME --match \"" + device_name +
           "\"' (a glob: * and ? allowed)";
}

bool differs(double a, double b) { return std::abs(a - b) > 1e-9 * std::max(1.0, std::abs(b)); }

}  // namespace

std::vector<TypePattern> type_patterns(catalog::Catalog& c) {
    std::vector<TypePattern> out;
    for (const auto& t : catalog::list_gpu_types(c)) out.push_back({t.name, t.match});
    return out;
}

std::string resolve_device_type(catalog::Catalog& c, const std::string& device_name) {
    auto m = match_gpu_type(device_name, type_patterns(c));
    if (m.gpu_type) return *m.gpu_type;
    if (m.ambiguous)
        throw Error(Errc::conflict, "cannot tell the GPU type of " + m.how,
                    "make one pattern more specific with 'pdai gpu type set NAME --match GLOB', "
                    "or name the type with --type");
    throw Error(Errc::not_found, m.how, add_type_help(device_name));
}

RegisterResult register_node_gpus(catalog::Catalog& c, const std::string& host,
                                  const std::vector<std::string>& names) {
    auto tally = tally_devices(names, type_patterns(c));
    if (!tally.unmatched.empty()) {
        auto m = match_gpu_type(tally.unmatched.front(), type_patterns(c));
        throw Error(m.ambiguous ? Errc::conflict : Errc::not_found,
                    (m.ambiguous ? "cannot tell the GPU type: " : "") + m.how +
                        "; nothing was registered",
                    m.ambiguous ? "make one pattern more specific with 'pdai gpu type set NAME --match GLOB'"
                                : add_type_help(tally.unmatched.front()));
    }
    RegisterResult r;
    r.host = host;
    r.gpus_after = tally.gpus;
    r.notes = tally.notes;
    auto existing = catalog::find_node(c, host);
    r.added = !existing;
    catalog::NodeSpec spec{host, std::nullopt, tally.gpus, "unknown"};
    if (existing) {
        r.gpus_before = existing->spec.gpus;
        spec.state = existing->spec.state;
    }
    catalog::put_node(c, spec, "probe");
    auto after = *catalog::find_node(c, host);
    nlohmann::json ja = after;
    if (existing) {
        nlohmann::json jb = *existing;
        catalog::audit(c, "node.register", "node", host, &jb, &ja);
    } else {
        catalog::audit(c, "node.register", "node", host, nullptr, &ja);
    }
    return r;
}

std::vector<BenchFigure> bench_figures(const std::vector<catalog::GpuBenchmark>& rows) {
    std::vector<BenchFigure> out;
    for (const auto& b : rows) {
        auto value = b.kind == "copy" ? b.gbps : b.tflops;
        if (!value) continue;
        out.push_back({b.gpu_type, b.host,
                       b.device_uuid.empty() ? std::to_string(b.device_index) : b.device_uuid, b.kind,
                       b.dtype, *value, b.measured_at});
    }
    return out;
}

SaveResult save_benchmarks(catalog::Catalog& c, std::vector<catalog::GpuBenchmark> rows,
                           const std::optional<std::string>& reference, std::string_view metric) {
    validate_weight_metric(metric);
    SaveResult r;
    if (rows.empty()) return r;
    const std::string type = rows.front().gpu_type;
    catalog::get_gpu_type(c, type);  // not_found before anything is written

    // Derive with the new figures included, then store them with the weight they gave.
    auto figures = bench_figures(catalog::list_gpu_benchmarks(c));
    auto fresh = bench_figures(rows);
    auto now = pdai::now_unix();
    for (auto& f : fresh)
        if (f.measured_at == 0) f.measured_at = now;
    figures.insert(figures.end(), fresh.begin(), fresh.end());

    std::vector<std::string> to_update;
    if (!reference) {
        r.note = "no weight derived: set reference_gpu_type in pdai.conf to the type whose weight is 1";
    } else if (!catalog::find_gpu_type(c, *reference)) {
        r.note = "no weight derived: the reference type '" + *reference + "' is not in the catalog";
    } else if (!type_metric(figures, *reference, metric)) {
        r.note = "no weight derived: no " + std::string(metric) + " figures for the reference type " +
                 *reference + " yet; run 'pdai gpu bench --save' on a " + *reference + " node";
    } else if (!type_metric(figures, type, metric)) {
        r.note = "no weight derived: this run has no " + std::string(metric) + " figure";
    } else if (type == *reference) {
        for (const auto& t : catalog::list_gpu_types(c))
            if (t.name == type || type_metric(figures, t.name, metric)) to_update.push_back(t.name);
    } else {
        to_update.push_back(type);
    }

    std::vector<DerivedWeight> derived;
    if (!to_update.empty()) derived = derive_weights(figures, to_update, *reference, metric);
    for (const auto& d : derived)
        if (d.gpu_type == type) r.weight = d.weight;
    for (auto& row : rows) {
        row.weight = r.weight;
        if (r.weight) row.reference_type = reference;
    }
    r.rows = rows.size();
    catalog::add_gpu_benchmarks(c, std::move(rows));
    for (const auto& d : derived) {
        if (!d.weight) continue;
        auto t = catalog::get_gpu_type(c, d.gpu_type);
        if (!differs(t.weight, *d.weight)) continue;
        catalog::GpuTypeChange ch;
        ch.weight = *d.weight;
        catalog::set_gpu_type(c, d.gpu_type, ch);
        r.updated.push_back({d.gpu_type, t.weight, *d.weight});
    }
    return r;
}

std::vector<WeightRow> weight_table(catalog::Catalog& c, const std::string& reference,
                                    std::string_view metric) {
    validate_weight_metric(metric);
    catalog::get_gpu_type(c, reference);
    auto types = catalog::list_gpu_types(c);
    std::vector<std::string> names;
    for (const auto& t : types) names.push_back(t.name);
    auto derived = derive_weights(bench_figures(catalog::list_gpu_benchmarks(c)), names, reference, metric);
    std::vector<WeightRow> out;
    for (std::size_t i = 0; i < types.size(); ++i) out.push_back({types[i].name, types[i].weight, derived[i]});
    return out;
}

std::vector<WeightUpdate> apply_weights(catalog::Catalog& c, const std::vector<WeightRow>& rows) {
    std::vector<WeightUpdate> out;
    for (const auto& r : rows) {
        if (!r.derived.weight || !differs(r.current, *r.derived.weight)) continue;
        catalog::GpuTypeChange ch;
        ch.weight = *r.derived.weight;
        catalog::set_gpu_type(c, r.gpu_type, ch);
        out.push_back({r.gpu_type, r.current, *r.derived.weight});
    }
    return out;
}

}  // namespace pdai::inventory
