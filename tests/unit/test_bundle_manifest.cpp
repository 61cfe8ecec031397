// pdai.toml: what a valid manifest becomes, and a refusal for every kind of mistake, each
// naming the key (and its line) so a vendor can fix it without guessing.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "bundle/manifest.hpp"
#include "bundle/semver.hpp"
#include "common/byte_size.hpp"
#include "common/error.hpp"

using namespace pdai;
using namespace pdai::bundle;

namespace {

// Line numbers matter: the tests below name them.
const std::vector<std::string> kBase = {
    R"(name = "ocr-table")",                                                     // 1
    R"(version = "1.2.0")",                                                      // 2
    R"(vendor = "acme")",                                                        // 3
    R"(category = "ocr")",                                                       // 4
    R"(description = "Table OCR for scanned forms")",                            // 5
    R"(entrypoint = "./bin/run")",                                               // 6
    R"(kinds = ["run", "infer"])",                                               // 7
    R"(licence_expires = 2027-12-31)",                                           // 8
    "",                                                                          // 9
    "[resources]",                                                               // 10
    R"(gpu_types = ["a100", "l40s"])",                                           // 11
    "gpus = 1",                                                                  // 12
    "cpus = 8",                                                                  // 13
    R"(mem = "32G")",                                                            // 14
    R"(time = "2h")",                                                            // 15
    "",                                                                          // 16
    "[infer]",                                                                   // 17
    R"(args = ["--inputs", "{input_list}", "--out", "{output_dir}"])",           // 18
    R"(input_patterns = ["*.pdf", "*.png"])",                                    // 19
    "inputs_per_shard = 50",                                                     // 20
    "",                                                                          // 21
    "[infer.env]",                                                               // 22
    R"(OCR_SHARD = "{shard}/{shards}")",                                         // 23
};

std::string text(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

// The base manifest with the line starting with `prefix` replaced (or removed when empty).
std::string with(const std::string& prefix, const std::string& line) {
    auto lines = kBase;
    for (auto& l : lines)
        if (l.rfind(prefix, 0) == 0) {
            l = line;
            return text(lines);
        }
    FAIL("no line starts with " << prefix);
    return "";
}
std::string without(const std::string& prefix) { return with(prefix, ""); }

Error error_of(const std::string& manifest) {
    try {
        parse_manifest(manifest, "pdai.toml");
    } catch (const Error& e) {
        return e;
    }
    FAIL("expected the manifest to be refused:\n" << manifest);
    return Error(Errc::failure, "");
}

}  // namespace

TEST_CASE("manifest: a full manifest parses into the struct job submission uses", "[bundle][manifest]") {
    Manifest m = parse_manifest(text(kBase));
    CHECK(m.format == 1);
    CHECK(m.name == "ocr-table");
    CHECK(m.version == "1.2.0");
    CHECK(m.vendor == "acme");
    CHECK(m.category == "ocr");
    CHECK(m.entrypoint == "bin/run");  // normalised
    CHECK(m.supports(JobKind::run));
    CHECK(m.supports(JobKind::infer));
    CHECK_FALSE(m.supports(JobKind::train));
    CHECK(m.licence_expires == "2027-12-31");
    CHECK(m.resources.gpu_types == std::vector<std::string>{"a100", "l40s"});
    CHECK(m.resources.gpus == 1);
    CHECK(m.resources.cpus == 8);
    CHECK(m.resources.mem_mib == 32768);
    CHECK(m.resources.time_minutes == 120);
    REQUIRE(m.infer);
    CHECK(m.infer->args.size() == 4);
    CHECK(m.infer->env.at("OCR_SHARD") == "{shard}/{shards}");
    CHECK(m.infer->input_patterns.size() == 2);
    CHECK(m.infer->inputs_per_shard == 50);

    // The catalog stores it as JSON and reads it back unchanged.
    nlohmann::json j = m;
    Manifest back = j.get<Manifest>();
    CHECK(nlohmann::json(back) == j);
}

TEST_CASE("manifest: optional keys have defaults", "[bundle][manifest]") {
    std::string minimal = R"(name = "asr"
version = "0.1.0-rc.1+build.7"
vendor = "voice-co"
category = "speech"
description = "多行\n描述"
entrypoint = "run.sh"
kinds = ["train"]
[resources]
gpus = 0
time = 30
)";
    Manifest m = parse_manifest(minimal);
    CHECK(m.resources.cpus == 1);
    CHECK_FALSE(m.resources.mem_mib);
    CHECK(m.resources.gpu_types.empty());
    CHECK(m.resources.time_minutes == 30);  // a bare integer is minutes, as in Slurm
    CHECK_FALSE(m.infer);
    CHECK_FALSE(m.licence_expires);
    // A licence date may also be written as a string.
    CHECK(parse_manifest(with("licence_expires", R"(licence_expires = "2030-02-28")")).licence_expires ==
          "2030-02-28");
    CHECK(parse_manifest(with("time =", R"(time = "1-12:00:00")")).resources.time_minutes == 2160);
}

