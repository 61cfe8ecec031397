#include "policy/gpu_request.hpp"

#include <algorithm>
#include <vector>

#include "policy/parse_util.hpp"

namespace pdai::policy {
namespace {

using detail::ascii_safe;

// A GRES count: digits with an optional k/m/g suffix (x1024 each, as in Slurm).
std::optional<std::int64_t> parse_count(std::string_view s) {
    std::int64_t mult = 1;
    if (!s.empty()) {
        switch (s.back()) {
            case 'k':
            case 'K': mult = 1024; break;
            case 'm':
            case 'M': mult = 1024 * 1024; break;
            case 'g':
            case 'G': mult = 1024 * 1024 * 1024; break;
            default: break;
        }
        if (mult != 1) s.remove_suffix(1);
    }
    const auto n = detail::parse_uint(s, kMaxGpusPerJob);
    if (!n || *n * mult > kMaxGpusPerJob) return std::nullopt;
    return *n * mult;
}

bool starts_with_digit(std::string_view s) {
    return !s.empty() && s[0] >= '0' && s[0] <= '9';
}

// GRES type names as written in gres.conf: letters, digits, '_', '-', '.', not starting with
// punctuation (so "-1" is never a type).
bool valid_type_name(std::string_view s) {
    if (s.empty() || s[0] == '_' || s[0] == '-' || s[0] == '.') return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    });
}

[[gnu::cold, gnu::noinline]] std::string too_many_gpus() {
    return "more than " + std::to_string(kMaxGpusPerJob) + " GPUs";
}

// Merges b into a; `sum` adds counts (entries of one string), otherwise each type takes the
// larger count (fields that Slurm must satisfy together). Returns an error text or empty.
std::string merge(GpuAsk& a, const GpuAsk& b, bool sum) {
    if (b.count == 0) return {};
    if (a.count == 0) {
        a = b;
        return {};
    }
    const auto combine = [&](std::int64_t x, std::int64_t y) {
        return sum ? std::min<std::int64_t>(x + y, kMaxGpusPerJob + 1) : std::max(x, y);
    };
    const bool untyped = (!a.type && a.mixed.empty()) || (!b.type && b.mixed.empty());
    if (untyped) {  // untyped GPUs may be any type: the whole ask is priced as untyped
        a = GpuAsk{static_cast<int>(combine(a.count, b.count)), std::nullopt};
    } else {
        auto counts = a.by_type();
        std::int64_t total = 0;
        for (const auto& [t, n] : b.by_type()) counts[t] = static_cast<int>(combine(counts[t], n));
        for (const auto& [t, n] : counts) total += n;
        if (total > kMaxGpusPerJob) return too_many_gpus();
        a = gpu_ask_of_types(counts);
    }
    if (a.count > kMaxGpusPerJob) return too_many_gpus();
    return {};
}

// Out of line and in the cold text: job_submit's path never formats an error.
[[gnu::cold, gnu::noinline]] Parsed<GpuAsk> bad_entry(std::string_view e, std::string_view why) {
    return Parsed<GpuAsk>::fail("invalid GPU request '" + ascii_safe(e) + "': " + std::string(why));
}

// One entry: [gres: | gres/]NAME[:TYPE][:COUNT] or [gres/]NAME[:TYPE]=COUNT. Returns a zero
// ask for GRES other than gpu.
Parsed<GpuAsk> parse_entry(std::string_view e) {
    const auto bad = [&](std::string_view why) { return bad_entry(e, why); };
    std::string_view s = detail::trim(e);
    if (s.starts_with("gres:") || s.starts_with("gres/")) s.remove_prefix(5);
    const auto name_end = s.find_first_of(":=");
    const auto name = s.substr(0, name_end);
    if (name.empty()) return bad("no GRES name");
    if (name != "gpu") return Parsed<GpuAsk>::ok(GpuAsk{});
    if (name_end == std::string_view::npos) return Parsed<GpuAsk>::ok(GpuAsk{1, std::nullopt});

    // After the name: "=COUNT", ":COUNT", ":TYPE", ":TYPE:COUNT" or ":TYPE=COUNT".
    std::string_view rest = s.substr(name_end + 1);
    std::string_view type;
    std::string_view count = rest;
    if (s[name_end] == ':') {
        if (const auto sep = rest.find_first_of(":="); sep != std::string_view::npos) {
            type = rest.substr(0, sep);
            count = rest.substr(sep + 1);
            if (type.empty()) return bad("empty GPU type");
        } else if (rest.empty()) {
            return bad("nothing after 'gpu:'");
        } else if (!starts_with_digit(rest)) {
            type = rest;  // "gres:gpu:a100" means one
            count = "1";
        }
    }
    if (!type.empty() && !valid_type_name(type)) return bad("bad GPU type name");
    const auto n = parse_count(count);
    if (!n) return bad("GPU count must be a whole number up to " + std::to_string(kMaxGpusPerJob));
    GpuAsk ask{static_cast<int>(*n), std::nullopt};
    if (!type.empty()) ask.type = std::string(type);
    return Parsed<GpuAsk>::ok(std::move(ask));
}

