// The quota policy engine: decides whether one job may run under a bureau's GPU budget.
// Pure: no I/O, no clock, no globals. One engine serves the job_submit plugin (inside
// slurmctld, so evaluate() never throws), `pdai submit --dry-run`, `pdai quota check` and the
// local backend.
//
// Rules, in the order they are applied (the first that fails decides):
//  1. A user in Settings::exempt_users, or a job whose --account is in exempt_accounts, is
//     exempt: no pdai rule applies (verdict exempt).
//  2. JobRequest::request_error set (the caller could not read the GPU request / array): refuse.
//  3. The bureau is the job's account. No account: the user's only active bureau is chosen
//     (Decision::set_account) if Settings::default_account_from_bureau, else refuse asking for
//     --account; two or more bureaus: refuse listing them. An account pdai does not know:
//     refuse. Accounts match exactly or in lower case (Slurm's accounts are case-insensitive).
//  4. The user must be a member of the bureau, and the bureau active.
//  5. An exclusive job (--exclusive or --exclusive=user, or any job in a partition with
//     OverSubscribe=EXCLUSIVE or ExclusiveUser=YES; of a list of partitions, any one) is
//     given every GPU of the nodes it lands on, asked for or not: it is priced at
//     JobRequest::nodes x the GPUs of the dearest node (at the types' weights) it may land on:
//     in its partitions (when known), shared or owned by its bureau, and holding the GPUs it
//     asks for (when none does, the ask is priced as usual), from the node inventory. No
//     inventory, or one older than Settings::inventory_max_age_days: refused (reason
//     no_inventory; the plugin then follows its fail mode).
//  6. A job with no GPUs is admitted with bound 0 (reason no_gpus): it costs no CUH, so time
//     and GPU rules do not apply, but it still needs a bureau it belongs to (rules 3-4).
//  7. GPU type: every named type must be known and allowed for the bureau, and each is priced
//     at its own weight (one job may ask for several types); an untyped request is priced at
//     the bureau's dearest allowed type (highest weight), since it may land there.
//  8. Time limit: required (Settings::default_time_minutes stands in when set); 0 means "no
//     limit" in Slurm and is refused the same way; it must not exceed Bureau::max_time_minutes.
//  9. Budget: bound = GPUs x hours x weight x array tasks; remaining = budget - used - liens;
//     admitted when bound <= remaining (+ kEpsilonCuh for float rounding). The array throttle
//     does not lower the bound: every task still runs and is charged, only fewer at once.
// 10. Concurrent GPUs: active_gpus + GPUs x min(tasks, throttle) <= max_gpus. The throttle
//     counts here: Slurm never runs more than `throttle` tasks of the array at once.
//
// Admission is evaluated against the period containing JobRequest::submit_time (see
// period.hpp); Bureau::used_cuh and liens_cuh must be for that period.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/gpu_request.hpp"
#include "policy/period.hpp"

namespace pdai::policy {

// Budget comparisons tolerate this much float rounding (a millionth of a CUH).
inline constexpr double kEpsilonCuh = 1e-6;

struct GpuType {
    std::string name;        // as in gres.conf / slurm.conf ("a100")
    double weight = 1.0;     // CUH per GPU-hour
    double price_cny = 0.0;  // per card-hour, for cost estimates
};

struct Bureau {
    std::string code;          // short, ASCII ("PSB")
    std::string display_name;  // may be UTF-8 ("公安局")
    std::string account;       // its Slurm account
    bool active = true;
    PeriodKind period = PeriodKind::month;
    double budget_cuh = 0.0;                     // per period
    bool has_quota = true;                       // false: no 'pdai quota set' yet, GPU jobs refused
    std::optional<int> max_gpus;                 // concurrent GPUs; none = no cap
    std::optional<int> max_time_minutes;         // longest time limit; none = no cap
    std::vector<std::string> allowed_gpu_types;  // empty = every known type
    std::set<std::string, std::less<>> members;  // unix user names
    double used_cuh = 0.0;                       // ledger usage in the current period
    double liens_cuh = 0.0;                      // admitted jobs not yet in the ledger
    std::int64_t active_gpus = 0;                // GPUs held by running or pending admitted jobs
};

// One node of the inventory ('pdai node sync').
struct NodeGpus {
    std::string host;
    std::string owner;                              // bureau code; empty: shared
    std::map<std::string, int, std::less<>> gpus;  // GPU type -> count
};

// A hash map keyed by strings and looked up by string_view. The plugin looks up a bureau and
// a user per decision, in a snapshot that slurmctld's other work has pushed out of the CPU
// caches: a hash lookup touches two or three cache lines where a tree of 500 bureaus
// touches ten.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// A Slurm partition ('pdai node sync'): the nodes its jobs may land on.
struct Partition {
    std::string name;
    bool exclusive = false;          // OverSubscribe=EXCLUSIVE or ExclusiveUser=YES: whole nodes
    bool is_default = false;         // where a job without -p goes
    std::vector<std::string> nodes;  // host names, sorted
};

struct Snapshot {
    StringMap<Bureau> by_account;  // no order: iterate sorted where order shows
    std::map<std::string, GpuType, std::less<>> gpu_types;
    std::vector<NodeGpus> nodes;    // empty: no inventory
    std::vector<Partition> partitions;  // from the same sync; empty: none known
    std::int64_t inventory_at = 0;  // Unix seconds: the last node sync, or the newest node change
    // user -> accounts of the bureaus listing them, sorted; rebuild with index_members().
    StringMap<std::vector<std::string>> bureaus_of_user;
    std::int64_t taken_at = 0;  // Unix seconds

