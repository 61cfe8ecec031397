// job_submit/pdai: bureau GPU quotas enforced inside slurmctld (JobSubmitPlugins=pdai).
//
// A thin C-ABI adapter: it maps job_desc_msg_t to the gate's requests (job_desc_map), asks
// the QuotaGate (jobs/gate), and writes the answer back the way slurmctld expects. All
// state and logic live in the gate; the catalog is read by the CatalogWatcher's thread, so a
// decision never touches a file or an SQLite lock. No exception crosses the C boundary:
// every entry point catches everything and falls back to the configured fail mode.
// Settings: pdai_plugin.conf (see plugin_config.hpp and pdai.conf(5)), read at init().
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <dlfcn.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include "job_desc_map.hpp"
#include "common/log.hpp"
#include "gate/catalog_watcher.hpp"
#include "gate/latency.hpp"
#include "gate/plugin_config.hpp"
#include "gate/quota_gate.hpp"
#include "policy/parse_util.hpp"
#include "slurm_exports.hpp"
#include "slurmapi/slurm_compat.hpp"

#define PDAI_EXPORT __attribute__((visibility("default")))

namespace {

using pdai::policy::Decision;

// A summary of the time per decision goes to the log every this many submissions, and
// (from the watcher's thread) once submissions have been quiet this long, since fini()'s
// line is not always written (26.05 does not call it at shutdown).
constexpr std::uint64_t kSummaryEvery = 10'000;
constexpr auto kQuietForSummary = std::chrono::seconds(2);

// pdai's libraries log through common/log.hpp; inside slurmctld, into slurmctld's log.
void log_to_slurm(pdai::log::Level level, std::string_view line) {
    const std::string text(line);
    switch (level) {
    case pdai::log::Level::debug: slurm_debug("%s", text.c_str()); break;
    case pdai::log::Level::info: slurm_info("%s", text.c_str()); break;
    case pdai::log::Level::warn:
    case pdai::log::Level::error:
    case pdai::log::Level::off: slurm_error("%s", text.c_str()); break;
    }
}

struct Plugin {
    explicit Plugin(pdai::gate::PluginConfig config)
        : gate(std::move(config)), watcher(gate) {}

