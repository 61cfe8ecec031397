#include "cli/output.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <tuple>
#include <iostream>

#include "common/error.hpp"
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

std::string change_text(bool changed, const std::string& done, const std::string& what) {
    return changed ? done : what + " already has these values; nothing written";
}

std::string or_dash(const std::optional<std::string>& s) { return s && !s->empty() ? *s : "-"; }

void Output::print_table(std::ostream& os, const Table& t, bool header) {
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
    if (header) line(t.headers);
    for (const auto& r : t.rows) line(r);
}

void Output::print_csv(std::ostream& os, const Table& t, bool header) {
    auto line = [&](const std::vector<std::string>& row) {
        for (std::size_t i = 0; i < row.size(); ++i) os << (i ? "," : "") << csv_field(row[i]);
        os << "\r\n";
    };
    if (header) line(t.headers);
    for (const auto& r : t.rows) line(r);
}

namespace {
// The field names of a listing's first row, or of one object (every row has the same ones).
std::vector<std::string> fields_of(const nlohmann::json& json) {
    const nlohmann::json& first = json.is_array() ? (json.empty() ? json : json[0]) : json;
    std::vector<std::string> names;
    if (first.is_object())
        for (const auto& [k, v] : first.items()) names.push_back(k);
    return names;
}
}  // namespace

std::pair<Table, nlohmann::json> Output::project(const nlohmann::json& json,
                                                  const std::vector<std::string>& fields) const {
    const bool one = json.is_object();
    const nlohmann::json rows = one ? nlohmann::json::array({json}) : json;
    auto known = [&] {
        std::string names;
        for (const auto& k : fields_of(json)) names += (names.empty() ? "" : ",") + k;
        return names;
    };
    auto at = [](const nlohmann::json& row, const std::string& path) -> const nlohmann::json* {
        const nlohmann::json* v = &row;
        for (std::size_t start = 0; start <= path.size();) {
            const auto dot = std::min(path.find('.', start), path.size());
            const std::string key = path.substr(start, dot - start);
            if (!v->is_object() || !v->contains(key)) return nullptr;
            v = &(*v)[key];
            start = dot + 1;
        }
        return v;
    };
    Table t;
    nlohmann::json out = nlohmann::json::array();
    for (const auto& f : fields) {
        t.headers.push_back(format == Format::csv ? f : [&] {
            std::string h = f;
            for (auto& ch : h) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            return h;
        }());
        // A dotted path may be absent from a row (gpus.a100 of a node without A100s): only its
        // first name must be a field.
        if (!rows.empty() && !at(rows[0], f.substr(0, f.find('.'))))
            throw Error(Errc::usage, "-o: no field '" + f + "' here", "its fields: " + known());
    }
    for (const auto& row : rows) {
        std::vector<std::string> cells;
        nlohmann::json picked = nlohmann::json::object();
        for (const auto& f : fields) {
            const nlohmann::json* v = at(row, f);
            picked[f] = v ? *v : nlohmann::json(nullptr);
            if (!v || v->is_null())
                cells.emplace_back(format == Format::csv ? "" : "-");
            else
                cells.push_back(v->is_string() ? v->get<std::string>() : v->dump());
        }
        t.rows.push_back(std::move(cells));
        out.push_back(std::move(picked));
    }
    return {std::move(t), one ? out[0] : out};
}

void Output::listing(const Table& full, const nlohmann::json& json) const {
    // --csv without -o: every field, as --json names them.
    const std::vector<std::string> fields = pick.empty() && format == Format::csv ? fields_of(json) : pick;
    Table projected;
    nlohmann::json shown;
    if (!fields.empty()) std::tie(projected, shown) = project(json, fields);
    const Table& table = fields.empty() ? full : projected;
    switch (format) {
    case Format::json: std::cout << (pick.empty() ? json : shown).dump(2) << '\n'; break;
    case Format::csv: print_csv(std::cout, table, header); break;
    case Format::table:
        if (table.rows.empty() && stdout_is_tty)
            std::cerr << "(none)\n";
        else
            print_table(std::cout, table, header);
        break;
    }
}

void Output::no_table(const std::string& command) const {
    if (format == Format::csv)
        throw Error(Errc::usage, "'" + command + "' prints no table, so --csv does not apply", "use --json");
    if (!pick.empty())
        throw Error(Errc::usage, "'" + command + "' prints no table, so -o does not apply", "use --json");
}

void Output::object(const std::vector<std::pair<std::string, std::string>>& fields,
                    const nlohmann::json& json) const {
    // -o, and --csv: a one-row listing of those fields, or of all of them.
    if (!pick.empty() || format == Format::csv) return listing({}, json);
    if (format == Format::json) {
        std::cout << json.dump(2) << '\n';
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
