-- The part of the golden fixture that pdai commands cannot create: the usage ledger, jobs,
-- liens, sync state and saved GPU benchmarks (normally written by 'pdai sync' against a real
-- Slurm and by 'pdai gpu bench --save' on a real GPU). Read by tests/golden/run.sh after the
-- pdai commands of its fixture. Schema: catalog/migrations.cpp.
--
-- Every fixed time is in 2024, so that 'usage report --period 2024-10' reads the same forever;
-- even the end of its last period (2025-01-01) is before any year the clock can show (the
-- normaliser in lib.sh takes every time from 2026 on for the clock's).

-- ---------------------------------------------------------------- GPU benchmarks
-- a100 is reference_gpu_type in the test's pdai.conf: 'gpu weights' derives h100 and t4 from
-- these. Two a100 cards (the median over cards), one with an older, superseded figure.
INSERT INTO gpu_benchmarks (gpu_type_id, host, device_index, device_uuid, device_name, kind,
                            dtype, size, tflops, gbps, spread, repeats, weight, reference_type,
                            measured_at, measured_by)
SELECT g.id, b.host, b.dev, b.uuid, b.name, b.kind, b.dtype, b.size, b.tflops, b.gbps, b.spread,
       b.repeats, b.weight, b.ref, unixepoch(b.at), 'opsadmin'
FROM (SELECT 'a100' AS type, 'gpu01' AS host, 0 AS dev, 'GPU-a100-0' AS uuid,
             'NVIDIA A100-SXM4-80GB' AS name, 'gemm' AS kind, 'bf16' AS dtype,
             '8192x8192x8192' AS size, 280.0 AS tflops, NULL AS gbps, 0.012 AS spread,
             5 AS repeats, 1.0 AS weight, 'a100' AS ref, '2024-08-30 10:00:00' AS at
      UNION ALL SELECT 'a100', 'gpu01', 0, 'GPU-a100-0', 'NVIDIA A100-SXM4-80GB', 'gemm', 'bf16',
             '8192x8192x8192', 290.5, NULL, 0.008, 5, 1.0, 'a100', '2024-09-02 10:00:00'
      UNION ALL SELECT 'a100', 'gpu01', 0, 'GPU-a100-0', 'NVIDIA A100-SXM4-80GB', 'gemm', 'fp16',
             '8192x8192x8192', 288.0, NULL, 0.01, 5, NULL, NULL, '2024-09-02 10:01:00'
      UNION ALL SELECT 'a100', 'gpu01', 0, 'GPU-a100-0', 'NVIDIA A100-SXM4-80GB', 'gemm', 'fp32',
             '8192x8192x8192', 19.2, NULL, 0.004, 5, NULL, NULL, '2024-09-02 10:02:00'
      UNION ALL SELECT 'a100', 'gpu01', 0, 'GPU-a100-0', 'NVIDIA A100-SXM4-80GB', 'copy', '',
             '1073741824', NULL, 1480.25, 0.02, 5, NULL, NULL, '2024-09-02 10:03:00'
      UNION ALL SELECT 'a100', 'gpu01', 1, 'GPU-a100-1', 'NVIDIA A100-SXM4-80GB', 'gemm', 'bf16',
             '8192x8192x8192', 300.0, NULL, 0.006, 5, 1.0, 'a100', '2024-09-02 10:04:00'
      UNION ALL SELECT 'a100', 'gpu01', 1, 'GPU-a100-1', 'NVIDIA A100-SXM4-80GB', 'copy', '',
             '1073741824', NULL, 1500.0, 0.01, 5, NULL, NULL, '2024-09-02 10:05:00'
      UNION ALL SELECT 'h100', 'gpu02', 0, 'GPU-h100-0', 'NVIDIA H100 80GB HBM3', 'gemm', 'bf16',
             '8192x8192x8192', 741.3, NULL, 0.015, 5, 2.513, 'a100', '2024-09-03 11:00:00'
      UNION ALL SELECT 'h100', 'gpu02', 0, 'GPU-h100-0', 'NVIDIA H100 80GB HBM3', 'copy', '',
             '1073741824', NULL, 2950.5, 0.01, 5, NULL, NULL, '2024-09-03 11:01:00'
      UNION ALL SELECT 't4', 'gpu05', 0, '', 'Tesla T4', 'gemm', 'fp16',
             '4096x4096x4096', 62.75, NULL, 0.03, 3, 0.2127, 'a100', '2024-09-04 12:00:00'
     ) b JOIN gpu_types g ON g.name = b.type;

-- ---------------------------------------------------------------- jobs
-- Finished jobs only: 'pdai jobs' then reads their state from the catalog and never asks a
-- backend (their job directories do not exist, so no exit file or shard marker either). Exit
-- codes as pdai derives them (timeout 124, cancelled 130), or 'jobs list' would write them back.
INSERT INTO jobs (id, kind, backend, cluster, bureau_id, unix_user, algorithm_version_id,
                  slurm_job_id, state, exit_code, gpu_type, gpus_per_task, nodes, tasks,
                  time_limit_minutes, idempotency_key, request_json, workdir, submitted_at,
                  started_at, ended_at)
VALUES
  (1, 'run', 'slurm', 'main', (SELECT id FROM bureaus WHERE code = 'fin'), 'alice',
   (SELECT v.id FROM algorithm_versions v JOIN algorithms a ON a.id = v.algorithm_id
     WHERE a.name = 'hanwen-ocr' AND v.version = '1.0.0'),
   1001, 'completed', 0, 'a100', 2, 1, 1, 120, 'nightly-2024-10-03',
   '{"account":"fin","algorithm":"hanwen-ocr@1.0.0","args":["--lang","chi_sim"],"bureau":"fin","env":[],"job_dir":"/srv/pdai/jobs/1","kind":"run","output_dir":"/srv/pdai/jobs/1/output","partition":null,"requeue":false,"resources":{"cpus_per_task":1,"gpu_type":"a100","gpus_per_node":2,"mem_mib":1024,"nodes":1,"time_limit":"02:00:00","time_limit_minutes":120},"user":"alice"}',
   '/srv/pdai/jobs/1', unixepoch('2024-10-03 07:59:30'), unixepoch('2024-10-03 08:00:00'),
   unixepoch('2024-10-03 10:00:00')),
  (2, 'infer', 'slurm', 'main', (SELECT id FROM bureaus WHERE code = 'fin'), 'alice',
   (SELECT v.id FROM algorithm_versions v JOIN algorithms a ON a.id = v.algorithm_id
     WHERE a.name = 'shengyin-tts' AND v.version = '0.9.2'),
   1002, 'failed', 1, 't4', 1, 1, 2, 60, NULL,
   '{"account":"fin","algorithm":"shengyin-tts@0.9.2","args":[],"bureau":"fin","env":[],"inputs":30,"job_dir":"/srv/pdai/jobs/2","kind":"infer","max_parallel":null,"output_dir":"/srv/pdai/jobs/2/output","partition":null,"requeue":false,"resources":{"cpus_per_task":1,"gpu_type":"t4","gpus_per_node":1,"mem_mib":512,"nodes":1,"time_limit":"01:00:00","time_limit_minutes":60},"shard_size":20,"shards":2,"user":"alice"}',
   '/srv/pdai/jobs/2', unixepoch('2024-10-05 09:59:00'), unixepoch('2024-10-05 10:00:00'),
   unixepoch('2024-10-05 11:00:00')),
  (3, 'train', 'slurm', 'main', (SELECT id FROM bureaus WHERE code = 'fin'), 'bob',
   (SELECT v.id FROM algorithm_versions v JOIN algorithms a ON a.id = v.algorithm_id
     WHERE a.name = 'hanwen-ocr' AND v.version = '1.1.0'),
   1003, 'timeout', 124, 'a100', 2, 2, 1, 180, NULL,
   '{"account":"fin","algorithm":"hanwen-ocr@1.1.0","args":[],"bureau":"fin","dataset":"/data/fin/ocr-2024","env":[],"job_dir":"/srv/pdai/jobs/3","kind":"train","output_dir":"/srv/pdai/jobs/3/output","partition":"gpu","requeue":false,"resources":{"cpus_per_task":8,"gpu_type":"a100","gpus_per_node":2,"mem_mib":65536,"nodes":2,"time_limit":"03:00:00","time_limit_minutes":180},"user":"bob"}',
   '/srv/pdai/jobs/3', unixepoch('2024-10-09 23:50:00'), unixepoch('2024-10-10 00:00:00'),
   unixepoch('2024-10-10 03:00:00')),
  (4, 'run', 'slurm', 'main', (SELECT id FROM bureaus WHERE code = 'edu'), 'carol',
   (SELECT v.id FROM algorithm_versions v JOIN algorithms a ON a.id = v.algorithm_id
     WHERE a.name = 'shijue-faces' AND v.version = '2.1.0'),
   1004, 'completed', 0, 'h100', 8, 1, 1, 120, NULL,
   '{"account":"edu_acct","algorithm":"shijue-faces@2.1.0","args":[],"bureau":"edu","env":["CUDA_LAUNCH_BLOCKING=0"],"job_dir":"/srv/pdai/jobs/4","kind":"run","output_dir":"/srv/pdai/jobs/4/output","partition":null,"requeue":true,"resources":{"cpus_per_task":4,"gpu_type":"h100","gpus_per_node":8,"mem_mib":16384,"nodes":1,"time_limit":"02:00:00","time_limit_minutes":120},"user":"carol"}',
   '/srv/pdai/jobs/4', unixepoch('2024-10-20 11:58:00'), unixepoch('2024-10-20 12:00:00'),
   unixepoch('2024-10-20 13:30:00')),
  (5, 'run', 'local', '', (SELECT id FROM bureaus WHERE code = 'police'), 'dave',
   (SELECT v.id FROM algorithm_versions v JOIN algorithms a ON a.id = v.algorithm_id
     WHERE a.name = 'hanwen-ocr' AND v.version = '1.1.0'),
   77, 'cancelled', 130, NULL, 0, 1, 1, 30, NULL,
   '{"account":"police","algorithm":"hanwen-ocr@1.1.0","args":[],"bureau":"police","env":[],"job_dir":"/srv/pdai/jobs/5","kind":"run","output_dir":"/srv/pdai/jobs/5/output","partition":null,"requeue":false,"resources":{"cpus_per_task":1,"gpu_type":null,"gpus_per_node":0,"mem_mib":1024,"nodes":1,"time_limit":"00:30:00","time_limit_minutes":30},"user":"dave"}',
   '/srv/pdai/jobs/5', unixepoch('2024-11-02 09:00:00'), NULL,
   unixepoch('2024-11-02 09:05:00'));

INSERT INTO job_tasks (job_id, task_index, slurm_job_id, state, exit_code, started_at, ended_at)
VALUES (2, 0, 1002, 'completed', 0, unixepoch('2024-10-05 10:00:00'), unixepoch('2024-10-05 11:00:00')),
       (2, 1, 1002, 'failed', 1, unixepoch('2024-10-05 10:00:00'), unixepoch('2024-10-05 10:30:00'));

-- ---------------------------------------------------------------- usage ledger
-- cuh = gpu_hours x weight and cost = gpu_hours x price of the fixture's GPU types
-- (a100 1 / 12.5, t4 0.25 / 3, h100 2 / 30).
INSERT INTO usage_ledger (id, cluster, slurm_job_id, array_task_id, pdai_job_id, bureau_id,
                          account, unix_user, algorithm, algorithm_version, vendor, gpu_type,
                          gpus, start_at, end_at, elapsed_s, gpu_hours, cuh, cost_cny,
                          exit_state, corrects_id, ingested_at)
VALUES
  -- September: outside the October report, inside 2024-Q3.
  (1, 'main', 998, NULL, NULL, (SELECT id FROM bureaus WHERE code = 'fin'), 'fin', 'alice',
   'hanwen-ocr', '1.0.0', 'hanwen', 'a100', 1, unixepoch('2024-09-28 22:00:00'),
   unixepoch('2024-09-28 23:00:00'), 3600, 1.0, 1.0, 12.5, 'COMPLETED', NULL,
   unixepoch('2024-09-28 23:01:00')),
  -- October.
  (2, 'main', 1001, NULL, 1, (SELECT id FROM bureaus WHERE code = 'fin'), 'fin', 'alice',
   'hanwen-ocr', '1.0.0', 'hanwen', 'a100', 2, unixepoch('2024-10-03 08:00:00'),
   unixepoch('2024-10-03 10:00:00'), 7200, 4.0, 4.0, 50.0, 'COMPLETED', NULL,
   unixepoch('2024-10-03 10:01:00')),
  (3, 'main', 1002, 0, 2, (SELECT id FROM bureaus WHERE code = 'fin'), 'fin', 'alice',
   'shengyin-tts', '0.9.2', 'shengyin', 't4', 1, unixepoch('2024-10-05 10:00:00'),
   unixepoch('2024-10-05 11:00:00'), 3600, 1.0, 0.25, 3.0, 'COMPLETED', NULL,
   unixepoch('2024-10-05 11:01:00')),
  (4, 'main', 1002, 1, 2, (SELECT id FROM bureaus WHERE code = 'fin'), 'fin', 'alice',
   'shengyin-tts', '0.9.2', 'shengyin', 't4', 1, unixepoch('2024-10-05 10:00:00'),
   unixepoch('2024-10-05 10:30:00'), 1800, 0.5, 0.125, 1.5, 'FAILED', NULL,
   unixepoch('2024-10-05 11:01:00')),
  -- bob's training on 2 nodes x 2 GPUs, killed at its time limit.
  (5, 'main', 1003, NULL, 3, (SELECT id FROM bureaus WHERE code = 'fin'), 'fin', 'bob',
   'hanwen-ocr', '1.1.0', 'hanwen', 'a100', 4, unixepoch('2024-10-10 00:00:00'),
   unixepoch('2024-10-10 03:00:00'), 10800, 12.0, 12.0, 150.0, 'TIMEOUT', NULL,
   unixepoch('2024-10-10 03:01:00')),
  -- A plain Slurm job of fin's account, submitted without pdai: no algorithm.
  (6, 'main', 1010, NULL, NULL, (SELECT id FROM bureaus WHERE code = 'fin'), 'fin', 'bob',
   NULL, NULL, NULL, 'a100', 1, unixepoch('2024-10-31 23:30:00'),
   unixepoch('2024-11-01 00:30:00'), 3600, 1.0, 1.0, 12.5, 'COMPLETED', NULL,
   unixepoch('2024-11-01 00:31:00')),
  -- edu's job first ingested with a wrong elapsed time, then corrected (row 8 replaces 7):
  -- only row 8 counts anywhere.
  (7, 'main', 1004, NULL, 4, (SELECT id FROM bureaus WHERE code = 'edu'), 'edu_acct', 'carol',
   'shijue-faces', '2.1.0', 'shijue', 'h100', 8, unixepoch('2024-10-20 12:00:00'),
   unixepoch('2024-10-20 14:00:00'), 7200, 16.0, 32.0, 480.0, 'COMPLETED', NULL,
   unixepoch('2024-10-20 14:01:00')),
  (8, 'main', 1004, NULL, 4, (SELECT id FROM bureaus WHERE code = 'edu'), 'edu_acct', 'carol',
   'shijue-faces', '2.1.0', 'shijue', 'h100', 8, unixepoch('2024-10-20 12:00:00'),
   unixepoch('2024-10-20 13:30:00'), 5400, 12.0, 24.0, 360.0, 'COMPLETED', 7,
   unixepoch('2024-10-21 00:00:00')),
  -- A CPU-only job of police: no GPU type, nothing to pay.
  (9, 'main', 1005, NULL, NULL, (SELECT id FROM bureaus WHERE code = 'police'), 'police', 'dave',
   'hanwen-ocr', '1.1.0', 'hanwen', NULL, 0, unixepoch('2024-10-15 09:00:00'),
   unixepoch('2024-10-15 09:20:00'), 1200, 0.0, 0.0, 0.0, 'CANCELLED', NULL,
   unixepoch('2024-10-15 09:21:00')),
  -- A Slurm account that is no bureau of the catalog.
  (10, 'main', 1006, NULL, NULL, NULL, 'physics', 'erin', NULL, NULL, NULL, 't4', 2,
   unixepoch('2024-10-18 06:00:00'), unixepoch('2024-10-18 10:00:00'), 14400, 8.0, 2.0, 24.0,
   'COMPLETED', NULL, unixepoch('2024-10-18 10:01:00')),
  -- November: in 2024-Q4 and 2024, not in October.
  (11, 'main', 1020, NULL, NULL, (SELECT id FROM bureaus WHERE code = 'edu'), 'edu_acct', 'carol',
   'shijue-faces', '2.1.0', 'shijue', 't4', 4, unixepoch('2024-11-02 09:00:00'),
   unixepoch('2024-11-02 12:00:00'), 10800, 12.0, 3.0, 36.0, 'OUT_OF_MEMORY', NULL,
   unixepoch('2024-11-02 12:01:00'));

-- The current period's usage: one small fin job at the start of this month, so that
-- 'quota show' has something used. Small against fin's budget, so 'runs out' always reads
-- "not this period" (at most 1 CUH over at least an hour is 24 CUH/day: 41 days for 997 CUH).
INSERT INTO usage_ledger (cluster, slurm_job_id, array_task_id, pdai_job_id, bureau_id, account,
                          unix_user, algorithm, algorithm_version, vendor, gpu_type, gpus,
                          start_at, end_at, elapsed_s, gpu_hours, cuh, cost_cny, exit_state,
                          corrects_id, ingested_at)
VALUES ('main', 3001, NULL, NULL, (SELECT id FROM bureaus WHERE code = 'fin'), 'fin', 'alice',
        'hanwen-ocr', '1.1.0', 'hanwen', 'a100', 1, unixepoch('now', 'start of month'),
        unixepoch('now', 'start of month'), 0, 1.0, 1.0, 12.5, 'COMPLETED', NULL,
        unixepoch('now', 'start of month'));

-- The rollups reports read, exactly as catalog/ledger.cpp rebuild_usage_daily builds them.
DELETE FROM usage_daily;
INSERT INTO usage_daily SELECT start_at / 86400, account, unix_user, COALESCE(algorithm, ''),
       COALESCE(algorithm_version, ''), COALESCE(vendor, ''), COALESCE(gpu_type, ''), COUNT(*),
       SUM(exit_state = 'COMPLETED'), SUM(gpu_hours), SUM(cuh), SUM(cost_cny)
  FROM usage_ledger u WHERE NOT EXISTS (SELECT 1 FROM usage_ledger x WHERE x.corrects_id = u.id)
  GROUP BY 1, 2, 3, 4, 5, 6, 7;
DELETE FROM usage_monthly;
INSERT INTO usage_monthly SELECT CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) * 12
       + CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1, account, algorithm,
       algorithm_version, vendor, gpu_type, SUM(jobs), SUM(ok_jobs), SUM(gpu_hours), SUM(cuh),
       SUM(cost_cny)
  FROM usage_daily GROUP BY 1, 2, 3, 4, 5, 6;