    pdai::gate::QuotaGate gate;
    pdai::gate::CatalogWatcher watcher;
    std::mutex stats_mu;
    pdai::gate::LatencyHistogram total, recent;
    std::atomic<std::uint64_t> seq{0};  // lock-free: one mutex fewer on the hot path
    std::chrono::steady_clock::time_point last_decision{};
    std::uint64_t summarised = 0;  // total.count() at the last quiet-time summary
};

std::atomic<Plugin*> g_plugin{nullptr};

// slurmctld's highest log level over its outputs: libslurmfull exports get_log_level() but no
// public header declares it, so it is looked up at init(), not linked. Admissions are logged
// at debug; at info, slurmctld's usual level, they are then not formatted at all, and no
// call takes slurmctld's log lock. Unknown (not found): log as before.
using LogLevelFn = int (*)();
LogLevelFn g_log_level = nullptr;
constexpr int kSlurmLogLevelDebug = 5;  // LOG_LEVEL_DEBUG in Slurm's src/common/log.h

static_assert(sizeof(LogLevelFn) == sizeof(void*), "dlsym returns functions as void*");
bool debug_logged() noexcept { return !g_log_level || g_log_level() >= kSlurmLogLevelDebug; }

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// Replaces a string field of a job_desc with a copy from slurmctld's allocator.
void set_field(char** field, const char* value) {
    if (*field) slurm_xfree(reinterpret_cast<void**>(field));
    *field = slurm_xstrdup(value);
}

void log_summary(Plugin& p, const pdai::gate::LatencyHistogram& h, const char* what) {
    const auto c = p.gate.counters();
    slurm_info(
        "pdai: %s: %llu decisions, time per decision median %.2f us, p99 %.2f us, max %.2f us; "
        "since start: admitted %llu, refused %llu, exempt %llu, fail-open %llu, fail-closed "
        "%llu, job_modify allowed %llu / refused %llu, catalog loads %llu",
        what, static_cast<unsigned long long>(h.count()), h.quantile_us(0.5), h.quantile_us(0.99),
        h.max_us(), static_cast<unsigned long long>(c.admitted),
        static_cast<unsigned long long>(c.refused), static_cast<unsigned long long>(c.exempt),
        static_cast<unsigned long long>(c.fail_open),
        static_cast<unsigned long long>(c.fail_closed),
        static_cast<unsigned long long>(c.modify_allowed),
        static_cast<unsigned long long>(c.modify_refused),
        static_cast<unsigned long long>(p.watcher.reloads()));
}

// The watcher's tick: a summary since start once submissions have gone quiet.
void summarise_when_quiet(Plugin& p) {
    std::lock_guard lock(p.stats_mu);
    if (p.total.count() == p.summarised ||
        std::chrono::steady_clock::now() - p.last_decision < kQuietForSummary)
        return;
    p.summarised = p.total.count();
    log_summary(p, p.total, "since start");
}

void record_time(Plugin& p, std::chrono::steady_clock::time_point t0) {
    const auto t1 = std::chrono::steady_clock::now();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    std::lock_guard lock(p.stats_mu);
    p.last_decision = t1;
    p.total.record(ns);
    p.recent.record(ns);
    if (p.recent.count() >= kSummaryEvery) {
        log_summary(p, p.recent, "last 10000 submissions");
        p.recent.reset();
    }
}

// Refusals are logged at info, everything else at debug: whether slurmctld would write this
// decision's line, asked before anything of it is formatted.
bool logged(const pdai::gate::Outcome& o) noexcept { return !o.allow || debug_logged(); }

// One line per decision (callers ask logged() first). A submitted job has no id yet, so its
// name and user identify it.
void log_decision(const char* verb, const pdai::gate::Outcome& o, const std::string& job,
                  const std::string& user, std::uint32_t uid, std::uint64_t seq) {
    const Decision& d = o.decision;
    const std::string reason =
        o.by_fail_mode ? std::string("fail_mode") : std::string(pdai::policy::to_string(d.reason));
    if (o.allow) {
        slurm_debug("pdai: %s %s of user %s (uid %u): %s reason=%s bureau=%s bound_cuh=%.6f "
                    "seq=%llu; %s",
                    verb, job.c_str(), user.c_str(), uid,
                    std::string(pdai::policy::to_string(d.verdict)).c_str(), reason.c_str(),
                    d.bureau.empty() ? "-" : d.bureau.c_str(), d.bound_cuh,
                    static_cast<unsigned long long>(seq), d.message.c_str());
    } else {
        slurm_info("pdai: %s %s of user %s (uid %u): refuse reason=%s bureau=%s bound_cuh=%.6f "
                   "seq=%llu; %s",
                   verb, job.c_str(), user.c_str(), uid, reason.c_str(),
                   d.bureau.empty() ? "-" : d.bureau.c_str(), d.bound_cuh,
                   static_cast<unsigned long long>(seq), d.message.c_str());
    }
}

// "8.000": a bound to the thousandth, in integer arithmetic (a float formatter is kilobytes
// of code, and inside slurmctld every line of code the decision runs comes from memory).
std::string_view thousandths(double v, char (&buf)[32]) {
    const double scaled = std::nearbyint(v * 1000.0);
    if (!(scaled >= 0 && scaled < 9e15)) return "-";  // negative, huge or NaN: not a bound
    const auto n = static_cast<std::uint64_t>(scaled);
    char* end = std::to_chars(buf, buf + 24, n / 1000).ptr;
    const auto frac = static_cast<unsigned>(n % 1000);
    *end++ = '.';
    *end++ = static_cast<char>('0' + frac / 100);
    *end++ = static_cast<char>('0' + frac / 10 % 10);
    *end++ = static_cast<char>('0' + frac % 10);
    return {buf, static_cast<std::size_t>(end - buf)};
}

// Sets the job's AdminComment to "pdai:bureau=B,bound_cuh=8.000,period=2026-12,ask=KEY".
// Built on the stack, without printf or a heap string.
void set_admin_tag(job_desc_msg_t* desc, const Decision& d, const std::string& ask_key) {
    char cuh[32];
    const std::string_view bound = thousandths(d.bound_cuh, cuh);
    const std::string_view parts[] = {"pdai:bureau=", d.bureau, ",bound_cuh=", bound,
                                      ",period=", d.period_label, ",ask=", ask_key};
    char tag[1024];
    std::size_t n = 0;
    for (const auto part : parts) {
        if (part.size() >= sizeof tag - n) return;  // cannot happen: codes and keys are short
        part.copy(tag + n, part.size());
        n += part.size();
    }
    tag[n] = '\0';
    set_field(&desc->admin_comment, tag);
}

std::string job_label(const job_desc_msg_t* desc) {
    return "job '" + pdai::policy::detail::ascii_safe(desc->name ? desc->name : "", 128) + "'";
}

[[gnu::hot]] int submit(Plugin& p, job_desc_msg_t* desc, std::uint32_t submit_uid, char** err_msg) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto& settings = p.gate.config().settings;
    // An exempt submitter (root acting for a user) is exempt; otherwise the owner pays.
    std::string user = p.gate.user_name(submit_uid);
    const std::uint32_t owner = pdai::plugin::job_owner(*desc, submit_uid);
    if (owner != submit_uid && !settings.exempt_users.contains(user)) user = p.gate.user_name(owner);
    std::optional<std::uint32_t> het;
    if (desc->het_job_offset != NO_VAL) het = desc->het_job_offset;
    const auto o = p.gate.submit(pdai::plugin::to_job_ask(*desc, user, unix_now()), het);
    const Decision& d = o.decision;
    if (o.allow && d.verdict == Decision::Verdict::admit && !o.by_fail_mode) {
        if (!d.set_account.empty() && !(desc->account && *desc->account))
            set_field(&desc->account, d.set_account.c_str());
        // Priced at default_time: make it the job's limit, so the job cannot run longer.
        if (desc->time_limit == NO_VAL && d.time_limit_minutes > 0)
            desc->time_limit = static_cast<std::uint32_t>(d.time_limit_minutes);
        // No blanks: scontrol shows it among its blank-separated Key=Value fields. The ask key
        // lets job_modify price a change from this submission (only operators can alter it).
        if (!desc->admin_comment) set_admin_tag(desc, d, o.ask_key);
    }
    if (!o.allow && err_msg) set_field(err_msg, d.message.c_str());
    const std::uint64_t seq = ++p.seq;
    if (logged(o)) log_decision("submit", o, job_label(desc), user, submit_uid, seq);
    record_time(p, t0);
    return o.allow ? SLURM_SUCCESS : ESLURM_ACCOUNTING_POLICY;
}