TEST_CASE("manifest: every refusal names the key and its line", "[bundle][manifest]") {
    struct Case {
        std::string manifest, key, line, says;
    };
    const std::vector<Case> cases = {
        {with("name", "name = 5"), "'name'", ":1:", "must be a string, not an integer"},
        {with("name", R"(name = "ocr table")"), "'name'", ":1:", "contains a space"},
        {with("name", R"(name = "")"), "'name'", ":1:", "must not be empty"},
        {with("version", R"(version = "1.0")"), "'version'", ":2:", "not a semantic version"},
        {with("version", R"(version = "01.0.0")"), "'version'", ":2:", "leading zeros"},
        {with("version", R"(version = "1.0.0-")"), "'version'", ":2:", "empty identifier"},
        {with("vendor", R"(vendor = "ac/me")"), "'vendor'", ":3:", "path separator"},
        {with("category", R"(category = "ai")"), "'category'", ":4:", "not one of"},
        {with("description", R"(description = "")"), "'description'", ":5:", "must not be empty"},
        {with("description", R"(description = "bell\u0007")"), "'description'", ":5:", "control"},
        {with("entrypoint", R"(entrypoint = "/bin/sh")"), "'entrypoint'", ":6:", "absolute path"},
        {with("entrypoint", R"(entrypoint = "../run")"), "'entrypoint'", ":6:", "'..'"},
        {with("entrypoint", R"(entrypoint = ".")"), "'entrypoint'", ":6:", "must name a file"},
        {with("entrypoint", R"(entrypoint = "pdai.toml")"), "'entrypoint'", ":6:", "manifest itself"},
        {with("kinds", R"(kinds = "run")"), "'kinds'", ":7:", "must be an array of strings"},
        {with("kinds", "kinds = []"), "'kinds'", ":7:", "at least one"},
        {with("kinds", R"(kinds = ["run", "serve"])"), "'kinds[1]'", ":7:", "not one of run, train, infer"},
        {with("kinds", R"(kinds = ["run", "run", "infer"])"), "'kinds'", ":7:", "twice"},
        {with("kinds", R"(kinds = ["run"])"), "'infer'", ":17:", "kinds does not list"},
        {with("licence_expires", R"(licence_expires = "2027-02-30")"), "'licence_expires'", ":8:", "not a valid date"},
        {with("licence_expires", "licence_expires = 20271231"), "'licence_expires'", ":8:", "must be a date"},
        {with("licence_expires", R"(licence_expires = "31/12/2027")"), "'licence_expires'", ":8:", "not a valid date"},
        {with("gpu_types", "gpu_types = [1]"), "'resources.gpu_types[0]'", ":11:", "must be a string"},
        {with("gpu_types", R"(gpu_types = ["a100", "a100"])"), "'resources.gpu_types'", ":11:", "twice"},
        {with("gpus", "gpus = -1"), "'resources.gpus'", ":12:", "must be in 0..64"},
        {with("gpus", "gpus = 65"), "'resources.gpus'", ":12:", "must be in 0..64"},
        {with("gpus", R"(gpus = "1")"), "'resources.gpus'", ":12:", "must be an integer"},
        {with("cpus", "cpus = 0"), "'resources.cpus'", ":13:", "must be in 1..4096"},
        {with("mem", R"(mem = "lots")"), "'resources.mem'", ":14:", "is not a size"},
        {with("mem", "mem = 32"), "'resources.mem'", ":14:", "must be a string"},
        {with("mem", R"(mem = "100T")"), "'resources.mem'", ":14:", "between 1M and 64T"},
        {with("time", R"(time = "forever")"), "'resources.time'", ":15:", ""},
        {with("time", R"(time = "UNLIMITED")"), "'resources.time'", ":15:", "finite"},
        {with("time", R"(time = "0")"), "'resources.time'", ":15:", "finite, positive"},
        {with("time", "time = 1.5"), "'resources.time'", ":15:", "not a float"},
        {with("args", R"(args = ["{inputs}", "{output_dir}"])"), "'infer.args[0]'", ":18:", "unknown placeholder {inputs}"},
        {with("args", R"(args = ["{input_list", "{output_dir}"])"), "'infer.args[0]'", ":18:", "without '}'"},
        {with("args", R"(args = ["x}", "{output_dir}"])"), "'infer.args[0]'", ":18:", "without '{'"},
        {with("args", R"(args = ["{input_list}"])"), "'infer'", ":17:", "never passes {output_dir}"},
        {with("args", R"(args = ["{{input_list}}", "{output_dir}"])"), "'infer'", ":17:", "never passes {input_list}"},
        {with("input_patterns", R"(input_patterns = ["in/*.pdf"])"), "'infer.input_patterns[0]'", ":19:", "'/'"},
        {with("inputs_per_shard", "inputs_per_shard = 0"), "'infer.inputs_per_shard'", ":20:", "must be in"},
        {with("OCR_SHARD", R"(1BAD = "{shard}")"), "'infer.env.1BAD'", ":23:", "not a valid environment variable"},
        {with("OCR_SHARD", R"(PDAI_SHARD = "{shard}")"), "'infer.env.PDAI_SHARD'", ":23:", "reserved prefix"},
        {with("OCR_SHARD", "OCR_SHARD = 1"), "'infer.env.OCR_SHARD'", ":23:", "must be a string"},
        {with("OCR_SHARD", R"(OCR_SHARD = "{oops}")"), "'infer.env.OCR_SHARD'", ":23:", "unknown placeholder"},
        {with("[infer.env]", "[infer.environment]"), "'infer.environment'", ":22:", "unknown key"},
        {with("name", "format = 2\nname = \"x\""), "'format'", ":1:", "this pdai reads format 1"},
        {with("name", "nmae = \"x\""), "'nmae'", ":1:", "unknown key"},
        {with("cpus", "cpu = 8"), "'resources.cpu'", ":13:", "unknown key"},
        {text(std::vector<std::string>(kBase.begin(), kBase.begin() + 9)) + "resources = 1\n" +
             text(std::vector<std::string>(kBase.begin() + 16, kBase.end())),
         "'resources'", ":10:", "must be a table"},
    };
    for (const auto& c : cases) {
        INFO(c.manifest);
        Error e = error_of(c.manifest);
        std::string msg = e.what();
        INFO(msg);
        CHECK(e.code() == Errc::usage);
        CHECK(msg.find(c.key) != std::string::npos);
        CHECK(msg.find("pdai.toml" + c.line) == 0);
        CHECK(msg.find(c.says) != std::string::npos);
    }
}

TEST_CASE("manifest: missing required keys are named", "[bundle][manifest]") {
    struct Case {
        std::string prefix, key;
    };
    for (const auto& c : std::vector<Case>{{"name", "'name'"},
                                           {"version", "'version'"},
                                           {"vendor", "'vendor'"},
                                           {"category", "'category'"},
                                           {"description", "'description'"},
                                           {"entrypoint", "'entrypoint'"},
                                           {"kinds", "'kinds'"},
                                           {"gpus", "'resources.gpus'"},
                                           {"time", "'resources.time'"}}) {
        Error e = error_of(without(c.prefix));
        INFO(e.what());
        CHECK(std::string(e.what()).find("missing required key " + c.key) != std::string::npos);
        CHECK_FALSE(e.help().empty());
    }
    // The [resources] table itself.
    std::string no_resources = text(std::vector<std::string>(kBase.begin(), kBase.begin() + 8)) +
                               "[infer]\nargs = [\"{input_list}\", \"{output_dir}\"]\n";
    CHECK(std::string(error_of(no_resources).what()).find("'[resources]'") != std::string::npos);
    // kinds lists infer but there is no [infer].
    std::string no_infer = text(std::vector<std::string>(kBase.begin(), kBase.begin() + 16));
    Error e = error_of(no_infer);
    CHECK(std::string(e.what()).find("pdai.toml:7: 'kinds' lists \"infer\" but there is no [infer]") == 0);
}

TEST_CASE("manifest: unknown keys get a 'did you mean' when one is close", "[bundle][manifest]") {
    Error e = error_of(with("licence_expires", "license_expires = 2027-12-31"));
    CHECK(std::string(e.what()) == "pdai.toml:8: unknown key 'license_expires'");
    CHECK(e.help() == "did you mean 'licence_expires'?");
    Error r = error_of(with("gpus", "gpu = 1"));
    CHECK(r.help() == "did you mean 'resources.gpus'?");
    Error far = error_of(with("name", "name = \"x\"\nhomepage = \"https://x\""));
    CHECK(far.help().find("pdai-bundle(5)") != std::string::npos);
}

TEST_CASE("manifest: TOML syntax errors give line and column", "[bundle][manifest]") {
    Error e = error_of(with("cpus", "cpus = = 8"));
    CHECK(std::string(e.what()).rfind("pdai.toml:13:", 0) == 0);
    Error dup = error_of("name = \"again\"\n" + text(kBase));
    CHECK(std::string(dup.what()).rfind("pdai.toml:2:", 0) == 0);
    // toml++ checks calendar dates itself, so an impossible one is a syntax error.
    CHECK(std::string(error_of(with("licence_expires", "licence_expires = 2027-02-30")).what())
              .rfind("pdai.toml:8:", 0) == 0);
    CHECK(error_of(std::string(kMaxManifestBytes + 1, '#')).code() == Errc::usage);
}

TEST_CASE("manifest: placeholders expand for one shard", "[bundle][manifest]") {
    ShardContext ctx{"/in/list.txt", "/out/3", 3, 8, "/store/ab/abc"};
    CHECK(expand_placeholders("--inputs={input_list}", ctx) == "--inputs=/in/list.txt");
    CHECK(expand_placeholders("{shard}/{shards} {output_dir} {bundle_dir}", ctx) == "3/8 /out/3 /store/ab/abc");
    CHECK(expand_placeholders("{{literal}} }}", ctx) == "{literal} }");
    CHECK_THROWS_AS(expand_placeholders("{nope}", ctx), Error);
    // One grammar for validation, expansion and the batch script: a lone brace is an error.
    CHECK_THROWS_AS(expand_placeholders("a}b", ctx), Error);
    CHECK_THROWS_AS(expand_placeholders("{input_list", ctx), Error);
    std::vector<TemplatePiece> pieces;
    CHECK(split_template("x={shard}}}", pieces).empty());
    REQUIRE(pieces.size() == 3);
    CHECK((!pieces[0].placeholder && pieces[0].text == "x="));
    CHECK((pieces[1].placeholder && pieces[1].text == "shard"));
    CHECK((!pieces[2].placeholder && pieces[2].text == "}"));
}

TEST_CASE("semver: parsing and precedence", "[bundle][semver]") {
    for (const char* good : {"0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7",
                             "1.0.0-x.7.z.92", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85"})
        CHECK(parse_semver(good));
    for (const char* bad : {"", "1", "1.2", "1.2.3.4", "v1.2.3", "01.2.3", "1.02.3", "1.2.3-", "1.2.3-01",
                            "1.2.3+", "1.2.3-a..b", "1.2.3-a_b", " 1.2.3", "1.2.-3", "99999999999999999999.0.0"})
        CHECK_FALSE(parse_semver(bad));
    // semver.org's own example order.
    std::vector<std::string> order = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                                      "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0",
                                      "2.0.0", "10.0.0"};
    for (std::size_t i = 0; i + 1 < order.size(); ++i) {
        INFO(order[i] << " < " << order[i + 1]);
        CHECK(version_less(order[i], order[i + 1]));
        CHECK_FALSE(version_less(order[i + 1], order[i]));
    }
    CHECK(compare_precedence(*parse_semver("1.0.0+a"), *parse_semver("1.0.0+b")) == 0);
}

TEST_CASE("byte sizes: config and manifest forms", "[bundle][size]") {
    CHECK(parse_byte_size("1024", 1) == 1024u);
    CHECK(parse_byte_size("32", 1 << 20) == 32u << 20);
    CHECK(parse_byte_size("64G", 1) == std::uint64_t{64} << 30);
    CHECK(parse_byte_size("512MiB", 1) == 512u << 20);
    CHECK(parse_byte_size("2tb", 1) == std::uint64_t{2} << 40);
    CHECK(parse_byte_size("7B", 1 << 20) == 7u);
    for (const char* bad : {"", "G", "-1", "1.5G", "12 G", "1X", "99999999999999999999", "16777216T"})
        CHECK_FALSE(parse_byte_size(bad, 1));
    CHECK(format_bytes(0) == "0 B");
    CHECK(format_bytes(1536) == "1.5 KiB");
    CHECK(format_bytes(std::uint64_t{64} << 30) == "64 GiB");
}
