#include "policy/quota_policy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "policy/duration.hpp"
#include "policy/parse_util.hpp"

namespace pdai::policy {
namespace {

using detail::ascii_safe;
using detail::format_number;

// An admission's message when Settings::admission_summary is off: short enough for the
// string's own buffer, so no allocation.
constexpr const char* kTerseAdmission = "pdai: admitted";
using Verdict = Decision::Verdict;
using Reason = Decision::Reason;

// ---- message pieces: every untrusted string goes through ascii_safe() or display() ----

// A display name may be UTF-8 but must not break the one-line message.
std::string display(std::string_view name) {
    std::string out;
    for (char c : name.substr(0, 128)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? ' ' : c;
    }
    return out;
}

std::string bureau_name(const Bureau& b) {
    const std::string code = ascii_safe(b.code);
    return b.display_name.empty() ? "bureau " + code
                                  : "bureau " + code + " (" + display(b.display_name) + ")";
}

std::string cuh(double v, int decimals = 2) {
    return format_number(v, decimals) + " CUH";
}

std::string gpus_text(std::int64_t n) {
    return std::to_string(n) + (n == 1 ? " GPU" : " GPUs");
}

std::string hours_text(int minutes) {
    return format_number(minutes / 60.0, 3) + "h";
}

// The options advice names, in the syntax of the command the user ran (Settings::advice): the
// one place that knows both spellings.
std::string duration_text(Syntax s, int minutes) {
    return s == Syntax::pdai ? format_human(minutes) : format_slurm_time(minutes);
}
std::string time_option(Syntax s, int minutes) {
    return (s == Syntax::pdai ? "--time " : "--time=") + duration_text(s, minutes);
}
std::string time_examples(Syntax s) {
    return s == Syntax::pdai ? "--time, e.g. --time 4h or --time 1d" : "--time, e.g. --time=04:00:00 or --time=1-00:00:00";
}
std::string gpus_option(Syntax s, std::string_view type, std::int64_t n) {
    return (s == Syntax::pdai ? "--gpus " : "--gres=gpu:") + std::string(type) + ":" + std::to_string(n);
}
std::string throttle_option(Syntax s, std::int64_t t) {
    return s == Syntax::pdai ? "--max-parallel " + std::to_string(t) + " ('pdai infer')"
                             : "--array=...%" + std::to_string(t);
}
std::string bureau_option(Syntax s, const Bureau& b) {
    return s == Syntax::pdai ? "--bureau " + ascii_safe(b.code) : "--account=" + ascii_safe(b.account);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (const auto& s : items) {
        if (!out.empty()) out += sep;
        out += s;
    }
    return out;
}

std::string accounts_text(const std::vector<std::string>& accounts) {
    std::vector<std::string> safe;
    for (const auto& a : accounts) safe.push_back(ascii_safe(a));
    return join(safe, ", ");
}

// ---- the engine ----

// The GPU types a bureau may use, known to the catalog, sorted by name.
std::vector<const GpuType*> allowed_types(const Snapshot& s, const Bureau& b) {
    std::vector<const GpuType*> out;
    if (b.allowed_gpu_types.empty()) {
        for (const auto& [name, t] : s.gpu_types) out.push_back(&t);
    } else {
        for (const auto& name : b.allowed_gpu_types) {
            if (auto it = s.gpu_types.find(name); it != s.gpu_types.end())
                out.push_back(&it->second);
        }
        std::sort(out.begin(), out.end(), [](auto* a, auto* c) { return a->name < c->name; });
        out.erase(std::unique(out.begin(), out.end()), out.end());
    }
    return out;
}

std::string type_names(const std::vector<const GpuType*>& types) {
    std::vector<std::string> names;
    for (const auto* t : types) names.push_back(ascii_safe(t->name));
    return names.empty() ? std::string("none") : join(names, ", ");
}

// What the engine's steps return once the decision (d_) is complete: nothing to copy.
struct Done {};

class Evaluation {
public:
    Evaluation(const Snapshot& s, const Settings& st, const JobRequest& j)
        : snap_(s), settings_(st), job_(j) {}

    Decision take() { return std::move(d_); }