// err_msg: nullptr before Slurm 23.02, whose job_modify() has no way to tell the user why.
int modify(Plugin& p, job_desc_msg_t* desc, const void* job_ptr, std::uint32_t submit_uid,
           char** err_msg) {
    const std::string user = p.gate.user_name(submit_uid);
    auto change = pdai::plugin::to_modify_request(*desc, user, unix_now());
    if (const char* comment = pdai::slurmapi::job_record_admin_comment(job_ptr))
        change.ask_key = pdai::gate::ask_key_of(comment);
    const auto o = p.gate.modify(change);
    std::string label = "job " + std::to_string(change.job_id);
    if (change.task_id) label += '_' + std::to_string(*change.task_id);
    const std::uint64_t seq = ++p.seq;
    if (logged(o)) log_decision("modify", o, label, user, submit_uid, seq);
    if (!o.allow && err_msg) set_field(err_msg, o.decision.message.c_str());
    return o.allow ? SLURM_SUCCESS : ESLURM_ACCOUNTING_POLICY;
}

// After an internal error: what the fail mode says, without the catalog.
int failed(std::uint32_t submit_uid, char** err_msg) noexcept {
    try {
        Plugin* p = g_plugin.load();
        const bool open = p && p->gate.config().fail_mode == pdai::gate::FailMode::open;
        slurm_error("pdai: internal error while checking a job of uid %u; fail_mode=%s", submit_uid,
                    open ? "open admits it" : "closed refuses it");
        if (open || submit_uid == 0) return SLURM_SUCCESS;
        if (err_msg && !*err_msg)
            *err_msg = slurm_xstrdup("pdai: internal error while checking the quota; try again");
    } catch (...) {
    }
    return ESLURM_ACCOUNTING_POLICY;
}

}  // namespace

