// The quota policy engine, driven the way the job_submit plugin drives it: TRES strings, the
// job's shape and array_inx go through the parsers, then evaluate(). One table row per rule or
// request form; a failing row names itself.
#include <catch2/catch.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "policy/array_spec.hpp"
#include "policy/gpu_request.hpp"
#include "policy/quota_policy.hpp"

using namespace pdai::policy;
using Verdict = Decision::Verdict;
using Reason = Decision::Reason;

namespace {

constexpr std::int64_t kNov1 = 1793491200;  // 2026-11-01T00:00:00Z
constexpr std::int64_t kDec1 = 1796083200;  // 2026-12-01T00:00:00Z
constexpr std::int64_t kJan1 = 1798761600;  // 2027-01-01T00:00:00Z
constexpr std::int64_t kNov15 = kNov1 + 14 * 86400;

Bureau bureau(std::string code, std::string display, std::string account, double budget,
              double used, double liens, std::set<std::string, std::less<>> members) {
    Bureau b;
    b.code = std::move(code);
    b.display_name = std::move(display);
    b.account = std::move(account);
    b.budget_cuh = budget;
    b.used_cuh = used;
    b.liens_cuh = liens;
    b.members = std::move(members);
    return b;
}

// GPU types: a100 2 CUH/GPU-h, v100 1, t4 0.5, h800 3, mig 0.1.
// psb: 50 CUH left of 100 this month, at most 8 GPUs at once (2 held), --time <= 2 days,
//      a100 and t4 only.                                   members alice, bob
// edu: quarterly, 20 CUH, no caps, every type.             members bob, carol, erin
// old: inactive.                                           members dave, erin
// tiny: yearly, nothing left.                              member frank
// over: 2 CUH over its budget.                             member gina
// eps: 0.3 CUH left, mig only (float rounding).            member hal
Snapshot fixture() {
    Snapshot s;
    s.taken_at = kNov15;
    for (const auto& [name, w, price] : {std::tuple{"a100", 2.0, 20.0},
                                         {"v100", 1.0, 9.0},
                                         {"t4", 0.5, 4.0},
                                         {"h800", 3.0, 30.0},
                                         {"mig", 0.1, 1.0}}) {
        s.gpu_types[name] = GpuType{name, w, price};
    }
    auto psb = bureau("PSB", "公安局", "psb", 100, 40, 10, {"alice", "bob"});
    psb.max_gpus = 8;
    psb.active_gpus = 2;
    psb.max_time_minutes = 2 * 1440;
    psb.allowed_gpu_types = {"t4", "a100"};
    auto edu = bureau("EDU", "教育局", "edu", 20, 0, 0, {"bob", "carol", "erin"});
    edu.period = PeriodKind::quarter;
    auto old = bureau("OLD", "", "old", 100, 0, 0, {"dave", "erin"});
    old.active = false;
    auto tiny = bureau("TINY", "Tiny Office", "tiny", 10, 10, 0, {"frank"});
    tiny.period = PeriodKind::year;
    auto over = bureau("OVER", "Overspent\nOffice", "over", 10, 12, 0, {"gina"});
    auto eps = bureau("EPS", "", "eps", 0.3, 0, 0, {"hal"});
    eps.allowed_gpu_types = {"mig"};
    for (auto* b : {&psb, &edu, &old, &tiny, &over, &eps}) s.by_account[b->account] = *b;
    index_members(s);
    return s;
}

// A job on an account by a user, with GPUs and a time limit: what most cases vary.
JobRequest request(std::string account, std::string user, GpuAsk gpus, int minutes) {
    JobRequest job;
    job.account = std::move(account);
    job.user = std::move(user);
    job.gpus = std::move(gpus);
    job.time_limit_minutes = minutes;
    return job;
}

enum class Variant { base, no_default_account, default_time_2h };

Settings settings(Variant v) {
    Settings st;
    st.exempt_users = {"root", "slurm"};
    st.exempt_accounts = {"ops"};
    if (v == Variant::no_default_account) st.default_account_from_bureau = false;
    if (v == Variant::default_time_2h) st.default_time_minutes = 120;
    return st;
}

struct Expect {
    Verdict verdict;
    Reason reason;
    const char* bureau = "";
    double bound = NAN;                  // NAN = not checked
    std::vector<std::string> says = {};  // substrings of the message
    const char* set_account = "";
    const char* period = nullptr;
    std::int64_t concurrent = -1;  // -1 = not checked
    const char* gpu_type = nullptr;
};

struct Row {
    const char* name;
    std::optional<std::string> account;
    std::string user;
    TresFields tres;  // what the plugin reads from job_desc_msg_t
    JobShape shape;
    const char* array;  // array_inx, or nullptr
    std::optional<int> minutes;
    Expect want;
    Variant variant = Variant::base;
    std::int64_t submit_time = 0;
};

const char* const kNone = nullptr;
const std::optional<std::string> kNoAccount = std::nullopt;
const std::optional<int> kNoTime = std::nullopt;

// The job request exactly as the plugin builds it.
JobRequest request(const Row& r) {
    JobRequest j;
    j.account = r.account;
    j.user = r.user;
    j.time_limit_minutes = r.minutes;
    j.submit_time = r.submit_time;
    if (auto g = gpu_ask_from_tres(r.tres, r.shape)) {
        j.gpus = *g;
    } else {
        j.request_error = g.error();
    }
    if (r.array) {
        if (auto a = parse_array_spec(r.array)) {
            j.array_tasks = a->tasks;
            j.array_throttle = a->throttle;
        } else {
            j.request_error = a.error();
        }
    }
    return j;
}

// The message outside the bureaus' display names must be printable ASCII.
bool ascii_outside_names(std::string m) {
    for (const char* name : {"公安局", "教育局"}) {
        for (auto at = m.find(name); at != std::string::npos; at = m.find(name)) {
            m.erase(at, std::string(name).size());
        }
    }
    for (char c : m) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f) return false;
    }
    return true;
}

