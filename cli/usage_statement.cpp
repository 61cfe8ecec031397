#include "cli/usage_statement.hpp"

#include <sstream>

#include "common/time.hpp"
#include "cli/output.hpp"
#include "cli/usage_chart.hpp"

namespace pdai::cli {
namespace {

std::string job_label(const catalog::LedgerRow& r) {
    std::string s = std::to_string(r.slurm_job_id);
    if (r.array_task_id) s += "_" + std::to_string(*r.array_task_id);
    return s;
}

std::string algo_label(const catalog::LedgerRow& r) {
    return r.algorithm ? *r.algorithm + "@" + r.algorithm_version.value_or("") : "-";
}

Table groups_table(const std::string& key, const std::vector<catalog::UsageGroup>& gs) {
    Table t{{key, "JOBS", "GPU-HOURS", "CUH", "COST CNY"}, {}};
    for (const auto& g : gs)
        t.rows.push_back({g.keys.at(0), std::to_string(g.figures.jobs), fmt_number(g.figures.gpu_hours, 3),
                          fmt_number(g.figures.cuh, 3), fmt_number(g.figures.cost_cny, 2)});
    return t;
}

std::string html_table(const Table& t) {
    std::string s = "<table>\n<tr>";
    for (const auto& h : t.headers) s += "<th>" + html_escape(h) + "</th>";
    s += "</tr>\n";
    for (const auto& row : t.rows) {
        s += "<tr>";
        for (const auto& v : row) s += "<td>" + html_escape(v) + "</td>";
        s += "</tr>\n";
    }
    return s + "</table>\n";
}

Table top_table(const Statement& s) {
    Table t{{"JOB", "USER", "ALGORITHM", "GPU TYPE", "GPUS", "START", "ELAPSED S", "STATE", "CUH"}, {}};
    for (const auto& r : s.top_jobs)
        t.rows.push_back({job_label(r), r.unix_user, algo_label(r), r.gpu_type.value_or("-"),
                          std::to_string(r.gpus), pdai::format_time(r.start_at),
                          std::to_string(r.elapsed_s), r.exit_state, fmt_number(r.cuh, 3)});
    return t;
}

}  // namespace

std::string statement_text(const Statement& s) {
    std::ostringstream os;
    os << "Statement " << s.period.label << " for " << s.bureau.code << " (" << s.bureau.display_name
       << ", account " << s.bureau.slurm_account << ")\n";
    os << "budget:     " << (s.budget_cuh ? fmt_number(*s.budget_cuh, 3) + " CUH" : "-") << '\n';
    os << "used:       " << fmt_number(s.total.cuh, 3) << " CUH, " << fmt_number(s.total.gpu_hours, 3)
       << " GPU-hours, " << s.total.jobs << " jobs\n";
    os << "left:       " << (s.budget_cuh ? fmt_number(*s.budget_cuh - s.total.cuh, 3) + " CUH" : "-")
       << '\n';
    os << "cost:       " << fmt_number(s.total.cost_cny, 2) << " CNY\n\nBy algorithm\n";
    Output::print_table(os, groups_table("ALGORITHM", s.by_algorithm));
    os << "\nBy GPU type\n";
    Output::print_table(os, groups_table("GPU TYPE", s.by_gpu_type));
    os << "\nTop jobs\n";
    Output::print_table(os, top_table(s));
    return os.str();
}

std::string statement_html(const Statement& s) {
    const std::string title = "GPU usage statement " + s.period.label + " - " + s.bureau.code;
    Bars bars;
    for (const auto& g : s.by_algorithm) bars.emplace_back(g.keys.at(0), g.figures.cuh);
    std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                    html_escape(title) + "</title>\n<style>\n"
                    "body{font-family:sans-serif;margin:2em;color:#1a202c;background:#fff}\n"
                    "h1{font-size:1.5em;border-bottom:3px solid #2b6cb0}\n"
                    "table{border-collapse:collapse;margin:0.5em 0 1.5em}\n"
                    "th,td{border:1px solid #cbd5e0;padding:4px 10px;text-align:right}\n"
                    "th{background:#ebf4ff}td:first-child,th:first-child{text-align:left}\n"
                    ".total{font-size:1.2em;font-weight:bold}\n</style>\n</head>\n<body>\n";
    h += "<h1>" + html_escape(title) + "</h1>\n<p>" + html_escape(s.bureau.display_name) + " (account " +
         html_escape(s.bureau.slurm_account) + "), " + policy::utc_date(s.period.start) + " to " +
         policy::utc_date(s.period.end - 1) + " UTC. Generated " + pdai::format_time(s.generated_at) +
         ".</p>\n<table>\n";
    auto row = [&](const std::string& k, const std::string& id, const std::string& v) {
        h += "<tr><th>" + k + "</th><td class=\"total\" id=\"" + id + "\">" + v + "</td></tr>\n";
    };
    row("Budget (CUH)", "budget-cuh", s.budget_cuh ? fmt_number(*s.budget_cuh, 3) : "-");
    row("Used (CUH)", "total-cuh", fmt_number(s.total.cuh, 3));
    row("Left (CUH)", "left-cuh", s.budget_cuh ? fmt_number(*s.budget_cuh - s.total.cuh, 3) : "-");
    row("GPU-hours", "total-gpu-hours", fmt_number(s.total.gpu_hours, 3));
    row("Cost (CNY)", "total-cost", fmt_number(s.total.cost_cny, 2));
    row("Jobs", "total-jobs", std::to_string(s.total.jobs));
    // The chart's figures are the CUH column of "By algorithm": the same 3 decimals.
    h += "</table>\n<h2>CUH by algorithm</h2>\n" + svg_chart(bars, "CUH", 3);
    h += "<h2>By algorithm</h2>\n" + html_table(groups_table("Algorithm", s.by_algorithm));
    h += "<h2>By GPU type</h2>\n" + html_table(groups_table("GPU type", s.by_gpu_type));
    h += "<h2>Top jobs</h2>\n" + html_table(top_table(s));
    return h + "</body>\n</html>\n";
}

}  // namespace pdai::cli