std::int64_t at_least_1(const std::optional<int>& v) {
    return v && *v > 0 ? *v : 1;
}

// Multipliers saturate just above the GPU cap: any nonzero count times them is then over the
// cap (and reported), and no product can overflow.
std::int64_t saturate(std::int64_t v) {
    return std::min(v, kMaxGpusPerJob + 1);
}

}  // namespace

Parsed<GpuAsk> parse_gpu_tres(std::string_view tres) {
    GpuAsk total;
    if (detail::trim(tres).empty()) return Parsed<GpuAsk>::ok(total);
    for (;;) {
        const auto comma = tres.find(',');
        auto entry = parse_entry(tres.substr(0, comma));
        if (!entry) return entry;
        if (auto err = merge(total, *entry, /*sum=*/true); !err.empty()) {
            return Parsed<GpuAsk>::fail(std::move(err));
        }
        if (comma == std::string_view::npos) break;
        tres.remove_prefix(comma + 1);
    }
    if (total.count == 0) total.type.reset();
    return Parsed<GpuAsk>::ok(total);
}

std::int64_t node_count(const JobShape& shape) {
    std::int64_t nodes = std::max(at_least_1(shape.min_nodes), at_least_1(shape.max_nodes));
    if (shape.num_tasks && shape.ntasks_per_node && *shape.ntasks_per_node > 0) {
        nodes = std::max<std::int64_t>(
            nodes, (*shape.num_tasks + *shape.ntasks_per_node - 1) / *shape.ntasks_per_node);
    }
    return saturate(nodes);
}

namespace {

// The usual field: one GPU entry, "gres:gpu:N", "gres:gpu:TYPE:N", "gres/gpu=N" or
// "gres/gpu:TYPE=N", N in 1..kMaxGpusPerJob in plain digits. Read as parse_gpu_tres() reads
// it, in a few cache lines of code and no allocation (inside slurmctld each line of code the
// plugin runs is a memory fetch); anything else is nullopt, for the general parser.
struct SimpleEntry {
    std::string_view type;  // empty: untyped
    std::int64_t count;
};
std::optional<SimpleEntry> simple_gpu_entry(std::string_view s) {
    if (!(s.starts_with("gres:gpu") || s.starts_with("gres/gpu")) || s.size() < 10) return std::nullopt;
    s.remove_prefix(8);
    const char lead = s[0];
    s.remove_prefix(1);
    std::string_view type;
    if (lead == ':') {
        if (const auto sep = s.find_first_of(":="); sep != std::string_view::npos) {
            type = s.substr(0, sep);
            if (!valid_type_name(type)) return std::nullopt;
            s.remove_prefix(sep + 1);
        }
    } else if (lead != '=') {
        return std::nullopt;
    }
    if (s.empty() || s.size() > 7) return std::nullopt;
    std::int64_t n = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    if (n < 1 || n > kMaxGpusPerJob) return std::nullopt;
    return SimpleEntry{type, n};
}

}  // namespace

