// Parsers of the policy engine: time limits, GPU requests, job arrays, periods. Malformed
// input must come back as an error, never a crash or a silent zero.
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "policy/array_spec.hpp"
#include "policy/duration.hpp"
#include "policy/gpu_request.hpp"
#include "policy/period.hpp"

using namespace pdai::policy;

namespace {

std::optional<int> minutes(std::string_view text) {
    auto p = parse_time_limit(text);
    REQUIRE(p);
    return p->minutes;
}

GpuAsk ask(int n, std::optional<std::string> type = std::nullopt) {
    return GpuAsk{n, type};
}

}  // namespace

TEST_CASE("Slurm time limit forms", "[policy][duration]") {
    struct Row {
        const char* text;
        std::optional<int> minutes;
    };
    const std::vector<Row> rows = {
        {"30", 30},
        {"0", 0},
        {"90:00", 90},
        {"1:30", 2},
        {"0:01", 1},
        {"10:00", 10},
        {"01:00:00", 60},
        {"2:30:00", 150},
        {"0:00:30", 1},
        {"100:00:00", 6000},
        {"1-0", 1440},
        {"2-12", 3600},
        {"1-02:30", 1590},
        {"1-02:30:01", 1591},
        {"0-00:00:59", 1},
        {"UNLIMITED", std::nullopt},
        {"infinite", std::nullopt},
        {"-1", std::nullopt},
        {" 45 ", 45},
    };
    for (const auto& r : rows) {
        INFO("text: '" << r.text << "'");
        auto p = parse_slurm_time(r.text);
        REQUIRE(p);
        CHECK(p->minutes == r.minutes);
        CHECK(minutes(r.text) == r.minutes);  // the CLI takes every Slurm form too
    }
}

TEST_CASE("human time limit forms round seconds up", "[policy][duration]") {
    CHECK(minutes("90m") == 90);
    CHECK(minutes("2h") == 120);
    CHECK(minutes("1h30m") == 90);
    CHECK(minutes("1d") == 1440);
    CHECK(minutes("1d12h") == 2160);
    CHECK(minutes("45s") == 1);
    CHECK(minutes("61s") == 2);
    CHECK(minutes("1m1s") == 2);
    CHECK(minutes("2H") == 120);
    CHECK(minutes("0m") == 0);
    // Slurm does not take them.
    CHECK_FALSE(parse_slurm_time("2h"));
}

TEST_CASE("malformed time limits are errors", "[policy][duration]") {
    for (const char* bad : {"",
                            " ",
                            "abc",
                            "1:2:3:4",
                            "1-",
                            "-5",
                            "1-24",
                            "1-2:60",
                            "1:60",
                            "0:60:00",
                            "1-2-3",
                            "h",
                            "2x",
                            "30m1h",
                            "1h1h",
                            "1.5h",
                            "+5",
                            "5 m",
                            "1:",
                            ":30",
                            "99999999999999999999",
                            "1000000000",
                            "200000d",
                            "1-\n2",
                            "\xff\xfe",
                            "1-02:30:00:00",
                            "unlimitedx"}) {
        INFO("text: '" << bad << "'");
        auto p = parse_time_limit(bad);
        CHECK_FALSE(p);
        CHECK_FALSE(p.error().empty());
        CHECK(p.error().find('\n') == std::string::npos);
    }
}

TEST_CASE("time limits format back", "[policy][duration]") {
    CHECK(format_slurm_time(0) == "00:00:00");
    CHECK(format_slurm_time(90) == "01:30:00");
    CHECK(format_slurm_time(1440) == "1-00:00:00");
    CHECK(format_slurm_time(2 * 1440 + 3 * 60 + 4) == "2-03:04:00");
    CHECK(format_slurm_time(-5) == "00:00:00");
    CHECK(format_human(0) == "0m");
    CHECK(format_human(45) == "45m");
    CHECK(format_human(150) == "2h30m");
    CHECK(format_human(1440) == "1d");
    CHECK(format_human(1440 + 125) == "1d2h5m");
    for (int m : {1, 59, 60, 61, 1439, 1440, 1441, 10000, kMaxTimeMinutes}) {
        INFO(m);
        CHECK(minutes(format_slurm_time(m)) == m);
        CHECK(minutes(format_human(m)) == m);
    }
}