const char* verdict_name(Verdict v) {
    return to_string(v).data();
}

}  // namespace

TEST_CASE("quota policy decision table", "[policy][engine]") {
    static_assert(
        noexcept(evaluate(std::declval<const Snapshot&>(), std::declval<const Settings&>(),
                          std::declval<const JobRequest&>())));
    const Snapshot snap = fixture();
    // One row per case reads better as a table than as clang-format lays it out.
    // clang-format off
    const std::vector<Row> rows = {
        // ---- GPU request forms ----
        {"--gres=gpu:a100:2 for 1h", "psb", "alice", {.per_node = "gres:gpu:a100:2"}, {}, kNone, 60,
         {Verdict::admit, Reason::ok, "PSB", 4.0, {"pdai: admitted", "46 CUH left in 2026-11"}, "",
         "2026-11", 2, "a100"}},
        {"--gres=gpu:2 (untyped) priced at the dearest allowed type", "psb", "alice",
         {.per_node = "gres:gpu:2"}, {}, kNone, 60, {Verdict::admit, Reason::ok, "PSB", 4.0,
         {"dearest"}, "", nullptr, 2, "a100"}},
        {"--gres=gpu means one GPU", "psb", "alice", {.per_node = "gres:gpu"}, {}, kNone, 60,
         {Verdict::admit, Reason::ok, "PSB", 2.0, {}, "", nullptr, 1, "a100"}},
        {"--gres=gpu:t4:4 for 3h", "psb", "alice", {.per_node = "gres:gpu:t4:4"}, {}, kNone, 180,
         {Verdict::admit, Reason::ok, "PSB", 6.0, {}, "", nullptr, 4, "t4"}},
        {"--gres with another GRES", "psb", "alice", {.per_node = "gres:gpu:t4:1,gres:nic:1"}, {},
         kNone, 60, {Verdict::admit, Reason::ok, "PSB", 0.5, {}, "", nullptr, 1, "t4"}},
        {"gres/gpu:a100=2 style", "psb", "alice", {.per_node = "gres/gpu:a100=2"}, {}, kNone, 60,
         {Verdict::admit, Reason::ok, "PSB", 4.0, {}, "", nullptr, 2, "a100"}},
        {"--gpus=t4:4 for 2h", "psb", "alice", {.per_job = "gres:gpu:t4:4"}, {}, kNone, 120,
         {Verdict::admit, Reason::ok, "PSB", 4.0, {}, "", nullptr, 4, "t4"}},
        {"--gpus=a100:4 -N 2 is 4 in total", "psb", "alice", {.per_job = "gres:gpu:a100:4"},
         {.min_nodes = 2}, kNone, 60, {Verdict::admit, Reason::ok, "PSB", 8.0, {}, "", nullptr, 4}},
        {"--gpus-per-node=a100:2 -N 2 is 4", "psb", "alice", {.per_node = "gres:gpu:a100:2"},
         {.min_nodes = 2}, kNone, 60, {Verdict::admit, Reason::ok, "PSB", 8.0, {}, "", nullptr, 4}},
        {"--gpus-per-node=t4:1 -N 2-4 charges 4 nodes", "psb", "alice",
         {.per_node = "gres:gpu:t4:1"}, {.min_nodes = 2, .max_nodes = 4}, kNone, 60,
         {Verdict::admit, Reason::ok, "PSB", 2.0, {}, "", nullptr, 4}},
        {"--gpus-per-task=t4:1 -n 4 for 2h", "psb", "alice", {.per_task = "gres:gpu:t4:1"},
         {.num_tasks = 4}, kNone, 120, {Verdict::admit, Reason::ok, "PSB", 4.0, {}, "", nullptr,
         4}},
        {"--gpus-per-task=t4:2 without -n counts one task", "psb", "alice",
         {.per_task = "gres:gpu:t4:2"}, {}, kNone, 60, {Verdict::admit, Reason::ok, "PSB", 1.0, {},
         "", nullptr, 2}},
        {"--gpus-per-socket=t4:1 --sockets-per-node=2", "psb", "alice",
         {.per_socket = "gres:gpu:t4:1"}, {.sockets_per_node = 2}, kNone, 60, {Verdict::admit,
         Reason::ok, "PSB", 1.0, {}, "", nullptr, 2}},
        {"edu may use every type: untyped is priced at h800", "edu", "carol",
         {.per_node = "gres:gpu:1"}, {}, kNone, 60, {Verdict::admit, Reason::ok, "EDU", 3.0,
         {"2026-Q4"}, "", "2026-Q4", 1, "h800"}},
        {"two GPU types in one job: each at its own weight", "psb", "alice",
         {.per_node = "gres:gpu:a100:1,gres:gpu:t4:1"}, {}, kNone, 60, {Verdict::admit, Reason::ok,
         "PSB", 2.5, {"1 x a100 x 2 + 1 x t4 x 0.5 CUH/GPU-h"}, "", nullptr, 2, "a100+t4"}},
        {"--gres=gpu:a100:1,gpu:t4:4 for 2h is 8 CUH", "psb", "alice",
         {.per_node = "gres:gpu:a100:1,gres:gpu:t4:4"}, {}, kNone, 120, {Verdict::admit, Reason::ok,
         "PSB", 8.0, {"(1 x a100 x 2 + 4 x t4 x 0.5 CUH/GPU-h) x 2h = 8 CUH"}, "", nullptr, 5,
         "a100+t4"}},
        {"two types over budget: the message names both", "psb", "alice",
         {.per_node = "gres:gpu:a100:3,gres:gpu:t4:3"}, {}, kNone, 600, {Verdict::refuse,
         Reason::over_budget, "PSB", 75.0, {"3 x a100 x 2 + 3 x t4 x 0.5", "50 CUH left",
         "--time=06:40:00 or less"}}},
        {"two types, two not allowed: one message names both", "psb", "alice",
         {.per_node = "gres:gpu:a100:1,gres:gpu:h800:1,gres:gpu:v100:1"}, {}, kNone, 60,
         {Verdict::refuse, Reason::gpu_type_not_allowed, "PSB", NAN, {"GPU types 'h800' and 'v100'",
         "allowed: a100, t4"}}},
        {"two types, one unknown", "psb", "alice", {.per_node = "gres:gpu:a100:1,gres:gpu:x9:1"}, {},
         kNone, 60, {Verdict::refuse, Reason::unknown_gpu_type, "PSB", NAN, {"GPU type 'x9'"}}},
        // ---- arrays ----
        {"array 0-9 without throttle: 10 GPUs at once is over the cap", "psb", "alice",
         {.per_node = "gres:gpu:t4:1"}, {}, "0-9", 60, {Verdict::refuse, Reason::over_gpu_cap,
         "PSB", 5.0, {"at most 8 GPUs at once", "alone would hold 10", "--array=...%6"}, "",
         nullptr, 10}},
        {"array 0-3 with 2 GPUs per task and 2 held: throttle to 3", "psb", "alice",
         {.per_node = "gres:gpu:t4:2"}, {}, "0-3", 60, {Verdict::refuse, Reason::over_gpu_cap,
         "PSB", 4.0, {"2 are held", "8 more", "2 GPUs x 4 array tasks at once", "--array=...%3"}}},
        {"array 0-9%4: the throttle keeps it under the cap", "psb", "alice",
         {.per_node = "gres:gpu:t4:1"}, {}, "0-9%4", 60, {Verdict::admit, Reason::ok, "PSB", 5.0,
         {"10 tasks x 1 GPU x 1h"}, "", nullptr, 4}},
        {"array 0-15:4 is 4 tasks", "psb", "alice", {.per_node = "gres:gpu:a100:1"}, {}, "0-15:4",
         120, {Verdict::admit, Reason::ok, "PSB", 16.0, {}, "", nullptr, 4}},
        {"array 1,3,5-7 is 5 tasks", "psb", "alice", {.per_node = "gres:gpu:t4:1"}, {}, "1,3,5-7",
         60, {Verdict::admit, Reason::ok, "PSB", 2.5, {}, "", nullptr, 5}},
        {"array 0-99%2: the throttle does not lower the bound (exactly 50 fits)", "psb", "alice",
         {.per_node = "gres:gpu:t4:1"}, {}, "0-99%2", 60, {Verdict::admit, Reason::ok, "PSB", 50.0,
         {}, "", nullptr, 2}},
        {"array 0-100%2 needs 50.5 of 50", "psb", "alice", {.per_node = "gres:gpu:t4:1"}, {},
         "0-100%2", 60, {Verdict::refuse, Reason::over_budget, "PSB", 50.5,
         {"101 tasks x 1 GPU x 1h x 0.5 CUH/GPU-h = 50.5 CUH", "100 array tasks or fewer"}}},
        {"malformed array", "psb", "alice", {.per_node = "gres:gpu:t4:1"}, {}, "5-1", 60,
         {Verdict::refuse, Reason::bad_request, "", NAN, {"invalid job array"}}},
        // ---- budget ----
        {"over budget names bureau, what is left, the need and the changes", "psb", "alice",
         {.per_node = "gres:gpu:a100:4"}, {}, kNone, 480, {Verdict::refuse, Reason::over_budget,
         "PSB", 64.0, {"pdai: bureau PSB (公安局) has 50 CUH left in 2026-11 (budget 100 CUH)",
         "4 GPUs x 8h x 2 CUH/GPU-h = 64 CUH", "--time=06:15:00 or less",
         "3 GPUs or fewer per task", "ask the platform admin to raise the budget"}}},
        {"untyped over budget suggests a cheaper type", "psb", "alice", {.per_node = "gres:gpu:4"},
         {}, kNone, 480, {Verdict::refuse, Reason::over_budget, "PSB", 64.0, {"dearest",
         "name a cheaper GPU type (e.g. --gres=gpu:t4:4"}}},
        {"bound equal to remaining is admitted", "psb", "alice", {.per_node = "gres:gpu:a100:5"},
         {}, kNone, 300, {Verdict::admit, Reason::ok, "PSB", 50.0, {"0 CUH left"}}},
        {"one minute more is refused", "psb", "alice", {.per_node = "gres:gpu:a100:5"}, {}, kNone,
         301, {Verdict::refuse, Reason::over_budget, "PSB", NAN, {"--time=05:00:00 or less"}}},
        {"float rounding within epsilon is admitted (3 x 0.1 > 0.3)", "eps", "hal",
         {.per_node = "gres:gpu:mig:3"}, {}, kNone, 60, {Verdict::admit, Reason::ok, "EPS", 0.3}},
        {"beyond epsilon is refused", "eps", "hal", {.per_node = "gres:gpu:mig:3"}, {}, kNone, 61,
         {Verdict::refuse, Reason::over_budget, "EPS", NAN, {"has 0.3 CUH left", "= 0.305 CUH",
         "--time=01:00:00 or less"}}},
        {"nothing left: wait for the next (yearly) period", "tiny", "frank",
         {.per_node = "gres:gpu:t4:1"}, {}, kNone, 60, {Verdict::refuse, Reason::over_budget,
         "TINY", 0.5, {"has 0 CUH left in 2026", "renew on 2027-01-01"}, "", "2026"}},
        {"overspent bureau", "over", "gina", {.per_node = "gres:gpu:t4:1"}, {}, kNone, 60,
         {Verdict::refuse, Reason::over_budget, "OVER", NAN,
         {"is 2 CUH over its budget for 2026-11", "Overspent Office"}}},
        // ---- concurrent GPUs ----
        {"2 held + 6 = 8 fits the cap", "psb", "alice", {.per_node = "gres:gpu:a100:6"}, {}, kNone,
         60, {Verdict::admit, Reason::ok, "PSB", 12.0, {}, "", nullptr, 6}},
        {"2 held + 7 is over the cap", "psb", "alice", {.per_node = "gres:gpu:a100:7"}, {}, kNone,
         60, {Verdict::refuse, Reason::over_gpu_cap, "PSB", NAN, {"wait for its jobs"}}},
        {"9 GPUs alone are over the cap", "psb", "alice", {.per_node = "gres:gpu:t4:9"}, {}, kNone,
         60, {Verdict::refuse, Reason::over_gpu_cap, "PSB", NAN, {"alone",
         "8 GPUs or fewer per task", "raise the cap"}}},
        {"over budget and cap: the budget is reported", "psb", "alice",
         {.per_node = "gres:gpu:a100:9"}, {}, kNone, 480, {Verdict::refuse, Reason::over_budget,
         "PSB"}},
        // ---- time limits ----
        {"no time limit", "psb", "alice", {.per_node = "gres:gpu:t4:1"}, {}, kNone, kNoTime,
         {Verdict::refuse, Reason::no_time_limit, "PSB", NAN, {"give --time",
         "the longest bureau PSB (公安局) allows is 2-00:00:00"}}},
        {"--time=0 means no limit in Slurm", "psb", "alice", {.per_node = "gres:gpu:t4:1"}, {},
         kNone, 0, {Verdict::refuse, Reason::no_time_limit, "PSB"}},
        {"no time limit with a site default", "psb", "alice", {.per_node = "gres:gpu:a100:1"}, {},
         kNone, kNoTime, {Verdict::admit, Reason::ok, "PSB", 4.0}, Variant::default_time_2h},
        {"longer than the bureau allows", "psb", "alice", {.per_node = "gres:gpu:t4:1"}, {}, kNone,
         3 * 1440, {Verdict::refuse, Reason::time_over_max, "PSB", NAN, {"3-00:00:00 is longer",
         "--time=2-00:00:00 or less"}}},
        {"exactly the longest allowed", "psb", "alice", {.per_node = "gres:gpu:t4:1"}, {}, kNone,
         2 * 1440, {Verdict::admit, Reason::ok, "PSB", 24.0}},
        // ---- GPU types ----
        {"unknown GPU type", "psb", "alice", {.per_node = "gres:gpu:h900:1"}, {}, kNone, 60,
         {Verdict::refuse, Reason::unknown_gpu_type, "PSB", NAN, {"unknown GPU type 'h900'",
         "may use: a100, t4"}}},
        {"type not allowed for the bureau", "psb", "alice", {.per_node = "gres:gpu:h800:2"}, {},
         kNone, 60, {Verdict::refuse, Reason::gpu_type_not_allowed, "PSB", NAN,
         {"may not use GPU type 'h800'", "allowed: a100, t4", "--gres=gpu:a100:2"}}},
        // ---- jobs without GPUs ----
        {"no GPUs, no time: admitted with bound 0", "psb", "alice", {}, {}, kNone, kNoTime,
         {Verdict::admit, Reason::no_gpus, "PSB", 0.0, {}, "", nullptr, 0}},
        {"only a non-GPU GRES", "psb", "alice", {.per_node = "gres:nic:1"}, {}, kNone, kNoTime,
         {Verdict::admit, Reason::no_gpus, "PSB", 0.0}},
        {"no GPUs still needs membership", "psb", "carol", {}, {}, kNone, kNoTime, {Verdict::refuse,
         Reason::not_member, "PSB"}},
        // ---- accounts, members, active ----
        {"unknown account", "xyz", "alice", {.per_node = "gres:gpu:t4:1"}, {}, kNone, 60,
         {Verdict::refuse, Reason::unknown_account, "", NAN, {"account 'xyz' is not a pdai bureau",
         "--account=psb"}}},
        {"accounts are case-insensitive, as in Slurm", "PSB", "alice",
         {.per_node = "gres:gpu:t4:1"}, {}, kNone, 60, {Verdict::admit, Reason::ok, "PSB", 0.5}},
        {"exempt accounts too", "OPS", "zed", {}, {}, kNone, kNoTime, {Verdict::exempt,
         Reason::exempt_account}},
        {"not a member", "psb", "carol", {.per_node = "gres:gpu:t4:1"}, {}, kNone, 60,
         {Verdict::refuse, Reason::not_member, "PSB", NAN,
         {"user carol is not a member of bureau PSB (公安局)", "use --account=edu"}}},
        {"inactive bureau", "old", "dave", {.per_node = "gres:gpu:t4:1"}, {}, kNone, 60,
         {Verdict::refuse, Reason::inactive, "OLD", NAN, {"bureau OLD is not active"}}},
        {"no account, one bureau: chosen", kNoAccount, "alice", {.per_node = "gres:gpu:t4:1"}, {},
         kNone, 60, {Verdict::admit, Reason::ok, "PSB", 0.5, {}, "psb"}},
        {"empty account counts as none", std::string{}, "alice", {.per_node = "gres:gpu:t4:1"}, {},
         kNone, 60, {Verdict::admit, Reason::ok, "PSB", 0.5, {}, "psb"}},
        {"no account, two bureaus: ask", kNoAccount, "bob", {.per_node = "gres:gpu:t4:1"}, {},
         kNone, 60, {Verdict::refuse, Reason::ambiguous_account, "", NAN, {"2 bureaus (edu, psb)",
         "--account=edu or --account=psb"}}},
        {"no account, one bureau, but the site wants --account", kNoAccount, "alice",
         {.per_node = "gres:gpu:t4:1"}, {}, kNone, 60, {Verdict::refuse, Reason::no_account, "",
         NAN, {"--account=psb"}}, Variant::no_default_account},
        {"no account, no bureau", kNoAccount, "zed", {.per_node = "gres:gpu:t4:1"}, {}, kNone, 60,
         {Verdict::refuse, Reason::not_in_any_bureau, "", NAN, {"not a member of any"}}},
        {"no account, only an inactive bureau", kNoAccount, "dave", {.per_node = "gres:gpu:t4:1"},
         {}, kNone, 60, {Verdict::refuse, Reason::inactive, "", NAN,
         {"only to inactive bureaus (old)"}}},
        {"no account: the one active bureau is chosen", kNoAccount, "erin",
         {.per_node = "gres:gpu:t4:1"}, {}, kNone, 60, {Verdict::admit, Reason::ok, "EDU", 0.5, {},
         "edu"}},
        {"user names cannot break the line", "psb", "ev\nil", {.per_node = "gres:gpu:t4:1"}, {},
         kNone, 60, {Verdict::refuse, Reason::not_member, "PSB", NAN, {"user ev?il"}}},
        // ---- exemptions ----
        {"exempt user, no account, no time, many GPUs", kNoAccount, "root",
         {.per_node = "gres:gpu:64"}, {}, kNone, kNoTime, {Verdict::exempt, Reason::exempt_user}},
        {"exempt user even with an unreadable request", "psb", "slurm",
         {.per_node = "gres:gpu:a100:1,gres:gpu:t4:1"}, {}, kNone, kNoTime, {Verdict::exempt,
         Reason::exempt_user}},
        {"exempt account, any user", "ops", "zed", {.per_node = "gres:gpu:8"}, {}, kNone, kNoTime,
         {Verdict::exempt, Reason::exempt_account, "", NAN, {"account ops is exempt"}}},
        // ---- periods ----
        {"last second of November", "psb", "alice", {.per_node = "gres:gpu:t4:1"}, {}, kNone, 60,
         {Verdict::admit, Reason::ok, "PSB", NAN, {}, "", "2026-11"}, Variant::base, kDec1 - 1},
        {"first second of December", "psb", "alice", {.per_node = "gres:gpu:t4:1"}, {}, kNone, 60,
         {Verdict::admit, Reason::ok, "PSB", NAN, {"2026-12"}, "", "2026-12"}, Variant::base,
         kDec1},
        {"quarterly bureau in the new year", "edu", "carol", {.per_node = "gres:gpu:t4:1"}, {},
         kNone, 60, {Verdict::admit, Reason::ok, "EDU", NAN, {}, "", "2027-Q1"}, Variant::base,
         kJan1},
    };
    // clang-format on
    REQUIRE(rows.size() >= 40);

    for (const auto& r : rows) {
        DYNAMIC_SECTION(r.name) {
            const Decision d = evaluate(snap, settings(r.variant), request(r));
            INFO("message: " << d.message);
            INFO("reason: " << to_string(d.reason));
            CHECK(verdict_name(d.verdict) == std::string(verdict_name(r.want.verdict)));
            CHECK(to_string(d.reason) == to_string(r.want.reason));
            CHECK(d.bureau == r.want.bureau);
            CHECK(d.set_account == r.want.set_account);
            if (!std::isnan(r.want.bound)) CHECK(d.bound_cuh == Approx(r.want.bound));
            if (r.want.period) CHECK(d.period_label == r.want.period);
            if (r.want.concurrent >= 0) CHECK(d.concurrent_gpus == r.want.concurrent);
            if (r.want.gpu_type) CHECK(d.gpu_type == r.want.gpu_type);
            for (const auto& s : r.want.says) {
                INFO("expected in message: " << s);
                CHECK(d.message.find(s) != std::string::npos);
            }
            // Every message is one line beginning "pdai: ", ASCII outside display names.
            CHECK(d.message.rfind("pdai: ", 0) == 0);
            CHECK(ascii_outside_names(d.message));
            if (d.verdict == Verdict::refuse) CHECK(d.message.find("refuse") == std::string::npos);
        }
    }
}

