// The one place that knows how Slurm's C API differs between the releases pdai builds
// against: Debian's 22.05 and SchedMD's 24.11, 25.11 and 26.05 (README, "Building by hand").
// The plugin and the backend read and write Slurm's structs through these accessors and
// never test a version themselves. Where a struct member moved, the accessor looks for the
// member itself (a requires-expression), so a release in between (23.x, 24.05, 25.05)
// gets the right one without a table of versions; only changes of a signature or of a
// macro's meaning are told by SLURM_VERSION_NUMBER or by the macro itself.
//
// Header only; Slurm's public headers and the C++ standard library, nothing of pdai.
#pragma once

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

#include <cerrno>
#include <concepts>
#include <cstdint>
#include <type_traits>

// slurmctld's job record, private to it: a plugin only passes the pointer on.
struct job_record;

// Exported by libslurm but declared by none of its public headers. The text of a job's
// pending reason was slurm_job_reason_string() (char *) up to 23.02 and is
// slurm_job_state_reason_string() (const char *) since; both are weak, so that pdai links
// against either library and asks whichever this one has (see job_reason_text below).
extern "C" {
extern slurm_conf_t slurm_conf;
char* slurm_job_reason_string(enum job_state_reason inx) __attribute__((weak));
const char* slurm_job_state_reason_string(enum job_state_reason inx) __attribute__((weak));
}

namespace pdai::slurmapi {

// The release these headers are of, e.g. 0x1a0503 for 26.05.3.
inline constexpr std::uint32_t kVersion = SLURM_VERSION_NUMBER;
constexpr std::uint32_t version(unsigned major, unsigned minor, unsigned micro) {
    return (major << 16) + (minor << 8) + micro;
}

// ------------------------------------------------------------------ errors

// The error of the last failed libslurm call. 22.05 offers slurm_get_errno(), which is
// errno; 23.11 dropped the function, errno itself works on every release.
inline int last_error() noexcept { return errno; }

// ------------------------------------------------------------------ lists

// libslurm's list and its iterator: `List` and `ListIterator` up to 23.05, `list_t *` and
// `list_itr_t *` since. Both were always pointers to the same two structs.
using list_ptr = struct xlist*;
using list_iterator_ptr = struct listIterator*;

// ------------------------------------------------------------------ job ids

namespace detail {

// 25.05 moved the job id of job_desc_msg_t, submit_response_msg_t and slurm_job_info_t
// into `slurm_step_id_t step_id` (26.05's job_info_t still has a `job_id` "for backwards
// compatibility"; step_id is the one libslurm fills).
template <class T>
concept HasStepId = requires(const T& t) {
    { t.step_id.job_id } -> std::convertible_to<std::uint32_t>;
};

template <class T>
std::uint32_t job_id_of(const T& t) noexcept {
    if constexpr (HasStepId<T>)
        return t.step_id.job_id;
    else
        return t.job_id;
}

template <class T>
void set_job_id_of(T& t, std::uint32_t id) noexcept {
    if constexpr (HasStepId<T>)
        t.step_id.job_id = id;
    else
        t.job_id = id;
}

// A step id that names a whole job, as SLURM_STEP_ID_INITIALIZER does (sluid, where the
// release has one, left 0: "not given").
template <class StepId>
StepId whole_job(std::uint32_t job_id) noexcept {
    StepId s{};
    s.job_id = job_id;
    s.step_het_comp = NO_VAL;
    s.step_id = NO_VAL;
    return s;
}

// 26.05 changed slurm_load_job() to take a slurm_step_id_t instead of the uint32_t job id.
// Templates, so that only the call this release has is compiled.
template <class StepId, class JobId>
int load_job(job_info_msg_t** resp, JobId job_id, std::uint16_t show_flags) {
    if constexpr (std::is_invocable_v<decltype(&::slurm_load_job), job_info_msg_t**, StepId,
                                      std::uint16_t>)
        return ::slurm_load_job(resp, whole_job<StepId>(job_id), show_flags);
    else
        return ::slurm_load_job(resp, job_id, show_flags);
}

}  // namespace detail

// The job a job_modify() request names: NO_VAL or 0 when it names it by job_id_str only.
inline std::uint32_t job_id(const job_desc_msg_t& d) noexcept { return detail::job_id_of(d); }
inline void set_job_id(job_desc_msg_t& d, std::uint32_t id) noexcept { detail::set_job_id_of(d, id); }
// The id slurmctld gave a submitted batch job.
inline std::uint32_t job_id(const submit_response_msg_t& r) noexcept { return detail::job_id_of(r); }
// A job record's id (an array task's own id; array_job_id is the array's).
inline std::uint32_t job_id(const slurm_job_info_t& j) noexcept { return detail::job_id_of(j); }

// slurm_load_job(): every record of one job (all tasks of an array).
inline int load_job(job_info_msg_t** resp, std::uint32_t job_id, std::uint16_t show_flags) {
    return detail::load_job<slurm_step_id_t>(resp, job_id, show_flags);
}

// ------------------------------------------------------------------ cancelling

// slurm_kill_job2() flags that reach every task of an array, started or not. 22.05 needs
// KILL_JOB_ARRAY for that; 23.02 made it the default (and KILL_ARRAY_TASK the exception).
#ifdef KILL_JOB_ARRAY
inline constexpr std::uint16_t kKillWholeArray = KILL_JOB_ARRAY;
#else
inline constexpr std::uint16_t kKillWholeArray = 0;
#endif

// ------------------------------------------------------------------ job state

// The text of a pending reason ("Resources", "Priority"...), or "" when libslurm has none.
inline const char* job_reason_text(std::uint32_t reason) noexcept {
    const auto r = static_cast<enum job_state_reason>(reason);
    const char* s = nullptr;
    if (::slurm_job_state_reason_string)
        s = ::slurm_job_state_reason_string(r);
    else if (::slurm_job_reason_string)
        s = ::slurm_job_reason_string(r);
    return s ? s : "";
}

// ------------------------------------------------------------------ job_submit plugins

// job_modify() gained `char **err_msg` in 23.02: from then on a refused change can say why
// (the client prints it as "scontrol: error: ..."), as job_submit() always could.
inline constexpr bool kJobModifyHasErrMsg = kVersion >= version(23, 2, 0);

}  // namespace pdai::slurmapi

