// pdai.toml, the manifest at the root of every bundle (format in pdai-bundle(5)): what the
// algorithm is, how to start it, the resources a job gets by default, and how a batch
// inference shard hands the entrypoint its inputs and output directory.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pdai::bundle {

inline constexpr std::string_view kManifestFile = "pdai.toml";
inline constexpr int kManifestFormat = 1;
inline constexpr std::size_t kMaxManifestBytes = 1 << 20;

enum class JobKind { run, train, infer };
const char* to_string(JobKind k);
std::optional<JobKind> parse_job_kind(std::string_view s);

// The categories the catalog knows (the CHECK in the algorithms table holds the same list).
const std::vector<std::string>& categories();

struct Resources {
    std::vector<std::string> gpu_types;  // any one of these; empty: any GPU type
    int gpus = 0;                        // GPUs per task
    int cpus = 1;                        // CPUs per task
    std::optional<std::int64_t> mem_mib; // memory per node; nullopt: the cluster's default
    int time_minutes = 0;                // default time limit, always finite
};

// How one shard of a batch inference reaches the entrypoint: `args` follow the entrypoint
// and `env` is added to its environment, both after placeholder expansion (see ShardContext).
struct InferConvention {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    std::vector<std::string> input_patterns;  // file-name globs a shard may hold; empty: any
    std::optional<int> inputs_per_shard;      // suggested shard size; nullopt: submitter decides
};

struct Manifest {
    int format = kManifestFormat;
    std::string name, version, vendor, category, description;
    std::string entrypoint;  // normalised path inside the bundle
    std::vector<JobKind> kinds;
    Resources resources;
    std::optional<InferConvention> infer;  // present exactly when kinds holds infer
    std::optional<std::string> licence_expires;  // "YYYY-MM-DD", last day the licence is valid

    bool supports(JobKind k) const;
};

// Parses and validates a manifest. Every refusal is Error(usage) of the form
// "<source>:<line>: '<key>' <what is wrong>" (a missing key names the table's line, or none
// at the root); unknown keys are refused with a "did you mean" help when one is close.
Manifest parse_manifest(std::string_view text, const std::string& source = "pdai.toml");

// What the placeholders in InferConvention expand to for one shard.
struct ShardContext {
    std::string input_list;  // {input_list}: a file with one input path per line
    std::string output_dir;  // {output_dir}: where the shard writes its results
    int shard = 0;           // {shard}: 0-based index of this shard
    int shards = 1;          // {shards}: how many shards the batch has
    std::string bundle_dir;  // {bundle_dir}: the unpacked bundle in the store
};
inline constexpr const char* kPlaceholders[] = {"input_list", "output_dir", "shard", "shards",
                                                "bundle_dir"};

// A template of an infer convention, split by the one placeholder grammar that validation,
// expansion and the batch script share: "{{" and "}}" stand for literal braces, "{name}" for
// a placeholder, and a lone '{' or '}' is an error.
struct TemplatePiece {
    bool placeholder = false;
    std::string text;  // the literal text, or the placeholder's name
};
// The error message for a template that breaks the grammar ("" when it is well formed);
// the pieces read so far are in `pieces` either way. Names are not checked here.
std::string split_template(std::string_view tmpl, std::vector<TemplatePiece>& pieces);

// Expands the placeholders. The template was validated by parse_manifest; a malformed
// one or an unknown placeholder here throws Error(usage).
std::string expand_placeholders(std::string_view tmpl, const ShardContext& ctx);

void to_json(nlohmann::json& j, const Manifest& m);
void from_json(const nlohmann::json& j, Manifest& m);

}  // namespace pdai::bundle