    Done run() {
        switch (exemption(settings_, job_.user, job_.account)) {
        case Reason::exempt_user:
            return exempt(Reason::exempt_user, "user " + ascii_safe(job_.user) + " is exempt");
        case Reason::exempt_account:
            return exempt(Reason::exempt_account, "account " + ascii_safe(*job_.account) + " is exempt");
        default: break;
        }
        const bool has_account = job_.account && !job_.account->empty();
        if (!job_.request_error.empty()) {
            return refuse(Reason::bad_request,
                          "cannot read this job's request: " + ascii_safe(job_.request_error, 300));
        }
        const Bureau* b = has_account ? resolve_given(*job_.account) : resolve_default();
        if (!b) return {};
        d_.bureau = b->code;
        d_.account = b->account;
        period_ = period_of(b->period, job_.submit_time != 0 ? job_.submit_time : snap_.taken_at);
        d_.period_label = period_.label;
        d_.remaining_cuh = b->budget_cuh - b->used_cuh - b->liens_cuh;

        if (!b->members.contains(job_.user)) {
            return refuse(Reason::not_member, "user " + ascii_safe(job_.user) +
                                                  " is not a member of " + bureau_name(*b) + "; " +
                                                  other_accounts_advice(b->account) +
                                                  "ask the platform admin to add you to it");
        }
        if (!b->active) {
            return refuse(Reason::inactive, bureau_name(*b) +
                                                " is not active, so it cannot run jobs; ask "
                                                "the platform admin to reactivate it");
        }
        gpus_ = job_.gpus;
        find_partitions();
        if ((job_.exclusive || whole_node_partition_) && !whole_nodes(*b)) return {};
        if (gpus_.count < 0 || job_.array_tasks < 1) {
            return refuse(Reason::bad_request,
                          "GPU count " + std::to_string(gpus_.count) + " or array size " +
                              std::to_string(job_.array_tasks) + " is out of range");
        }
        if (gpus_.count == 0) {
            d_.verdict = Verdict::admit;
            d_.reason = Reason::no_gpus;
            d_.message = settings_.admission_summary
                             ? "pdai: admitted to " + bureau_name(*b) + ": the job asks for no GPUs"
                             : std::string(kTerseAdmission);
            return {};
        }
        return gpu_rules(*b);
    }

private:
    // The job's partitions (known ones; a list may name several), and whether any gives
    // whole nodes. An unknown partition adds nothing: Slurm refuses a job naming one.
    void find_partitions() {
        if (!job_.partition || snap_.partitions.empty()) return;
        const std::string_view names = *job_.partition;
        for (const auto& p : snap_.partitions) {
            bool named = false;
            if (names.empty()) {
                named = p.is_default;
            } else {
                for (std::size_t at = 0; at <= names.size() && !named;) {
                    const auto comma = std::min(names.find(',', at), names.size());
                    named = names.substr(at, comma - at) == p.name;
                    at = comma + 1;
                }
            }
            if (!named) continue;
            partitions_.push_back(&p);
            whole_node_partition_ = whole_node_partition_ || p.exclusive;
        }
    }

    // Whether the job may land on `host`: any node when its partitions are unknown.
    bool in_partitions(const std::string& host) const {
        if (partitions_.empty()) return true;
        return std::any_of(partitions_.begin(), partitions_.end(), [&](const Partition* p) {
            return std::binary_search(p->nodes.begin(), p->nodes.end(), host);
        });
    }

    // Rule 5: an exclusive job holds every GPU of its nodes. False after refusing.
    bool whole_nodes(const Bureau& b) {
        const std::string advice =
            " to price an exclusive job, which gets every GPU of its nodes; ask the platform "
            "admin to run 'pdai node sync'";
        if (snap_.nodes.empty()) {
            refuse(Reason::no_inventory, "no node inventory" + advice);
            return false;
        }
        const std::int64_t now = job_.submit_time != 0 ? job_.submit_time : snap_.taken_at;
        const std::int64_t max_age = std::int64_t{settings_.inventory_max_age_days} * 86400;
        if (max_age > 0 && now - snap_.inventory_at > max_age) {
            refuse(Reason::no_inventory, "the node inventory is " +
                                             std::to_string((now - snap_.inventory_at) / 86400) +
                                             " days old, too old" + advice);
            return false;
        }
        // The dearest node it may land on that holds what it asks for; none: price the ask.
        double dearest_weight = 0;
        for (const auto& [name, t] : snap_.gpu_types) dearest_weight = std::max(dearest_weight, t.weight);
        const std::int64_t nodes = std::max(job_.nodes, 1);
        const NodeGpus* largest = nullptr;
        double largest_rate = -1;
        std::int64_t largest_count = -1;
        for (const auto& n : snap_.nodes) {
            if (!n.owner.empty() && n.owner != b.code) continue;
            if (!in_partitions(n.host)) continue;
            double rate = 0;
            std::int64_t count = 0;
            for (const auto& [type, c] : n.gpus) {
                const auto it = snap_.gpu_types.find(type);
                rate += c * (it != snap_.gpu_types.end() ? it->second.weight : dearest_weight);
                count += c;
            }
            bool holds = count * nodes >= gpus_.count;
            for (const auto& [type, want] : gpus_.by_type()) {
                const auto have = n.gpus.find(type);
                holds = holds && have != n.gpus.end() && have->second * nodes >= want;
            }
            if (!holds) continue;
            if (rate > largest_rate || (rate == largest_rate && count > largest_count)) {
                largest = &n;
                largest_rate = rate;
                largest_count = count;
            }
        }
        if (!largest) return true;
        auto counts = largest->gpus;
        for (auto& [type, c] : counts)
            c = static_cast<int>(std::min<std::int64_t>(c * nodes, kMaxGpusPerJob));
        gpus_ = gpu_ask_of_types(counts);
        d_.whole_node = largest->host;
        return true;
    }