TEST_CASE("GPU TRES strings", "[policy][gpu]") {
    struct Row {
        const char* tres;
        GpuAsk want;
    };
    const std::vector<Row> rows = {
        {"", ask(0)},
        {"gres:gpu", ask(1)},
        {"gres:gpu:2", ask(2)},
        {"gres:gpu:a100:2", ask(2, "a100")},
        {"gres:gpu:a100", ask(1, "a100")},
        {"gres:gpu:0", ask(0)},
        {"gres:gpu:t4:1,gres:nic:1", ask(1, "t4")},
        {"gres:nic:1,gres:gpu:t4:3", ask(3, "t4")},
        {"gres:nic:1", ask(0)},
        {"gres:mps:100", ask(0)},
        {"gres/gpu=2", ask(2)},
        {"gres/gpu:a100=2", ask(2, "a100")},
        {"gres/gpu:a100:2", ask(2, "a100")},
        {"gpu:4", ask(4)},
        {"gres:gpu:a100:1,gres:gpu:a100:2", ask(3, "a100")},
        {"gres:gpu:a100:1,gres:gpu:2", ask(3)},  // untyped part may land anywhere
        {"gres:gpu:1k", ask(1024)},
        {"gres:gpu:rtx_3090:1", ask(1, "rtx_3090")},
        {" gres:gpu:2 ", ask(2)},
    };
    for (const auto& r : rows) {
        INFO("tres: '" << r.tres << "'");
        auto p = parse_gpu_tres(r.tres);
        REQUIRE(p);
        CHECK(*p == r.want);
    }
}

TEST_CASE("malformed GPU TRES strings are errors", "[policy][gpu]") {
    for (const char* bad :
         {"gres:gpu:", "gres:gpu::2", "gres:gpu:a100:", "gres:gpu:a100:x", "gres:gpu:-1",
          "gres:gpu:2x", "gres:gpu:a100:2:3", "gres:gpu=", "gres:gpu:a100=", "gres:", ",",
          "gres:gpu:2,", "gres:gpu:99999999999", "gres:gpu:1g",
          "gres:gpu:a\xff:1", "gres:gpu:a b:1", "gres:gpu:-x:1"}) {
        INFO("tres: '" << bad << "'");
        auto p = parse_gpu_tres(bad);
        CHECK_FALSE(p);
        CHECK_FALSE(p.error().empty());
        CHECK(p.error().find('\xff') == std::string::npos);  // messages stay ASCII
    }
}

