#include "common/names.hpp"

#include <cstdint>
#include <cstdio>

#include "common/error.hpp"

namespace pdai {
namespace {

std::string describe_byte(unsigned char c) {
    if (c == '/' || c == '\\') return std::string("a path separator '") + char(c) + "'";
    if (c < 0x20 || c == 0x7f) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%02x", c);
        return std::string("a control character (") + buf + ")";
    }
    if (c == ' ') return "a space";
    if (c >= 0x80) return "a non-ASCII character";
    return std::string("'") + char(c) + "'";
}

// Decodes one code point; returns bytes consumed or 0 when invalid.
std::size_t decode(std::string_view s, std::size_t i, std::uint32_t& cp) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    std::size_t n;
    if (c < 0x80) {
        cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        n = 2, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4, cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((b(i + k) & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (b(i + k) & 0x3f);
    }
    static constexpr std::uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

bool is_wide(std::uint32_t cp) {
    return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
           (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
           (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
           (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
           (cp >= 0x20000 && cp <= 0x3fffd);
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
    std::uint32_t cp;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = decode(s, i, cp);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::size_t display_width(std::string_view s) {
    std::size_t w = 0;
    std::uint32_t cp;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = decode(s, i, cp);
        if (n == 0) {
            ++w, ++i;  // show an invalid byte as one column
            continue;
        }
        if (!(cp >= 0x300 && cp <= 0x36f)) w += is_wide(cp) ? 2 : 1;  // combining marks: 0
        i += n;
    }
    return w;
}

void validate_identifier(std::string_view what, std::string_view value) {
    if (value.empty()) throw Error(Errc::usage, std::string(what) + " must not be empty");
    if (value.size() > 64)
        throw Error(Errc::usage, std::string(what) + " is " + std::to_string(value.size()) +
                                     " bytes long; the limit is 64");
    if (value.front() == '-' || value.front() == '.')
        throw Error(Errc::usage,
                    std::string(what) + " '" + std::string(value) + "' must not start with '" +
                        value.front() + "'");
    for (unsigned char c : value) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok) {
            std::string shown = is_valid_utf8(value) && c >= 0x20 ? std::string(value) : "<binary>";
            throw Error(Errc::usage,
                        std::string(what) + " '" + shown + "' contains " + describe_byte(c),
                        "use letters, digits, '.', '_' and '-' only");
        }
    }
}

void validate_display_name(std::string_view what, std::string_view value) {
    if (value.empty()) throw Error(Errc::usage, std::string(what) + " must not be empty");
    if (value.size() > 200)
        throw Error(Errc::usage, std::string(what) + " is " + std::to_string(value.size()) +
                                     " bytes long; the limit is 200");
    if (!is_valid_utf8(value)) throw Error(Errc::usage, std::string(what) + " is not valid UTF-8");
    for (unsigned char c : value)
        if (c < 0x20 || c == 0x7f)
            throw Error(Errc::usage, std::string(what) + " contains " + describe_byte(c));
}

}  // namespace pdai
