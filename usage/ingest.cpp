#include "usage/ingest.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace pdai::usage {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    while (!s.empty()) {
        auto at = s.find(sep);
        out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) break;
        s.remove_prefix(at + 1);
    }
    return out;
}

std::optional<std::int64_t> to_int(std::string_view s) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

const std::pair<const std::string, PricedType>* dearest(const IngestContext& ctx) {
    const std::pair<const std::string, PricedType>* best = nullptr;
    for (const auto& t : ctx.gpu_types)
        if (!best || t.second.weight > best->second.weight) best = &t;
    return best;
}

}  // namespace

std::map<std::string, int> gpus_of_tres(std::string_view tres) {
    std::map<std::string, int> typed;
    int untyped = 0;
    for (auto item : split(tres, ',')) {
        auto eq = item.find('=');
        if (eq == std::string_view::npos) continue;
        auto name = item.substr(0, eq);
        auto count = to_int(item.substr(eq + 1));
        if (!count || *count <= 0) continue;
        if (name == "gres/gpu") untyped = static_cast<int>(*count);
        else if (name.substr(0, 9) == "gres/gpu:") typed[std::string(name.substr(9))] += static_cast<int>(*count);
    }
    // Slurm lists the total untyped and each type: the typed entries tell the whole story
    // unless some GPUs had no type.
    int typed_sum = 0;
    for (const auto& [t, n] : typed) typed_sum += n;
    if (untyped > typed_sum) typed[""] += untyped - typed_sum;
    return typed;
}

std::optional<std::int64_t> pdai_id_of_name(std::string_view name) {
    if (!name.starts_with("pdai-")) return std::nullopt;
    name.remove_prefix(5);
    const auto dash = name.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    auto id = to_int(name.substr(0, dash));
    if (!id || *id <= 0) return std::nullopt;
    return id;
}

PdaiTag parse_pdai_tag(std::string_view comment) {
    PdaiTag tag;
    auto at = comment.find("pdai:");
    if (at == std::string_view::npos) return tag;
    comment.remove_prefix(at + 5);
    comment = comment.substr(0, comment.find_first_of(" \t\n;"));
    for (auto kv : split(comment, ',')) {
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        auto key = kv.substr(0, eq), value = kv.substr(eq + 1);
        if (key == "job") {
            tag.job_id = to_int(value);
        } else if (key == "algo" && !value.empty()) {
            auto amp = value.rfind('@');
            tag.algorithm = std::string(value.substr(0, amp));
            if (amp != std::string_view::npos) tag.version = std::string(value.substr(amp + 1));
        } else if (key == "kind" && (value == "run" || value == "train" || value == "infer")) {
            tag.kind = std::string(value);
        } else if (key == "bureau" && !value.empty()) {
            tag.bureau = std::string(value);
        } else if (key == "tasks") {
            if (auto n = to_int(value); n && *n >= 1 && *n <= 1000000) tag.tasks = static_cast<int>(*n);
        }
    }
    return tag;
}

catalog::LedgerRow to_ledger_row(const FinishedJob& job, const IngestContext& ctx) {
    catalog::LedgerRow r;
    r.cluster = job.cluster;
    r.slurm_job_id = job.job_id;
    r.array_task_id = job.array_task_id;
    r.account = job.account;
    if (auto b = ctx.bureaus_by_account.find(lower(job.account)); b != ctx.bureaus_by_account.end()) {
        r.bureau_id = b->second.bureau_id;
        r.account = b->second.account;
    }
    r.unix_user = job.user;
    const auto tag = parse_pdai_tag(job.comment);
    r.pdai_job_id = tag.job_id;
    r.algorithm = tag.algorithm;
    r.algorithm_version = tag.version;
    if (tag.algorithm)
        if (auto v = ctx.vendor_of_algorithm.find(*tag.algorithm); v != ctx.vendor_of_algorithm.end())
            r.vendor = v->second;
    r.start_at = job.start;
    r.end_at = std::max(job.end, job.start);
    r.elapsed_s = std::max<std::int64_t>(job.elapsed_s, 0);
    r.exit_state = job.state;
    r.ingested_at = ctx.now;

    const double hours = static_cast<double>(r.elapsed_s) / 3600.0;
    const auto* fallback = dearest(ctx);
    int best_count = 0;
    double best_weight = -1;
    for (const auto& [type, count] : gpus_of_tres(job.alloc_tres)) {
        auto known = ctx.gpu_types.find(type);
        PricedType p = known != ctx.gpu_types.end() ? known->second
                       : fallback                   ? fallback->second
                                                    : PricedType{};
        r.gpus += count;
        r.gpu_hours += count * hours;
        r.cuh += count * hours * p.weight;
        r.cost_cny += count * hours * p.price_cny;
        if (!type.empty() && (count > best_count || (count == best_count && p.weight > best_weight))) {
            r.gpu_type = type;
            best_count = count;
            best_weight = p.weight;
        }
    }
    return r;
}

IngestAction decide(const std::optional<catalog::LedgerRow>& cur, const catalog::LedgerRow& f) {
    if (!cur) return IngestAction::insert;
    const bool same = cur->account == f.account && cur->unix_user == f.unix_user &&
                      cur->gpus == f.gpus && cur->gpu_type == f.gpu_type &&
                      cur->start_at == f.start_at && cur->end_at == f.end_at &&
                      cur->elapsed_s == f.elapsed_s && cur->exit_state == f.exit_state;
    return same ? IngestAction::skip : IngestAction::correct;
}

std::optional<catalog::LienRow> to_lien(const ActiveJob& job, const IngestContext& ctx) {
    auto b = ctx.bureaus_by_account.find(lower(job.account));
    if (b == ctx.bureaus_by_account.end() || job.gpus <= 0) return std::nullopt;
    catalog::LienRow l;
    l.slurm_job_id = job.job_id;
    l.bureau_id = b->second.bureau_id;
    l.gpus = job.gpus;
    l.tasks = std::max(job.tasks, 1);
    l.nodes = std::max(job.nodes, 1);
    l.time_limit_minutes = job.time_limit_minutes;
    l.state = job.state;
    PricedType p;
    const auto* d = dearest(ctx);
    if (!job.gpu_mix.empty()) {  // each type at its own weight, an unknown one at the dearest
        p.weight = 0;
        for (const auto& [type, n] : job.gpu_mix) {
            const auto it = ctx.gpu_types.find(type);
            const double w = it != ctx.gpu_types.end() ? it->second.weight : d ? d->second.weight : 0.0;
            p.weight += n * w / std::max(job.gpus, 1);
        }
    } else if (job.gpu_type && ctx.gpu_types.count(*job.gpu_type)) {
        l.gpu_type = job.gpu_type;
        p = ctx.gpu_types.at(*job.gpu_type);
    } else if (d) {
        l.gpu_type = d->first;
        p = d->second;
    }
    const double hours = job.time_limit_minutes ? *job.time_limit_minutes / 60.0 : 0.0;
    l.bound_cuh = static_cast<double>(l.gpus) * l.tasks * hours * p.weight;
    return l;
}

bool is_finished_state(std::string_view s) {
    static constexpr std::string_view kEnded[] = {"COMPLETED", "FAILED",    "CANCELLED",
                                                  "TIMEOUT",   "NODE_FAIL", "PREEMPTED",
                                                  "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"};
    return std::find(std::begin(kEnded), std::end(kEnded), s) != std::end(kEnded);
}

}  // namespace pdai::usage
