#include "catalog/migrations.hpp"

#include <string>

#include "catalog/sqlite.hpp"

namespace pdai::catalog {
namespace {

// Times are unix seconds (UTC) everywhere: cheap to compare and to bucket by period.
constexpr std::string_view kV1Admin = R"sql(
CREATE TABLE vendors (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  contact TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE bureaus (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  slurm_account TEXT NOT NULL UNIQUE,
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE bureau_members (
  bureau_id INTEGER NOT NULL REFERENCES bureaus(id) ON DELETE CASCADE,
  unix_user TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('member', 'admin')),
  added_at INTEGER NOT NULL,
  PRIMARY KEY (bureau_id, unix_user)
) WITHOUT ROWID;
CREATE INDEX bureau_members_by_user ON bureau_members(unix_user);
CREATE TABLE gpu_types (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  vendor TEXT NOT NULL DEFAULT '',
  weight REAL NOT NULL CHECK (weight > 0),
  price_cny REAL NOT NULL CHECK (price_cny >= 0),
  memory_mib INTEGER CHECK (memory_mib IS NULL OR memory_mib > 0),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE quotas (
  bureau_id INTEGER PRIMARY KEY REFERENCES bureaus(id) ON DELETE CASCADE,
  period TEXT NOT NULL CHECK (period IN ('month', 'quarter', 'year')),
  budget_cuh REAL NOT NULL CHECK (budget_cuh >= 0),
  max_gpus INTEGER CHECK (max_gpus IS NULL OR max_gpus >= 0),
  max_time_minutes INTEGER CHECK (max_time_minutes IS NULL OR max_time_minutes > 0),
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);
-- No rows for a bureau: every GPU type is allowed.
CREATE TABLE quota_gpu_types (
  bureau_id INTEGER NOT NULL REFERENCES quotas(bureau_id) ON DELETE CASCADE,
  gpu_type_id INTEGER NOT NULL REFERENCES gpu_types(id) ON DELETE RESTRICT,
  PRIMARY KEY (bureau_id, gpu_type_id)
) WITHOUT ROWID;
CREATE TABLE nodes (
  id INTEGER PRIMARY KEY,
  host TEXT NOT NULL UNIQUE,
  owner_bureau_id INTEGER REFERENCES bureaus(id) ON DELETE RESTRICT,  -- NULL: shared
  state TEXT NOT NULL DEFAULT 'unknown',
  source TEXT NOT NULL DEFAULT 'manual',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE node_gpus (
  node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
  gpu_type_id INTEGER NOT NULL REFERENCES gpu_types(id) ON DELETE RESTRICT,
  count INTEGER NOT NULL CHECK (count > 0),
  PRIMARY KEY (node_id, gpu_type_id)
) WITHOUT ROWID;
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_key TEXT NOT NULL,
  before_json TEXT,
  after_json TEXT
);
CREATE INDEX audit_log_by_time ON audit_log(at);
)sql";

constexpr std::string_view kV2AlgorithmsJobsLedger = R"sql(
CREATE TABLE vendor_keys (
  id INTEGER PRIMARY KEY,
  vendor_id INTEGER NOT NULL REFERENCES vendors(id) ON DELETE CASCADE,
  key_id TEXT NOT NULL,
  algorithm TEXT NOT NULL DEFAULT 'ed25519',
  public_key TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  added_by TEXT NOT NULL,
  UNIQUE (vendor_id, key_id)
);
CREATE TABLE algorithms (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  vendor_id INTEGER NOT NULL REFERENCES vendors(id) ON DELETE RESTRICT,
  category TEXT NOT NULL CHECK (category IN ('ocr', 'vision', 'speech', 'nlp', 'llm', 'other')),
  description TEXT NOT NULL DEFAULT '',
  owner_bureau_id INTEGER REFERENCES bureaus(id) ON DELETE RESTRICT,  -- NULL: platform-wide
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE algorithm_versions (
  id INTEGER PRIMARY KEY,
  algorithm_id INTEGER NOT NULL REFERENCES algorithms(id) ON DELETE RESTRICT,
  version TEXT NOT NULL,
  archive_sha256 TEXT NOT NULL,
  tree_sha256 TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  file_count INTEGER NOT NULL,
  store_path TEXT NOT NULL,
  manifest_json TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deprecated', 'revoked')),
  licence_expires TEXT,
  signed_by_key TEXT,                    -- "<vendor>/<key id>" of a verified signature
  signature TEXT,                        -- the detached signature file, for export
  parent_version_id INTEGER REFERENCES algorithm_versions(id) ON DELETE RESTRICT,
  lineage_json TEXT,
  registered_at INTEGER NOT NULL,
  registered_by TEXT NOT NULL,
  UNIQUE (algorithm_id, version)
);
CREATE TABLE algorithm_files (
  version_id INTEGER NOT NULL REFERENCES algorithm_versions(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  mode INTEGER NOT NULL,
  PRIMARY KEY (version_id, path)
) WITHOUT ROWID;
CREATE TABLE algorithm_shares (
  algorithm_id INTEGER NOT NULL REFERENCES algorithms(id) ON DELETE CASCADE,
  bureau_id INTEGER NOT NULL REFERENCES bureaus(id) ON DELETE CASCADE,
  shared_at INTEGER NOT NULL,
  PRIMARY KEY (algorithm_id, bureau_id)
) WITHOUT ROWID;
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('run', 'train', 'infer')),
  backend TEXT NOT NULL CHECK (backend IN ('slurm', 'local')),
  cluster TEXT NOT NULL DEFAULT '',
  bureau_id INTEGER NOT NULL REFERENCES bureaus(id) ON DELETE RESTRICT,
  unix_user TEXT NOT NULL,
  algorithm_version_id INTEGER REFERENCES algorithm_versions(id) ON DELETE RESTRICT,
  slurm_job_id INTEGER,
  state TEXT NOT NULL,
  exit_code INTEGER,
  gpu_type TEXT,
  gpus_per_task INTEGER NOT NULL DEFAULT 0,
  nodes INTEGER NOT NULL DEFAULT 1,
  tasks INTEGER NOT NULL DEFAULT 1,
  time_limit_minutes INTEGER,
  idempotency_key TEXT UNIQUE,
  request_json TEXT NOT NULL,
  workdir TEXT,
  submitted_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER
);
CREATE INDEX jobs_by_slurm_id ON jobs(cluster, slurm_job_id);
CREATE INDEX jobs_by_bureau ON jobs(bureau_id, submitted_at);
CREATE TABLE job_tasks (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  task_index INTEGER NOT NULL,
  slurm_job_id INTEGER,  -- the array that ran this task last ('infer --resume' starts new ones)
  state TEXT NOT NULL,
  exit_code INTEGER,
  started_at INTEGER,
  ended_at INTEGER,
  PRIMARY KEY (job_id, task_index)
) WITHOUT ROWID;
-- Append-only: a correction is a new row whose corrects_id names the row it replaces.
CREATE TABLE usage_ledger (
  id INTEGER PRIMARY KEY,
  cluster TEXT NOT NULL,
  slurm_job_id INTEGER NOT NULL,
  array_task_id INTEGER,
  pdai_job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
  bureau_id INTEGER REFERENCES bureaus(id) ON DELETE RESTRICT,
  account TEXT NOT NULL,
  unix_user TEXT NOT NULL,
  algorithm TEXT,
  algorithm_version TEXT,
  vendor TEXT,
  gpu_type TEXT,
  gpus INTEGER NOT NULL,
  start_at INTEGER NOT NULL,
  end_at INTEGER NOT NULL,
  elapsed_s INTEGER NOT NULL,
  gpu_hours REAL NOT NULL,
  cuh REAL NOT NULL,
  cost_cny REAL NOT NULL,
  exit_state TEXT NOT NULL,
  corrects_id INTEGER REFERENCES usage_ledger(id) ON DELETE RESTRICT,
  ingested_at INTEGER NOT NULL
);
-- Covers the quota snapshot's per-period sum (no table lookups); corrected rows are found
-- through the small partial index below.
CREATE INDEX usage_ledger_by_bureau_time ON usage_ledger(bureau_id, start_at, cuh);
CREATE INDEX usage_ledger_corrected ON usage_ledger(corrects_id) WHERE corrects_id IS NOT NULL;
CREATE INDEX usage_ledger_by_job ON usage_ledger(cluster, slurm_job_id, array_task_id);
-- Jobs admitted but not yet in the ledger, as last seen by 'pdai sync': one row per pending
-- or running job record of a bureau's account (a pending array's record covers its pending
-- tasks). The job_submit plugin reads it: bound_cuh and concurrent_gpus count against the
-- bureau, and job_modify prices a change from gpus, tasks, nodes and time_limit_minutes.
CREATE TABLE liens (
  cluster TEXT NOT NULL,
  slurm_job_id INTEGER NOT NULL,
  bureau_id INTEGER NOT NULL REFERENCES bureaus(id) ON DELETE CASCADE,
  gpu_type TEXT,                     -- the type priced; NULL: no GPUs
  gpus INTEGER NOT NULL,             -- per task, all nodes together
  tasks INTEGER NOT NULL DEFAULT 1,  -- array tasks this record still covers
  nodes INTEGER NOT NULL DEFAULT 1,
  time_limit_minutes INTEGER,        -- the limit priced; NULL: unknown
  concurrent_gpus INTEGER,           -- GPUs it may hold at once; NULL: gpus x tasks
  bound_cuh REAL NOT NULL,           -- gpus x tasks x hours x weight
  state TEXT NOT NULL,
  PRIMARY KEY (cluster, slurm_job_id)
) WITHOUT ROWID;
-- Per UTC day (of a row's start_at) and report dimension, the ledger's effective figures:
-- 'pdai sync' adds every new row and subtracts the row a correction replaces, in the same
-- transaction, so reports and 'pdai quota show' read thousands of rows, not millions.
CREATE TABLE usage_daily (
  day INTEGER NOT NULL,  -- start_at / 86400
  account TEXT NOT NULL,
  unix_user TEXT NOT NULL,
  algorithm TEXT NOT NULL,          -- '' when none
  algorithm_version TEXT NOT NULL,  -- '' when none
  vendor TEXT NOT NULL,             -- '' when none
  gpu_type TEXT NOT NULL,           -- '' when none
  jobs INTEGER NOT NULL,
  ok_jobs INTEGER NOT NULL,  -- exit_state COMPLETED
  gpu_hours REAL NOT NULL,
  cuh REAL NOT NULL,
  cost_cny REAL NOT NULL,
  PRIMARY KEY (day, account, unix_user, algorithm, algorithm_version, vendor, gpu_type)
) WITHOUT ROWID;
CREATE INDEX usage_daily_by_account ON usage_daily(account, day, cuh);
CREATE TABLE sync_state (
  cluster TEXT PRIMARY KEY,
  watermark INTEGER NOT NULL DEFAULT 0,
  -- When the liens rows were read from slurmctld: taken BEFORE reading the job list, since
  -- the plugin forgets its own admissions older than this.
  liens_at INTEGER,
  last_run_at INTEGER
);
-- GPU metering: a glob that maps a CUDA device name to its type ('NVIDIA H100*'), and the
-- figures 'pdai gpu bench --save' measured, from which a type's weight is derived.
ALTER TABLE gpu_types ADD COLUMN match_pattern TEXT;
CREATE TABLE gpu_benchmarks (
  id INTEGER PRIMARY KEY,
  gpu_type_id INTEGER NOT NULL REFERENCES gpu_types(id) ON DELETE CASCADE,
  host TEXT NOT NULL,
  device_index INTEGER NOT NULL,
  device_uuid TEXT NOT NULL DEFAULT '',
  device_name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('gemm', 'copy')),
  dtype TEXT NOT NULL DEFAULT '',  -- gemm: fp32|tf32|fp16|bf16|fp8; copy: ''
  size TEXT NOT NULL DEFAULT '',   -- gemm "MxNxK"; copy the bytes per buffer
  tflops REAL CHECK (tflops IS NULL OR tflops >= 0),
  gbps REAL CHECK (gbps IS NULL OR gbps >= 0),
  spread REAL NOT NULL DEFAULT 0,  -- (max - min) / median over the repeats
  repeats INTEGER NOT NULL DEFAULT 1,
  weight REAL,                     -- the type's weight derived when this row was saved
  reference_type TEXT,             -- ... relative to this type
  measured_at INTEGER NOT NULL,
  measured_by TEXT NOT NULL
);
CREATE INDEX gpu_benchmarks_by_type ON gpu_benchmarks(gpu_type_id, kind, dtype, measured_at);
)sql";

// Per calendar month (UTC, of start_at) without user and day: a whole-year report by bureau
// and algorithm reads a few thousand rows instead of a million daily ones (10M ledger rows:
// 1.4 s from usage_daily). Kept in step with usage_daily by the ledger code; filled here
// from usage_daily for catalogs that already have usage.
constexpr std::string_view kV3UsageMonthly = R"sql(
CREATE TABLE usage_monthly (
  month INTEGER NOT NULL,  -- year * 12 + (month - 1)
  account TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  algorithm_version TEXT NOT NULL,
  vendor TEXT NOT NULL,
  gpu_type TEXT NOT NULL,
  jobs INTEGER NOT NULL,
  ok_jobs INTEGER NOT NULL,
  gpu_hours REAL NOT NULL,
  cuh REAL NOT NULL,
  cost_cny REAL NOT NULL,
  PRIMARY KEY (month, account, algorithm, algorithm_version, vendor, gpu_type)
) WITHOUT ROWID;
INSERT INTO usage_monthly
  SELECT CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) * 12
           + CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1,
         account, algorithm, algorithm_version, vendor, gpu_type,
         SUM(jobs), SUM(ok_jobs), SUM(gpu_hours), SUM(cuh), SUM(cost_cny)
  FROM usage_daily GROUP BY 1, 2, 3, 4, 5, 6;
)sql";

