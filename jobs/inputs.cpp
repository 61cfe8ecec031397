#include "jobs/inputs.hpp"

#include <dirent.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <unordered_set>

#include "bundle/sha256.hpp"
#include "common/error.hpp"

namespace pdai::jobs {
namespace {

namespace fs = std::filesystem;

// Cheap test first: most paths are already normal, and std::filesystem is slow per path.
bool looks_normal(const std::string& p) {
    if (p.empty() || p[0] != '/') return false;
    if (p.size() > 1 && p.back() == '/') return false;
    return p.find("//") == std::string::npos && p.find("/./") == std::string::npos &&
           p.find("/../") == std::string::npos && !p.ends_with("/.") && !p.ends_with("/..");
}

bool has_glob_chars(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

bool matches_any(const char* name, const std::vector<std::string>& patterns) {
    if (patterns.empty()) return true;
    for (const auto& p : patterns)
        if (::fnmatch(p.c_str(), name, 0) == 0) return true;
    return false;
}

std::string pattern_note(const std::vector<std::string>& patterns) {
    if (patterns.empty()) return "";
    std::string s = " matching ";
    for (std::size_t i = 0; i < patterns.size(); ++i) s += (i ? ", " : "") + patterns[i];
    return s;
}

bool is_regular(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void check_no_newline(const std::string& path) {
    if (path.find('\n') != std::string::npos)
        throw Error(Errc::usage, "input path contains a newline: " + path.substr(0, path.find('\n')) + "...",
                    "rename it: shard lists hold one path per line");
}

struct DirCloser {
    void operator()(DIR* d) const noexcept { ::closedir(d); }
};

// Regular files (or symlinks to them) directly in `dir`, sorted by name.
void add_directory(const std::string& dir, const std::vector<std::string>& patterns,
                   std::vector<std::string>& out) {
    std::unique_ptr<DIR, DirCloser> d(::opendir(dir.c_str()));
    if (!d) throw Error(Errc::failure, "cannot read directory " + dir + ": " + std::strerror(errno));
    std::vector<std::string> found;
    std::string prefix = dir == "/" ? "/" : dir + "/";
    while (const dirent* e = ::readdir(d.get())) {
        if (e->d_name[0] == '.') continue;
        if (!matches_any(e->d_name, patterns)) continue;
        std::string path = prefix + e->d_name;
        bool regular = e->d_type == DT_REG;
        if (e->d_type == DT_LNK || e->d_type == DT_UNKNOWN) regular = is_regular(path);
        if (!regular) continue;
        check_no_newline(path);
        found.push_back(std::move(path));
    }
    if (found.empty())
        throw Error(Errc::usage, "no input files in " + dir + pattern_note(patterns),
                    "the directory is read without descending into subdirectories");
    std::sort(found.begin(), found.end());
    out.insert(out.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
}

void add_glob(const std::string& pattern, std::vector<std::string>& out) {
    glob_t g{};
    int rc = ::glob(pattern.c_str(), GLOB_MARK, nullptr, &g);
    std::unique_ptr<glob_t, void (*)(glob_t*)> guard(&g, ::globfree);
    if (rc == GLOB_NOMATCH)
        throw Error(Errc::usage, "no files match '" + pattern + "'",
                    "quote the pattern so that pdai, not the shell, expands it");
    if (rc != 0) throw Error(Errc::failure, "cannot expand '" + pattern + "'");
    std::size_t before = out.size();
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
        std::string p = g.gl_pathv[i];
        if (p.ends_with('/')) continue;  // GLOB_MARK: a directory
        check_no_newline(p);
        out.push_back(std::move(p));
    }
    if (out.size() == before)
        throw Error(Errc::usage, "'" + pattern + "' matches only directories, no input files");
}

void add_list_file(const std::string& list, const std::string& cwd, std::vector<std::string>& out) {
    std::string path = absolute_path(list, cwd);
    std::ifstream in(path);
    if (!in)
        throw Error(fs::exists(path) ? Errc::failure : Errc::not_found,
                    "cannot read input list " + path + ": " + std::strerror(errno));
    std::string base = fs::path(path).parent_path().string();
    std::vector<std::string> missing;
    std::size_t n_missing = 0, before = out.size();
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        std::string p = absolute_path(line, base);
        if (!is_regular(p)) {
            if (++n_missing <= 5) missing.push_back(line);
            continue;
        }
        out.push_back(std::move(p));
    }
    if (n_missing > 0) {
        std::string names;
        for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
        if (n_missing > missing.size()) names += ", ...";
        throw Error(Errc::not_found,
                    std::to_string(n_missing) + " input(s) listed in " + path +
                        " do not exist or are not regular files: " + names,
                    "relative lines are relative to the list file's directory");
    }
    if (out.size() == before) throw Error(Errc::usage, "input list " + path + " is empty");
}

}  // namespace

std::string absolute_path(const std::string& path, const std::string& cwd) {
    std::string p = !path.empty() && path[0] == '/' ? path : cwd + "/" + path;
    if (looks_normal(p)) return p;
    std::string n = fs::path(p).lexically_normal().string();
    if (n.size() > 1 && n.back() == '/') n.pop_back();
    return n;
}

std::vector<std::string> resolve_inputs(const InputQuery& q) {
    std::vector<std::string> all;
    for (const auto& spec : q.specs) {
        if (spec.empty()) throw Error(Errc::usage, "an empty --inputs value");
        if (spec[0] == '@') {
            add_list_file(spec.substr(1), q.cwd, all);
            continue;
        }
        std::string p = absolute_path(spec, q.cwd);
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                add_directory(p, q.patterns, all);
            } else if (S_ISREG(st.st_mode)) {
                check_no_newline(p);
                all.push_back(p);
            } else {
                throw Error(Errc::usage, "input " + spec + " is not a regular file or directory");
            }
        } else if (has_glob_chars(spec)) {
            add_glob(p, all);
        } else {
            throw Error(Errc::not_found, "input " + spec + " does not exist");
        }
    }
    if (all.empty()) throw Error(Errc::usage, "the input set is empty", "give --inputs DIR|GLOB|@LISTFILE");

    // Keep the first occurrence: an input in two specs is processed once.
    std::unordered_set<std::string> seen;
    seen.reserve(all.size() * 2);
    std::vector<std::string> out;
    out.reserve(all.size());
    for (auto& p : all)
        if (seen.insert(p).second) out.push_back(std::move(p));
    return out;
}

std::string inputs_digest(const std::vector<std::string>& inputs) {
    bundle::ensure_sodium();
    bundle::Sha256 h;
    for (const auto& p : inputs) {
        h.update(p);
        h.update("\n");
    }
    return h.hex_digest();
}

}  // namespace pdai::jobs