TEST_CASE("GPU totals from TRES fields and the job's shape", "[policy][gpu]") {
    struct Row {
        const char* name;
        TresFields tres;
        JobShape shape;
        GpuAsk want;
    };
    const std::vector<Row> rows = {
        {"--gres=gpu:2", {.per_node = "gres:gpu:2"}, {}, ask(2)},
        {"--gres=gpu:a100:2 -N 3",
         {.per_node = "gres:gpu:a100:2"},
         {.min_nodes = 3},
         ask(6, "a100")},
        {"--gpus-per-node=2 -N 2-4 charges 4 nodes",
         {.per_node = "gres:gpu:2"},
         {.min_nodes = 2, .max_nodes = 4},
         ask(8)},
        {"--gpus-per-node=1 -n 8 --ntasks-per-node=2 implies 4 nodes",
         {.per_node = "gres:gpu:1"},
         {.num_tasks = 8, .ntasks_per_node = 2},
         ask(4)},
        {"--gpus=4", {.per_job = "gres:gpu:4"}, {.min_nodes = 2}, ask(4)},
        {"--gpus=a100:4", {.per_job = "gres:gpu:a100:4"}, {}, ask(4, "a100")},
        {"--gpus-per-task=1 -n 6", {.per_task = "gres:gpu:1"}, {.num_tasks = 6}, ask(6)},
        {"--gpus-per-task=2 without -n counts one task", {.per_task = "gres:gpu:2"}, {}, ask(2)},
        {"--gpus-per-task=1 -N 3 without -n counts one task per node",
         {.per_task = "gres:gpu:1"},
         {.min_nodes = 3},
         ask(3)},
        {"--gpus-per-task=1 --ntasks-per-node=4 -N 2",
         {.per_task = "gres:gpu:1"},
         {.min_nodes = 2, .ntasks_per_node = 4},
         ask(8)},
        {"--gpus-per-socket=1 --sockets-per-node=2 -N 2",
         {.per_socket = "gres:gpu:1"},
         {.min_nodes = 2, .sockets_per_node = 2},
         ask(4)},
        {"--gpus-per-socket=2 with unknown sockets counts one socket",
         {.per_socket = "gres:gpu:2"},
         {},
         ask(2)},
        {"--gpus=2 with --gpus-per-node=4: the larger",
         {.per_job = "gres:gpu:2", .per_node = "gres:gpu:4"},
         {},
         ask(4)},
        {"typed --gpus with untyped --gres is untyped",
         {.per_job = "gres:gpu:a100:2", .per_node = "gres:gpu:1"},
         {},
         ask(2)},
        {"no GPU anywhere", {.per_node = "gres:nic:1"}, {.min_nodes = 2}, ask(0)},
        {"unset shape values (0) count as 1",
         {.per_node = "gres:gpu:2"},
         {.min_nodes = 0, .num_tasks = 0},
         ask(2)},
    };
    for (const auto& r : rows) {
        DYNAMIC_SECTION(r.name) {
            auto p = gpu_ask_from_tres(r.tres, r.shape);
            REQUIRE(p);
            CHECK(*p == r.want);
        }
    }
}

GpuAsk mix(std::map<std::string, int, std::less<>> counts) {
    return gpu_ask_of_types(counts);
}

TEST_CASE("several GPU types in one job: each type counted", "[policy][gpu]") {
    // --gres=gpu:a100:1,gpu:t4:4, as 22.05 and 26.05 spell it
    CHECK(*parse_gpu_tres("gres:gpu:a100:1,gres:gpu:t4:4") == mix({{"a100", 1}, {"t4", 4}}));
    CHECK(*parse_gpu_tres("gres/gpu:a100=1,gres/gpu:t4=4") == mix({{"a100", 1}, {"t4", 4}}));
    CHECK(parse_gpu_tres("gres:gpu:a100:1,gres:gpu:t4:4")->count == 5);
    CHECK_FALSE(parse_gpu_tres("gres:gpu:a100:1,gres:gpu:t4:4")->type);
    // an untyped part may land anywhere: the whole ask is untyped
    CHECK(*parse_gpu_tres("gres:gpu:a100:1,gres:gpu:t4:1,gres:gpu:2") == ask(4));
    // per node, times the nodes, per type
    CHECK(*gpu_ask_from_tres({.per_node = "gres:gpu:a100:1,gres:gpu:t4:2"}, {.min_nodes = 3}) ==
          mix({{"a100", 3}, {"t4", 6}}));
    // fields Slurm must satisfy together: each type at its largest
    CHECK(*gpu_ask_from_tres({.per_job = "gres:gpu:a100:1", .per_node = "gres:gpu:t4:1"}, {}) ==
          mix({{"a100", 1}, {"t4", 1}}));
    CHECK(*gpu_ask_from_tres({.per_job = "gres:gpu:a100:4", .per_node = "gres:gpu:a100:1,gres:gpu:t4:1"},
                             {.min_nodes = 2}) == mix({{"a100", 4}, {"t4", 2}}));
    CHECK(mix({{"a100", 2}}) == ask(2, "a100"));
    CHECK(mix({{"a100", 0}, {"t4", 3}}) == ask(3, "t4"));
    CHECK(describe(mix({{"a100", 1}, {"t4", 4}})) == "1 x a100 + 4 x t4 GPUs");
    CHECK(mix({{"a100", 1}, {"t4", 4}}).by_type().size() == 2);
    CHECK(ask(2, "a100").by_type() == std::map<std::string, int, std::less<>>{{"a100", 2}});
    CHECK(ask(2).by_type().empty());
}

