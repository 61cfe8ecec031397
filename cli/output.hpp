// How results reach the user: an aligned table (display-width aware, so 财政局 lines up),
// stable JSON, or CSV (RFC 4180). Only cli/ prints.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace pdai::cli {

enum class Format { table, json, csv };

struct Table {
    std::vector<std::string> headers;
    std::vector<std::vector<std::string>> rows;
};

class Output {
public:
    Format format = Format::table;
    bool quiet = false;
    bool stdout_is_tty = false;
    // -o/--format FIELD,...: listings (and single objects) show only these fields, named as
    // in their JSON (a.b reaches into an object), in that order, in every format.
    std::vector<std::string> pick;
    bool header = true;  // false: --noheader

    // A listing: table/CSV from `table`, JSON from `json` (an array of objects).
    void listing(const Table& table, const nlohmann::json& json) const;
    // The same, building only what the format needs: row(item) makes a table row,
    // nlohmann::json(items) the JSON.
    template <class T, class RowFn>
    void listing(std::vector<std::string> headers, const std::vector<T>& items, RowFn row) const {
        Table t{std::move(headers), {}};
        if (needs_json()) return listing(t, nlohmann::json(items));
        t.rows.reserve(items.size());
        for (const auto& item : items) t.rows.push_back(row(item));
        listing(t, nlohmann::json());
    }
    // One object: "key: value" lines for people, the object itself for --json.
    void object(const std::vector<std::pair<std::string, std::string>>& fields,
                const nlohmann::json& json) const;
    // A short confirmation ("added vendor acme"); with --json the object instead.
    void done(const std::string& message, const nlohmann::json& json) const;

    // For a command that prints no table: --csv and -o are usage errors (exit 2), not ignored.
    void no_table(const std::string& command) const;

    // Whether the listing's or object's JSON is needed: for --json and --csv (CSV is the JSON's
    // data: its field names, raw numbers, UTC times, empty nulls), or to pick -o's fields.
    bool needs_json() const { return format != Format::table || !pick.empty(); }

    static void print_table(std::ostream& os, const Table& t, bool header = true);
    static void print_csv(std::ostream& os, const Table& t, bool header = true);

private:
    // The projection of `json` (an array of objects, or one object) on `fields` (-o's, or for
    // --csv every field of the first row), as a table and as JSON.
    std::pair<Table, nlohmann::json> project(const nlohmann::json& json, const std::vector<std::string>& fields) const;
};

std::string csv_field(const std::string& s);
// The confirmation of a 'set': `done` after a change, or that `what` had those values already.
std::string change_text(bool changed, const std::string& done, const std::string& what);
std::string fmt_number(double v, int decimals = 2);
std::string or_dash(const std::optional<std::string>& s);

}  // namespace pdai::cli
