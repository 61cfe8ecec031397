#include "bundle/example.hpp"

#include <filesystem>

#include "bundle/manifest.hpp"
#include "common/files.hpp"
#include "common/error.hpp"
#include "common/names.hpp"

namespace pdai::bundle {

namespace fs = std::filesystem;

namespace {

constexpr const char* kEntrypoint = R"sh(#!/bin/sh
# Example entrypoint. For batch inference pdai passes (see [infer] in pdai.toml):
#   --inputs FILE   a file listing this shard's inputs, one path per line
#   --out DIR       the directory this shard writes its results to
# and sets EXAMPLE_SHARD to the shard's index. Exit non-zero on failure.
set -eu
inputs="" out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --inputs) inputs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ -z "$inputs" ]; then
  echo "example bundle: nothing to do (run me with --inputs FILE --out DIR)"
  exit 0
fi
mkdir -p "$out"
while IFS= read -r input; do
  [ -n "$input" ] || continue
  printf '%s\t%s\n' "$(basename "$input")" "$(wc -c <"$input")" >>"$out/result-${EXAMPLE_SHARD:-0}.tsv"
done <"$inputs"
)sh";

}  // namespace

std::string example_manifest(const ExampleOptions& o) {
    return R"(# pdai.toml: the manifest of a pdai algorithm bundle. Format: man 5 pdai-bundle.
# Check it with 'pdai bundle lint DIR', pack it with 'pdai bundle pack DIR -o FILE.tar.gz'.

format = 1                      # manifest format; this pdai reads 1
name = ")" + o.name + R"("          # algorithm name: letters, digits, '.', '_', '-'
version = "0.1.0"               # semantic version (semver.org), unique per name
vendor = ")" + o.vendor + R"("     # must be registered: pdai vendor add NAME
category = ")" + o.category + R"("              # ocr, vision, speech, nlp, llm or other
description = "Describe what the algorithm does, in one or two sentences."
entrypoint = "bin/run"          # executable inside the bundle that every job starts
kinds = ["run", "infer"]        # what jobs it supports: run, train, infer
# licence_expires = 2027-12-31  # optional: last day the vendor's licence is valid

# What a job gets unless the submitter asks otherwise.
[resources]
gpu_types = []                  # any of these GPU types; [] = any type
gpus = 1                        # GPUs per task (0 for CPU-only)
cpus = 4                        # CPUs per task
mem = "16G"                     # memory per node: K, M, G, T (no unit: MiB)
time = "1h"                     # default time limit: "90m", "2h", "1d12h", "1-00:00:00"

# Batch inference: how one shard's inputs and output directory reach the entrypoint.
# Placeholders: {input_list} (file with one input path per line), {output_dir},
# {shard} (0-based index), {shards} (count), {bundle_dir}; "{{" and "}}" are literal braces.
[infer]
args = ["--inputs", "{input_list}", "--out", "{output_dir}"]
input_patterns = ["*.pdf", "*.png", "*.jpg"]   # inputs a shard may take; [] = any
inputs_per_shard = 100                         # suggested shard size

[infer.env]
EXAMPLE_SHARD = "{shard}"
)";
}

std::vector<std::string> write_example_bundle(const std::string& dir, const ExampleOptions& o) {
    validate_identifier("name", o.name);
    validate_identifier("vendor", o.vendor);
    std::string text = example_manifest(o);
    parse_manifest(text, "pdai.toml");  // the template must always be valid
    std::error_code ec;
    fs::create_directories(fs::path(dir) / "bin", ec);
    if (ec) throw Error(Errc::failure, "cannot create " + dir + "/bin: " + ec.message());
    std::vector<std::string> written;
    std::string manifest = dir + "/" + std::string(kManifestFile);
    write_file_atomic(manifest, text, 0644, o.overwrite);
    written.push_back(manifest);
    std::string run = dir + "/bin/run";
    if (!fs::exists(fs::symlink_status(run, ec))) {
        write_file_atomic(run, kEntrypoint, 0755, false);
        written.push_back(run);
    }
    return written;
}

}  // namespace pdai::bundle
