// A property of the one request builder and the engine: for random job shapes, the bound
// the plugin books is never below what Slurm may allocate to that shape. Each trial builds
// the job as the plugin does (build_request from job_desc's fields), then plays every way
// Slurm may place it (node counts within -N min-max, the type an untyped GPU lands on, the
// node an exclusive job lands on) and prices that allocation with the types' weights.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "catalog/policy_snapshot.hpp"
#include "gate/plugin_config.hpp"
#include "gate/quota_gate.hpp"
#include "policy/gpu_request.hpp"
#include "policy/job_ask.hpp"
#include "policy/quota_policy.hpp"

using namespace pdai;
using namespace pdai::policy;

namespace {

const std::map<std::string, double> kWeights = {{"a100", 2.0}, {"t4", 0.5}, {"h800", 3.0}};

Snapshot roomy() {
    Snapshot s;
    s.taken_at = 1796083200;
    for (const auto& [name, w] : kWeights) s.gpu_types[name] = GpuType{name, w, 1.0};
    Bureau b;
    b.code = "FIN";
    b.account = "fin";
    b.budget_cuh = 1e12;
    b.members = {"u"};
    s.by_account["fin"] = b;
    s.nodes = {{"n1", "", {{"a100", 4}, {"t4", 4}}},
               {"n2", "", {{"h800", 2}}},
               {"n3", "", {}},
               {"n4", "", {{"t4", 16}}}};  // more GPUs than n1, cheaper
    s.inventory_at = s.taken_at;
    index_members(s);
    return s;
}

// One GRES field with 1-3 entries, of one or several named types, or untyped. A job's fields
// are all typed or all untyped: pdai prices a job with any untyped GPU as untyped, all of it
// at the dearest type (the engine's rule 7), which the oracle below does not model.
std::string random_tres(std::mt19937& rng, bool untyped) {
    std::uniform_int_distribution<int> entries(1, 3), count(1, 4), kind(0, 2);
    const char* types[] = {"a100", "t4", "h800"};
    std::string out;
    for (int i = entries(rng); i > 0; --i) {
        // Appended piece by piece: GCC 12 at -O3 warns falsely on "x" + std::string&&.
        if (!out.empty()) out += ',';
        out += "gres:gpu:";
        if (!untyped) {
            out += types[kind(rng)];
            out += ':';
        }
        out += std::to_string(count(rng));
    }
    return out;
}

// Per-type GPUs of one field's string, "" for untyped.
std::map<std::string, int> per_type(std::string_view tres) {
    std::map<std::string, int> out;
    while (!tres.empty()) {
        const auto comma = tres.find(',');
        std::string_view e = tres.substr(0, comma);
        e.remove_prefix(9);  // "gres:gpu:"
        const auto colon = e.find(':');
        const std::string type(colon == std::string_view::npos ? "" : e.substr(0, colon));
        out[type] += std::stoi(std::string(colon == std::string_view::npos ? e : e.substr(colon + 1)));
        tres.remove_prefix(comma == std::string_view::npos ? tres.size() : comma + 1);
    }
    return out;
}

// What each way Slurm may place the job costs, in CUH: every node count within -N min-max
// (and, for an exclusive job, every node that holds it).
std::vector<double> allocations(const Snapshot& snap, const JobAsk& a, const JobRequest& job) {
    double dearest = 0;
    for (const auto& [t, w] : kWeights) dearest = std::max(dearest, w);
    std::vector<double> out;
    const double hours = *job.time_limit_minutes / 60.0;
    const int tasks = job.array_tasks;

    // Every node count Slurm may choose within the shape.
    const int lo = a.shape.min_nodes.value_or(1);
    const int hi = std::max(lo, a.shape.max_nodes.value_or(lo));
    for (int nodes = lo; nodes <= hi; ++nodes) {
        const int ntasks = std::max({a.shape.num_tasks.value_or(1),
                                     a.shape.ntasks_per_node.value_or(1) * nodes, nodes});
        const int sockets = a.shape.sockets_per_node.value_or(1) * nodes;
        // Slurm satisfies every field: per type, the largest any field needs (untyped: the
        // largest total, on the dearest type).
        std::map<std::string, int> alloc;
        const std::pair<const std::string*, int> mult[] = {
            {&a.tres_per_job, 1}, {&a.tres_per_node, nodes}, {&a.tres_per_task, ntasks},
            {&a.tres_per_socket, sockets}};
        for (const auto& [text, m] : mult)
            for (const auto& [t, n] : per_type(*text)) alloc[t] = std::max(alloc[t], n * m);
        // Untyped GPUs land on the dearest type; an exclusive job may get a whole node.
        double rate = 0;
        int gpus = 0;
        for (const auto& [t, n] : alloc) {
            rate += n * (t.empty() ? dearest : kWeights.at(t));
            gpus += n;
        }
        if (a.exclusive) {  // on any node that holds the ask, Slurm gives all its GPUs
            double whole = -1;
            for (const auto& node : snap.nodes) {
                double node_rate = 0;
                int node_gpus = 0;
                for (const auto& [t, n] : node.gpus) {
                    node_rate += n * nodes * kWeights.at(t);
                    node_gpus += n * nodes;
                }
                bool holds = node_gpus >= gpus;
                for (const auto& [t, n] : alloc) {
                    if (t.empty()) continue;
                    const auto have = node.gpus.find(t);
                    holds = holds && have != node.gpus.end() && have->second * nodes >= n;
                }
                if (holds) whole = std::max(whole, node_rate);
            }
            if (whole < 0) continue;  // no node holds it on this many nodes: not a placement
            rate = whole;
        }
        out.push_back(rate * hours * tasks);
    }
    return out;
}

// A random job shape, as sbatch would hand it to the plugin.
JobAsk random_ask(std::mt19937& rng, std::int64_t now, bool arrays) {
    std::uniform_int_distribution<int> coin(0, 1), small(1, 4), minutes(1, 600);
    JobAsk a;
    a.account = "fin";
    a.user = "u";
    a.submit_time = now;
    a.time = TimeAsk::of(minutes(rng));
    const int min_nodes = small(rng);
    if (coin(rng)) a.shape.min_nodes = min_nodes;
    if (coin(rng)) a.shape.max_nodes = min_nodes + small(rng) - 1;
    if (coin(rng)) a.shape.num_tasks = small(rng) * 2;
    if (coin(rng)) a.shape.ntasks_per_node = small(rng);
    if (coin(rng)) a.shape.sockets_per_node = small(rng);
    const bool untyped = coin(rng) && coin(rng);
    std::string* fields[] = {&a.tres_per_job, &a.tres_per_node, &a.tres_per_task, &a.tres_per_socket};
    for (auto* f : fields)
        if (coin(rng)) *f = random_tres(rng, untyped);
    if (arrays && coin(rng)) a.array = "0-" + std::to_string(small(rng) - 1) + (coin(rng) ? "%2" : "");
    a.exclusive = coin(rng) && coin(rng);
    if (!a.tres_per_socket.empty() && !a.shape.sockets_per_node) a.tres_per_socket.clear();
    return a;
}

}  // namespace