    const Bureau* find_bureau(std::string_view account) const noexcept;
};

// Rebuilds Snapshot::bureaus_of_user from every Bureau::members (accounts sorted).
void index_members(Snapshot& snapshot);

// True when some bureau's period at `now` is not the one at snapshot.taken_at: its used_cuh
// and liens_cuh then belong to the previous period and the snapshot should be reloaded.
bool period_rolled_over(const Snapshot& snapshot, std::int64_t now) noexcept;

// Whose options a refusal's advice names: sbatch's in slurmctld (--time=03:59:00), pdai's
// for 'pdai run', 'quota check' and the local backend (--time 3h59m).
enum class Syntax { sbatch, pdai };

struct Settings {
    Syntax advice = Syntax::sbatch;
    bool default_account_from_bureau = true;
    // The partition's DefaultTime, when the site lets jobs without --time use it.
    std::optional<int> default_time_minutes;
    std::set<std::string, std::less<>> exempt_accounts;
    std::set<std::string, std::less<>> exempt_users;
    // An exclusive job is refused when the node inventory is older than this; 0 = never.
    int inventory_max_age_days = 7;
    // Decision::message of an admission: the one-line summary (bureau, what the job needs,
    // what is left after it), or just "pdai: admitted". The plugin turns it off while
    // slurmctld does not log admissions: the summary is a dozen allocations, and slurmctld
    // runs each submission on a fresh thread, whose allocations are the slow ones.
    bool admission_summary = true;
};

struct JobRequest {
    std::optional<std::string> account = {};  // --account; nullopt or empty = none given
    std::string user = {};                    // submitting user's name (from the munge uid)
    GpuAsk gpus = {};                         // per array task; see gpu_ask_from_tres()
    int array_tasks = 1;                      // ArraySpec::tasks; 1 for a plain job
    std::optional<int> array_throttle = {};   // ArraySpec::throttle
    // Minutes; nullopt = not given (NO_VAL, or INFINITE); 0 = no limit, as in Slurm.
    std::optional<int> time_limit_minutes = {};
    std::int64_t submit_time = 0;  // Unix seconds; 0 = snapshot.taken_at
    bool exclusive = false;        // whole nodes: --exclusive (rule 5)
    // -p, possibly a comma-separated list; "" = the default partition; nullopt = unknown
    // (no partition rules apply).
    std::optional<std::string> partition = {};
    int nodes = 1;                 // the most nodes the job may get (node_count())
    // Set when the caller could not parse the GPU request or array; refused with this text
    // unless the job is exempt.
    std::string request_error = {};
};

struct Decision {
    enum class Verdict { admit, refuse, exempt };
    enum class Reason {
        ok,                 // admitted within budget
        no_gpus,            // admitted: asks for no GPUs
        exempt_user,        // exempt
        exempt_account,     // exempt
        bad_request,        // request_error was set, or counts out of range
        no_account,         // no --account and Settings forbid choosing one
        ambiguous_account,  // no --account and the user is in several bureaus
        not_in_any_bureau,  // no --account and the user is in no active bureau
        unknown_account,    // --account is not a pdai bureau
        not_member,         // user is not a member of the bureau
        inactive,           // bureau is not active
        unknown_gpu_type,   // named GPU type is not in the catalog
        gpu_type_not_allowed,
        no_gpu_type,  // untyped request, but the bureau has no priced type to use
        bad_config,   // a GPU type's weight is negative or not a number
        no_time_limit,
        time_over_max,
        over_budget,
        no_quota,  // the bureau has no quota yet: no budget to charge a GPU job to
        over_gpu_cap,
        no_inventory,    // an exclusive job, and no node inventory (or a stale one) to price it
        internal_error,  // evaluate() caught an exception (out of memory)
    };

    Verdict verdict = Verdict::refuse;
    Reason reason = Reason::internal_error;
    std::string bureau;        // bureau code, when one was resolved
    std::string account;       // the bureau's account, when one was resolved
    std::string set_account;   // non-empty when the engine chose the account: set it on the job
    std::string period_label;  // "2026-11"
    int gpus = 0;              // per array task
    int array_tasks = 1;
    std::int64_t concurrent_gpus = 0;  // gpus x min(tasks, throttle); admit() adds these
    int time_limit_minutes = 0;        // the limit priced (the job's, or the default)
    std::string gpu_type;              // the type priced ("a100+t4": several); empty: no GPUs
    bool priced_untyped = false;       // gpu_type was chosen for an untyped request
    std::string whole_node;            // exclusive: the node whose GPUs were priced
    double weight = 0.0;               // CUH per GPU-hour of gpu_type
    double bound_cuh = 0.0;            // whole job / array
    double remaining_cuh = 0.0;        // before this job
    double cost_cny = 0.0;             // bound in money: GPU-hours x price
    // One line beginning "pdai: ". ASCII except the bureau's display name. On refusal: which
    // bureau, what is left, what the job needs and what to change; on admit, a summary.
    std::string message;

    bool admitted() const noexcept { return verdict != Verdict::refuse; }
};

std::string_view to_string(Decision::Verdict v) noexcept;
std::string_view to_string(Decision::Reason r) noexcept;

Decision evaluate(const Snapshot& snapshot, const Settings& settings,
                  const JobRequest& job) noexcept;

// Rule 1 alone: Reason::exempt_user or exempt_account when no pdai rule applies to this
// user or account, else Reason::ok. evaluate() and job submission's own checks share it.
Decision::Reason exemption(const Settings& settings, std::string_view user,
                           const std::optional<std::string>& account);

// After admitting (verdict admit): adds the job's bound to its bureau's liens and its
// concurrent GPUs to active_gpus, so the next evaluate() sees them. No-op otherwise.
void admit(Snapshot& snapshot, const Decision& decision) noexcept;

}  // namespace pdai::policy
