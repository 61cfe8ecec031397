// The quota gate: the job_submit plugin's state and decisions, without anything of Slurm.
//
// It holds the last snapshot loaded from the catalog (CatalogWatcher installs it) plus what
// the plugin itself admitted since: every admission and every allowed job_modify adds a
// booking (bureau, CUH, GPUs held) that counts against the bureau at once. A new snapshot
// forgets the bookings older than its liens_at, because the liens that 'pdai sync' read
// from slurmctld after that time already hold those jobs; the rest are applied to it again.
// Bookings made in the very second of liens_at are kept: such a job may be counted twice
// until the next sync, never missed.
//
// While no snapshot is loadable (set_unavailable), exempt users and accounts still pass,
// and every other job follows the fail mode: admitted (open) or refused (closed).
//
// job_modify prices a pending job's new shape. The plugin tags every job it admits with a key
// (AdminComment "...,ask=KEY", which only Slurm operators can change) and the gate keeps the
// job as submitted (its JobAsk) under that key: a change is the old ask with the updated
// fields, built into a request by the same builder as a submission, and evaluated with the
// old bound taken out of the bureau; the booking is new bound - old bound. A change that
// does not raise the bound or the GPUs held is always allowed. Keys carry the gate's start
// time, so a restarted slurmctld never takes an old job's key for one of its own.
//
// Without a known key (an untagged job, or one from before a restart) the gate prices a
// change against the job's lien: the bureau is evaluated with the job's old lien taken out and the job as it
// would be after the change; the booking is new bound - old bound. A job that is in no
// lien yet (submitted after the last pdai sync) cannot be priced: a change that touches
// its price is refused if the user has GPU jobs admitted since that sync (retry after the
// next sync), and allowed otherwise, since then the job holds no GPUs. Lowering a job's
// bound and GPUs is always allowed.
//
// A het-job reaches the plugin as one submit() per component, offsets 0, 1, ..., in one
// slurmctld thread, and Slurm rejects the whole het-job when any component is refused. So
// the gate prices it as one request: each component is evaluated with the earlier ones
// booked, and a refused component releases every booking of its het-job.
//
// Thread-safe: one small mutex; decisions never wait for the catalog.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "catalog/policy_snapshot.hpp"
#include "gate/plugin_config.hpp"
#include "policy/gpu_request.hpp"
#include "policy/job_ask.hpp"
#include "policy/quota_policy.hpp"

namespace pdai::gate {

using UidNames = std::unordered_map<std::uint32_t, std::string>;

struct Outcome {
    bool allow = false;          // what slurmctld is told
    bool by_fail_mode = false;   // no snapshot: the fail mode decided
    policy::Decision decision;   // the engine's decision (message always set)
    std::string ask_key;         // submit(JobAsk) admitted: tag the job with it ("ask=KEY")
};

// A change to an existing job, as job_modify sees it: only what the update names.
struct ModifyRequest {
    std::uint32_t job_id = 0;     // the job (or array) id; 0 when unknown
    std::optional<int> task_id;   // "1234_7": one array task
    std::string user;             // who asks for the change
    std::optional<std::string> account;  // new --account
    std::optional<std::string> partition;  // new -p (may give whole nodes)
    bool time_given = false;
    std::optional<int> time_limit_minutes;  // when time_given; nullopt = INFINITE
    std::string tres_per_job, tres_per_node, tres_per_task, tres_per_socket;
    // Which of those the update names (TresField bits): a named empty field drops that GPU
    // request. Any of them named: the GPUs are re-priced.
    enum TresField : unsigned { tres_job = 1, tres_node = 2, tres_task = 4, tres_socket = 8 };
    unsigned tres_named = 0;
    policy::JobShape shape;       // the shape fields the update names
    std::optional<int> array_throttle;  // ArrayTaskThrottle=N; 0 = none
    std::string ask_key;          // from the job's AdminComment ("ask=KEY"); "" = none
    std::int64_t now = 0;

    // True when the change may alter what the job costs.
    bool touches_price() const noexcept {
        return account || partition || time_given || tres_given() || shape.min_nodes || shape.max_nodes ||
               shape.num_tasks || shape.ntasks_per_node || shape.sockets_per_node ||
               array_throttle;
    }
    bool tres_given() const noexcept { return tres_named != 0; }
};

// The key in an AdminComment the plugin wrote ("pdai:bureau=X,...,ask=KEY"); "" when none.
std::string ask_key_of(std::string_view admin_comment);

struct GateCounters {
    std::uint64_t admitted = 0, refused = 0, exempt = 0, fail_open = 0, fail_closed = 0,
                  modify_allowed = 0, modify_refused = 0;
};

class QuotaGate {
public:
    explicit QuotaGate(PluginConfig config);

