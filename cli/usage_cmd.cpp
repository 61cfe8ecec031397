// pdai usage report|statement
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/json.hpp"
#include "app/usage.hpp"
#include "app/vocabulary.hpp"
#include "cli/context.hpp"
#include "cli/usage_chart.hpp"
#include "cli/usage_statement.hpp"
#include "common/error.hpp"

namespace pdai::cli {
namespace {

std::string percent(double r) { return fmt_number(r * 100, 1) + "%"; }

struct ReportOpts {
    app::UsageReportRequest request;
    bool chart = false;
};

void run_report(Context& ctx, const ReportOpts& o) {
    if (!ctx.out.pick.empty())
        throw Error(Errc::usage, "-o picks fields of a listing, and a usage report's columns are --by's",
                    "use --json (its 'groups') or --csv");
    const auto r = app::usage_report(ctx.app, o.request);
    const auto& w = r.window;
    const auto& groups = r.groups;
    const auto& total = r.total;
    if (ctx.out.format == Format::json) {
        std::cout << nlohmann::json(r).dump(2) << '\n';
        return;
    }
    if (ctx.out.format == Format::csv) return ctx.out.listing({}, nlohmann::json(r)["groups"]);  // data
    Table t;
    for (auto d : r.by) {
        auto h = catalog::to_string(d);
        for (auto& ch : h) ch = ch == '_' ? '-' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        t.headers.push_back(h);
    }
    for (const char* h : {"JOBS", "GPU-HOURS", "CUH", "COST CNY", "SUCCESS"}) t.headers.push_back(h);
    auto add = [&](std::vector<std::string> keys, const catalog::UsageFigures& f) {
        keys.push_back(std::to_string(f.jobs));
        keys.push_back(fmt_number(f.gpu_hours, 3));
        keys.push_back(fmt_number(f.cuh, 3));
        keys.push_back(fmt_number(f.cost_cny, 2));
        keys.push_back(f.jobs ? percent(f.success_rate()) : "-");
        t.rows.push_back(std::move(keys));
    };
    for (const auto& g : groups) add(g.keys, g.figures);
    if (!r.by.empty() && groups.size() > 1) {
        std::vector<std::string> keys(r.by.size(), "");
        keys[0] = "TOTAL";
        add(keys, total);
    }
    std::cout << "usage " << w.label << " (" << policy::utc_date(w.from) << " to "
              << policy::utc_date(w.to - 1) << ", UTC, by job start)\n";
    Output::print_table(std::cout, t);
    if (o.chart && !groups.empty()) {
        Bars bars;
        for (const auto& g : groups) {
            std::string label;
            for (const auto& k : g.keys) label += (label.empty() ? "" : " / ") + k;
            bars.emplace_back(label.empty() ? "total" : label, g.figures.cuh);
        }
        std::cout << '\n' << text_chart(bars, 40, locale_is_utf8(), "CUH", 3);  // as the table's CUH
    }
}

struct StatementOpts {
    std::string bureau, period;
    std::optional<std::string> html;
};

void run_statement(Context& ctx, const StatementOpts& o) {
    ctx.out.no_table("pdai usage statement");
    const auto s = app::usage_statement(ctx.app, o.bureau, o.period);
    if (o.html) {
        std::ofstream f(*o.html, std::ios::binary | std::ios::trunc);
        f << statement_html(s);
        f.close();
        if (!f) throw Error(Errc::failure, "cannot write " + *o.html);
        ctx.out.done("wrote the " + s.period.label + " statement of " + s.bureau.code + " to " + *o.html, s);
        return;
    }
    if (ctx.out.format == Format::json) {
        std::cout << nlohmann::json(s).dump(2) << '\n';
        return;
    }
    std::cout << statement_text(s);
}

}  // namespace

void set_usage_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "usage", "GPU usage reports and chargeback statements from the ledger");

    auto r = std::make_shared<ReportOpts>();
    auto* report = grp->add_subcommand("report", "GPU-hours, CUH, cost, jobs and success rate, grouped");
    report->add_option("--period", r->request.period, "A budget period: 2026-11, 2026-Q4 or 2026")
        ->type_name("PERIOD");
    report->add_option("--from", r->request.from, "First day (UTC), e.g. 2026-11-01")->type_name("DATE");
    report->add_option("--to", r->request.to, "Last day (UTC), included")->type_name("DATE");
    report->add_option("--by", r->request.by, "Group by bureau, user, algorithm, vendor, gpu-type, day")
        ->check(one_of(app::usage_dim_names(), app::is_usage_dim))
        ->delimiter(',')
        ->type_name("DIM,...");
    report->add_option("--bureau", r->request.bureau, "Only this bureau")->type_name("BUREAU");
    report->add_flag("--chart", r->chart, "Draw CUH as horizontal bars");
    on_run(report, ctx, [&ctx, r] { run_report(ctx, *r); });

    auto s = std::make_shared<StatementOpts>();
    auto* st = grp->add_subcommand("statement", "A bureau's chargeback statement for one period");
    st->add_option("BUREAU", s->bureau, "Bureau code")->required();
    st->add_option("--period", s->period, "The period: 2026-11, 2026-Q4 or 2026")
        ->required()
        ->type_name("PERIOD");
    st->add_option("--html", s->html, "Write a self-contained HTML page with a chart to FILE")
        ->type_name("FILE");
    on_run(st, ctx, [&ctx, s] { run_statement(ctx, *s); });
}

}  // namespace pdai::cli