TEST_CASE("GPU totals reject absurd sizes", "[policy][gpu]") {
    CHECK_FALSE(gpu_ask_from_tres({.per_node = "gres:gpu:a100:600000,gres:gpu:t4:600000"}, {}));
    CHECK_FALSE(gpu_ask_from_tres({.per_node = "gres:gpu:1000"}, {.min_nodes = 100000}));
    CHECK_FALSE(gpu_ask_from_tres({.per_task = "gres:gpu:1000000"},
                                  {.min_nodes = 2147483647, .ntasks_per_node = 2147483647}));
    CHECK_FALSE(gpu_ask_from_tres({.per_socket = "gres:gpu:garbage:"}, {}));
}

TEST_CASE("pdai CLI GPU form", "[policy][gpu]") {
    CHECK(*parse_cli_gpus("2") == ask(2));
    CHECK(*parse_cli_gpus("a100:2") == ask(2, "a100"));
    CHECK(*parse_cli_gpus("a100") == ask(1, "a100"));
    CHECK(*parse_cli_gpus("0") == ask(0));
    CHECK(*parse_cli_gpus("3090:1") == ask(1, "3090"));
    for (const char* bad : {"", "-1", ":2", "a100:", "a100:x", "a100:2:3", "2a", "a b", "1.5"}) {
        INFO("text: '" << bad << "'");
        CHECK_FALSE(parse_cli_gpus(bad));
    }
    CHECK(describe(ask(2, "a100")) == "2 x a100 GPUs");
    CHECK(describe(ask(1)) == "1 GPU (any type)");
    CHECK(describe(ask(0)) == "no GPUs");
}

TEST_CASE("job array specs", "[policy][array]") {
    struct Row {
        const char* text;
        int tasks;
        std::optional<int> throttle;
        int max_index;
    };
    const std::vector<Row> rows = {
        {"0-15", 16, std::nullopt, 15},
        {"0-15:4", 4, std::nullopt, 12},
        {"1,3,5-7", 5, std::nullopt, 7},
        {"0-99%5", 100, 5, 99},
        {"0-15:4%2", 4, 2, 12},
        {"7", 1, std::nullopt, 7},
        {"1,1,1", 1, std::nullopt, 1},
        {"0-9,5-14", 15, std::nullopt, 14},
        {"0-10:5", 3, std::nullopt, 10},
        {"0-3%0", 4, std::nullopt, 3},
        {"0-4000000", 4000001, std::nullopt, 4000000},
    };
    for (const auto& r : rows) {
        INFO("array: '" << r.text << "'");
        auto p = parse_array_spec(r.text);
        REQUIRE(p);
        CHECK(p->tasks == r.tasks);
        CHECK(p->throttle == r.throttle);
        CHECK(p->max_index == r.max_index);
    }
}

TEST_CASE("malformed job arrays are errors", "[policy][array]") {
    for (const char* bad : {"", "%5", "5-", "-5", "5-1", "1,,2", "1,", "0-10:0", "0-10:", "0-10%",
                            "0-10%x", "0-10%-1", "a-b", "1:2", "0-4000001", "0-99999999999",
                            "1-2-3", "0-4000000,0-4000000", "0 - 5"}) {
        INFO("array: '" << bad << "'");
        auto p = parse_array_spec(bad);
        CHECK_FALSE(p);
        CHECK_FALSE(p.error().empty());
    }
}