    [[gnu::cold, gnu::noinline]]
    Done exempt(Reason r, const std::string& why) {
        d_.verdict = Verdict::exempt;
        d_.reason = r;
        d_.message = "pdai: " + why + " from pdai quotas";
        return {};
    }

    [[gnu::cold, gnu::noinline]]
    Done refuse(Reason r, const std::string& text) {
        d_.verdict = Verdict::refuse;
        d_.reason = r;
        d_.message = "pdai: " + text;
        return {};
    }

    // Active bureaus the user belongs to, by account.
    std::vector<std::string> own_accounts(bool active_only) const {
        std::vector<std::string> out;
        if (auto it = snap_.bureaus_of_user.find(job_.user); it != snap_.bureaus_of_user.end()) {
            for (const auto& a : it->second) {
                const Bureau* b = snap_.find_bureau(a);
                if (b && (!active_only || b->active) && b->members.contains(job_.user)) {
                    out.push_back(a);
                }
            }
        }
        return out;
    }

    // "use --account=x, or " (or "one of x, y"), or empty when the user has no other bureau.
    [[gnu::cold, gnu::noinline]]
    std::string other_accounts_advice(std::string_view except) const {
        auto mine = own_accounts(true);
        std::erase(mine, std::string(except));
        if (mine.empty()) return {};
        if (mine.size() == 1) return "use --account=" + ascii_safe(mine[0]) + ", or ";
        return "use --account with one of " + accounts_text(mine) + ", or ";
    }

    const Bureau* resolve_given(const std::string& account) {
        if (const Bureau* b = snap_.find_bureau(account)) return b;
        if (const Bureau* b = snap_.find_bureau(detail::ascii_lower(account))) return b;
        const auto mine = own_accounts(true);
        std::string advice;
        if (mine.size() == 1) {
            advice = "use --account=" + ascii_safe(mine[0]);
        } else if (!mine.empty()) {
            advice = "use --account with one of your bureaus: " + accounts_text(mine);
        } else {
            advice = "ask the platform admin which account your bureau uses";
        }
        refuse(Reason::unknown_account,
               "account '" + ascii_safe(account) + "' is not a pdai bureau; " + advice);
        return nullptr;
    }

    // The user's one active bureau, or nullptr when they have none or several: the usual case
    // of a job without --account, answered without building the list of accounts.
    const Bureau* only_bureau() const {
        const auto it = snap_.bureaus_of_user.find(job_.user);
        if (it == snap_.bureaus_of_user.end()) return nullptr;
        const Bureau* found = nullptr;
        for (const auto& a : it->second) {
            const Bureau* b = snap_.find_bureau(a);
            if (!b || !b->active || !b->members.contains(job_.user)) continue;
            if (found) return nullptr;
            found = b;
        }
        return found;
    }