TEST_CASE("admit() books liens and GPUs until the budget is spent", "[policy][engine]") {
    Snapshot snap = fixture();
    const Settings st = settings(Variant::base);
    JobRequest job = request("psb", "alice", GpuAsk{2, "t4"}, 600);  // 2 x 10h x 0.5 = 10 CUH each

    for (int i = 0; i < 3; ++i) {
        const Decision d = evaluate(snap, st, job);
        REQUIRE(d.verdict == Verdict::admit);
        admit(snap, d);
    }
    const Bureau& psb = snap.by_account.at("psb");
    CHECK(psb.liens_cuh == Approx(40.0));
    CHECK(psb.active_gpus == 8);
    // The cap is now full, and admit() of a refusal changes nothing.
    const Decision capped = evaluate(snap, st, job);
    CHECK(capped.reason == Reason::over_gpu_cap);
    admit(snap, capped);
    CHECK(psb.active_gpus == 8);
    // With the cap lifted, the budget binds: 20 CUH left, two more jobs.
    snap.by_account.at("psb").max_gpus.reset();
    for (int i = 0; i < 2; ++i) {
        const Decision d = evaluate(snap, st, job);
        REQUIRE(d.verdict == Verdict::admit);
        admit(snap, d);
    }
    const Decision spent = evaluate(snap, st, job);
    CHECK(spent.reason == Reason::over_budget);
    CHECK(spent.remaining_cuh == Approx(0.0));
    CHECK(spent.message.find("renew on 2026-12-01") != std::string::npos);
}