TEST_CASE("periods in UTC", "[policy][period]") {
    constexpr std::int64_t nov1 = 1793491200;   // 2026-11-01T00:00:00Z
    constexpr std::int64_t dec1 = 1796083200;   // 2026-12-01T00:00:00Z
    constexpr std::int64_t oct1 = 1790812800;   // 2026-10-01T00:00:00Z
    constexpr std::int64_t y2026 = 1767225600;  // 2026-01-01T00:00:00Z
    constexpr std::int64_t y2027 = 1798761600;  // 2027-01-01T00:00:00Z

    const auto m = period_of(PeriodKind::month, nov1 + 86400 * 14);
    CHECK(m.label == "2026-11");
    CHECK(m.start == nov1);
    CHECK(m.end == dec1);
    CHECK(period_of(PeriodKind::month, nov1).label == "2026-11");      // start is inside
    CHECK(period_of(PeriodKind::month, nov1 - 1).label == "2026-10");  // a second before
    CHECK(period_of(PeriodKind::month, dec1 - 1).label == "2026-11");
    CHECK(period_of(PeriodKind::month, dec1).label == "2026-12");

    const auto q = period_of(PeriodKind::quarter, nov1);
    CHECK(q.label == "2026-Q4");
    CHECK(q.start == oct1);
    CHECK(q.end == y2027);
    CHECK(period_of(PeriodKind::quarter, oct1 - 1).label == "2026-Q3");
    CHECK(period_of(PeriodKind::quarter, y2026).label == "2026-Q1");

    const auto y = period_of(PeriodKind::year, dec1);
    CHECK(y.label == "2026");
    CHECK(y.start == y2026);
    CHECK(y.end == y2027);
    CHECK(period_of(PeriodKind::year, y2027 - 1).label == "2026");
    CHECK(period_of(PeriodKind::year, y2027).label == "2027");

    CHECK(period_of(PeriodKind::month, 0).label == "1970-01");
    CHECK(period_of(PeriodKind::month, -1).label == "1969-12");
    // Leap February.
    const auto feb = period_of(PeriodKind::month, 1709251200 - 1);  // 2024-02-29T23:59:59Z
    CHECK(feb.label == "2024-02");
    CHECK(feb.end - feb.start == 29 * 86400);
    // Extreme inputs clamp instead of overflowing.
    CHECK(period_of(PeriodKind::year, INT64_MAX).label == "9999");
    CHECK(period_of(PeriodKind::year, INT64_MIN).label == "0001");

    CHECK(next_period(m).label == "2026-12");
    CHECK(next_period(q).label == "2027-Q1");
    CHECK(previous_period(period_of(PeriodKind::month, y2026)).label == "2025-12");
    CHECK(m.contains(nov1));
    CHECK_FALSE(m.contains(dec1));
    CHECK(utc_date(dec1) == "2026-12-01");
}

TEST_CASE("period kinds and labels parse", "[policy][period]") {
    CHECK(parse_period_kind("month") == PeriodKind::month);
    CHECK(parse_period_kind("Quarter") == PeriodKind::quarter);
    CHECK(parse_period_kind("YEAR") == PeriodKind::year);
    CHECK_FALSE(parse_period_kind("week"));
    CHECK(to_string(PeriodKind::quarter) == "quarter");

    CHECK(parse_period_label("2026-11")->start == 1793491200);
    CHECK(parse_period_label("2026-11")->kind == PeriodKind::month);
    CHECK(parse_period_label("2026-q4")->label == "2026-Q4");
    CHECK(parse_period_label("2026")->kind == PeriodKind::year);
    for (std::int64_t t : {std::int64_t{0}, std::int64_t{1793491200}, std::int64_t{1709251199}}) {
        for (auto k : {PeriodKind::month, PeriodKind::quarter, PeriodKind::year}) {
            const auto p = period_of(k, t);
            CHECK(*parse_period_label(p.label) == p);
        }
    }
    for (const char* bad : {"", "26-11", "2026-13", "2026-00", "2026-1", "2026-Q5", "2026-Q0",
                            "2026/11", "0000", "abcd", "2026-11-01", "2026-Q", "-2026"}) {
        INFO("label: '" << bad << "'");
        CHECK_FALSE(parse_period_label(bad));
    }
}

