// pdai usage report|statement
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "catalog/quotas.hpp"
#include "catalog/usage_report.hpp"
#include "cli/context.hpp"
#include "cli/time_arg.hpp"
#include "cli/usage_access.hpp"
#include "cli/usage_chart.hpp"
#include "cli/usage_statement.hpp"
#include "common/error.hpp"
#include "policy/period.hpp"

namespace pdai::cli {
namespace {

struct Window {
    std::int64_t from = 0, to = 0;
    std::string label;
};

// --period LABEL, or --from/--to dates (--to inclusive), or the current month.
Window window_of(const std::optional<std::string>& period, const std::optional<std::string>& from,
                 const std::optional<std::string>& to) {
    if (period && (from || to)) throw Error(Errc::usage, "give --period or --from/--to, not both");
    if (period) {
        auto p = policy::parse_period_label(*period);
        if (!p) throw Error(Errc::usage, "--period: " + p.error(), "e.g. --period 2026-11, 2026-Q4 or 2026");
        return {p->start, p->end, p->label};
    }
    const auto now = catalog::now_unix();
    if (!from && !to) {
        auto p = policy::period_of(policy::PeriodKind::month, now);
        return {p.start, p.end, p.label};
    }
    Window w;
    w.from = from ? parse_since(*from) / 86400 * 86400 : 0;
    w.to = to ? parse_since(*to) / 86400 * 86400 + 86400 : (now / 86400 + 1) * 86400;
    if (w.to <= w.from) throw Error(Errc::usage, "--to is before --from");
    w.label = policy::utc_date(w.from) + ".." + policy::utc_date(w.to - 86400);
    return w;
}

std::vector<catalog::UsageDim> parse_dims(const std::vector<std::string>& names) {
    std::vector<catalog::UsageDim> out;
    for (const auto& n : names) {
        auto d = catalog::parse_usage_dim(n);
        if (!d)
            throw Error(Errc::usage, "--by: unknown dimension '" + n + "'",
                        "use bureau, user, algorithm, vendor, gpu-type or day");
        out.push_back(*d);
    }
    return out;
}

std::string percent(double r) { return fmt_number(r * 100, 1) + "%"; }

nlohmann::json figures_json(const catalog::UsageFigures& f) {
    return {{"jobs", f.jobs},     {"completed", f.ok_jobs},   {"gpu_hours", f.gpu_hours},
            {"cuh", f.cuh},       {"cost_cny", f.cost_cny}, {"success_rate", f.success_rate()}};
}

struct ReportOpts {
    std::optional<std::string> period, from, to, bureau, format;
    std::vector<std::string> by;
    bool chart = false;
};

void run_report(Context& ctx, const ReportOpts& o) {
    if (o.format) {
        if (*o.format == "json") ctx.out.format = Format::json;
        else if (*o.format == "csv") ctx.out.format = Format::csv;
        else if (*o.format == "table") ctx.out.format = Format::table;
        else throw Error(Errc::usage, "--format must be table, csv or json");
    }
    const auto w = window_of(o.period, o.from, o.to);
    auto c = ctx.open_catalog(false);
    const auto viewer = usage_viewer(ctx, c);
    catalog::UsageQuery q;
    q.from = w.from;
    q.to = w.to;
    q.by = parse_dims(o.by);
    if (o.bureau) {
        q.accounts = {viewer.bureau(*o.bureau).slurm_account};
    } else if (!viewer.admin) {
        q.accounts = viewer.accounts();
        if (q.accounts.empty())
            throw Error(Errc::refused, viewer.user + " is a member of no bureau",
                        "a bureau's usage is shown to its members and to catalog admins");
    }
    const auto groups = catalog::usage_report(c, q);
    catalog::UsageFigures total;
    for (const auto& g : groups) {
        total.jobs += g.figures.jobs;
        total.ok_jobs += g.figures.ok_jobs;
        total.gpu_hours += g.figures.gpu_hours;
        total.cuh += g.figures.cuh;
        total.cost_cny += g.figures.cost_cny;
    }

    if (ctx.out.format == Format::json) {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& g : groups) {
            auto j = figures_json(g.figures);
            for (std::size_t i = 0; i < q.by.size(); ++i) j[catalog::to_string(q.by[i])] = g.keys[i];
            rows.push_back(std::move(j));
        }
        nlohmann::json by = nlohmann::json::array();
        for (auto d : q.by) by.push_back(catalog::to_string(d));
        std::cout << nlohmann::json{{"period", w.label},
                                    {"from", catalog::format_time(w.from)},
                                    {"to", catalog::format_time(w.to)},
                                    {"by", by},
                                    {"groups", rows},
                                    {"total", figures_json(total)}}
                         .dump(2)
                  << '\n';
        return;
    }
    Table t;
    for (auto d : q.by) {
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
    if (ctx.out.format == Format::csv) {
        Output::print_csv(std::cout, t);
        return;
    }
    if (!q.by.empty() && groups.size() > 1) {
        std::vector<std::string> keys(q.by.size(), "");
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
        std::cout << '\n' << text_chart(bars, 40, locale_is_utf8(), "CUH");
    }
}

struct StatementOpts {
    std::string bureau, period;
    std::optional<std::string> html;
};

void run_statement(Context& ctx, const StatementOpts& o) {
    auto p = policy::parse_period_label(o.period);
    if (!p) throw Error(Errc::usage, "--period: " + p.error(), "e.g. --period 2026-11");
    auto c = ctx.open_catalog(false);
    const auto viewer = usage_viewer(ctx, c);
    const auto s = make_statement(c, viewer.bureau(o.bureau), *p);
    if (o.html) {
        std::ofstream f(*o.html, std::ios::binary | std::ios::trunc);
        f << statement_html(s);
        f.close();
        if (!f) throw Error(Errc::failure, "cannot write " + *o.html);
        ctx.out.done("wrote the " + s.period.label + " statement of " + s.bureau.code + " to " + *o.html,
                     statement_json(s));
        return;
    }
    if (ctx.out.format == Format::json) {
        std::cout << statement_json(s).dump(2) << '\n';
        return;
    }
    std::cout << statement_text(s);
}

}  // namespace

void set_usage_command(CLI::App& app, Context& ctx) {
    auto* grp = add_group(app, "usage", "GPU usage reports and chargeback statements from the ledger");

    auto r = std::make_shared<ReportOpts>();
    auto* report = grp->add_subcommand("report", "GPU-hours, CUH, cost, jobs and success rate, grouped");
    report->add_option("--period", r->period, "A budget period: 2026-11, 2026-Q4 or 2026")
        ->type_name("PERIOD");
    report->add_option("--from", r->from, "First day (UTC), e.g. 2026-11-01")->type_name("DATE");
    report->add_option("--to", r->to, "Last day (UTC), included")->type_name("DATE");
    report->add_option("--by", r->by, "Group by bureau, user, algorithm, vendor, gpu-type, day")
        ->delimiter(',')
        ->type_name("DIM,...");
    report->add_option("--bureau", r->bureau, "Only this bureau")->type_name("BUREAU");
    report->add_option("--format", r->format, "table (default), csv or json")->type_name("FORMAT");
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
