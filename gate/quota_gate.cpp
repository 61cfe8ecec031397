#include "gate/quota_gate.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "common/unix_user.hpp"
#include "policy/parse_util.hpp"

namespace pdai::gate {
namespace {

using policy::Decision;
using Verdict = Decision::Verdict;
using Reason = Decision::Reason;

std::string job_text(const ModifyRequest& m) {
    std::string s = "job " + std::to_string(m.job_id);
    if (m.task_id) s += '_' + std::to_string(*m.task_id);
    return s;
}

// A lien for one task of an array record that covers several.
catalog::Lien one_task(catalog::Lien l) {
    if (l.tasks > 1) {
        l.bound_cuh /= l.tasks;
        l.concurrent_gpus = l.gpus;
        l.tasks = 1;
    }
    return l;
}

int nodes_of(const policy::JobShape& s) {
    return std::max(s.min_nodes.value_or(0), s.max_nodes.value_or(0));
}

// Kept asks beyond this many drop the oldest chunk: their changes are then priced from the lien.
constexpr std::size_t kMaxKept = 200'000;

// "0-15%4" with its throttle replaced ("0-15%2"), or removed for 0.
std::string with_throttle(const std::string& array, int throttle) {
    std::string out = array.substr(0, array.find('%'));
    if (throttle > 0 && !out.empty()) out += '%' + std::to_string(throttle);
    return out;
}

}  // namespace

std::string ask_key_of(std::string_view admin_comment) {
    if (!admin_comment.starts_with("pdai:")) return {};
    const auto at = admin_comment.find(",ask=");
    if (at == std::string_view::npos) return {};
    auto key = admin_comment.substr(at + 5);
    key = key.substr(0, key.find(','));
    const bool ok = !key.empty() && key.size() <= 40 &&
                    std::all_of(key.begin(), key.end(), [](char c) {
                        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '.';
                    });
    return ok ? std::string(key) : std::string();
}

QuotaGate::QuotaGate(PluginConfig config) : config_(std::move(config)) {
    char hex[24];
    std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(std::time(nullptr)));
    key_prefix_ = hex;
}

[[gnu::hot]] std::string QuotaGate::keep(policy::JobAsk&& ask, const Decision& d) {
    if (kept_.empty() || kept_.back().size() == kKeptChunk) {
        if (next_kept_ - first_kept_ >= kMaxKept) {
            first_kept_ += kept_.front().size();
            kept_.pop_front();
        }
        kept_.emplace_back().reserve(kKeptChunk);
    }
    kept_.back().push_back(Kept{std::move(ask), d.account, d.bound_cuh, d.concurrent_gpus});
    char seq[24];
    const auto end = std::to_chars(seq, seq + sizeof seq, next_kept_++).ptr;
    std::string key;
    key.reserve(key_prefix_.size() + 1 + static_cast<std::size_t>(end - seq));
    key.append(key_prefix_).append(1, '.').append(seq, end);
    return key;
}

QuotaGate::Kept* QuotaGate::kept(std::string_view key) {
    if (!key.starts_with(key_prefix_) || key.size() <= key_prefix_.size() ||
        key[key_prefix_.size()] != '.')
        return nullptr;
    const auto digits = key.substr(key_prefix_.size() + 1);
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size() || n < first_kept_ ||
        n >= next_kept_)
        return nullptr;
    const std::uint64_t i = n - first_kept_;
    return &kept_[i / kKeptChunk][i % kKeptChunk];
}

void QuotaGate::apply(policy::Snapshot& s, const Booking& b) noexcept {
    const auto it = s.by_account.find(b.account);
    if (it == s.by_account.end()) return;
    it->second.liens_cuh += b.cuh;
    it->second.active_gpus += b.gpus;
}

[[gnu::hot]] std::uint64_t QuotaGate::book(Booking b) {
    b.id = ++last_booking_id_;
    if (state_) apply(state_->loaded.snapshot, b);
    bookings_.push_back(std::move(b));
    return bookings_.back().id;
}

void QuotaGate::release_het_job(std::thread::id thread) {
    const auto it = het_.find(thread);
    if (it == het_.end()) return;
    for (const auto id : it->second.bookings) {
        const auto b = std::find_if(bookings_.begin(), bookings_.end(),
                                    [id](const Booking& x) { return x.id == id; });
        if (b == bookings_.end()) continue;  // a new snapshot already holds it as a lien
        if (state_) apply(state_->loaded.snapshot, {0, 0, b->account, {}, -b->cuh, -b->gpus});
        bookings_.erase(b);
    }
    het_.erase(it);
}

