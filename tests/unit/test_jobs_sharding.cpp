// Inputs (DIR, GLOB, @LISTFILE) and shards: what a batch's inputs resolve to, how they are
// cut into shards and written, index ranges, and that 100,000 inputs take well under a second.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "jobs/inputs.hpp"
#include "jobs/shards.hpp"
#include "temp_catalog.hpp"
#include "test_helpers.hpp"

using namespace pdai;
using namespace pdai::test;
using namespace pdai::jobs;
namespace fs = std::filesystem;

namespace {

void touch(const fs::path& p) { std::ofstream(p) << "x\n"; }


}  // namespace

TEST_CASE("shard plans", "[jobs][shards]") {
    auto p = plan_shards(1000, 50);
    CHECK(p.count == 20);
    CHECK(p.begin(19) == 950);
    CHECK(p.end(19) == 1000);
    CHECK(p.file_stem(7) == "00007");
    auto q = plan_shards(1001, 50);
    CHECK(q.count == 21);
    CHECK(q.end(20) - q.begin(20) == 1);
    CHECK(plan_shards(5, 100).count == 1);
    CHECK(plan_shards(200000, 1).width == 6);
    CHECK(plan_shards(200000, 1).file_stem(42) == "000042");
    CHECK(error_code_of([] { plan_shards(10, 0); }) == Errc::usage);
    CHECK(error_code_of([] { plan_shards(10'000'000, 1); }) == Errc::usage);
}

TEST_CASE("index ranges, both ways", "[jobs][shards]") {
    CHECK(format_index_ranges({0, 1, 2, 3}) == "0-3");
    CHECK(format_index_ranges({7, 1, 2, 5, 2}, 4) == "1-2,5,7%4");
    CHECK(format_index_ranges({4}, 0) == "4");
    CHECK(parse_index_ranges("0-3,7,9-13:2%4") == std::vector<int>{0, 1, 2, 3, 7, 9, 11, 13});
    CHECK(parse_index_ranges("5") == std::vector<int>{5});
    CHECK_FALSE(parse_index_ranges("3-1"));
    CHECK_FALSE(parse_index_ranges("a"));
    CHECK_FALSE(parse_index_ranges("1,,2"));
    std::vector<int> many;
    for (int i = 0; i < 5000; i += 3) many.push_back(i);
    CHECK(parse_index_ranges(format_index_ranges(many)) == many);
}

TEST_CASE("inputs from a directory, a glob and a list file", "[jobs][inputs]") {
    test::TempDir t;
    auto d = t.path / "in";
    fs::create_directories(d / "sub");
    for (const char* n : {"b.txt", "a.txt", "c.png", ".hidden.txt"}) touch(d / n);
    touch(d / "sub" / "deep.txt");
    fs::create_symlink(d / "a.txt", d / "link.txt");
    InputQuery q;
    q.cwd = t.path.string();

    SECTION("a directory: regular files, sorted, not recursive, hidden skipped") {
        q.specs = {"in"};
        auto in = resolve_inputs(q);
        std::vector<std::string> expected = {(d / "a.txt").string(), (d / "b.txt").string(), (d / "c.png").string(),
                                             (d / "link.txt").string()};
        CHECK(in == expected);
        q.patterns = {"*.txt"};
        CHECK(resolve_inputs(q).size() == 3);
        q.patterns = {"*.pdf"};
        std::string msg;
        CHECK(error_code_of([&] { resolve_inputs(q); }, &msg) == Errc::usage);
        CHECK(msg.find("matching *.pdf") != std::string::npos);
    }
    SECTION("a glob, and duplicates across specs counted once") {
        q.specs = {"in/*.txt", (d / "a.txt").string(), "./in/../in/b.txt"};
        auto in = resolve_inputs(q);
        REQUIRE(in.size() == 3);
        CHECK(in[0] == (d / "a.txt").string());
        q.specs = {"in/*.pdf"};
        CHECK(error_code_of([&] { resolve_inputs(q); }) == Errc::usage);
    }
    SECTION("a list file: relative lines from its own directory, blank lines skipped") {
        std::ofstream(d / "list") << "a.txt\n\n" << (d / "c.png").string() << "\nsub/deep.txt\r\n";
        q.specs = {"@in/list"};
        auto in = resolve_inputs(q);
        std::vector<std::string> expected = {(d / "a.txt").string(), (d / "c.png").string(),
                                             (d / "sub" / "deep.txt").string()};
        CHECK(in == expected);
    }
    SECTION("missing inputs and empty sets are refused with their names") {
        std::ofstream(d / "bad") << "a.txt\nnope-1.txt\nsub\nnope-2.txt\n";
        q.specs = {"@in/bad"};
        std::string msg;
        CHECK(error_code_of([&] { resolve_inputs(q); }, &msg) == Errc::not_found);
        CHECK(msg.find("3 input(s)") != std::string::npos);
        CHECK(msg.find("nope-1.txt, sub, nope-2.txt") != std::string::npos);
        q.specs = {"no-such-dir"};
        CHECK(error_code_of([&] { resolve_inputs(q); }) == Errc::not_found);
        q.specs = {"@no-such-list"};
        CHECK(error_code_of([&] { resolve_inputs(q); }) == Errc::not_found);
        std::ofstream(d / "empty");
        q.specs = {"@in/empty"};
        CHECK(error_code_of([&] { resolve_inputs(q); }) == Errc::usage);
        fs::create_directories(t.path / "void");
        q.specs = {"void"};
        CHECK(error_code_of([&] { resolve_inputs(q); }) == Errc::usage);
    }
}