// The tamper-evident audit log (catalog/audit.hpp, pdai-audit(1)). Each entry carries the
// SHA-256 of the one before it and its own, over its fields (a hash chain); entries written
// before this migration have none until the first checkpoint seals them. A checkpoint, one
// per write transaction that audits, holds the chain's head and the digest of the
// access-control state, and is signed with the Ed25519 key of its epoch; it names the key
// of the next epoch, whose secret replaces this one's in the key file (forward security).
// state_tables holds, beside the signed digest, a short digest of each table, so that
// 'pdai audit verify' can name the table that differs.
constexpr std::string_view kV4AuditChain = R"sql(
ALTER TABLE audit_log ADD COLUMN prev_sha256 TEXT;
ALTER TABLE audit_log ADD COLUMN sha256 TEXT;
CREATE TABLE audit_checkpoints (
  epoch INTEGER PRIMARY KEY,          -- 0, 1, 2, ...: the key that signed it
  kind TEXT NOT NULL DEFAULT 'seal' CHECK (kind IN ('genesis', 'seal')),
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  audit_id INTEGER NOT NULL,          -- the last audit entry it covers; 0: none
  chain_sha256 TEXT NOT NULL,         -- that entry's sha256; '' when none
  state_sha256 TEXT NOT NULL,         -- the access-control state's digest
  state_tables TEXT NOT NULL,         -- "table=<16 hex> ..." per table, to name the one that differs
  public_key TEXT,                    -- genesis: its own key; seal: NULL (the previous next_public_key)
  next_public_key TEXT NOT NULL,      -- the key of epoch + 1
  signature TEXT NOT NULL,
  superseded INTEGER NOT NULL DEFAULT 0 CHECK (superseded IN (0, 1))  -- carried over by 'catalog restore'
);
)sql";

