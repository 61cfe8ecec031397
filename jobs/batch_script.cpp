#include "jobs/batch_script.hpp"

#include "common/error.hpp"

namespace pdai::jobs {
namespace {

// Shell variables the placeholders of an infer convention stand for.
std::string_view placeholder_var(std::string_view name) {
    if (name == "input_list") return "PDAI_INPUT_LIST";
    if (name == "output_dir") return "PDAI_OUTPUT_DIR";
    if (name == "shard") return "PDAI_SHARD";
    if (name == "shards") return "PDAI_SHARDS";
    if (name == "bundle_dir") return "PDAI_BUNDLE_DIR";
    return {};
}

void line(std::string& o, std::string_view text) {
    o += text;
    o += '\n';
}

void export_var(std::string& o, std::string_view name, std::string_view quoted_value) {
    o += "export ";
    o += name;
    o += '=';
    o += quoted_value;
    o += '\n';
}

// The entrypoint and its arguments as shell words.
std::string command_words(const PreparedJob& job, bool with_manifest_args) {
    std::string cmd = shell_quote(job.spec.algorithm.entrypoint);
    if (with_manifest_args && job.spec.algorithm.infer)
        for (const auto& a : job.spec.algorithm.infer->args) cmd += ' ' + shell_word_from_template(a);
    for (const auto& a : job.spec.args) cmd += ' ' + shell_quote(a);
    return cmd;
}

// Runs the command and keeps its exit status in the job directory: the answer to "how did
// it end" after the backend has forgotten the job.
void run_and_record(std::string& o, const PreparedJob& job, const std::string& command) {
    line(o, "rm -f " + shell_quote(job.layout.exit_code_file));
    line(o, "set +e");
    line(o, command);
    line(o, "rc=$?");
    line(o, "printf '%s\\n' \"$rc\" >" + shell_quote(job.layout.exit_code_file));
    line(o, "exit \"$rc\"");
}

void header(std::string& o, const PreparedJob& job) {
    const auto& s = job.spec;
    line(o, "#!/bin/bash");
    // Id 0: submitted by a bureau user; 'pdai sync' records it (PDAI_JOB_ID stays 0).
    line(o, "# pdai job " + (job.id > 0 ? std::to_string(job.id) : std::string("(recorded by pdai sync)")) + ": " +
                to_string(s.kind) + " " +
                s.algorithm.ref() + " for bureau " + s.bureau + " (user " + s.user + ").");
    line(o, "# Written by pdai at submission; the job's files are in " + job.layout.job_dir + ".");
    line(o, "set -euo pipefail");
    export_var(o, "PDAI_JOB_ID", std::to_string(job.id));
    export_var(o, "PDAI_JOB_KIND", to_string(s.kind));
    export_var(o, "PDAI_ALGORITHM", shell_quote(s.algorithm.ref()));
    export_var(o, "PDAI_BUNDLE_DIR", shell_quote(s.algorithm.bundle_dir));
    export_var(o, "PDAI_JOB_DIR", shell_quote(job.layout.job_dir));
    export_var(o, "PDAI_OUTPUT_DIR", shell_quote(job.layout.output_dir));
}

// The check before the entrypoint, on the node that runs the job: the bundle directory must
// be what was registered (the lists come from the catalog at submission: job_files.cpp).
// sha256sum checks every file's content; readlink every symlink's target; find the names and
// types of everything in it, so nothing was added, removed or swapped for a symlink. A
// difference ends the job with 126 before the entrypoint starts, naming the entry, on stderr
// (the job's log) and to syslog at error.
void bundle_check(std::string& o, const PreparedJob& job) {
    if (job.spec.algorithm.tree.empty()) return;
    const auto& L = job.layout;
    line(o, "# The bundle must be the one registered: checked here, before the entrypoint runs.");
    line(o, "pdai_refuse() {");
    line(o, "  printf 'pdai: error: %s\\n' \"$1\" >&2");
    line(o, "  if command -v logger >/dev/null 2>&1; then logger -p user.err -t pdai \"pdai job $PDAI_JOB_ID: $1\" "
            "2>/dev/null || true; fi");
    if (job.spec.kind != Kind::infer) line(o, "  printf '126\\n' >" + shell_quote(L.exit_code_file));
    line(o, "  exit 126");
    line(o, "}");
    line(o, "pdai_check_bundle() {");
    line(o, "  local out line bad='' link target");
    line(o, "  local not_run=\"differs from what was registered as $PDAI_ALGORITHM; the job did not start\"");
    line(o, "  cd \"$PDAI_BUNDLE_DIR\" 2>/dev/null || pdai_refuse \"the bundle directory $PDAI_BUNDLE_DIR is missing; "
            "the job did not start\"");
    line(o, "  if ! out=$(LC_ALL=C sha256sum --check --strict --quiet " + shell_quote(L.bundle_sums) + " 2>&1); then");
    line(o, "    while IFS= read -r line; do case $line in *': FAILED'*) bad=${line%: FAILED*}; break ;; esac; done "
            "<<<\"$out\"");
    line(o, "    pdai_refuse \"bundle file '${bad:-?}' $not_run\"");
    line(o, "  fi");
    line(o, "  while IFS=$'\\t' read -r link target; do");
    line(o, "    [[ $(readlink -- \"$link\") == \"$target\" ]] || pdai_refuse \"bundle symlink '$link' $not_run\"");
    line(o, "  done <" + shell_quote(L.bundle_links));
    line(o, "  if ! LC_ALL=C find . -mindepth 1 -printf '%y %P\\n' | LC_ALL=C sort | cmp -s - " +
                shell_quote(L.bundle_paths) + "; then");
    line(o, "    bad=$(LC_ALL=C find . -mindepth 1 -printf '%y %P\\n' | LC_ALL=C sort | LC_ALL=C comm -3 " +
                shell_quote(L.bundle_paths) + " - | sed -n '1s/^[[:space:]]*[a-z] //p') || true");
    line(o, "    pdai_refuse \"bundle entry '${bad:-?}' (added, removed or of another type) $not_run\"");
    line(o, "  fi");
    line(o, "  cd - >/dev/null");
    line(o, "}");
    line(o, "pdai_check_bundle");
}

void run_body(std::string& o, const PreparedJob& job) {
    // Inputs and no ARGS: the entrypoint gets them the way the bundle says it takes an input
    // list ([infer] args, e.g. --inputs {input_list} --out {output_dir}), as one shard of one.
    const bool convention = !job.spec.inputs.empty() && job.spec.args.empty() && job.spec.algorithm.infer &&
                            !job.spec.algorithm.infer->args.empty();
    if (!job.spec.inputs.empty()) export_var(o, "PDAI_INPUT_LIST", shell_quote(job.layout.inputs_list));
    if (convention) {
        export_var(o, "PDAI_SHARD", "0");
        export_var(o, "PDAI_SHARDS", "1");
    }
    line(o, "mkdir -p \"$PDAI_OUTPUT_DIR\"");
    run_and_record(o, job, command_words(job, convention));
}

void train_body(std::string& o, const PreparedJob& job, Launcher launcher) {
    if (job.spec.dataset) export_var(o, "PDAI_DATASET", shell_quote(*job.spec.dataset));
    line(o, "# A requeued job (--requeue) starts again from here: resume from PDAI_RESUME_DIR.");
    export_var(o, "PDAI_RESUME_DIR", shell_quote(job.layout.resume_dir));
    if (launcher == Launcher::slurm) {
        export_var(o, "PDAI_RESTART_COUNT", "\"${SLURM_RESTART_COUNT:-0}\"");
    } else {
        export_var(o, "PDAI_RESTART_COUNT", "\"${PDAI_RESTART_COUNT:-0}\"");
    }
    line(o, "mkdir -p \"$PDAI_OUTPUT_DIR\" \"$PDAI_RESUME_DIR\"");
    if (launcher == Launcher::local) {
        line(o, "# One process on this machine: a world of one.");
        export_var(o, "MASTER_ADDR", "127.0.0.1");
        export_var(o, "MASTER_PORT", "$((20000 + PDAI_JOB_ID % 10000))");
        export_var(o, "WORLD_SIZE", "1");
        export_var(o, "RANK", "0");
        export_var(o, "LOCAL_RANK", "0");
        run_and_record(o, job, command_words(job, false));
        return;
    }
    line(o, "# Rendezvous: rank 0 runs on the first node of the allocation; the port is derived");
    line(o, "# from the job id so that two trainings sharing a node do not collide.");
    // sed, not head: head would exit early and fail the pipeline (pipefail) on SIGPIPE.
    line(o, "MASTER_ADDR=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | sed -n 1p)");
    line(o, "export MASTER_ADDR");
    export_var(o, "MASTER_PORT", "$((20000 + SLURM_JOB_ID % 10000))");
    line(o, "# One task per node; each learns its RANK and LOCAL_RANK from srun.");
    export_var(o, "WORLD_SIZE", "\"$SLURM_NNODES\"");
    run_and_record(o, job,
                   "srun --nodes=\"$SLURM_NNODES\" --ntasks=\"$WORLD_SIZE\" --ntasks-per-node=1 "
                   "--kill-on-bad-exit=1 \\\n"
                   "  /bin/bash -c 'export RANK=\"$SLURM_PROCID\" LOCAL_RANK=\"$SLURM_LOCALID\"; "
                   "exec \"$@\"' pdai-rank \\\n  " +
                       command_words(job, false));
}

void infer_body(std::string& o, const PreparedJob& job) {
    const auto& L = job.layout;
    line(o, "# One shard per array task: its number is the task id.");
    line(o, "task=${PDAI_TASK_INDEX:-${SLURM_ARRAY_TASK_ID:?this script runs as one task of a job "
            "array}}");
    line(o, "printf -v shard '%0" + std::to_string(job.shards.width) + "d' \"$task\"");
    export_var(o, "PDAI_SHARD", "\"$task\"");
    export_var(o, "PDAI_SHARDS", std::to_string(job.shards.count));
    export_var(o, "PDAI_INPUT_LIST", shell_quote(L.shards_dir + "/") + "\"$shard.list\"");
    line(o, "done_marker=" + shell_quote(L.shards_dir + "/") + "\"$shard.done\"");
    line(o, "rm -f \"$done_marker\"");
    line(o, "mkdir -p \"$PDAI_OUTPUT_DIR\"");
    if (job.spec.algorithm.infer)
        for (const auto& [k, v] : job.spec.algorithm.infer->env)
            export_var(o, k, shell_word_from_template(v));
    line(o, command_words(job, true));
    line(o, "# The marker is how 'pdai jobs show' and 'pdai infer --resume' know the shard is done.");
    line(o, "touch \"$done_marker\"");
}

}  // namespace

std::string shell_quote(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    out += '\'';
    return out;
}

std::string shell_word_from_template(std::string_view t) {
    std::vector<bundle::TemplatePiece> pieces;
    if (auto err = bundle::split_template(t, pieces); !err.empty())
        throw Error(Errc::usage, "template '" + std::string(t) + "' " + err);
    std::string out;
    for (const auto& p : pieces) {
        const std::string_view var = p.placeholder ? placeholder_var(p.text) : std::string_view();
        if (p.placeholder && var.empty()) throw Error(Errc::usage, "unknown placeholder in '" + std::string(t) + "'");
        if (!p.placeholder) {
            out += shell_quote(p.text);
            continue;
        }
        out += "\"${";
        out += var;
        out += "}\"";
    }
    if (out.empty()) out = "''";
    return out;
}

std::string make_batch_script(const PreparedJob& job, Launcher launcher) {
    std::string o;
    o.reserve(2048);
    header(o, job);
    bundle_check(o, job);
    switch (job.spec.kind) {
    case Kind::run: run_body(o, job); break;
    case Kind::train: train_body(o, job, launcher); break;
    case Kind::infer: infer_body(o, job); break;
    }
    return o;
}

}  // namespace pdai::jobs
