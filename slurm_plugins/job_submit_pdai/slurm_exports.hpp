// What the plugin uses of slurmctld itself: functions that slurmctld's libslurmfull exports
// (checked with `nm -D`) but that slurm/slurm.h does not declare. They resolve when
// slurmctld dlopen()s the plugin; the plugin links nothing of Slurm.
#pragma once

#include <cstdint>

extern "C" {

// Strings handed to slurmctld (err_msg, account, admin_comment) are freed by it with
// xfree(), so they must come from its own allocator: a malloc'd string corrupts its heap.
char* slurm_xstrdup(const char* str);
void slurm_xfree(void** pointer);

// slurmctld's log (SlurmctldLogFile / syslog), at its configured level.
void slurm_info(const char* format, ...) __attribute__((format(printf, 1, 2)));
void slurm_error(const char* format, ...) __attribute__((format(printf, 1, 2)));
void slurm_debug(const char* format, ...) __attribute__((format(printf, 1, 2)));

// The job record is slurmctld's private struct: the plugin never looks inside it.
struct job_record;

}  // extern "C"