void QuotaGate::install(catalog::PolicySnapshot loaded, UidNames names) {
    auto next = std::make_unique<State>(State{std::move(loaded), std::move(names)});
    std::unique_ptr<State> old;
    {
        std::lock_guard lock(mu_);
        if (const auto t = next->loaded.liens_at) {
            std::erase_if(bookings_, [t](const Booking& b) { return b.at < *t; });
            std::erase_if(changed_, [t](const auto& kv) { return kv.second.at < *t; });
        }
        for (const auto& b : bookings_) apply(next->loaded.snapshot, b);
        name_cache_.clear();
        old = std::move(state_);
        state_ = std::move(next);
    }
    // `old` (hundreds of bureaus) is freed here, after the lock is released.
}

void QuotaGate::set_unavailable() {
    std::unique_ptr<State> old;
    std::lock_guard lock(mu_);
    old = std::move(state_);  // bookings stay: they apply again to the next snapshot
}

bool QuotaGate::available() const {
    std::lock_guard lock(mu_);
    return state_ != nullptr;
}

GateCounters QuotaGate::counters() const {
    std::lock_guard lock(mu_);
    return counters_;
}

std::size_t QuotaGate::bookings() const {
    std::lock_guard lock(mu_);
    return bookings_.size();
}

[[gnu::hot]] std::string QuotaGate::user_name(std::uint32_t uid) {
    {
        std::lock_guard lock(mu_);
        if (state_) {
            if (auto it = state_->names.find(uid); it != state_->names.end()) return it->second;
        }
        if (auto it = name_cache_.find(uid); it != name_cache_.end()) return it->second;
    }
    // A user in no bureau: one passwd lookup, outside the lock, then cached.
    std::string name = pdai::user_name(static_cast<uid_t>(uid));
    if (name.rfind("uid:", 0) == 0) return name;  // no entry yet: ask again next time
    std::lock_guard lock(mu_);
    name_cache_.emplace(uid, name);
    return name;
}

Outcome QuotaGate::fail_mode(const policy::JobRequest& job) {
    Outcome o;
    // Exemptions need no catalog.
    o.decision = policy::evaluate(policy::Snapshot{}, config_.settings, job);
    if (o.decision.verdict == Verdict::exempt) {
        o.allow = true;
        ++counters_.exempt;
        return o;
    }
    o.by_fail_mode = true;
    o.decision.reason = Reason::internal_error;
    if (config_.fail_mode == FailMode::open) {
        o.allow = true;
        o.decision.verdict = Verdict::admit;
        o.decision.message =
            "pdai: the quota catalog cannot be read; admitted without a quota check "
            "(fail_mode=open)";
        ++counters_.fail_open;
    } else {
        o.allow = false;
        o.decision.verdict = Verdict::refuse;
        o.decision.message =
            "pdai: the quota catalog cannot be read, so this job's bureau budget cannot be "
            "checked (fail_mode=closed); try again in a few minutes, or tell the platform admin";
        ++counters_.fail_closed;
    }
    return o;
}

Outcome QuotaGate::submit(const policy::JobRequest& job, std::optional<std::uint32_t> het_offset) {
    std::lock_guard lock(mu_);
    return submit_locked(job, het_offset, nullptr);
}

[[gnu::hot]] Outcome QuotaGate::submit(policy::JobAsk ask, std::optional<std::uint32_t> het_offset) {
    const auto job = policy::build_request(ask);  // outside the lock: parsing needs no state
    std::lock_guard lock(mu_);
    return submit_locked(job, het_offset, &ask);
}

