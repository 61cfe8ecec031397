#include "app/usage.hpp"

#include "app/time_arg.hpp"
#include "app/visibility.hpp"
#include "catalog/quotas.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "jobs/cluster.hpp"
#include "usage/sync_lock.hpp"

namespace pdai::app {
namespace {

// --period LABEL, or --from/--to dates (--to inclusive), or the current month.
Window window_of(const std::optional<std::string>& period, const std::optional<std::string>& from,
                 const std::optional<std::string>& to) {
    if (period && (from || to)) throw Error(Errc::usage, "give --period or --from/--to, not both");
    if (period) {
        auto p = policy::parse_period_label(*period);
        if (!p) throw Error(Errc::usage, "--period: " + p.error(), "e.g. --period 2026-11, 2026-Q4 or 2026");
        return {p->start, p->end, p->label};
    }
    const auto now = now_unix();
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

}  // namespace

UsageReport usage_report(const Context& ctx, const UsageReportRequest& r) {
    UsageReport out;
    out.window = window_of(r.period, r.from, r.to);
    out.by = parse_dims(r.by);
    auto c = ctx.open_catalog(false);
    const auto viewer = viewer_of(ctx, c);
    catalog::UsageQuery q;
    q.from = out.window.from;
    q.to = out.window.to;
    q.by = out.by;
    if (r.bureau) {
        q.accounts = {viewer.bureau(*r.bureau, "usage").slurm_account};
    } else if (!viewer.admin) {
        q.accounts = viewer.accounts();
        if (q.accounts.empty())
            throw Error(Errc::refused, viewer.user + " is a member of no bureau",
                        "a bureau's usage is shown to its members and to catalog admins");
    }
    out.groups = catalog::usage_report(c, q);
    for (const auto& g : out.groups) {
        out.total.jobs += g.figures.jobs;
        out.total.ok_jobs += g.figures.ok_jobs;
        out.total.gpu_hours += g.figures.gpu_hours;
        out.total.cuh += g.figures.cuh;
        out.total.cost_cny += g.figures.cost_cny;
    }
    return out;
}

Statement usage_statement(const Context& ctx, const std::string& bureau, const std::string& period) {
    auto p = policy::parse_period_label(period);
    if (!p) throw Error(Errc::usage, "--period: " + p.error(), "e.g. --period 2026-11");
    auto c = ctx.open_catalog(false);
    const auto viewer = viewer_of(ctx, c);
    const auto& b = viewer.bureau(bureau, "usage");
    Statement s;
    s.bureau = b;
    s.period = *p;
    s.generated_at = now_unix();
    if (auto q = catalog::find_quota(c, b.code); q && policy::parse_period_kind(q->period) == p->kind)
        s.budget_cuh = q->budget_cuh;
    s.total = catalog::usage_total(c, b.slurm_account, p->start, p->end);
    catalog::UsageQuery q{p->start, p->end, {catalog::UsageDim::algorithm}, {b.slurm_account}};
    s.by_algorithm = catalog::usage_report(c, q);
    q.by = {catalog::UsageDim::gpu_type};
    s.by_gpu_type = catalog::usage_report(c, q);
    s.top_jobs = catalog::top_jobs(c, b.id, p->start, p->end, 10);
    return s;
}

Synced sync(const Context& ctx, const SyncRequest& r) {
    Synced out;
    auto lock = usage::SyncLock::acquire(ctx.catalog.path, r.lock_wait);
    if (!lock) {
        out.skipped = true;
        return out;
    }
    auto c = ctx.open_catalog(true);
    auto source = jobs::open_accounting();
    usage::SyncOptions so;
    so.now = now_unix();
    if (r.since) so.since = parse_since(*r.since);
    out.result = usage::sync_usage(c, *source, so);
    return out;
}

}  // namespace pdai::app