    const Bureau* resolve_default() {
        if (settings_.default_account_from_bureau) {
            if (const Bureau* b = only_bureau()) {
                d_.set_account = b->account;
                return b;
            }
        }
        const auto mine = own_accounts(true);
        const std::string user = "user " + ascii_safe(job_.user);
        if (mine.empty()) {
            const auto inactive = own_accounts(false);
            if (!inactive.empty()) {
                refuse(Reason::inactive, user + " belongs only to inactive bureaus (" +
                                             accounts_text(inactive) +
                                             "); ask the platform admin to reactivate one");
            } else {
                refuse(Reason::not_in_any_bureau,
                       user +
                           " is not a member of any pdai bureau; ask the platform admin to "
                           "add you to your bureau, then submit with --account=<its account>");
            }
            return nullptr;
        }
        if (mine.size() > 1) {
            std::vector<std::string> options;
            for (const auto& a : mine)
                if (const Bureau* m = snap_.find_bureau(a)) options.push_back(bureau_option(settings_.advice, *m));
            refuse(Reason::ambiguous_account, user + " belongs to " + std::to_string(mine.size()) +
                                                  " bureaus (" + accounts_text(mine) +
                                                  "); choose one with " + join(options, " or "));
            return nullptr;
        }
        if (!settings_.default_account_from_bureau) {
            refuse(Reason::no_account, "no --account given; submit with --account=" +
                                           ascii_safe(mine[0]) + " (your bureau's account)");
            return nullptr;
        }
        d_.set_account = mine[0];
        return snap_.find_bureau(mine[0]);
    }

    // A weight that is negative or not a number would price jobs free or at random: refuse.
    bool usable_weight(const GpuType& t) {
        if (t.weight >= 0 && std::isfinite(t.weight)) [[likely]]
            return true;
        return bad_weight(t);
    }
    [[gnu::cold, gnu::noinline]] bool bad_weight(const GpuType& t) {
        refuse(Reason::bad_config, "GPU type '" + ascii_safe(t.name) + "' has weight " +
                                       format_number(t.weight, 3) + "; ask the platform admin to fix it");
        return false;
    }

    // What the job's GPUs cost per GPU-hour: one type, each named type at its own weight, or
    // an untyped request at the dearest type allowed. False after refusing.
    struct Priced {
        std::string name;  // "a100", or "a100+t4" for several types
        double weight = 0, price_cny = 0;  // per GPU-hour, averaged over the job's GPUs
    };
    std::optional<Priced> price(const Bureau& b) {
        // The usual cases, one allowed type or an untyped ask, priced without building lists:
        // the plugin decides on a fresh slurmctld thread, where every allocation is slow.
        if (gpus_.mixed.empty()) {
            if (gpus_.type) {
                const auto it = snap_.gpu_types.find(*gpus_.type);
                if (it != snap_.gpu_types.end() && may_use(b, it->second.name)) {
                    if (!usable_weight(it->second)) return std::nullopt;
                    return Priced{it->second.name, it->second.weight, it->second.price_cny};
                }
            } else if (const GpuType* dearest = dearest_allowed(b)) {
                if (!usable_weight(*dearest)) return std::nullopt;
                d_.priced_untyped = true;
                return Priced{dearest->name, dearest->weight, dearest->price_cny};
            }
        }
        // The rest (several types, unknown or forbidden ones, nothing allowed) and its messages.
        const auto allowed = allowed_types(snap_, b);
        const auto counts = gpus_.by_type();
        if (!counts.empty()) {
            std::vector<std::string> unknown, forbidden;
            Priced p;
            for (const auto& [name, n] : counts) {
                const auto it = snap_.gpu_types.find(name);
                if (it == snap_.gpu_types.end()) {
                    unknown.push_back("'" + ascii_safe(name) + "'");
                    continue;
                }
                if (std::find(allowed.begin(), allowed.end(), &it->second) == allowed.end()) {
                    forbidden.push_back("'" + ascii_safe(name) + "'");
                    continue;
                }
                const GpuType& t = it->second;
                if (!usable_weight(t)) return std::nullopt;
                p.name += (p.name.empty() ? "" : "+") + t.name;
                p.weight += n * t.weight;
                p.price_cny += n * t.price_cny;
            }
            if (!unknown.empty()) {
                refuse(Reason::unknown_gpu_type,
                       "unknown " + (unknown.size() > 1 ? std::string("GPU types ") : "GPU type ") +
                           join(unknown, " and ") + "; " + bureau_name(b) +
                           " may use: " + type_names(allowed));
                return std::nullopt;
            }
            if (!forbidden.empty()) {
                std::string example;
                if (counts.size() == 1)
                    example = " (e.g. " +
                              gpus_option(settings_.advice,
                                          allowed.empty() ? std::string("TYPE") : ascii_safe(allowed[0]->name),
                                          gpus_.count) +
                              ")";
                refuse(Reason::gpu_type_not_allowed,
                       bureau_name(b) + " may not use " +
                           (forbidden.size() > 1 ? std::string("GPU types ") : "GPU type ") +
                           join(forbidden, " and ") + "; allowed: " + type_names(allowed) + example);
                return std::nullopt;
            }
            if (counts.size() == 1) {  // exactly the type's figures, without a float round trip
                const GpuType& t = snap_.gpu_types.find(counts.begin()->first)->second;
                return Priced{t.name, t.weight, t.price_cny};
            }
            p.weight /= gpus_.count;
            p.price_cny /= gpus_.count;
            return p;
        }
        // Untyped, and no type allowed: the fast path above prices every other untyped ask.
        if (!dearest_allowed(b)) {
            refuse(Reason::no_gpu_type, bureau_name(b) +
                                            " has no GPU type it may use; ask the platform admin "
                                            "to configure GPU types and its allowed types");
        }
        return std::nullopt;
    }