[[gnu::hot]] Outcome QuotaGate::submit_locked(const policy::JobRequest& job, std::optional<std::uint32_t> het_offset,
                                 policy::JobAsk* ask) {
    const auto thread = std::this_thread::get_id();
    HetJob* het = nullptr;
    if (het_offset) {
        auto it = het_.find(thread);
        // Offset 0, or one that does not follow this thread's last component: a new het-job.
        if (it != het_.end() && (*het_offset == 0 || it->second.next_offset != *het_offset)) {
            het_.erase(it);
            it = het_.end();
        }
        if (it == het_.end()) it = het_.emplace(thread, HetJob{*het_offset, {}, 0}).first;
        het = &it->second;
        het->next_offset = *het_offset + 1;
    }
    if (!state_) return fail_mode(job);
    Outcome o;
    o.decision = policy::evaluate(state_->loaded.snapshot, config_.settings, job);
    Decision& d = o.decision;
    o.allow = d.admitted();
    if (d.reason == Reason::no_inventory && config_.fail_mode == FailMode::open) {
        // Like an unreadable catalog: pdai cannot price the job, and the site chose open.
        o.allow = true;
        o.by_fail_mode = true;
        d.verdict = Verdict::admit;
        d.message += " (admitted unpriced: fail_mode=open)";
        ++counters_.fail_open;
        return o;
    }
    if (d.verdict == Verdict::exempt) {
        ++counters_.exempt;
    } else if (d.verdict == Verdict::admit) {
        ++counters_.admitted;
        if (ask) o.ask_key = keep(std::move(*ask), d);
        if (d.bound_cuh > 0 || d.concurrent_gpus > 0) {
            const std::int64_t at = job.submit_time ? job.submit_time : state_->loaded.snapshot.taken_at;
            const auto id = book({0, at, d.account, job.user, d.bound_cuh, d.concurrent_gpus});
            if (het) {
                het->bookings.push_back(id);
                het->cuh += d.bound_cuh;
            }
        }
    } else {
        ++counters_.refused;
        if (het && !het->bookings.empty()) refuse_het_job(d, *het_offset, thread);
    }
    return o;
}

// Slurm drops the whole het-job: what its earlier components booked goes too.
void QuotaGate::refuse_het_job(Decision& d, std::uint32_t offset, std::thread::id thread) {
    const HetJob& het = het_.at(thread);
    const std::string earlier = offset == 1 ? std::string("component 0")
                                            : "components 0-" + std::to_string(offset - 1);
    d.message += " (het-job component " + std::to_string(offset) +
                 ": what is left already counts its " + earlier + ", " +
                 policy::detail::format_number(het.cuh, 2) + " CUH)";
    release_het_job(thread);
}

std::optional<catalog::Lien> QuotaGate::lien_of(const ModifyRequest& m, std::string& key) const {
    const std::string base = std::to_string(m.job_id);
    key = m.task_id ? base + "_" + std::to_string(*m.task_id) : base;
    if (auto it = changed_.find(key); it != changed_.end()) return it->second.lien;
    if (m.task_id) {
        if (auto it = changed_.find(base); it != changed_.end()) return one_task(it->second.lien);
    }
    const auto& liens = state_->loaded.liens;
    if (auto it = liens.find(m.job_id); it != liens.end())
        return m.task_id ? one_task(it->second) : it->second;
    return std::nullopt;
}

Outcome QuotaGate::unpriced(const ModifyRequest& m, const std::string& why) {
    Outcome o;
    o.decision.verdict = Verdict::refuse;
    o.decision.reason = Reason::bad_request;
    o.decision.message = "pdai: cannot price this change of " + job_text(m) + ": " + why +
                         "; try again after the next 'pdai sync' (within a few minutes)";
    ++counters_.modify_refused;
    return o;
}

