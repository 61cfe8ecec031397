#include "bundle/paths.hpp"

#include <cstdio>

#include "common/names.hpp"

namespace pdai::bundle {

std::vector<std::string_view> path_parts(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        auto p = path.find('/');
        auto part = path.substr(0, p);
        if (!part.empty()) out.push_back(part);
        if (p == std::string_view::npos) break;
        path.remove_prefix(p + 1);
    }
    return out;
}

std::string_view parent_path(std::string_view path) {
    auto p = path.rfind('/');
    return p == std::string_view::npos ? std::string_view{} : path.substr(0, p);
}

std::string printable_path(std::string_view raw) {
    bool utf8 = is_valid_utf8(raw);
    std::string out;
    for (unsigned char c : raw.substr(0, 300)) {
        if (c < 0x20 || c == 0x7f || (!utf8 && c >= 0x80)) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    if (raw.size() > 300) out += "...";
    return out;
}

NormalizedPath normalize_bundle_path(std::string_view raw) {
    if (raw.size() > kMaxPathBytes)
        return {"", "is longer than " + std::to_string(kMaxPathBytes) + " bytes"};
    if (!raw.empty() && raw.front() == '/') return {"", "is an absolute path"};
    if (!is_valid_utf8(raw)) return {"", "is not valid UTF-8"};
    for (unsigned char c : raw) {
        if (c < 0x20 || c == 0x7f) return {"", "contains a control character"};
        if (c == '\\') return {"", "contains a backslash (a Windows path?)"};
    }
    std::string out;
    for (auto part : path_parts(raw)) {
        if (part == ".") continue;
        if (part == "..") return {"", "contains '..'"};
        if (part.size() > kMaxComponentBytes)
            return {"", "has a name longer than " + std::to_string(kMaxComponentBytes) + " bytes"};
        if (!out.empty()) out += '/';
        out += part;
    }
    return {out, ""};
}

}  // namespace pdai::bundle