TEST_CASE("random input never crashes a parser", "[policy][fuzz]") {
    // Deterministic: bytes biased towards the characters the grammars use.
    std::mt19937 rng(20261115);
    const std::string alphabet = "0123456789:-,%=/gresgpua100t4dhmsUNLIMITEDQ \t\n\xff";
    std::uniform_int_distribution<std::size_t> len(0, 24);
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    for (int i = 0; i < 20000; ++i) {
        std::string s(len(rng), ' ');
        for (auto& c : s) c = alphabet[pick(rng)];
        for (const auto& p : {parse_time_limit(s), parse_slurm_time(s)}) {
            if (p) CHECK((p->unlimited() || (*p->minutes >= 0 && *p->minutes <= kMaxTimeMinutes)));
        }
        for (const auto& p : {parse_gpu_tres(s), parse_cli_gpus(s),
                              gpu_ask_from_tres({.per_job = s, .per_node = s}, {.min_nodes = 3})}) {
            if (p) CHECK((p->count >= 0 && p->count <= kMaxGpusPerJob));
            if (!p) CHECK(p.error().find('\n') == std::string::npos);
        }
        if (auto a = parse_array_spec(s)) CHECK((a->tasks >= 1 && a->tasks <= kMaxArrayIndex + 1));
        if (auto l = parse_period_label(s)) CHECK(l->start < l->end);
    }
}

TEST_CASE("one TRES field reads as parse_gpu_tres reads it, times its multiplier", "[policy][gpu]") {
    // gpu_ask_from_tres() reads the usual one-entry field on a short path of its own; the
    // general parser must agree on every string, plain or not.
    auto same = [](const std::string& s) {
        INFO("TRES '" << s << "'");
        const auto general = parse_gpu_tres(s);
        const auto per_job = gpu_ask_from_tres({.per_job = s}, {});
        REQUIRE(bool(per_job) == bool(general));
        if (!general) return;
        CHECK(*per_job == *general);
        const auto per_node = gpu_ask_from_tres({.per_node = s}, {.min_nodes = 3});
        REQUIRE(bool(per_node) == (3 * general->count <= kMaxGpusPerJob));
        if (!per_node) return;
        CHECK(per_node->count == 3 * general->count);
        CHECK(per_node->type == general->type);
    };
    for (const char* s : {"gres:gpu:1", "gres:gpu:a100:2", "gres/gpu=4", "gres/gpu:t4=3",
                          "gres:gpu:a100=2", "gres:gpu:0", "gres:gpu:a100:0", "gres:gpu:1000000",
                          "gres:gpu:1000001", "gres:gpu:01", "gres:gpu:a100", "gres:gpu",
                          "gres:gpu:2k", "gres:gpu:-1", "gres:gpu:_x:1", "gres:gpu::1",
                          "gres:gpu:a100:1:2", "gres/gpu=a100", "gres:gpux:1", "gres:gpus:1",
                          " gres:gpu:1", "gres:gpu:1 ", "gres:gpu:a100:1,gres:gpu:t4:1",
                          "gres:nic:1", "gres:gpu:9999999", "gres:gpu:1.5"})
        same(s);
    std::mt19937 rng(20261208);
    const std::string tails[] = {"1", "2", "10", "0", "a100:", "t4=", "=", ":", "k", "x", "-", " ", "007"};
    std::uniform_int_distribution<std::size_t> pick(0, std::size(tails) - 1), parts(1, 3);
    for (int i = 0; i < 5000; ++i) {
        std::string s = i % 2 ? "gres:gpu" : "gres/gpu";
        s += i % 3 ? ':' : '=';
        for (std::size_t k = parts(rng); k > 0; --k) s += tails[pick(rng)];
        same(s);
    }
}