TEST_CASE("decisions carry cost and the priced time", "[policy][engine]") {
    const Snapshot snap = fixture();
    JobRequest job = request("psb", "bob", GpuAsk{2, "a100"}, 90);
    const Decision d = evaluate(snap, settings(Variant::base), job);
    CHECK(d.verdict == Verdict::admit);
    CHECK(d.bound_cuh == Approx(6.0));
    CHECK(d.cost_cny == Approx(60.0));  // 3 GPU-hours x 20 CNY
    CHECK(d.remaining_cuh == Approx(50.0));
    CHECK(d.time_limit_minutes == 90);
    CHECK(d.weight == Approx(2.0));
    CHECK(d.message.find("2 GPUs x 1.5h x 2 CUH/GPU-h = 6 CUH") != std::string::npos);
}

TEST_CASE("without the admission summary an admission says only that", "[policy][engine]") {
    const Snapshot snap = fixture();
    Settings st = settings(Variant::base);
    st.admission_summary = false;
    JobRequest job = request("psb", "bob", GpuAsk{2, "a100"}, 90);
    Decision d = evaluate(snap, st, job);
    CHECK(d.verdict == Verdict::admit);
    CHECK(d.message == "pdai: admitted");
    CHECK(d.bound_cuh == Approx(6.0));  // the figures are all there
    job.time_limit_minutes = 60 * 40;  // 160 CUH: a refusal still explains itself
    d = evaluate(snap, st, job);
    CHECK(d.reason == Reason::over_budget);
    CHECK(d.message.find("ask for --time=") != std::string::npos);
}