TEST_CASE("inputs digest follows content and order", "[jobs][inputs]") {
    auto a = inputs_digest({"/a", "/b"});
    CHECK(a.size() == 64);
    CHECK(a == inputs_digest({"/a", "/b"}));
    CHECK(a != inputs_digest({"/b", "/a"}));
    CHECK(a != inputs_digest({"/a", "/b", "/c"}));
}

TEST_CASE("shard lists: every input exactly once, in order", "[jobs][shards]") {
    test::TempDir t;
    std::vector<std::string> inputs;
    for (int i = 0; i < 1000; ++i) inputs.push_back("/data/in-" + std::to_string(i) + ".png");
    auto plan = plan_shards(1000, 50);
    write_shard_lists(plan, inputs, t.path.string());
    std::string all;
    for (int s = 0; s < plan.count; ++s) all += read_text(t.path / (plan.file_stem(s) + ".list"));
    std::string expected;
    for (const auto& i : inputs) expected += i + "\n";
    CHECK(all == expected);
    CHECK(read_text(t.path / "00019.list").starts_with("/data/in-950.png\n"));
}

TEST_CASE("100,000 inputs resolve and shard fast", "[jobs][shards][perf]") {
    test::TempDir t;
    auto d = t.path / "many";
    fs::create_directories(d);
    // A list file of 100,000 existing paths: the files are few hard links, not 100,000 inodes.
    touch(d / "one.png");
    std::string list;
    for (int i = 0; i < 100000; ++i) {
        std::string name = "f-" + std::to_string(i) + ".png";
        if (i < 2000) fs::create_hard_link(d / "one.png", d / name);
        list += (d / (i < 2000 ? name : "one.png")).string() + "\n";
    }
    std::ofstream(t.path / "list") << list;

    auto t0 = std::chrono::steady_clock::now();
    InputQuery q;
    q.cwd = t.path.string();
    q.specs = {"@list", "many"};
    auto in = resolve_inputs(q);
    CHECK(in.size() == 2001);  // duplicates collapse
    std::vector<std::string> synthetic;
    for (int i = 0; i < 100000; ++i) synthetic.push_back("/data/batch/input-" + std::to_string(i) + ".png");
    auto plan = plan_shards(100000, 100);
    fs::create_directories(t.path / "shards");
    write_shard_lists(plan, synthetic, (t.path / "shards").string());
    auto digest = inputs_digest(synthetic);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(plan.count == 1000);
    CHECK(digest.size() == 64);
    CHECK(secs < 2.0);
}