[[gnu::hot]] Parsed<GpuAsk> gpu_ask_from_tres(const TresFields& tres, const JobShape& shape) {
    const std::int64_t nodes = node_count(shape);
    const std::int64_t tasks = saturate(
        std::max({at_least_1(shape.num_tasks), at_least_1(shape.ntasks_per_node) * nodes, nodes}));
    const std::int64_t sockets = saturate(at_least_1(shape.sockets_per_node) * nodes);

    const std::pair<std::string_view, std::int64_t> fields[] = {{tres.per_job, 1},
                                                                {tres.per_node, nodes},
                                                                {tres.per_task, tasks},
                                                                {tres.per_socket, sockets}};
    // One field with one plain entry: what the loop below would make of it, without it.
    const std::pair<std::string_view, std::int64_t>* only = nullptr;
    int given = 0;
    for (const auto& f : fields) {
        if (!f.first.empty()) {
            only = &f;
            ++given;
        }
    }
    if (given == 1) {
        if (const auto e = simple_gpu_entry(only->first); e && e->count * only->second <= kMaxGpusPerJob) {
            GpuAsk ask{static_cast<int>(e->count * only->second), std::nullopt};
            if (!e->type.empty()) ask.type.emplace(e->type);
            return Parsed<GpuAsk>::ok(std::move(ask));
        }
    }

    GpuAsk total;
    for (const auto& [text, mult] : fields) {
        if (text.empty()) continue;  // most jobs fill one field of four
        auto one = parse_gpu_tres(text);
        if (!one) return one;
        // Both factors are <= kMaxGpusPerJob + 1, so the product fits; check before narrowing.
        const std::int64_t n = std::int64_t{one->count} * mult;
        if (n > kMaxGpusPerJob) {
            return Parsed<GpuAsk>::fail("the job asks for " + std::to_string(n) +
                                        " GPUs, more than pdai accepts in one job (" +
                                        std::to_string(kMaxGpusPerJob) + ")");
        }
        GpuAsk scaled{static_cast<int>(n), one->type};
        if (!one->mixed.empty()) {
            auto counts = one->mixed;
            for (auto& [t, c] : counts) c = static_cast<int>(std::int64_t{c} * mult);  // <= n
            scaled = gpu_ask_of_types(counts);
        }
        if (auto err = merge(total, scaled, /*sum=*/false); !err.empty()) {
            return Parsed<GpuAsk>::fail(std::move(err));
        }
    }
    return Parsed<GpuAsk>::ok(total);
}

Parsed<GpuAsk> parse_cli_gpus(std::string_view text) {
    const auto s = detail::trim(text);
    const auto bad = [&] {
        return Parsed<GpuAsk>::fail("invalid GPU request '" + ascii_safe(text) +
                                    "': use N or TYPE:N, e.g. 2 or a100:2");
    };
    if (s.empty()) return bad();
    const auto colon = s.find(':');
    const auto type = colon == std::string_view::npos ? std::string_view{} : s.substr(0, colon);
    const auto count = colon == std::string_view::npos ? s : s.substr(colon + 1);
    if (colon != std::string_view::npos && !valid_type_name(type)) return bad();
    if (colon == std::string_view::npos && valid_type_name(s) && !starts_with_digit(s)) {
        return Parsed<GpuAsk>::ok(GpuAsk{1, std::string(s)});  // "a100" means one
    }
    const auto n = detail::parse_uint(count, kMaxGpusPerJob);
    if (!n) return bad();
    GpuAsk ask{static_cast<int>(*n), std::nullopt};
    if (!type.empty() && *n > 0) ask.type = std::string(type);
    return Parsed<GpuAsk>::ok(std::move(ask));
}

std::map<std::string, int, std::less<>> GpuAsk::by_type() const {
    if (!mixed.empty()) return mixed;
    if (type && count > 0) return {{*type, count}};
    return {};
}

GpuAsk gpu_ask_of_types(const std::map<std::string, int, std::less<>>& counts) {
    GpuAsk ask;
    for (const auto& [t, n] : counts) {
        if (n <= 0) continue;
        ask.count += n;
        ask.mixed.emplace(t, n);
    }
    if (ask.mixed.size() == 1) {
        ask.type = ask.mixed.begin()->first;
        ask.mixed.clear();
    }
    return ask;
}

std::string describe(const GpuAsk& ask) {
    const std::string gpus = ask.count == 1 ? " GPU" : " GPUs";
    if (ask.count == 0) return "no GPUs";
    if (!ask.mixed.empty()) {
        std::string out;
        for (const auto& [t, n] : ask.mixed)
            out += (out.empty() ? "" : " + ") + std::to_string(n) + " x " + ascii_safe(t);
        return out + " GPUs";
    }
    if (ask.type) return std::to_string(ask.count) + " x " + ascii_safe(*ask.type) + gpus;
    return std::to_string(ask.count) + gpus + " (any type)";
}

}  // namespace pdai::policy