TEST_CASE("out-of-range requests are refused, not trusted", "[policy][engine]") {
    const Snapshot snap = fixture();
    JobRequest job;
    job.account = "psb";
    job.user = "alice";
    job.time_limit_minutes = 60;
    job.gpus = GpuAsk{-1, std::nullopt};
    CHECK(evaluate(snap, settings(Variant::base), job).reason == Reason::bad_request);
    job.gpus = GpuAsk{1, "t4"};
    job.array_tasks = 0;
    CHECK(evaluate(snap, settings(Variant::base), job).reason == Reason::bad_request);
}

TEST_CASE("misconfigured GPU weights refuse instead of admitting for free", "[policy][engine]") {
    Snapshot snap = fixture();
    snap.gpu_types["t4"].weight = std::nan("");
    JobRequest job = request("psb", "alice", GpuAsk{1, "t4"}, 60);
    CHECK(evaluate(snap, settings(Variant::base), job).reason == Reason::bad_config);
    snap.gpu_types["t4"].weight = -1;
    CHECK(evaluate(snap, settings(Variant::base), job).reason == Reason::bad_config);
}

TEST_CASE("a bureau with no usable GPU type refuses untyped requests", "[policy][engine]") {
    Snapshot snap = fixture();
    snap.by_account.at("psb").allowed_gpu_types = {"gone"};
    JobRequest job = request("psb", "alice", GpuAsk{1, std::nullopt}, 60);
    const Decision d = evaluate(snap, settings(Variant::base), job);
    CHECK(d.reason == Reason::no_gpu_type);
    CHECK(d.message.rfind("pdai: ", 0) == 0);
}