    // Whether the bureau may use the known type `name` (no list: every type).
    static bool may_use(const Bureau& b, std::string_view name) {
        return b.allowed_gpu_types.empty() ||
               std::find(b.allowed_gpu_types.begin(), b.allowed_gpu_types.end(), name) !=
                   b.allowed_gpu_types.end();
    }

    // Untyped GPUs may land on any type the bureau can reach, so they are charged at the
    // dearest; of equal weights, the first by name. A weight that is not a number is taken
    // when its type comes first by name, so usable_weight() refuses it (as a scan of
    // allowed_types() in name order would find it).
    const GpuType* dearest_allowed(const Bureau& b) const {
        const GpuType* dearest = nullptr;
        const GpuType* first = nullptr;
        auto consider = [&](const GpuType& t) {
            if (!first || t.name < first->name) first = &t;
            if (std::isnan(t.weight)) return;
            if (!dearest || t.weight > dearest->weight ||
                (t.weight == dearest->weight && t.name < dearest->name))
                dearest = &t;
        };
        if (b.allowed_gpu_types.empty()) {
            for (const auto& [name, t] : snap_.gpu_types) consider(t);
        } else {
            for (const auto& name : b.allowed_gpu_types) {
                if (const auto it = snap_.gpu_types.find(name); it != snap_.gpu_types.end())
                    consider(it->second);
            }
        }
        return first && std::isnan(first->weight) ? first : dearest;
    }

    Done gpu_rules(const Bureau& b) {
        const std::int64_t tasks = job_.array_tasks;
        const std::int64_t at_once = job_.array_throttle && *job_.array_throttle > 0
                                         ? std::min<std::int64_t>(tasks, *job_.array_throttle)
                                         : tasks;
        d_.gpus = gpus_.count;
        d_.array_tasks = job_.array_tasks;
        d_.concurrent_gpus = std::int64_t{gpus_.count} * at_once;

        const auto type = price(b);
        if (!type) return {};
        d_.gpu_type = type->name;
        d_.weight = type->weight;

        // 0 minutes is "no limit" in Slurm; the site default stands in only when none was given.
        int limit = 0;
        if (job_.time_limit_minutes) {
            limit = *job_.time_limit_minutes;
        } else if (settings_.default_time_minutes) {
            limit = *settings_.default_time_minutes;
        }
        if (limit <= 0) return no_time_limit(b);
        d_.time_limit_minutes = limit;
        if (b.max_time_minutes && limit > *b.max_time_minutes) return time_over_max(b, limit);

        const double gpu_hours = static_cast<double>(tasks) * gpus_.count * (limit / 60.0);
        d_.bound_cuh = gpu_hours * type->weight;
        d_.cost_cny = gpu_hours * type->price_cny;
        if (!b.has_quota && d_.bound_cuh > kEpsilonCuh) return no_quota(b);
        if (!(d_.bound_cuh <= d_.remaining_cuh + kEpsilonCuh)) return over_budget(b);

        if (b.max_gpus && b.active_gpus + d_.concurrent_gpus > *b.max_gpus) return over_cap(b);

        d_.verdict = Verdict::admit;
        d_.reason = Reason::ok;
        if (settings_.admission_summary) {
            admission_summary(b);
        } else {
            d_.message = kTerseAdmission;
        }
        return {};
    }

    // The refusals and the summary below are out of line, in the cold text: the admissions
    // of the plugin never run them, so its path stays a few cache lines long.
    [[gnu::cold, gnu::noinline]] Done no_time_limit(const Bureau& b) {
        const std::string longest = b.max_time_minutes
                                        ? "; the longest " + bureau_name(b) + " allows is " +
                                              format_slurm_time(*b.max_time_minutes)
                                        : std::string{};
        return refuse(Reason::no_time_limit,
                      "the job has no time limit, and GPU jobs are charged GPUs x time; give " +
                          time_examples(settings_.advice) + longest);
    }

