#include "bundle/toml_bounds.hpp"

#include <vector>

#include "common/byte_size.hpp"
#include "common/error.hpp"

namespace pdai::bundle {

namespace {

class Scanner {
public:
    Scanner(std::string_view text, const std::string& source) : t_(text), source_(source) {}

    void run() {
        while (i_ < t_.size()) {
            const char c = t_[i_];
            switch (c) {
            case '\n':
                ++line_;
                ++i_;
                if (stack_.empty()) start_line();
                continue;
            case '#':
                while (i_ < t_.size() && t_[i_] != '\n') ++i_;
                continue;
            case '"':
            case '\'':
                skip_string(c);
                line_start_ = false;
                continue;
            default: break;
            }
            ++i_;
            if (c == ' ' || c == '\t' || c == '\r') continue;
            const bool first_on_line = line_start_;
            line_start_ = false;
            if (stack_.empty() && in_key_ && first_on_line && c == '[') {
                // A table header, [a.b] or [[a.b]]: its segments count like a key's.
                header_ = true;
                segments_ = 1;
                if (i_ < t_.size() && t_[i_] == '[') ++i_;
                continue;
            }
            if (header_) {
                if (c == '.') count_segment();
                if (c == ']') header_ = false, in_key_ = false;
                continue;
            }
            switch (c) {
            case '.':
                if (in_key_) count_segment();
                break;
            case '=':
                if (in_key_) in_key_ = false;
                break;
            case '[':
                if (!in_key_) push('[');
                break;
            case '{':
                if (!in_key_) {
                    push('{');
                    in_key_ = true;
                    segments_ = 1;
                }
                break;
            case ']':
                if (!stack_.empty() && stack_.back() == '[') stack_.pop_back();
                break;
            case '}':
                if (!stack_.empty() && stack_.back() == '{') {
                    stack_.pop_back();
                    in_key_ = false;
                }
                break;
            case ',':
                if (!stack_.empty() && stack_.back() == '{') {
                    in_key_ = true;
                    segments_ = 1;
                }
                break;
            default: break;
            }
        }
    }

private:
    void start_line() {
        in_key_ = true;
        header_ = false;
        line_start_ = true;
        segments_ = 1;
    }

    [[noreturn]] void refuse(const std::string& what) const {
        throw Error(Errc::usage, source_ + ":" + std::to_string(line_) + ": " + what,
                    "pdai reads small TOML files: keys of at most " + std::to_string(kMaxTomlKeySegments) +
                        " segments, arrays and inline tables nested at most " +
                        std::to_string(kMaxTomlNesting) + " deep");
    }

    void count_segment() {
        if (++segments_ > kMaxTomlKeySegments)
            refuse("a key with more than " + std::to_string(kMaxTomlKeySegments) + " dotted segments");
    }

    void push(char kind) {
        stack_.push_back(kind);
        if (stack_.size() > kMaxTomlNesting)
            refuse("arrays or inline tables nested more than " + std::to_string(kMaxTomlNesting) + " deep");
    }

    bool at(std::size_t k, std::string_view s) const { return t_.substr(k, s.size()) == s; }

    // From the opening quote to just past the closing one (or the line's end for a broken
    // one-line string, which toml++ then refuses).
    void skip_string(char q) {
        const bool basic = q == '"';
        const std::string_view triple = basic ? "\"\"\"" : "'''";
        if (at(i_, triple)) {
            i_ += 3;
            while (i_ < t_.size()) {
                if (basic && t_[i_] == '\\') {
                    if (i_ + 1 < t_.size() && t_[i_ + 1] == '\n') ++line_;
                    i_ += 2;
                    continue;
                }
                if (t_[i_] == '\n') ++line_;
                if (at(i_, triple)) {
                    i_ += 3;
                    for (int extra = 0; extra < 2 && i_ < t_.size() && t_[i_] == q; ++extra) ++i_;
                    return;
                }
                ++i_;
            }
            return;
        }
        ++i_;
        while (i_ < t_.size() && t_[i_] != '\n') {
            if (basic && t_[i_] == '\\') {
                i_ += 2;
                continue;
            }
            if (t_[i_++] == q) return;
        }
    }

    std::string_view t_;
    const std::string& source_;
    std::size_t i_ = 0, line_ = 1, segments_ = 1;
    bool in_key_ = true, header_ = false, line_start_ = true;
    std::vector<char> stack_;
};

}  // namespace

void check_toml_bounds(std::string_view text, const std::string& source, std::size_t max_bytes) {
    if (text.size() > max_bytes)
        throw Error(Errc::usage, source + " is larger than " + format_bytes(max_bytes) + " (" +
                                     format_bytes(text.size()) + ")",
                    "this is not the small TOML file expected here");
    Scanner(text, source).run();
}

}  // namespace pdai::bundle