Outcome QuotaGate::modify(const ModifyRequest& m) {
    std::lock_guard lock(mu_);
    Outcome o;
    Decision& d = o.decision;
    auto allow = [&](std::string message) {
        o.allow = true;
        if (d.verdict == Verdict::refuse) d.verdict = Verdict::admit;
        if (d.reason == Reason::internal_error) d.reason = Reason::ok;
        d.message = std::move(message);
        ++counters_.modify_allowed;
        return o;
    };
    if (config_.settings.exempt_users.contains(m.user)) {
        d.verdict = Verdict::exempt;
        d.reason = Reason::exempt_user;
        return allow("pdai: user " + m.user + " is exempt from pdai quotas");
    }
    if (!m.touches_price()) return allow("pdai: the change does not touch the job's price");
    if (!state_) {
        policy::JobRequest job;
        job.user = m.user;
        job.account = m.account;
        return fail_mode(job);
    }

    if (!m.ask_key.empty() && !m.task_id) {
        if (Kept* k = kept(m.ask_key)) return modify_kept(m, *k);
    }

    policy::GpuAsk new_ask;
    std::string ask_error;
    std::string key;
    const auto old = lien_of(m, key);
    auto price_tres = [&](std::optional<int> nodes) {
        policy::JobShape shape = m.shape;
        if (!shape.min_nodes && !shape.max_nodes) shape.min_nodes = nodes;
        auto ask = policy::gpu_ask_from_tres(
            {m.tres_per_job, m.tres_per_node, m.tres_per_task, m.tres_per_socket}, shape);
        if (ask) {
            new_ask = *ask;
        } else {
            ask_error = ask.error();
        }
    };

    if (!old) {
        if (m.tres_given()) {
            price_tres(std::nullopt);
            if (!ask_error.empty() || new_ask.count > 0)
                return unpriced(m, "it is not in the liens snapshot yet, and the change asks for GPUs");
        }
        const bool recent_gpu_jobs = std::any_of(
            bookings_.begin(), bookings_.end(),
            [&](const Booking& b) { return b.user == m.user && (b.cuh > 0 || b.gpus > 0); });
        if (recent_gpu_jobs)
            return unpriced(m, "it is not in the liens snapshot yet, and user " + m.user +
                                   " has GPU jobs admitted since then");
        return allow("pdai: " + job_text(m) + " holds no GPUs that pdai knows of");
    }

    // The job as it would be after the change.
    policy::JobRequest job;
    job.user = m.user;
    job.account = m.account ? *m.account : old->account;
    job.partition = m.partition;  // a lien does not say its partition: only a new one counts
    job.submit_time = m.now;
    job.array_tasks = old->tasks;
    if (old->gpus > 0 && old->concurrent_gpus < std::int64_t{old->gpus} * old->tasks)
        job.array_throttle = static_cast<int>(std::max<std::int64_t>(1, old->concurrent_gpus / old->gpus));
    const int new_nodes = nodes_of(m.shape);
    if (m.tres_given()) {
        price_tres(old->nodes);
        job.gpus = new_ask;
        job.request_error = ask_error;
    } else {
        job.gpus = {old->gpus, old->gpu_type};
        // GPUs per node scale with the nodes; per-job GPUs do not, but pdai cannot tell.
        if (old->gpus > 0 && new_nodes > old->nodes) {
            const int per_node = (old->gpus + old->nodes - 1) / old->nodes;
            job.gpus.count = std::max(old->gpus, per_node * new_nodes);
        }
    }
    if (m.time_given) {
        job.time_limit_minutes = m.time_limit_minutes.value_or(0);  // INFINITE: no limit
    } else if (old->time_limit_minutes) {
        job.time_limit_minutes = old->time_limit_minutes;
    } else if (job.gpus.count > 0) {
        return unpriced(m, "its lien has no time limit");
    }

    // Lowering never needs budget: same bureau and type, no more GPUs, nodes or time.
    const bool same_account = !m.account || *m.account == old->account;
    const bool lowered =
        same_account && !m.partition && job.request_error.empty() && job.gpus.count <= old->gpus &&
        (job.gpus.count == 0 || job.gpus.type == old->gpu_type) &&
        (new_nodes == 0 || new_nodes <= old->nodes) &&
        (!m.time_given ||
         (m.time_limit_minutes && *m.time_limit_minutes > 0 && old->time_limit_minutes &&
          *m.time_limit_minutes <= *old->time_limit_minutes));

    d = evaluate_without(old->account, old->bound_cuh, old->concurrent_gpus, job);

    if (d.verdict == Verdict::refuse) {
        if (lowered) {
            // The old lien stays booked: pdai never lowers a bound it could not price.
            d.verdict = Verdict::admit;
            d.reason = Reason::ok;
            return allow("pdai: " + job_text(m) + " asks for less than before; allowed");
        }
        ++counters_.modify_refused;
        return o;
    }
    const bool priced = d.verdict == Verdict::admit;
    catalog::Lien now_lien = *old;
    now_lien.account = priced ? d.account : job.account.value_or(old->account);
    now_lien.gpus = job.gpus.count;
    // Several types ("a100+t4") are no one type: a later change prices them as untyped.
    now_lien.gpu_type = priced && !d.gpu_type.empty() && job.gpus.mixed.empty() && d.whole_node.empty()
                            ? std::optional(d.gpu_type)
                            : job.gpus.type;
    now_lien.time_limit_minutes = job.time_limit_minutes;
    now_lien.nodes = std::max(old->nodes, new_nodes);
    now_lien.bound_cuh = priced ? d.bound_cuh : 0.0;
    now_lien.concurrent_gpus = priced ? d.concurrent_gpus : 0;
    rebook(m.now, old->account, old->bound_cuh, old->concurrent_gpus, now_lien.account,
           now_lien.bound_cuh, now_lien.concurrent_gpus);
    changed_.insert_or_assign(key, Changed{m.now, now_lien});
    return allow(d.message);
}

