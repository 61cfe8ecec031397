#include "cli/usage_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "cli/output.hpp"

namespace pdai::cli {
namespace {

std::string lower(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

double max_value(const Bars& bars) {
    double m = 0;
    for (const auto& b : bars) m = std::max(m, b.second);
    return m;
}

}  // namespace

bool locale_is_utf8() {
    for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
        const char* v = std::getenv(name);
        if (v && *v) {
            auto s = lower(v);
            return s.find("utf-8") != std::string::npos || s.find("utf8") != std::string::npos;
        }
    }
    return false;
}

std::string text_chart(const Bars& bars, int width, bool unicode, const std::string& unit, int decimals) {
    static constexpr std::string_view kEighths[] = {"", "\u258f", "\u258e", "\u258d",
                                                    "\u258c", "\u258b", "\u258a", "\u2589"};
    std::size_t label_w = 0;
    for (const auto& b : bars) label_w = std::max(label_w, b.first.size());
    const double top = max_value(bars);
    std::string out;
    for (const auto& [label, value] : bars) {
        const double cells = top > 0 ? std::max(0.0, value) / top * width : 0;
        auto eighths = static_cast<long>(std::lround(cells * 8));
        std::string bar;
        if (unicode) {
            for (long i = 0; i < eighths / 8; ++i) bar += "\u2588";
            bar += kEighths[eighths % 8];
        } else {
            bar.assign(static_cast<std::size_t>(std::lround(cells)), '#');
        }
        out += label + std::string(label_w - label.size() + 1, ' ') + "|" + bar + " " +
               fmt_number(value, decimals) + " " + unit + "\n";
    }
    return out;
}

std::string html_escape(const std::string& s) {
    std::string out;
    for (char ch : s) {
        switch (ch) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += ch;
        }
    }
    return out;
}

std::string svg_chart(const Bars& bars, const std::string& unit, int decimals) {
    const int row = 28, label_w = 220, bar_w = 420, h = std::max<int>(1, static_cast<int>(bars.size())) * row + 10;
    const double top = max_value(bars);
    std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(label_w + bar_w + 140) + "\" height=\"" + std::to_string(h) +
                    "\" role=\"img\" font-family=\"sans-serif\" font-size=\"13\">\n";
    int y = 5;
    for (const auto& [label, value] : bars) {
        const int w = top > 0 ? static_cast<int>(std::lround(std::max(0.0, value) / top * bar_w)) : 0;
        s += "<text x=\"" + std::to_string(label_w - 8) + "\" y=\"" + std::to_string(y + 18) +
             "\" text-anchor=\"end\">" + html_escape(label) + "</text>\n";
        s += "<rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 4) +
             "\" width=\"" + std::to_string(std::max(w, 1)) + "\" height=\"18\" fill=\"#2b6cb0\"/>\n";
        s += "<text x=\"" + std::to_string(label_w + w + 6) + "\" y=\"" + std::to_string(y + 18) +
             "\">" + fmt_number(value, decimals) + " " + html_escape(unit) + "</text>\n";
        y += row;
    }
    return s + "</svg>\n";
}

}  // namespace pdai::cli