    // The reload thread: installs a snapshot; `names` maps the uids of members and exempt
    // users to their names.
    void install(catalog::PolicySnapshot loaded, UidNames names);
    // The catalog cannot be read: the fail mode applies until the next install().
    void set_unavailable();
    bool available() const;

    // Hot path: decides one submission; on admit the job's bound is booked at once.
    // het_offset: the component's offset in its het-job (job_desc_msg_t's het_job_offset);
    // nullopt for a plain job.
    Outcome submit(const policy::JobRequest& job, std::optional<std::uint32_t> het_offset = std::nullopt);
    // The plugin's entry: builds the request (policy::build_request) and submits it; an
    // admitted job's ask is kept for pricing its changes, under Outcome::ask_key.
    Outcome submit(policy::JobAsk ask, std::optional<std::uint32_t> het_offset = std::nullopt);
    Outcome modify(const ModifyRequest& change);

    // The user name of `uid`: from the installed snapshot (no system call), else from a
    // cache, else getpwuid_r (once per uid); "uid:N" when it has no passwd entry.
    std::string user_name(std::uint32_t uid);

    const PluginConfig& config() const noexcept { return config_; }
    GateCounters counters() const;
    std::size_t bookings() const;

private:
    struct Booking {
        std::uint64_t id;  // 0 until book() numbers it
        std::int64_t at;   // unix seconds
        std::string account;
        std::string user;  // who submitted (empty for modify deltas)
        double cuh;        // may be negative (a lowered job_modify)
        std::int64_t gpus;
    };
    struct Changed {  // a job's lien after a job_modify allowed since the snapshot
        std::int64_t at;
        catalog::Lien lien;
    };
    struct Kept {  // an admitted job as submitted, for pricing its changes
        policy::JobAsk ask;
        std::string account;  // where its bound is booked
        double cuh;
        std::int64_t gpus;
    };
    struct HetJob {  // the components of one het-job admitted so far, in submit order
        std::uint32_t next_offset = 0;
        std::vector<std::uint64_t> bookings;
        double cuh = 0;
    };
    struct State {
        catalog::PolicySnapshot loaded;  // loaded.snapshot includes the bookings
        UidNames names;
    };

    static void apply(policy::Snapshot& s, const Booking& b) noexcept;
    std::uint64_t book(Booking b);
    void release_het_job(std::thread::id thread);
    // Refusals are rare and out of line (cold), so the admission path stays short.
    [[gnu::cold]] void refuse_het_job(policy::Decision& d, std::uint32_t offset, std::thread::id thread);
    [[gnu::cold]] Outcome fail_mode(const policy::JobRequest& job);
    // submit() with mu_ held; keeps `ask` (when given) of an admitted job in the same hold.
    Outcome submit_locked(const policy::JobRequest& job, std::optional<std::uint32_t> het_offset,
                          policy::JobAsk* ask);
    Outcome unpriced(const ModifyRequest& change, const std::string& why);
    std::optional<catalog::Lien> lien_of(const ModifyRequest& change, std::string& key) const;
    Outcome modify_kept(const ModifyRequest& change, Kept& kept);
    // The engine's decision on `job` with a job's current bound (cuh, gpus) taken out of
    // `account` for the evaluation: how a change of that job is priced.
    policy::Decision evaluate_without(const std::string& account, double cuh, std::int64_t gpus,
                                      const policy::JobRequest& job);
    // A changed job: its old bound released, its new one booked, both at `at`.
    void rebook(std::int64_t at, const std::string& old_account, double old_cuh, std::int64_t old_gpus,
                const std::string& new_account, double new_cuh, std::int64_t new_gpus);
    std::string keep(policy::JobAsk&& ask, const policy::Decision& d);
    Kept* kept(std::string_view key);

    const PluginConfig config_;
    mutable std::mutex mu_;
    std::unique_ptr<State> state_;
    std::vector<Booking> bookings_;
    std::unordered_map<std::string, Changed> changed_;  // by "jobid" / "jobid_task"
    std::unordered_map<std::thread::id, HetJob> het_;    // by the submitting slurmctld thread
    std::uint64_t last_booking_id_ = 0;
    // The kept asks in key order, in chunks of kKeptChunk reserved at once: key "PREFIX.N" is
    // entry N - first_kept_. The cap drops the oldest chunk. No hashing, no key strings and
    // (but once a chunk) no allocation on the submit path.
    static constexpr std::size_t kKeptChunk = 1024;
    std::deque<std::vector<Kept>> kept_;
    std::uint64_t first_kept_ = 1;
    std::uint64_t next_kept_ = 1;
    std::string key_prefix_;  // the gate's start time, hex
    std::unordered_map<std::uint32_t, std::string> name_cache_;
    GateCounters counters_;
};

}  // namespace pdai::gate