TEST_CASE("an exclusive job is priced at every GPU of the largest node it may use", "[policy][engine]") {
    Snapshot snap = fixture();
    snap.nodes = {{"n-small", "", {{"t4", 2}}},
                  {"n-mixed", "", {{"a100", 4}, {"t4", 4}}},
                  {"n-edu", "EDU", {{"h800", 8}}}};  // EDU's own: not for psb
    snap.inventory_at = kNov15 - 3600;
    snap.by_account.at("psb").max_gpus.reset();
    JobRequest job;
    job.account = "psb";
    job.user = "alice";
    job.exclusive = true;
    job.time_limit_minutes = 60;  // no GPUs asked for: (4 x 2 + 4 x 0.5) x 1h = 10 CUH
    const Settings st = settings(Variant::base);
    Decision d = evaluate(snap, st, job);
    CHECK(d.verdict == Verdict::admit);
    CHECK(d.bound_cuh == Approx(10.0));
    CHECK(d.gpus == 8);
    CHECK(d.gpu_type == "a100+t4");
    CHECK(d.whole_node == "n-mixed");
    CHECK(d.message.find("every GPU of a node like n-mixed (--exclusive)") != std::string::npos);
    // Two nodes, 6h: 120 CUH, over psb's 50.
    job.nodes = 2;
    job.time_limit_minutes = 360;
    d = evaluate(snap, st, job);
    CHECK(d.reason == Reason::over_budget);
    CHECK(d.bound_cuh == Approx(120.0));
    CHECK(d.message.find("8 x a100 x 2 + 8 x t4 x 0.5") != std::string::npos);
    // A GPU request within the node changes nothing: Slurm gives the whole node.
    job.nodes = 1;
    job.time_limit_minutes = 60;
    job.gpus = GpuAsk{1, "t4"};
    CHECK(evaluate(snap, st, job).bound_cuh == Approx(10.0));
    // EDU may use its own node: the h800 node is its largest (8 x 3 = 24 CUH/h).
    job.account = "edu";
    job.user = "carol";
    job.gpus = {};
    d = evaluate(snap, st, job);
    CHECK(d.whole_node == "n-edu");
    CHECK(d.bound_cuh == Approx(24.0));
    CHECK(d.reason == Reason::over_budget);
    // No inventory, or a stale one: refused, saying why.
    job.account = "psb";
    job.user = "alice";
    snap.inventory_at = kNov15 - 8 * 86400;
    d = evaluate(snap, st, job);
    CHECK(d.reason == Reason::no_inventory);
    CHECK(d.message.find("8 days old") != std::string::npos);
    CHECK(d.message.find("pdai node sync") != std::string::npos);
    Settings never = st;
    never.inventory_max_age_days = 0;
    CHECK(evaluate(snap, never, job).verdict == Verdict::admit);
    snap.nodes.clear();
    d = evaluate(snap, st, job);
    CHECK(d.reason == Reason::no_inventory);
    CHECK(d.message.find("no node inventory") != std::string::npos);
    // Not exclusive: the inventory plays no part.
    job.exclusive = false;
    CHECK(evaluate(snap, st, job).reason == Reason::no_gpus);
}

