// The CLI as a library: the command tree that main.cpp builds, parsing into the actions'
// requests, the values declared from their enums, and the printing of tables and CSV.
#include <catch2/catch.hpp>

#include <sstream>

#include "app/vocabulary.hpp"
#include "cli/command_tree.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "cli/parse_errors.hpp"

using namespace pdai;

namespace {

// A parse of ARGS against pdai's real tree; the chosen action, if any, is left unrun.
struct Parsed {
    cli::Context ctx;
    CLI::App app{cli::kDescription, "pdai"};
    Parsed() { cli::set_pdai_commands(app, ctx); }
    void parse(std::vector<std::string> args) {
        std::reverse(args.begin(), args.end());  // CLI11 takes them last first
        app.parse(args);
    }
};

const cli::CommandInfo* find(const cli::CommandInfo& c, const std::string& path) {
    if (c.path == path) return &c;
    for (const auto& s : c.subcommands)
        if (const auto* f = find(s, path)) return f;
    return nullptr;
}

const cli::OptionInfo* option(const cli::CommandInfo& c, const std::string& name) {
    for (const auto& o : c.options)
        for (const auto& n : o.names)
            if (n == name) return &o;
    return nullptr;
}

}  // namespace

TEST_CASE("cli: the tree has every group, and parsing picks one action", "[cli]") {
    Parsed p;
    const auto tree = cli::command_tree(p.app);
    for (const char* group : {"catalog", "vendor", "bureau", "quota", "gpu", "node", "audit", "bundle", "algo",
                              "sync", "usage", "run", "train", "infer", "jobs"})
        CHECK(find(tree, group));
    CHECK_FALSE(find(tree, "__supervise"));  // hidden
    p.parse({"--json", "quota", "check", "fin", "--gpus", "a100:2", "--time", "4h"});
    CHECK(p.ctx.opts.json);
    CHECK(p.ctx.action);  // the subcommand's callback chose it; main runs it after parsing
}

TEST_CASE("cli: global options may follow the command", "[cli]") {
    Parsed p;
    p.parse({"vendor", "list", "--csv", "--catalog", "/tmp/x.db"});
    CHECK(p.ctx.opts.csv);
    CHECK(p.ctx.opts.catalog == "/tmp/x.db");
}

TEST_CASE("cli: values declared from their enums are offered and validated", "[cli]") {
    Parsed p;
    const auto tree = cli::command_tree(p.app);
    const auto* state = option(*find(tree, "jobs list"), "--state");
    REQUIRE(state);
    CHECK(state->choices == app::job_state_names());
    const auto* by = option(*find(tree, "usage report"), "--by");
    REQUIRE(by);
    CHECK(by->choices == app::usage_dim_names());
    const auto* period = option(*find(tree, "quota set"), "--period-kind");
    REQUIRE(period);
    CHECK(period->choices == app::period_kind_names());
    CHECK(option(*find(tree, "audit list"), "--entity")->choices == app::audit_entity_names());

    CHECK_THROWS_AS(p.parse({"quota", "set", "fin", "--period-kind", "weekly"}), CLI::ValidationError);
    Parsed q;
    CHECK_NOTHROW(q.parse({"jobs", "list", "--state", "running,failed"}));
    Parsed r;  // an alias the dimension's parser takes is accepted, though not offered
    CHECK_NOTHROW(r.parse({"usage", "report", "--by", "algo"}));
    Parsed s;
    CHECK_THROWS_AS(s.parse({"jobs", "list", "--state", "running,finished"}), CLI::ValidationError);
}

TEST_CASE("cli: one_of says what it takes", "[cli]") {
    auto v = cli::one_of({"a", "b"});
    CHECK(v.get_description() == "{a,b}");
    std::string ok = "a", bad = "c";
    CHECK(v(ok).empty());
    CHECK(v(bad) == "'c' is not one of: a b");
}

TEST_CASE("cli: tables align wide characters, and CSV quotes what it must", "[cli]") {
    cli::Table t{{"CODE", "NAME"}, {{"fin", "财政局"}, {"police", "x"}}};
    std::ostringstream table, csv;
    cli::Output::print_table(table, t);
    CHECK(table.str() == "CODE    NAME\nfin     财政局\npolice  x\n");
    t.rows.push_back({"a,b", "say \"hi\""});
    cli::Output::print_csv(csv, t);
    CHECK(csv.str() == "CODE,NAME\r\nfin,财政局\r\npolice,x\r\n\"a,b\",\"say \"\"hi\"\"\"\r\n");
}

TEST_CASE("cli: a typo gets the nearest name, and a stranger word none", "[cli]") {
    const std::vector<std::string> groups{"algo", "audit", "bureau", "bundle", "node", "quota"};
    CHECK(cli::nearest("bureua", groups) == "bureau");  // a swap is one edit
    CHECK(cli::nearest("bundel", groups) == "bundle");
    CHECK(cli::nearest("nod", groups) == "node");
    CHECK(cli::nearest("qouta", groups) == "quota");
    CHECK_FALSE(cli::nearest("xyzzy", groups));
    CHECK_FALSE(cli::nearest("ab", groups));  // two edits are too many for a short word
    CHECK(cli::nearest("--jsn", {"--json", "--csv", "--catalog"}) == "--json");
    CHECK_FALSE(cli::nearest("anything", {}));
}

TEST_CASE("cli: parse errors name the command and say what the option takes", "[cli]") {
    auto problem = [](std::vector<std::string> args) {
        Parsed p;
        try {
            p.parse(std::move(args));
        } catch (const CLI::ParseError& e) {
            return cli::explain_parse_error(p.app, e);
        }
        FAIL("parsed");
        return cli::UsageProblem{};
    };
    auto p = problem({"jobs", "list", "--limit", "many"});
    CHECK(p.message == "--limit takes a number (N), not 'many'");
    CHECK(p.help == "see 'pdai jobs list --help'");
    p = problem({"vendor", "list", "--jsn"});
    CHECK(p.message == "unknown option '--jsn' for 'pdai vendor list'");
    CHECK(p.help == "did you mean '--json'? see 'pdai vendor list --help'");
    p = problem({"gpu", "type", "add", "a100", "--price", "1"});
    CHECK(p.message == "missing --weight, which 'pdai gpu type add' needs");
}

TEST_CASE("cli: --help shows no default for an option that must be given", "[cli]") {
    Parsed p;
    const std::string help = p.app.get_subcommand("gpu")->get_subcommand("type")->get_subcommand("add")->help();
    CHECK(help.find("--weight FLOAT REQUIRED") != std::string::npos);
    CHECK(help.find("=0 REQUIRED") == std::string::npos);
}