-- ---------------------------------------------------------------- liens and sync state
-- Active jobs as the last 'pdai sync' saw them: they count against this period's budget.
INSERT INTO liens (cluster, slurm_job_id, bureau_id, gpu_type, gpus, tasks, nodes,
                   time_limit_minutes, concurrent_gpus, bound_cuh, state)
VALUES ('main', 4001, (SELECT id FROM bureaus WHERE code = 'fin'), 'a100', 2, 1, 1, 60, NULL,
        2.0, 'running'),
       ('main', 4002, (SELECT id FROM bureaus WHERE code = 'edu'), 't4', 1, 4, 1, 120, 2, 2.0,
        'pending');
INSERT INTO sync_state (cluster, watermark, liens_at, last_run_at)
VALUES ('main', unixepoch('2024-11-02 12:01:00'), unixepoch('2024-11-02 12:05:00'),
        unixepoch('2024-11-02 12:05:00'));

-- ---------------------------------------------------------------- pinning
-- The rows pdai's own commands wrote carry the clock and the unix user that ran the test.
-- Pinned to fixed values, the listings come out the same under any user and on any day,
-- column widths included; the normaliser is left with the commands' own confirmations.
UPDATE vendors SET created_at = unixepoch('2024-09-01 09:00:00') + id * 60, created_by = 'opsadmin';
UPDATE vendor_keys SET added_at = unixepoch('2024-09-01 09:30:00') + id * 60, added_by = 'opsadmin';
UPDATE bureaus SET created_at = unixepoch('2024-09-01 10:00:00') + id * 60, created_by = 'opsadmin';
UPDATE bureau_members SET added_at = unixepoch('2024-09-01 10:30:00');
UPDATE gpu_types SET created_at = unixepoch('2024-09-01 11:00:00') + id * 60,
                     updated_at = unixepoch('2024-09-01 11:30:00') + id * 60;
