#include "inventory/gpu_match.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace pdai::inventory {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::vector<std::string> words(std::string_view s) {
    std::vector<std::string> out(1);
    for (char c : s) {
        if (std::isalnum(static_cast<unsigned char>(c)))
            out.back() += lower(c);
        else if (!out.back().empty())
            out.emplace_back();
    }
    if (out.back().empty()) out.pop_back();
    return out;
}

std::size_t literals(std::string_view pattern) {
    return static_cast<std::size_t>(
        std::count_if(pattern.begin(), pattern.end(), [](char c) { return c != '*' && c != '?'; }));
}

}  // namespace

bool glob_match(std::string_view p, std::string_view t) {
    // Iterative matcher with one backtrack point: linear-ish, no recursion on '*' runs.
    std::size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
    while (ti < t.size()) {
        if (pi < p.size() && (p[pi] == '?' || lower(p[pi]) == lower(t[ti]))) {
            ++pi;
            ++ti;
        } else if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            mark = ti;
        } else if (star != std::string_view::npos) {
            pi = star + 1;
            ti = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

TypeMatch match_gpu_type(const std::string& name, const std::vector<TypePattern>& types) {
    // Rule 1: patterns, most specific first.
    std::vector<const TypePattern*> hits;
    for (const auto& t : types)
        if (t.match && glob_match(*t.match, name)) hits.push_back(&t);
    if (!hits.empty()) {
        std::stable_sort(hits.begin(), hits.end(), [](const TypePattern* a, const TypePattern* b) {
            return literals(*a->match) > literals(*b->match);
        });
        if (hits.size() > 1 && literals(*hits[0]->match) == literals(*hits[1]->match))
            return {std::nullopt,
                    "'" + name + "' matches the patterns of both " + hits[0]->gpu_type + " ('" +
                        *hits[0]->match + "') and " + hits[1]->gpu_type + " ('" + *hits[1]->match +
                        "')",
                    true};
        return {hits[0]->gpu_type, "pattern '" + *hits[0]->match + "'", false};
    }
    // Rule 2: the type's name is one of the device name's words.
    auto w = words(name);
    std::set<std::string> in_name(w.begin(), w.end());
    std::vector<std::string> named;
    for (const auto& t : types) {
        std::string lt;
        for (char c : t.gpu_type) lt += lower(c);
        if (in_name.count(lt)) named.push_back(t.gpu_type);
    }
    if (named.size() == 1) return {named[0], "name word '" + named[0] + "'", false};
    if (named.size() > 1)
        return {std::nullopt,
                "'" + name + "' names both " + named[0] + " and " + named[1] +
                    "; give one of them a --match pattern",
                true};
    return {std::nullopt, "no GPU type matches '" + name + "'", false};
}

DeviceTally tally_devices(const std::vector<std::string>& names, const std::vector<TypePattern>& types) {
    DeviceTally out;
    std::set<std::string> described;
    for (const auto& n : names) {
        auto m = match_gpu_type(n, types);
        if (m.gpu_type)
            ++out.gpus[*m.gpu_type];
        else
            out.unmatched.push_back(n);
        if (described.insert(n).second)
            out.notes.push_back(m.gpu_type ? "'" + n + "' is " + *m.gpu_type + " (" + m.how + ")"
                                           : m.how);
    }
    return out;
}

}  // namespace pdai::inventory
