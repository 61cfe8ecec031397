// The policy engine's answers computed offline, for the plugin stress test: replays jobs in
// the order slurmctld decided them against the same catalog, booking each admission as the
// plugin does, and prints what the engine says of each.
//
// usage: pdai_policy_replay CATALOG PLUGIN_CONF < jobs
//   each input line: NAME USER ACCOUNT|- GPUS(TYPE:N|N) MINUTES ARRAY|-
//   each output line: NAME VERDICT REASON BOUND_CUH
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "catalog/catalog.hpp"
#include "catalog/policy_snapshot.hpp"
#include "gate/plugin_config.hpp"
#include "policy/array_spec.hpp"
#include "policy/gpu_request.hpp"
#include "policy/quota_policy.hpp"

int main(int argc, char** argv) {
    using namespace pdai;
    if (argc != 3) {
        std::cerr << "usage: pdai_policy_replay CATALOG PLUGIN_CONF < jobs\n";
        return 2;
    }
    try {
        const auto cfg = gate::load_plugin_config(argv[2]);
        if (!cfg) throw std::runtime_error(cfg.error());
        auto cat = catalog::Catalog::open({argv[1], 5000, false});
        auto snap = catalog::load_policy_snapshot(cat, {pdai::now_unix(), cfg->cluster});
        std::string line;
        while (std::getline(std::cin, line)) {
            std::istringstream in(line);
            std::string name, user, account, gpus, array;
            int minutes = 0;
            if (!(in >> name >> user >> account >> gpus >> minutes >> array)) continue;
            policy::JobRequest job;
            job.user = user;
            if (account != "-") job.account = account;
            job.submit_time = snap.snapshot.taken_at;
            job.time_limit_minutes = minutes;
            const auto ask = policy::parse_cli_gpus(gpus);
            if (!ask) throw std::runtime_error(name + ": " + ask.error());
            job.gpus = *ask;
            if (array != "-") {
                const auto spec = policy::parse_array_spec(array);
                if (!spec) throw std::runtime_error(name + ": " + spec.error());
                job.array_tasks = spec->tasks;
                job.array_throttle = spec->throttle;
            }
            const auto d = policy::evaluate(snap.snapshot, cfg->settings, job);
            policy::admit(snap.snapshot, d);
            std::printf("%s %s %s %.6f\n", name.c_str(), std::string(policy::to_string(d.verdict)).c_str(),
                        std::string(policy::to_string(d.reason)).c_str(), d.bound_cuh);
        }
    } catch (const std::exception& e) {
        std::cerr << "pdai_policy_replay: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