// The AdminComment of the job record job_modify() is given, or nullptr. job_record_t is
// private to slurmctld, but its head is fixed ("DO NOT ALPHABETIZE" / "DO NOT REORDER" in
// Slurm's job_record.h): magic, account, admin_comment, after a slurm_step_id_t from 25.11
// on. The magic cookie is checked before any pointer in the record is read, so a layout
// this code does not know reads as "no comment", never as garbage.
namespace pdai::slurmapi {
namespace detail {
inline constexpr std::uint32_t kJobMagic = 0xf0b7392c;
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(25, 11, 0)
struct JobRecordHead {
    slurm_step_id_t step_id;
    std::uint32_t magic;
    char* account;
    char* admin_comment;
};
#else
struct JobRecordHead {
    std::uint32_t magic;
    char* account;
    char* admin_comment;
};
#endif
}  // namespace detail

inline const char* job_record_admin_comment(const void* job_ptr) noexcept {
    if (!job_ptr) return nullptr;
    const auto* head = static_cast<const detail::JobRecordHead*>(job_ptr);
    return head->magic == detail::kJobMagic ? head->admin_comment : nullptr;
}

}  // namespace pdai::slurmapi

// PDAI_SLURM_JOB_MODIFY(IMPL) defines a job_submit plugin's exported job_modify() with the
// parameters this release's slurmctld passes, and forwards the call to
//     int IMPL(job_desc_msg_t* job_desc, const void* job_ptr, std::uint32_t submit_uid,
//              char** err_msg);
// with err_msg nullptr where slurmctld passes none; job_ptr is the job's record, opaque but
// for job_record_admin_comment(). (The one definition a macro must make: an extern "C"
// function's parameter list cannot come from a template.)
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(23, 2, 0)
#define PDAI_SLURM_JOB_MODIFY(IMPL)                                                          \
    extern "C" __attribute__((visibility("default"))) int job_modify(                        \
        job_desc_msg_t* job_desc, job_record* job_ptr, std::uint32_t submit_uid,             \
        char** err_msg) {                                                                    \
        return IMPL(job_desc, job_ptr, submit_uid, err_msg);                                 \
    }
#else
#define PDAI_SLURM_JOB_MODIFY(IMPL)                                                          \
    extern "C" __attribute__((visibility("default"))) int job_modify(                        \
        job_desc_msg_t* job_desc, job_record* job_ptr, std::uint32_t submit_uid) {           \
        return IMPL(job_desc, job_ptr, submit_uid, nullptr);                                 \
    }
#endif