extern "C" {

PDAI_EXPORT extern const char plugin_name[];
PDAI_EXPORT extern const char plugin_type[];
PDAI_EXPORT extern const std::uint32_t plugin_version;
PDAI_EXPORT int init(void);
PDAI_EXPORT int fini(void);
PDAI_EXPORT int job_submit(job_desc_msg_t* job_desc, std::uint32_t submit_uid, char** err_msg);
// job_modify() is defined below by PDAI_SLURM_JOB_MODIFY, with this release's parameters.

const char plugin_name[] = "pdai bureau GPU quotas";
const char plugin_type[] = "job_submit/pdai";
// slurmctld loads only a plugin built for its own major.minor.micro.
const std::uint32_t plugin_version = SLURM_VERSION_NUMBER;

int init(void) {
    try {
        if (void* sym = dlsym(RTLD_DEFAULT, "get_log_level")) std::memcpy(&g_log_level, &sym, sizeof sym);
        // slurmctld filters by its level too; this only spares formatting what it would drop.
        pdai::log::set_sink(log_to_slurm, debug_logged() ? pdai::log::Level::debug : pdai::log::Level::info);
        auto loaded = pdai::gate::read_plugin_config(std::nullopt);
        pdai::gate::PluginConfig config;
        std::string path = pdai::gate::plugin_config_path();
        if (!loaded) {
            slurm_error("pdai: %s; until it is fixed every job that is not exempt is refused",
                        loaded.error().c_str());
        } else if (!loaded->from_file) {
            slurm_error("pdai: no %s; until there is one every job that is not exempt is refused",
                        path.c_str());
        } else {
            config = loaded->config;
        }
        config.settings.admission_summary = debug_logged();  // only the debug log shows it
        auto p = std::make_unique<Plugin>(std::move(config));
        const auto& c = p->gate.config();
        slurm_info("pdai: job_submit/pdai starting: config %s, catalog %s, fail_mode=%s, "
                   "reload check every %d ms",
                   path.c_str(), c.catalog.c_str(), std::string(to_string(c.fail_mode)).c_str(),
                   c.reload_interval_ms);
        p->watcher.refresh();  // the first job must already find a snapshot
        Plugin* raw = p.get();
        p->watcher.on_tick([raw] { summarise_when_quiet(*raw); });
        p->watcher.start();
        delete g_plugin.exchange(p.release());
    } catch (...) {
        slurm_error("pdai: job_submit/pdai failed to start; jobs of users other than root are "
                    "refused");
    }
    return SLURM_SUCCESS;  // an error here would stop slurmctld: refuse jobs instead
}

int fini(void) {
    try {
        if (Plugin* p = g_plugin.exchange(nullptr)) {
            p->watcher.stop();
            log_summary(*p, p->total, "stopping");
            delete p;
        }
    } catch (...) {
    }
    return SLURM_SUCCESS;
}

[[gnu::hot]] int job_submit(job_desc_msg_t* job_desc, std::uint32_t submit_uid, char** err_msg) {
    try {
        Plugin* p = g_plugin.load();
        if (!p || !job_desc) return failed(submit_uid, err_msg);
        return submit(*p, job_desc, submit_uid, err_msg);
    } catch (...) {
        return failed(submit_uid, err_msg);
    }
}

}  // extern "C"

namespace {

int job_modify_entry(job_desc_msg_t* job_desc, const void* job_ptr, std::uint32_t submit_uid,
                     char** err_msg) noexcept {
    try {
        Plugin* p = g_plugin.load();
        if (!p || !job_desc) return failed(submit_uid, err_msg);
        return modify(*p, job_desc, job_ptr, submit_uid, err_msg);
    } catch (...) {
        return failed(submit_uid, err_msg);
    }
}

}  // namespace

PDAI_SLURM_JOB_MODIFY(job_modify_entry)