    [[gnu::cold, gnu::noinline]] Done time_over_max(const Bureau& b, int limit) {
        return refuse(
            Reason::time_over_max,
            "time limit " + duration_text(settings_.advice, limit) + " is longer than " + bureau_name(b) +
                " allows (" + duration_text(settings_.advice, *b.max_time_minutes) + "); ask for " +
                time_option(settings_.advice, *b.max_time_minutes) + " or less");
    }

    [[gnu::cold, gnu::noinline]] void admission_summary(const Bureau& b) {
        d_.message = "pdai: admitted to " + bureau_name(b) + ": needs " + need_text() + "; " +
                     cuh(d_.remaining_cuh - d_.bound_cuh) + " left in " + period_.label +
                     " after it";
    }

    // "16 tasks x 2 GPUs x 3h x 1.5 CUH/GPU-h = 144 CUH"
    [[gnu::cold, gnu::noinline]]
    std::string need_text() const { return need_text(format_number(d_.bound_cuh, cuh_decimals_)); }
    // Several types: "(1 x a100 x 2 + 4 x t4 x 0.5 CUH/GPU-h) x 2h = 8 CUH".
    [[gnu::cold, gnu::noinline]]
    std::string need_text(const std::string& bound) const {
        std::string s;
        if (d_.array_tasks > 1) s = std::to_string(d_.array_tasks) + " tasks x ";
        if (!gpus_.mixed.empty()) {
            std::string parts;
            for (const auto& [name, n] : gpus_.mixed) {
                const auto it = snap_.gpu_types.find(name);
                const double w = it == snap_.gpu_types.end() ? 0.0 : it->second.weight;
                parts += (parts.empty() ? "" : " + ") + std::to_string(n) + " x " +
                         ascii_safe(name) + " x " + format_number(w, 3);
            }
            return s + "(" + parts + " CUH/GPU-h) x " + hours_text(d_.time_limit_minutes) +
                   " = " + bound + " CUH" + whole_node_text();
        }
        s += gpus_text(d_.gpus) + " x " + hours_text(d_.time_limit_minutes) + " x " +
             format_number(d_.weight, 3) + " CUH/GPU-h = " + bound + " CUH";
        s += " (" + ascii_safe(d_.gpu_type) +
             (d_.priced_untyped ? ", the dearest type allowed, as no type was named)" : ")");
        return s + whole_node_text();
    }

    [[gnu::cold, gnu::noinline]]
    std::string whole_node_text() const {
        if (d_.whole_node.empty()) return {};
        std::string why = "--exclusive";
        if (!job_.exclusive) {  // the partition's doing
            for (const auto* p : partitions_)
                if (p->exclusive) why = "partition " + ascii_safe(p->name) + " gives whole nodes";
        }
        return ", for every GPU of " + (job_.nodes > 1 ? std::to_string(job_.nodes) + " nodes like " : std::string("a node like ")) +
               ascii_safe(d_.whole_node) + " (" + why + ")";
    }

    [[gnu::cold, gnu::noinline]]
    std::string left_text(const Bureau& b) const {
        const double r = d_.remaining_cuh;
        const std::string of = " (budget " + cuh(b.budget_cuh) + ")";
        if (r < -kEpsilonCuh) {
            return bureau_name(b) + " is " + cuh(-r) + " over its budget for " + period_.label + of;
        }
        return bureau_name(b) + " has " + cuh(std::max(r, 0.0), cuh_decimals_) + " left in " +
               period_.label + of;
    }

