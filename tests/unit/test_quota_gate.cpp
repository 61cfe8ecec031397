// The job_submit plugin's logic without Slurm: pdai_plugin.conf, the QuotaGate (bookings
// since the liens snapshot, fail modes, job_modify deltas), the CatalogWatcher's reloads,
// and the latency histogram.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "catalog/bureaus.hpp"
#include "catalog/gpu_types.hpp"
#include "catalog/quotas.hpp"
#include "common/log.hpp"
#include "gate/catalog_watcher.hpp"
#include "gate/latency.hpp"
#include "gate/plugin_config.hpp"
#include "gate/quota_gate.hpp"
#include "temp_catalog.hpp"

using namespace pdai;
using namespace pdai::gate;
using Verdict = policy::Decision::Verdict;
using Reason = policy::Decision::Reason;

namespace {

constexpr std::int64_t kNow = 1'795'000'000;  // 2026-11-17

PluginConfig config(FailMode mode = FailMode::closed) {
    PluginConfig c;
    c.catalog = "/nonexistent/catalog.db";
    c.fail_mode = mode;
    return c;
}

// PSB: 100 CUH a month, alice and carol; FIN: 100 CUH, bob. a100 weighs 1 CUH/GPU-h.
catalog::PolicySnapshot snapshot(std::optional<std::int64_t> liens_at = std::nullopt) {
    catalog::PolicySnapshot out;
    auto& s = out.snapshot;
    s.taken_at = kNow;
    s.gpu_types["a100"] = {"a100", 1.0, 10.0};
    s.gpu_types["t4"] = {"t4", 0.25, 2.0};
    policy::Bureau psb;
    psb.code = "PSB";
    psb.account = "psb";
    psb.budget_cuh = 100;
    psb.members = {"alice", "carol"};
    policy::Bureau fin = psb;
    fin.code = "FIN";
    fin.account = "fin";
    fin.members = {"bob"};
    s.by_account.emplace("psb", psb);
    s.by_account.emplace("fin", fin);
    policy::index_members(s);
    out.liens_at = liens_at;
    return out;
}

policy::JobRequest job(const char* user, std::optional<std::string> account, int gpus, int minutes,
                       std::int64_t at = kNow) {
    policy::JobRequest j;
    j.user = user;
    j.account = std::move(account);
    j.gpus = {gpus, "a100"};
    j.time_limit_minutes = minutes;
    j.submit_time = at;
    return j;
}

// A pending job already in the liens table: 2 x a100 x 10h = 20 CUH.
catalog::PolicySnapshot with_lien(std::int64_t id, const char* account = "psb") {
    auto s = snapshot(kNow - 60);
    catalog::Lien l;
    l.account = account;
    l.gpu_type = "a100";
    l.gpus = 2;
    l.time_limit_minutes = 600;
    l.concurrent_gpus = 2;
    l.bound_cuh = 20;
    l.state = "pending";
    s.snapshot.by_account.at(account).liens_cuh += 20;
    s.snapshot.by_account.at(account).active_gpus += 2;
    s.liens.emplace(id, l);
    return s;
}

ModifyRequest change(std::uint32_t id, const char* user) {
    ModifyRequest m;
    m.job_id = id;
    m.user = user;
    m.now = kNow;
    return m;
}

ModifyRequest time_change(std::uint32_t id, const char* user, int minutes) {
    auto m = change(id, user);
    m.time_given = true;
    m.time_limit_minutes = minutes;
    return m;
}

// What is left in a bureau, read from a probe job too large to be admitted (books nothing).
double remaining(QuotaGate& g, const char* user, const char* account) {
    const auto o = g.submit(job(user, account, 1, 60 * 100'000));
    REQUIRE_FALSE(o.allow);
    return o.decision.remaining_cuh;
}

}  // namespace

TEST_CASE("pdai_plugin.conf: keys, lists, comments, defaults and errors", "[gate][config]") {
    const auto c = parse_plugin_config(R"(
# pdai plugin settings
catalog = "/var/lib/pdai/catalog.db"   # where pdai keeps it
fail_mode = open
default_account_from_bureau = no
default_time = 4:00:00
exempt_accounts = ["Ops", "admin"]
exempt_users = root, slurm
reload_interval_ms = 250
cluster = 'main'
)");
    REQUIRE(c);
    CHECK(c->catalog == "/var/lib/pdai/catalog.db");
    CHECK(c->fail_mode == FailMode::open);
    CHECK_FALSE(c->settings.default_account_from_bureau);
    CHECK(c->settings.default_time_minutes == 240);
    CHECK(c->settings.exempt_accounts == std::set<std::string, std::less<>>{"ops", "admin"});
    CHECK(c->settings.exempt_users == std::set<std::string, std::less<>>{"root", "slurm"});
    CHECK(c->reload_interval_ms == 250);
    CHECK(c->cluster == "main");

    const auto d = parse_plugin_config("catalog=/x.db\n");
    REQUIRE(d);
    CHECK(d->fail_mode == FailMode::closed);
    CHECK(d->settings.default_account_from_bureau);
    CHECK_FALSE(d->settings.default_time_minutes);
    CHECK(d->settings.exempt_users == std::set<std::string, std::less<>>{"root"});
    CHECK(d->reload_interval_ms == 1000);
    CHECK(parse_plugin_config("catalog=/x.db\nexempt_users =\n")->settings.exempt_users.empty());

    CHECK(parse_plugin_config("fail_mode = closed\n").error().find("catalog") != std::string::npos);
    CHECK(parse_plugin_config("catalog=/x\nfail_mode = maybe\n").error() ==
          "line 2: fail_mode must be open or closed");
    CHECK(parse_plugin_config("catalog=/x\ncolour = red\n").error() == "line 2: unknown key 'colour'");
    CHECK(parse_plugin_config("catalog=/x\njust words\n").error() == "line 2: expected key = value");
    CHECK_FALSE(parse_plugin_config("catalog=/x\nreload_interval_ms = 5\n"));
    CHECK_FALSE(parse_plugin_config("catalog=/x\nreload_interval_ms = 1s\n"));
    CHECK_FALSE(parse_plugin_config("catalog=/x\ndefault_time = UNLIMITED\n"));
    CHECK_FALSE(parse_plugin_config("catalog=/x\ndefault_account_from_bureau = perhaps\n"));
}

TEST_CASE("pdai_plugin.conf: found next to slurm.conf", "[gate][config]") {
    unsetenv("PDAI_PLUGIN_CONF");
    setenv("SLURM_CONF", "/opt/site/etc/slurm.conf", 1);
    CHECK(plugin_config_path() == "/opt/site/etc/pdai_plugin.conf");
    setenv("PDAI_PLUGIN_CONF", "/tmp/mine.conf", 1);
    CHECK(plugin_config_path() == "/tmp/mine.conf");
    unsetenv("PDAI_PLUGIN_CONF");
    unsetenv("SLURM_CONF");
    CHECK(plugin_config_path() == "/etc/slurm/pdai_plugin.conf");
    CHECK(load_plugin_config("/nonexistent/pdai_plugin.conf").error() ==
          "cannot read /nonexistent/pdai_plugin.conf");
}

TEST_CASE("pdai_plugin.conf: one reading for the plugin and every preview", "[gate][config]") {
    const auto dir = std::filesystem::temp_directory_path() / ("pdai-plugin-conf-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    setenv("PDAI_PLUGIN_CONF", (dir / "absent.conf").c_str(), 1);
    // No file where the plugin looks: the defaults, root exempt, and the caller is told.
    auto none = read_plugin_config(std::nullopt);
    REQUIRE(none);
    CHECK_FALSE(none->from_file);
    CHECK(none->config.settings.exempt_users.contains("root"));
    // Named explicitly, it must exist.
    CHECK_FALSE(read_plugin_config((dir / "absent.conf").string()));
    // A file that does not parse is an error for everyone, a missing catalog line included.
    std::ofstream(dir / "bad.conf") << "exempt_users = ops\n";
    setenv("PDAI_PLUGIN_CONF", (dir / "bad.conf").c_str(), 1);
    CHECK(read_plugin_config(std::nullopt).error().find("catalog") != std::string::npos);
    std::ofstream(dir / "good.conf") << "catalog = /x.db\nexempt_users = ops\n";
    auto good = read_plugin_config((dir / "good.conf").string());
    REQUIRE(good);
    CHECK(good->from_file);
    CHECK(good->config.settings.exempt_users == std::set<std::string, std::less<>>{"ops"});
    unsetenv("PDAI_PLUGIN_CONF");
    std::filesystem::remove_all(dir);
}

TEST_CASE("gate: without a snapshot the fail mode decides; exemptions still hold", "[gate]") {
    QuotaGate closed(config(FailMode::closed));
    CHECK_FALSE(closed.available());
    auto o = closed.submit(job("alice", "psb", 1, 60));
    CHECK_FALSE(o.allow);
    CHECK(o.by_fail_mode);
    CHECK(o.decision.message.rfind("pdai: the quota catalog cannot be read", 0) == 0);
    auto r = closed.submit(job("root", "psb", 8, 60));
    CHECK(r.allow);
    CHECK(r.decision.verdict == Verdict::exempt);

    QuotaGate open(config(FailMode::open));
    auto a = open.submit(job("alice", "psb", 1, 60));
    CHECK(a.allow);
    CHECK(a.by_fail_mode);
    CHECK(open.counters().fail_open == 1);

    // Back to normal once a snapshot is installed, and to the fail mode when it is lost.
    closed.install(snapshot(), {});
    CHECK(closed.submit(job("alice", "psb", 1, 60)).allow);
    closed.set_unavailable();
    CHECK_FALSE(closed.submit(job("alice", "psb", 1, 60)).allow);
    CHECK(closed.counters().fail_closed == 2);
}

TEST_CASE("gate: each admission is booked at once; bureaus are independent", "[gate]") {
    QuotaGate g(config());
    g.install(snapshot(), {});
    const auto first = g.submit(job("alice", "psb", 2, 30 * 60));  // 60 CUH
    CHECK(first.allow);
    CHECK(first.decision.remaining_cuh == Approx(100));
    const auto second = g.submit(job("alice", "psb", 2, 30 * 60));
    CHECK_FALSE(second.allow);
    CHECK(second.decision.reason == Reason::over_budget);
    CHECK(second.decision.remaining_cuh == Approx(40));
    CHECK(g.submit(job("bob", "fin", 2, 30 * 60)).allow);  // FIN has its own 100
    CHECK(g.bookings() == 2);
    CHECK(g.counters().admitted == 2);
    CHECK(g.counters().refused == 1);

    SECTION("jobs without GPUs and refused jobs book nothing") {
        CHECK(g.submit(job("alice", "psb", 0, 60)).allow);
        CHECK(g.bookings() == 2);
    }
    SECTION("the bureau is chosen for a job without --account") {
        const auto o = g.submit(job("carol", std::nullopt, 1, 60));
        CHECK(o.allow);
        CHECK(o.decision.set_account == "psb");
        CHECK(o.decision.remaining_cuh == Approx(40));
    }
}

TEST_CASE("gate: a het-job is priced as one request; a refused one books nothing", "[gate][het]") {
    QuotaGate g(config());
    g.install(snapshot(), {});
    SECTION("refused at component 1: component 0's booking is released") {
        REQUIRE(g.submit(job("alice", "psb", 2, 30 * 60), 0u).allow);  // 60 CUH
        const auto second = g.submit(job("alice", "psb", 2, 30 * 60), 1u);  // 60 more: no
        CHECK_FALSE(second.allow);
        CHECK(second.decision.remaining_cuh == Approx(40));  // component 0 counted
        CHECK(second.decision.message.find("het-job component 1: what is left already counts "
                                           "its component 0, 60 CUH") != std::string::npos);
        CHECK(g.bookings() == 0);
        CHECK(remaining(g, "alice", "psb") == Approx(100));
        // The next job within budget is admitted.
        CHECK(g.submit(job("alice", "psb", 1, 60 * 90)).allow);
    }
    SECTION("admitted: the liens are the sum of its components") {
        REQUIRE(g.submit(job("alice", "psb", 1, 60 * 20), 0u).allow);
        REQUIRE(g.submit(job("alice", "psb", 1, 60 * 30), 1u).allow);
        REQUIRE(g.submit(job("alice", "psb", 1, 60 * 10), 2u).allow);
        CHECK(g.bookings() == 3);
        CHECK(remaining(g, "alice", "psb") == Approx(40));
        // A later plain job never releases them.
        CHECK_FALSE(g.submit(job("alice", "psb", 1, 60 * 41)).allow);
        CHECK(remaining(g, "alice", "psb") == Approx(40));
        // Nor does a refusal of a new het-job's first component.
        CHECK_FALSE(g.submit(job("alice", "psb", 1, 60 * 41), 0u).allow);
        CHECK(remaining(g, "alice", "psb") == Approx(40));
    }
    SECTION("a new het-job starts at offset 0: the last one's bookings stay") {
        REQUIRE(g.submit(job("alice", "psb", 1, 60 * 30), 0u).allow);
        REQUIRE(g.submit(job("alice", "psb", 1, 60 * 30), 1u).allow);
        REQUIRE(g.submit(job("alice", "psb", 1, 60 * 30), 0u).allow);  // another het-job
        CHECK_FALSE(g.submit(job("alice", "psb", 1, 60 * 30), 1u).allow);
        CHECK(remaining(g, "alice", "psb") == Approx(40));  // only the new one's 30 released
    }
}

TEST_CASE("gate: with fail_mode=open an exclusive job without an inventory is admitted unpriced", "[gate]") {
    auto j = job("alice", "psb", 0, 60);
    j.exclusive = true;
    QuotaGate closed(config(FailMode::closed));
    closed.install(snapshot(), {});
    const auto c = closed.submit(j);
    CHECK_FALSE(c.allow);
    CHECK(c.decision.reason == Reason::no_inventory);
    QuotaGate open(config(FailMode::open));
    open.install(snapshot(), {});
    const auto o = open.submit(j);
    CHECK(o.allow);
    CHECK(o.by_fail_mode);
    CHECK(o.decision.message.find("fail_mode=open") != std::string::npos);
    CHECK(open.bookings() == 0);
}

TEST_CASE("gate: job_modify prices a change from the job as submitted, before any sync", "[gate][modify]") {
    QuotaGate g(config());
    g.install(snapshot(), {});
    policy::JobAsk ask;
    ask.account = "psb";
    ask.user = "alice";
    ask.tres_per_node = "gres:gpu:a100:1";
    ask.time = policy::TimeAsk::of(60 * 10);  // 10 CUH
    ask.submit_time = kNow;
    const auto admitted = g.submit(ask);
    REQUIRE(admitted.allow);
    REQUIRE_FALSE(admitted.ask_key.empty());
    CHECK(ask_key_of("pdai:bureau=PSB,bound_cuh=10.000,period=2026-11,ask=" + admitted.ask_key) ==
          admitted.ask_key);
    CHECK(remaining(g, "alice", "psb") == Approx(90));
    auto m = change(501, "alice");
    m.ask_key = admitted.ask_key;

    SECTION("nodes, GPUs and time that fit are allowed; each change starts from the last") {
        m.shape.min_nodes = 4;  // 4 x 1 x 10h = 40
        CHECK(g.modify(m).allow);
        CHECK(remaining(g, "alice", "psb") == Approx(60));
        m.shape = {};
        m.tres_named = ModifyRequest::tres_node;
        m.tres_per_node = "gres:gpu:a100:2";  // 4 x 2 x 10h = 80
        CHECK(g.modify(m).allow);
        CHECK(remaining(g, "alice", "psb") == Approx(20));
        auto t = time_change(501, "alice", 60 * 13);  // 4 x 2 x 13h = 104: no
        t.ask_key = m.ask_key;
        const auto raise = g.modify(t);
        CHECK_FALSE(raise.allow);
        CHECK(raise.decision.reason == Reason::over_budget);
        CHECK(raise.decision.bound_cuh == Approx(104));
        CHECK(remaining(g, "alice", "psb") == Approx(20));
        t.time_limit_minutes = 60;  // lowering: 8 CUH
        CHECK(g.modify(t).allow);
        CHECK(remaining(g, "alice", "psb") == Approx(92));
    }
    SECTION("lowering is allowed even with the bureau over budget") {
        REQUIRE(g.submit(job("alice", "psb", 9, 60 * 10)).allow);  // 90: full
        auto t = time_change(501, "alice", 60 * 5);
        t.ask_key = m.ask_key;
        CHECK(g.modify(t).allow);
        t.time_limit_minutes = 60 * 6;  // still under the 10h it was submitted with
        CHECK(g.modify(t).allow);
        t.time_limit_minutes = 60 * 11;
        CHECK_FALSE(g.modify(t).allow);
    }
    SECTION("an array's throttle counts against the GPU cap") {
        policy::JobAsk a = ask;
        a.array = "0-7%2";
        a.time = policy::TimeAsk::of(60);
        const auto arr = g.submit(a);
        REQUIRE(arr.allow);
        auto t = change(502, "alice");
        t.ask_key = arr.ask_key;
        t.array_throttle = 8;
        CHECK(g.modify(t).allow);  // no cap on PSB: allowed, and priced the same
        CHECK(g.modify(t).decision.bound_cuh == Approx(8));
    }
    SECTION("an unknown key falls back to the liens, where the job is not yet") {
        m.ask_key = "ffff.1";
        m.time_given = true;
        m.time_limit_minutes = 60 * 20;
        const auto o = g.modify(m);
        CHECK_FALSE(o.allow);
        CHECK(o.decision.message.find("cannot price this change") != std::string::npos);
    }
}

TEST_CASE("gate: ask keys are read only from pdai's own tag", "[gate][modify]") {
    CHECK(ask_key_of("pdai:bureau=FIN,bound_cuh=1.000,period=2026-12,ask=6a1b.17") == "6a1b.17");
    CHECK(ask_key_of("pdai:bureau=FIN,ask=6a1b.17,more=x") == "6a1b.17");
    CHECK(ask_key_of("note,ask=6a1b.17").empty());
    CHECK(ask_key_of("pdai:bureau=FIN").empty());
    CHECK(ask_key_of("pdai:bureau=FIN,ask=").empty());
    CHECK(ask_key_of("pdai:bureau=FIN,ask=zz;rm").empty());
}

TEST_CASE("gate: a new snapshot forgets bookings older than its liens_at", "[gate]") {
    QuotaGate g(config());
    g.install(snapshot(), {});
    REQUIRE(g.submit(job("alice", "psb", 1, 60 * 10, kNow)).allow);       // 10 CUH at kNow
    REQUIRE(g.submit(job("alice", "psb", 1, 60 * 20, kNow + 5)).allow);   // 20 CUH at +5 s
    CHECK(g.submit(job("alice", "psb", 1, 60)).decision.remaining_cuh == Approx(70));

    g.install(snapshot(), {});  // no sync yet: both bookings still count
    CHECK(g.bookings() == 3);
    g.install(snapshot(kNow), {});  // same second as the first: kept (counted twice, not missed)
    CHECK(g.bookings() == 3);
    g.install(snapshot(kNow + 1), {});  // the sync saw the first two jobs
    CHECK(g.bookings() == 1);
    CHECK(g.submit(job("alice", "psb", 1, 60)).decision.remaining_cuh == Approx(80));
    g.install(snapshot(kNow + 60), {});
    CHECK(g.bookings() == 0);
    CHECK(g.submit(job("alice", "psb", 1, 60)).decision.remaining_cuh == Approx(100));
}

TEST_CASE("gate: job_modify prices the change against the job's lien", "[gate][modify]") {
    QuotaGate g(config());
    g.install(with_lien(77), {});
    // PSB: 100 budget, 20 held by job 77 (2 GPUs x 10h).
    SECTION("raising the time within budget books the difference") {
        const auto o = g.modify(time_change(77, "alice", 30 * 60));  // 60 CUH: +40
        CHECK(o.allow);
        CHECK(o.decision.bound_cuh == Approx(60));
        CHECK(o.decision.remaining_cuh == Approx(100));  // the old lien taken out
        CHECK(remaining(g, "alice", "psb") == Approx(40));
        SECTION("a second change starts from the first one, not from the snapshot") {
            CHECK(g.modify(time_change(77, "alice", 50 * 60)).allow);  // 100 CUH in all
            CHECK(remaining(g, "alice", "psb") == Approx(0));
            CHECK_FALSE(g.modify(time_change(77, "alice", 51 * 60)).allow);
        }
    }
    SECTION("raising it beyond the budget is refused") {
        const auto o = g.modify(time_change(77, "alice", 51 * 60));  // 102 CUH > 100
        CHECK_FALSE(o.allow);
        CHECK(o.decision.reason == Reason::over_budget);
        CHECK(o.decision.message.find("ask for --time=") != std::string::npos);
        CHECK(remaining(g, "alice", "psb") == Approx(80));  // nothing booked
    }
    SECTION("lowering is always allowed, even over budget") {
        REQUIRE(g.submit(job("alice", "psb", 4, 20 * 60)).allow);  // 80 CUH: bureau full
        CHECK(g.modify(time_change(77, "alice", 60)).allow);
        CHECK(remaining(g, "alice", "psb") == Approx(18));  // 100 - 80 - 2
    }
    SECTION("more GPUs through --gres") {
        auto m = change(77, "alice");
        m.tres_named = ModifyRequest::tres_node;
        m.tres_per_node = "gres:gpu:a100:8";
        const auto o = g.modify(m);  // 8 x 10h = 80 CUH
        CHECK(o.allow);
        CHECK(o.decision.bound_cuh == Approx(80));
        m.tres_per_node = "gres:gpu:a100:11";
        CHECK_FALSE(g.modify(m).allow);
    }
    SECTION("moving the job to another bureau charges it in full there") {
        auto m = change(77, "bob");
        m.account = "fin";
        const auto o = g.modify(m);
        CHECK(o.allow);
        CHECK(remaining(g, "bob", "fin") == Approx(80));
        CHECK(remaining(g, "alice", "psb") == Approx(100));
    }
    SECTION("one task of an array lien is priced per task") {
        auto s = with_lien(77);
        s.liens.at(77).tasks = 4;
        s.liens.at(77).bound_cuh = 80;
        s.snapshot.by_account.at("psb").liens_cuh = 80;
        g.install(std::move(s), {});
        auto m = time_change(77, "alice", 20 * 60);  // one task: 20 -> 40 CUH
        m.task_id = 2;
        const auto o = g.modify(m);
        CHECK(o.allow);
        CHECK(o.decision.bound_cuh == Approx(40));
        CHECK(remaining(g, "alice", "psb") == Approx(0));
    }
    SECTION("exempt users and changes that do not touch the price pass") {
        CHECK(g.modify(time_change(77, "root", 100 * 60)).allow);
        CHECK(g.modify(change(77, "alice")).allow);
        CHECK(remaining(g, "alice", "psb") == Approx(80));
    }
    SECTION("INFINITE is refused like a job without a time limit") {
        auto m = time_change(77, "alice", 0);
        m.time_limit_minutes.reset();
        const auto o = g.modify(m);
        CHECK_FALSE(o.allow);
        CHECK(o.decision.reason == Reason::no_time_limit);
    }
}

TEST_CASE("gate: job_modify of a job not in the liens snapshot yet", "[gate][modify]") {
    QuotaGate g(config());
    g.install(snapshot(kNow - 60), {});
    SECTION("a user with no GPU jobs since the snapshot: the job holds no GPUs") {
        CHECK(g.modify(time_change(90, "alice", 600)).allow);
    }
    SECTION("a user with GPU jobs since the snapshot: it cannot be priced yet") {
        REQUIRE(g.submit(job("alice", "psb", 1, 60)).allow);
        const auto o = g.modify(time_change(90, "alice", 600));
        CHECK_FALSE(o.allow);
        CHECK(o.decision.message.find("try again after the next 'pdai sync'") != std::string::npos);
        CHECK(g.modify(time_change(90, "bob", 600)).allow);  // bob has none
    }
    SECTION("asking for GPUs cannot be priced either") {
        auto m = change(90, "alice");
        m.tres_named = ModifyRequest::tres_node;
        m.tres_per_node = "gres:gpu:a100:1";
        CHECK_FALSE(g.modify(m).allow);
    }
}

TEST_CASE("gate: user names come from the snapshot, else from the passwd database", "[gate]") {
    QuotaGate g(config());
    g.install(snapshot(), {{4242, "alice"}});
    CHECK(g.user_name(4242) == "alice");
    CHECK(g.user_name(0) == "root");
    CHECK(g.user_name(3999999) == "uid:3999999");
}

TEST_CASE("catalog watcher: loads, reloads on change only, fails and recovers", "[gate][watcher]") {
    test::TempCatalog t;
    t.cat.write([&] {
        catalog::add_gpu_type(t.cat, "a100", 1.0, 10.0, "nvidia", 80);
        catalog::add_bureau(t.cat, "PSB", "公安局", "psb");
        catalog::QuotaChange q;
        q.budget_cuh = 10;
        catalog::set_quota(t.cat, "PSB", q);
        catalog::add_member(t.cat, "PSB", "root", "member");
    });
    auto cfg = config();
    cfg.catalog = t.path;
    cfg.settings.exempt_users.clear();
    QuotaGate g(cfg);
    std::vector<std::string> errors;
    log::set_sink([&](log::Level level, std::string_view m) {
        if (level == log::Level::error) errors.emplace_back(m);
    }, log::Level::debug);
    struct Unplug {
        ~Unplug() { log::set_sink(nullptr, log::Level::off); }
    } unplug;
    CatalogWatcher w(g);
    REQUIRE(w.refresh());
    CHECK(w.reloads() == 1);
    CHECK(g.user_name(0) == "root");
    CHECK(w.refresh());
    CHECK(w.reloads() == 1);  // nothing changed: no reload
    CHECK(g.submit(job("root", "psb", 1, 9 * 60)).allow);

    t.cat.write([&] {
        catalog::QuotaChange q;
        q.budget_cuh = 5;
        catalog::set_quota(t.cat, "PSB", q);
    });
    REQUIRE(w.refresh());
    CHECK(w.reloads() == 2);
    CHECK(remaining(g, "root", "psb") == Approx(5 - 9));  // the booking was applied again

    const std::string away = t.path + ".away";
    REQUIRE(std::rename(t.path.c_str(), away.c_str()) == 0);
    CHECK_FALSE(w.refresh());
    CHECK_FALSE(w.refresh());
    CHECK_FALSE(g.available());
    CHECK(errors.size() == 1);  // logged once
    REQUIRE(std::rename(away.c_str(), t.path.c_str()) == 0);
    CHECK(w.refresh());
    CHECK(g.available());

    // Replaced by something that is no database (with its WAL gone, as after a copy).
    { std::ofstream(t.path + ".junk") << std::string(4096, 'x'); }
    std::remove((t.path + "-wal").c_str());
    std::remove((t.path + "-shm").c_str());
    REQUIRE(std::rename((t.path + ".junk").c_str(), t.path.c_str()) == 0);
    CHECK_FALSE(w.refresh());
    CHECK(errors.size() == 2);
}

TEST_CASE("latency histogram: quantiles are bucket upper edges", "[gate]") {
    LatencyHistogram h;
    CHECK(h.quantile_us(0.5) == 0);
    for (int i = 1; i <= 100; ++i) h.record(i * 1000);  // 1..100 us
    CHECK(h.count() == 100);
    CHECK(h.quantile_us(0.5) == Approx(50.0).margin(0.06));
    CHECK(h.quantile_us(0.99) == Approx(99.0).margin(0.06));
    CHECK(h.max_us() == Approx(100.0));
    h.record(5'000'000'000);  // far beyond the last bucket
    CHECK(h.max_us() == Approx(5'000'000.0));
    h.reset();
    CHECK(h.count() == 0);
}