TEST_CASE("the bound is never below what the shape can be allocated", "[policy][property]") {
    const Snapshot snap = roomy();
    Settings st;
    std::mt19937 rng(20261207);
    for (int trial = 0; trial < 3000; ++trial) {
        const JobAsk a = random_ask(rng, snap.taken_at, true);
        const JobRequest job = build_request(a);
        REQUIRE(job.request_error.empty());
        const Decision d = evaluate(snap, st, job);
        INFO("trial " << trial << ": job '" << a.tres_per_job << "' node '" << a.tres_per_node
                      << "' task '" << a.tres_per_task << "' socket '" << a.tres_per_socket
                      << "' exclusive " << a.exclusive << "; " << d.message);
        REQUIRE(d.admitted());
        for (const double allocated : allocations(snap, a, job)) CHECK(d.bound_cuh >= allocated - 1e-9);
    }
}

TEST_CASE("a het-job's bookings are never below what its components can be allocated", "[policy][property]") {
    catalog::PolicySnapshot loaded;
    loaded.snapshot = roomy();
    loaded.snapshot.by_account.at("fin").budget_cuh = 1e7;  // a probe of 2e7 CUH is refused
    gate::PluginConfig config;
    config.catalog = "/nonexistent";
    config.settings.exempt_users.clear();
    gate::QuotaGate g(config);
    g.install(loaded, {});
    JobAsk probe;
    probe.account = "fin";
    probe.user = "u";
    probe.tres_per_job = "gres:gpu:a100:1000";
    probe.time = TimeAsk::of(10000 * 60);
    auto left = [&] {
        const auto o = g.submit(build_request(probe));
        REQUIRE_FALSE(o.allow);
        return o.decision.remaining_cuh;
    };
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> parts(1, 3);
    for (int trial = 0; trial < 500; ++trial) {
        const double before = left();
        double allocated = 0;
        const int n = parts(rng);
        for (int k = 0; k < n; ++k) {
            const JobAsk a = random_ask(rng, loaded.snapshot.taken_at, false);  // no arrays in het-jobs
            const JobRequest job = build_request(a);
            const auto o = g.submit(a, static_cast<std::uint32_t>(k));
            INFO("trial " << trial << " component " << k << ": " << o.decision.message);
            REQUIRE(o.allow);
            const auto all = allocations(loaded.snapshot, a, job);
            if (!all.empty()) allocated += *std::max_element(all.begin(), all.end());
        }
        CHECK(before - left() >= allocated - 1e-6);
    }
}