    [[gnu::cold, gnu::noinline]]
    Done over_budget(const Bureau& b) {
        const double r = d_.remaining_cuh;
        // "needs 0.3 CUH, 0.3 left" would make no sense: show more digits when they round alike.
        if (format_number(d_.bound_cuh, 2) == format_number(r, 2)) cuh_decimals_ = 6;
        const double w = d_.weight;
        const double hours = d_.time_limit_minutes / 60.0;
        std::vector<std::string> change;
        if (r > kEpsilonCuh) {
            const double per_minute = static_cast<double>(d_.array_tasks) * d_.gpus * w / 60.0;
            // Largest n with n * unit <= r + epsilon: the division may round either way, so
            // start one above it and step down with the admission test itself.
            auto largest_fitting = [&](double unit) {
                const double q = std::min(std::floor(r / unit) + 1, 1e12);
                auto n = static_cast<std::int64_t>(q);
                while (n > 0 && !(static_cast<double>(n) * unit <= r + kEpsilonCuh)) --n;
                return n;
            };
            if (per_minute > 0) {
                auto m = largest_fitting(per_minute);
                if (m > 0)
                    change.push_back("ask for " + time_option(settings_.advice, static_cast<int>(m)) + " or less");
            }
            const double per_gpu = static_cast<double>(d_.array_tasks) * hours * w;
            if (per_gpu > 0 && d_.gpus > 1 && gpus_.mixed.empty()) {
                auto g = largest_fitting(per_gpu);
                if (g > 0) change.push_back("ask for " + gpus_text(g) + " or fewer per task");
            }
            const double per_task = d_.gpus * hours * w;
            if (per_task > 0 && d_.array_tasks > 1) {
                auto t = largest_fitting(per_task);
                if (t > 0)
                    change.push_back("submit " + std::to_string(t) + " array tasks or fewer");
            }
            if (d_.priced_untyped) {
                const auto allowed = allowed_types(snap_, b);
                const GpuType* cheapest = nullptr;
                for (const auto* t : allowed) {
                    if (t->weight >= 0 && (!cheapest || t->weight < cheapest->weight)) cheapest = t;
                }
                if (cheapest && cheapest->weight < w) {
                    change.push_back("name a cheaper GPU type (e.g. " +
                                     gpus_option(settings_.advice, ascii_safe(cheapest->name), d_.gpus) + ", " +
                                     format_number(cheapest->weight, 3) + " CUH/GPU-h)");
                }
            }
        } else {
            change.push_back("wait for the budget to renew on " + utc_date(period_.end) + " (UTC)");
        }
        change.push_back("ask the platform admin to raise the budget");
        return refuse(Reason::over_budget, left_text(b) + "; this job needs " + need_text() + "; " +
                                               join(change, ", or "));
    }

    [[gnu::cold, gnu::noinline]]
    Done no_quota(const Bureau& b) {
        // Not "0 CUH left, wait for the budget to renew": nothing will renew until a quota exists.
        return refuse(Reason::no_quota, bureau_name(b) + " has no quota, so it cannot run GPU jobs (this one needs " +
                                            need_text() + "); ask the platform admin to set one ('pdai quota set " +
                                            ascii_safe(b.code) + " --budget CUH')");
    }

    [[gnu::cold, gnu::noinline]]
    Done over_cap(const Bureau& b) {
        const std::int64_t cap = *b.max_gpus;
        std::string text = bureau_name(b) + " may hold at most " + gpus_text(cap) + " at once; ";
        if (d_.concurrent_gpus > cap) {
            text += "this job alone would hold " + std::to_string(d_.concurrent_gpus);
        } else {
            text += std::to_string(b.active_gpus) +
                    " are held by its running and pending jobs and this job would hold " +
                    std::to_string(d_.concurrent_gpus) + " more";
        }
        const std::int64_t tasks_at_once = d_.gpus > 0 ? d_.concurrent_gpus / d_.gpus : 0;
        if (tasks_at_once > 1) {
            text += " (" + gpus_text(d_.gpus) + " x " + std::to_string(tasks_at_once) +
                    " array tasks at once)";
        }
        std::vector<std::string> change;
        const std::int64_t free_now = std::max<std::int64_t>(0, cap - b.active_gpus);
        // A throttle that fits what is free now, else what the cap allows once jobs finish.
        if (d_.array_tasks > 1 && d_.gpus <= cap) {
            const std::int64_t t = free_now >= d_.gpus ? free_now / d_.gpus : cap / d_.gpus;
            change.push_back("throttle the array with " + throttle_option(settings_.advice, t));
        }
        if (d_.gpus > cap) {
            change.push_back("ask for " + gpus_text(cap) + " or fewer per task");
        } else if (d_.gpus > 1 && free_now > 0) {
            change.push_back("ask for fewer GPUs");
        }
        // Waiting helps only when the job fits the cap on its own.
        if (b.active_gpus > 0 && d_.concurrent_gpus <= cap) {
            change.push_back("wait for its jobs to finish");
        }
        change.push_back("ask the platform admin to raise the cap");
        return refuse(Reason::over_gpu_cap, text + "; " + join(change, ", or "));
    }

