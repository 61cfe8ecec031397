// Horizontal bar charts for the terminal (Unicode eighth blocks; '#' when the locale is not
// UTF-8) and as inline SVG for HTML statements.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pdai::cli {

using Bars = std::vector<std::pair<std::string, double>>;  // label, value (>= 0)

// True when LC_ALL, LC_CTYPE or LANG (the first one set) names UTF-8.
bool locale_is_utf8();
// One line per bar: label, the bar scaled to `width` cells, and the value with `decimals`
// decimals (fmt_number), which callers set as their tables show the same figure.
std::string text_chart(const Bars& bars, int width, bool unicode, const std::string& unit, int decimals);
// A self-contained <svg> element (no scripts, no external references); values as text_chart.
std::string svg_chart(const Bars& bars, const std::string& unit, int decimals);
std::string html_escape(const std::string& s);

}  // namespace pdai::cli