// Slurm's partitions, from 'pdai node sync', so the plugin prices a job in a partition that
// gives whole nodes (OverSubscribe=EXCLUSIVE or ExclusiveUser=YES) at all their GPUs, and an
// exclusive job at the largest node of its partition. Replaced whole by every sync.
// inventory_state: when a node sync last succeeded. The inventory's age is that, not its
// newest change: a cluster that did not change for a week is not a stale inventory.
constexpr std::string_view kV5Partitions = R"sql(
CREATE TABLE partitions (
  name TEXT PRIMARY KEY,
  exclusive INTEGER NOT NULL CHECK (exclusive IN (0, 1)),    -- jobs get whole nodes
  is_default INTEGER NOT NULL CHECK (is_default IN (0, 1)),  -- jobs without -p land here
  nodes TEXT NOT NULL,                                       -- host names, comma-separated
  updated_at INTEGER NOT NULL
);
CREATE TABLE inventory_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  synced_at INTEGER NOT NULL
);
)sql";

}  // namespace

const std::vector<std::string_view>& migrations() {
    static const std::vector<std::string_view> all = {kV1Admin, kV2AlgorithmsJobsLedger,
                                                       kV3UsageMonthly, kV4AuditChain, kV5Partitions};
    return all;
}

int schema_version(Db& db) {
    auto s = db.prepare("PRAGMA user_version");
    s.step();
    return static_cast<int>(s.i64(0));
}

int application_id(Db& db) {
    auto s = db.prepare("PRAGMA application_id");
    s.step();
    return static_cast<int>(s.i64(0));
}

void migrate_to(Db& db, int target) {
    int from = schema_version(db);
    for (int v = from; v < target; ++v) db.exec(migrations().at(static_cast<std::size_t>(v)));
    if (from < target) {
        db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
        db.exec("PRAGMA user_version = " + std::to_string(target));
    }
}

}  // namespace pdai::catalog