TEST_CASE("a partition that gives whole nodes prices its jobs as exclusive, on its own nodes", "[policy][engine]") {
    Snapshot snap = fixture();
    snap.nodes = {{"n-small", "", {{"t4", 2}}}, {"n-mixed", "", {{"a100", 4}, {"t4", 4}}}};
    snap.inventory_at = kNov15 - 3600;
    snap.partitions = {{"gpu", false, true, {"n-mixed", "n-small"}},
                       {"small", true, false, {"n-small"}},
                       {"whole", true, false, {"n-mixed"}}};
    snap.by_account.at("psb").max_gpus.reset();
    JobRequest job = request("psb", "alice", GpuAsk{1, "t4"}, 60);
    const Settings st = settings(Variant::base);
    // The default partition shares nodes: priced as asked (1 x t4 x 0.5).
    job.partition = "";
    CHECK(evaluate(snap, st, job).bound_cuh == Approx(0.5));
    job.partition = "gpu";
    CHECK(evaluate(snap, st, job).bound_cuh == Approx(0.5));
    // 'whole' gives whole nodes: every GPU of n-mixed, (4 x 2 + 4 x 0.5) x 1h, and says why.
    job.partition = "whole";
    Decision d = evaluate(snap, st, job);
    CHECK(d.verdict == Verdict::admit);
    CHECK(d.bound_cuh == Approx(10.0));
    CHECK(d.whole_node == "n-mixed");
    // Over budget (6h = 60 CUH of 50): the message names the partition's rule.
    job.time_limit_minutes = 360;
    d = evaluate(snap, st, job);
    CHECK(d.reason == Reason::over_budget);
    CHECK(d.message.find("(partition whole gives whole nodes)") != std::string::npos);
    // Its own nodes only: in 'small' the largest node is n-small (2 x t4 x 0.5 = 1 CUH/h).
    job.time_limit_minutes = 60;
    job.partition = "small";
    d = evaluate(snap, st, job);
    CHECK(d.whole_node == "n-small");
    CHECK(d.bound_cuh == Approx(1.0));
    // A list: any partition that gives whole nodes makes the job exclusive, priced at the
    // largest node of them all.
    job.partition = "gpu,small";
    CHECK(evaluate(snap, st, job).whole_node == "n-mixed");
    // --exclusive in a shared partition: the largest node of that partition.
    job.partition = "small";
    job.exclusive = true;
    CHECK(evaluate(snap, st, job).whole_node == "n-small");
    // A default partition that gives whole nodes applies to a job without -p.
    job.exclusive = false;
    snap.partitions[0].exclusive = true;
    job.partition = "";
    CHECK(evaluate(snap, st, job).whole_node == "n-mixed");
    // Partition unknown to the caller (nullopt), or to the inventory: no partition rules.
    job.partition.reset();
    CHECK(evaluate(snap, st, job).bound_cuh == Approx(0.5));
    job.partition = "nosuch";
    CHECK(evaluate(snap, st, job).bound_cuh == Approx(0.5));
}