Decision QuotaGate::evaluate_without(const std::string& account, double cuh, std::int64_t gpus,
                                     const policy::JobRequest& job) {
    policy::Snapshot& s = state_->loaded.snapshot;
    const auto it = s.by_account.find(account);
    if (it != s.by_account.end()) {
        it->second.liens_cuh -= cuh;
        it->second.active_gpus -= gpus;
    }
    Decision d = policy::evaluate(s, config_.settings, job);  // never throws
    if (it != s.by_account.end()) {
        it->second.liens_cuh += cuh;
        it->second.active_gpus += gpus;
    }
    return d;
}

void QuotaGate::rebook(std::int64_t at, const std::string& old_account, double old_cuh,
                       std::int64_t old_gpus, const std::string& new_account, double new_cuh,
                       std::int64_t new_gpus) {
    book({0, at, old_account, {}, -old_cuh, -old_gpus});
    book({0, at, new_account, {}, new_cuh, new_gpus});
}

// The job as submitted, with what the update names, priced by the submission's builder.
Outcome QuotaGate::modify_kept(const ModifyRequest& m, Kept& kept) {
    policy::JobAsk next = kept.ask;
    if (m.account) next.account = *m.account;
    if (m.partition) next.partition = *m.partition;
    if (m.time_given) {
        next.time = m.time_limit_minutes ? policy::TimeAsk::of(*m.time_limit_minutes) : policy::TimeAsk::infinite();
    }
    std::string* fields[] = {&next.tres_per_job, &next.tres_per_node, &next.tres_per_task, &next.tres_per_socket};
    const std::string* given[] = {&m.tres_per_job, &m.tres_per_node, &m.tres_per_task, &m.tres_per_socket};
    for (int i = 0; i < 4; ++i)
        if (m.tres_named & (1u << i)) *fields[i] = *given[i];
    auto& shape = next.shape;
    if (m.shape.min_nodes) {  // NumNodes=N, or N-M: a new range replaces the old one
        shape.min_nodes = m.shape.min_nodes;
        shape.max_nodes = m.shape.max_nodes;
    } else if (m.shape.max_nodes) {
        shape.max_nodes = m.shape.max_nodes;
    }
    if (m.shape.num_tasks) shape.num_tasks = m.shape.num_tasks;
    if (m.shape.ntasks_per_node) shape.ntasks_per_node = m.shape.ntasks_per_node;
    if (m.shape.sockets_per_node) shape.sockets_per_node = m.shape.sockets_per_node;
    if (m.array_throttle) next.array = with_throttle(next.array, *m.array_throttle);
    next.submit_time = m.now;

    Outcome o;
    Decision& d = o.decision;
    d = evaluate_without(kept.account, kept.cuh, kept.gpus, policy::build_request(next));
    const bool same_bureau = d.account.empty() || d.account == kept.account;
    const bool budget_refusal =
        d.reason == Reason::over_budget || d.reason == Reason::no_quota || d.reason == Reason::over_gpu_cap;
    if (d.verdict == Verdict::refuse) {
        if (budget_refusal && same_bureau && d.bound_cuh <= kept.cuh + policy::kEpsilonCuh &&
            d.concurrent_gpus <= kept.gpus) {
            // No more than before: allowed; the old bound stays booked.
            o.allow = true;
            d.verdict = Verdict::admit;
            d.reason = Reason::ok;
            d.message = "pdai: " + job_text(m) + " asks for no more than before; allowed";
            ++counters_.modify_allowed;
            return o;
        }
        ++counters_.modify_refused;
        return o;
    }
    const bool priced = d.verdict == Verdict::admit;
    const double cuh = priced ? d.bound_cuh : 0.0;
    const std::int64_t gpus = priced ? d.concurrent_gpus : 0;
    const std::string account = priced ? d.account : kept.account;
    rebook(m.now, kept.account, kept.cuh, kept.gpus, account, cuh, gpus);
    kept.ask = std::move(next);
    kept.account = account;
    kept.cuh = cuh;
    kept.gpus = gpus;
    o.allow = true;
    ++counters_.modify_allowed;
    return o;
}

}  // namespace pdai::gate
