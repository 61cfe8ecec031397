#include "cli/output.hpp"

#include <cstdio>
#include <iostream>

#include "common/names.hpp"

namespace pdai::cli {

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string fmt_number(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string or_dash(const std::optional<std::string>& s) { return s && !s->empty() ? *s : "-"; }

void Output::print_table(std::ostream& os, const Table& t) {
    std::vector<std::size_t> width(t.headers.size(), 0);
    auto measure = [&](const std::vector<std::string>& row) {
        for (std::size_t i = 0; i < row.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], display_width(row[i]));
    };
    measure(t.headers);
    for (const auto& r : t.rows) measure(r);
    auto line = [&](const std::vector<std::string>& row) {
        std::string out;
        for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) {
            out += row[i];
            if (i + 1 < row.size()) out.append(width[i] - display_width(row[i]) + 2, ' ');
        }
        os << out << '\n';
    };
    line(t.headers);
    for (const auto& r : t.rows) line(r);
}

void Output::print_csv(std::ostream& os, const Table& t) {
    auto line = [&](const std::vector<std::string>& row) {
        for (std::size_t i = 0; i < row.size(); ++i) os << (i ? "," : "") << csv_field(row[i]);
        os << "\r\n";
    };
    line(t.headers);
    for (const auto& r : t.rows) line(r);
}

void Output::listing(const Table& table, const nlohmann::json& json) const {
    switch (format) {
    case Format::json: std::cout << json.dump(2) << '\n'; break;
    case Format::csv: print_csv(std::cout, table); break;
    case Format::table:
        if (table.rows.empty() && stdout_is_tty)
            std::cerr << "(none)\n";
        else
            print_table(std::cout, table);
        break;
    }
}

void Output::object(const std::vector<std::pair<std::string, std::string>>& fields,
                    const nlohmann::json& json) const {
    if (format == Format::json) {
        std::cout << json.dump(2) << '\n';
        return;
    }
    if (format == Format::csv) {
        Table t;
        for (const auto& [k, v] : fields) {
            t.headers.push_back(k);
            if (t.rows.empty()) t.rows.emplace_back();
            t.rows[0].push_back(v);
        }
        print_csv(std::cout, t);
        return;
    }
    std::size_t w = 0;
    for (const auto& f : fields) w = std::max(w, display_width(f.first));
    for (const auto& [k, v] : fields)
        std::cout << k << ':' << std::string(w - display_width(k) + 1, ' ') << v << '\n';
}

void Output::done(const std::string& message, const nlohmann::json& json) const {
    if (format == Format::json)
        std::cout << json.dump(2) << '\n';
    else if (!quiet)
        std::cout << message << '\n';
}

}  // namespace pdai::cli