TEST_CASE("snapshot helpers", "[policy][engine]") {
    Snapshot snap = fixture();
    CHECK(snap.bureaus_of_user.at("bob") == std::vector<std::string>{"edu", "psb"});
    CHECK(snap.find_bureau("psb")->code == "PSB");
    CHECK(snap.find_bureau("nope") == nullptr);
    CHECK_FALSE(period_rolled_over(snap, kNov15 + 3600));
    CHECK(period_rolled_over(snap, kDec1));  // psb is monthly
    snap.by_account.erase("psb");
    snap.by_account.erase("over");
    snap.by_account.erase("eps");
    snap.by_account.erase("old");  // left: edu (quarterly), tiny (yearly)
    CHECK_FALSE(period_rolled_over(snap, kDec1));
    CHECK(period_rolled_over(snap, kJan1));
    CHECK(to_string(Reason::over_budget) == "over_budget");
    CHECK(to_string(Verdict::exempt) == "exempt");
}

TEST_CASE("a bureau without a quota is refused GPU jobs for that reason, not for a spent budget",
          "[policy][engine]") {
    Snapshot snap = fixture();
    auto& edu = snap.by_account.at("edu");
    edu.has_quota = false;
    edu.budget_cuh = 0;  // as the catalog loads a bureau without a quotas row
    JobRequest job = request("edu", "carol", GpuAsk{1, "t4"}, 60);
    const Decision d = evaluate(snap, settings(Variant::base), job);
    CHECK(d.verdict == Verdict::refuse);
    CHECK(d.reason == Reason::no_quota);
    CHECK(d.message.find("has no quota") != std::string::npos);
    CHECK(d.message.find("'pdai quota set EDU --budget CUH'") != std::string::npos);
    CHECK(d.message.find("renew") == std::string::npos);
    CHECK(to_string(Reason::no_quota) == "no_quota");
    // A job without GPUs costs nothing and stays admitted.
    job.gpus = GpuAsk{};
    CHECK(evaluate(snap, settings(Variant::base), job).verdict == Verdict::admit);
}

TEST_CASE("advice speaks the syntax of the command the user ran", "[policy][engine]") {
    const Snapshot snap = fixture();
    JobRequest job = request("psb", "alice", GpuAsk{1, "a100"}, 3 * 1440);  // over psb's 2 days
    Settings sbatch = settings(Variant::base);
    Settings pdai = sbatch;
    pdai.advice = Syntax::pdai;
    const Decision s = evaluate(snap, sbatch, job);
    const Decision p = evaluate(snap, pdai, job);
    REQUIRE(s.reason == Reason::time_over_max);
    REQUIRE(p.reason == Reason::time_over_max);
    CHECK(s.message.find("ask for --time=2-00:00:00 or less") != std::string::npos);
    CHECK(p.message.find("ask for --time 2d or less") != std::string::npos);
    CHECK(p.message.find("time limit 3d is longer") != std::string::npos);
    job.time_limit_minutes = 60;
    job.gpus = GpuAsk{1, "h800"};  // not allowed to psb
    CHECK(evaluate(snap, sbatch, job).message.find("(e.g. --gres=gpu:a100:1)") != std::string::npos);
    CHECK(evaluate(snap, pdai, job).message.find("(e.g. --gpus a100:1)") != std::string::npos);
    job.account.reset();
    job.user = "bob";  // in psb and edu
    job.gpus = GpuAsk{1, "t4"};
    CHECK(evaluate(snap, sbatch, job).message.find("--account=edu or --account=psb") != std::string::npos);
    CHECK(evaluate(snap, pdai, job).message.find("--bureau EDU or --bureau PSB") != std::string::npos);
}