UPDATE quotas SET updated_at = unixepoch('2024-09-01 12:00:00') + bureau_id * 60,
                  updated_by = 'opsadmin';
UPDATE nodes SET created_at = unixepoch('2024-09-01 13:00:00') + id * 60,
                 updated_at = unixepoch('2024-09-01 13:30:00') + id * 60;
UPDATE algorithms SET created_at = unixepoch('2024-09-01 14:00:00') + id * 60,
                      created_by = 'opsadmin';
UPDATE algorithm_versions SET registered_at = unixepoch('2024-09-01 14:30:00') + id * 60,
                              registered_by = 'opsadmin';
UPDATE algorithm_shares SET shared_at = unixepoch('2024-09-01 15:00:00');
-- One minute apart in the order they were written, so the log keeps its order.
UPDATE audit_log SET at = unixepoch('2024-09-01 08:00:00') + id * 60, actor = 'opsadmin';
-- Rewriting the log's times and actors breaks its hash chain, as any edit of the log must
-- (pdai-audit(1)). So the fixture leaves the log as a catalog from before the chain would
-- have it: no hashes and no checkpoints, which its first change seals again (run.sh also
-- removes the audit key that 'catalog init' made, whose chain this ends).
UPDATE audit_log SET prev_sha256 = NULL, sha256 = NULL;
DELETE FROM audit_checkpoints;