    const Snapshot& snap_;
    const Settings& settings_;
    const JobRequest& job_;
    GpuAsk gpus_;  // what is priced: the job's GPUs, or its whole nodes' (rule 5)
    std::vector<const Partition*> partitions_;  // the job's, when known
    bool whole_node_partition_ = false;         // one of them gives whole nodes
    PeriodRange period_;
    Decision d_;
    int cuh_decimals_ = 2;
};

}  // namespace

const Bureau* Snapshot::find_bureau(std::string_view account) const noexcept {
    const auto it = by_account.find(account);
    return it == by_account.end() ? nullptr : &it->second;
}

void index_members(Snapshot& snapshot) {
    snapshot.bureaus_of_user.clear();
    for (const auto& [account, b] : snapshot.by_account) {
        for (const auto& user : b.members) snapshot.bureaus_of_user[user].push_back(account);
    }
    for (auto& [user, accounts] : snapshot.bureaus_of_user) std::sort(accounts.begin(), accounts.end());
}

bool period_rolled_over(const Snapshot& snapshot, std::int64_t now) noexcept {
    bool seen[3] = {false, false, false};
    for (const auto& [account, b] : snapshot.by_account) {
        auto& s = seen[static_cast<int>(b.period)];
        if (s) continue;
        s = true;
        // Compare start times only: no strings, so this cannot throw.
        const auto kind = b.period;
        try {
            if (period_of(kind, now).start != period_of(kind, snapshot.taken_at).start) return true;
        } catch (...) {
            return true;
        }
    }
    return false;
}

std::string_view to_string(Decision::Verdict v) noexcept {
    switch (v) {
        case Verdict::admit: return "admit";
        case Verdict::refuse: return "refuse";
        case Verdict::exempt: return "exempt";
    }
    return "refuse";
}

std::string_view to_string(Decision::Reason r) noexcept {
    switch (r) {
        case Reason::ok: return "ok";
        case Reason::no_gpus: return "no_gpus";
        case Reason::exempt_user: return "exempt_user";
        case Reason::exempt_account: return "exempt_account";
        case Reason::bad_request: return "bad_request";
        case Reason::no_account: return "no_account";
        case Reason::ambiguous_account: return "ambiguous_account";
        case Reason::not_in_any_bureau: return "not_in_any_bureau";
        case Reason::unknown_account: return "unknown_account";
        case Reason::not_member: return "not_member";
        case Reason::inactive: return "inactive";
        case Reason::unknown_gpu_type: return "unknown_gpu_type";
        case Reason::gpu_type_not_allowed: return "gpu_type_not_allowed";
        case Reason::no_gpu_type: return "no_gpu_type";
        case Reason::bad_config: return "bad_config";
        case Reason::no_time_limit: return "no_time_limit";
        case Reason::time_over_max: return "time_over_max";
        case Reason::over_budget: return "over_budget";
        case Reason::no_quota: return "no_quota";
        case Reason::over_gpu_cap: return "over_gpu_cap";
        case Reason::no_inventory: return "no_inventory";
        case Reason::internal_error: return "internal_error";
    }
    return "internal_error";
}

Decision::Reason exemption(const Settings& settings, std::string_view user,
                           const std::optional<std::string>& account) {
    if (settings.exempt_users.contains(user)) return Reason::exempt_user;
    // Slurm treats account names case-insensitively and keeps them in lower case.
    if (account && !account->empty() && !settings.exempt_accounts.empty() &&
        (settings.exempt_accounts.contains(*account) ||
         settings.exempt_accounts.contains(detail::ascii_lower(*account))))
        return Reason::exempt_account;
    return Reason::ok;
}

[[gnu::hot]] Decision evaluate(const Snapshot& snapshot, const Settings& settings,
                  const JobRequest& job) noexcept {
    try {
        Evaluation e(snapshot, settings, job);
        e.run();
        return e.take();
    } catch (...) {
        // Only allocation can fail here; the caller decides fail-open or fail-closed.
        Decision d;
        d.verdict = Verdict::refuse;
        d.reason = Reason::internal_error;
        try {
            d.message = "pdai: internal error while checking the quota; try again";
        } catch (...) {
        }
        return d;
    }
}

void admit(Snapshot& snapshot, const Decision& decision) noexcept {
    if (decision.verdict != Verdict::admit) return;
    const auto it = snapshot.by_account.find(decision.account);
    if (it == snapshot.by_account.end()) return;
    it->second.liens_cuh += decision.bound_cuh;
    it->second.active_gpus += decision.concurrent_gpus;
}

}  // namespace pdai::policy
