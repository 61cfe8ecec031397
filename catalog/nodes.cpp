#include "catalog/nodes.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "catalog/audit.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "catalog/gpu_types.hpp"
#include "common/error.hpp"
#include "common/names.hpp"

namespace pdai::catalog {
namespace {

std::map<std::string, std::int64_t> node_gpus(Catalog& c, std::int64_t node_id) {
    auto s = db_of(c).prepare(
        "SELECT t.name, g.count FROM node_gpus g JOIN gpu_types t ON t.id = g.gpu_type_id "
        "WHERE g.node_id = ?");
    s.bind(1, node_id);
    std::map<std::string, std::int64_t> out;
    while (s.step()) out[s.text(0)] = s.i64(1);
    return out;
}

constexpr const char* kSelect =
    "SELECT n.id, n.host, b.code, n.state, n.source, n.created_at, n.updated_at FROM nodes n "
    "LEFT JOIN bureaus b ON b.id = n.owner_bureau_id";

Node read_node(const Stmt& s) {
    Node n;
    n.id = s.i64(0);
    n.spec.host = s.text(1);
    n.spec.owner = s.opt_text(2);
    n.spec.state = s.text(3);
    n.source = s.text(4);
    n.created_at = s.i64(5);
    n.updated_at = s.i64(6);
    return n;
}

// Statements prepared once per command: an import of 10,000 nodes reuses them.
struct NodeWriter {
    explicit NodeWriter(Catalog& cat) : c(cat) {}

    Catalog& c;
    Stmt insert_node = db_of(c).prepare(
        "INSERT INTO nodes (host, owner_bureau_id, state, source, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    Stmt insert_gpus =
        db_of(c).prepare("INSERT INTO node_gpus (node_id, gpu_type_id, count) VALUES (?, ?, ?)");
    Stmt exists = db_of(c).prepare("SELECT 1 FROM nodes WHERE host = ?");
    std::map<std::string, std::int64_t> bureau_ids, type_ids;

    std::int64_t bureau_id(const std::string& code) {
        auto [it, fresh] = bureau_ids.try_emplace(code, 0);
        if (fresh) it->second = get_bureau(c, code).id;
        return it->second;
    }
    std::int64_t type_id(const std::string& name) {
        auto [it, fresh] = type_ids.try_emplace(name, 0);
        if (fresh) it->second = get_gpu_type(c, name).id;
        return it->second;
    }

    using GpuRows = std::vector<std::pair<std::int64_t, std::int64_t>>;  // (type id, count)

    // Every type resolved and every count checked before the first write, so a bad one
    // writes nothing.
    GpuRows resolve_gpus(const std::string& host, const std::map<std::string, std::int64_t>& by_type) {
        GpuRows gpus;
        for (const auto& [type, count] : by_type) {
            if (count <= 0)
                throw Error(Errc::usage, "node '" + host + "': GPU count for " + type + " must be positive");
            gpus.emplace_back(type_id(type), count);
        }
        return gpus;
    }

    void insert_gpu_rows(std::int64_t node_id, const GpuRows& gpus) {
        for (const auto& [type, count] : gpus) {
            insert_gpus.bind(1, node_id).bind(2, type).bind(3, count).run();
            insert_gpus.reset();
        }
    }

    void replace_gpus(std::int64_t node_id, const GpuRows& gpus) {
        db_of(c).prepare("DELETE FROM node_gpus WHERE node_id = ?").bind(1, node_id).run();
        insert_gpu_rows(node_id, gpus);
    }

    void add(const NodeSpec& n, const std::string& source) {
        validate_identifier("host", n.host);
        exists.bind(1, n.host);
        bool dup = exists.step();
        exists.reset();
        if (dup) throw Error(Errc::conflict, "node '" + n.host + "' already exists");
        // Resolve every name before the first insert, so a bad row writes nothing.
        std::optional<std::int64_t> owner;
        if (n.owner) owner = bureau_id(*n.owner);
        const GpuRows gpus = resolve_gpus(n.host, n.gpus);
        auto now = now_unix();
        insert_node.bind(1, n.host).bind(2, owner).bind(3, n.state).bind(4, source);
        insert_node.bind(5, now).bind(6, now).run();
        insert_node.reset();
        insert_gpu_rows(db_of(c).last_insert_id(), gpus);
    }
};

std::string trim(std::string s) {
    auto b = s.find_first_not_of(" \t\r");
    auto e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::vector<std::string> split_csv_line(const std::string& line, std::size_t lineno) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        char ch = line[i];
        if (quoted) {
            if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                out.back() += '"';
                ++i;
            } else if (ch == '"') {
                quoted = false;
            } else {
                out.back() += ch;
            }
        } else if (ch == '"') {
            quoted = true;
        } else if (ch == ',') {
            out.emplace_back();
        } else {
            out.back() += ch;
        }
    }
    if (quoted)
        throw Error(Errc::usage, "line " + std::to_string(lineno) + ": unterminated quote");
    for (auto& f : out) f = trim(f);
    return out;
}

NodeSpec spec_from_json(const nlohmann::json& j, std::size_t lineno) {
    auto where = "line " + std::to_string(lineno) + ": ";
    if (!j.is_object()) throw Error(Errc::usage, where + "expected a JSON object");
    NodeSpec n;
    for (const auto& [key, value] : j.items()) {
        if (key == "host" && value.is_string()) {
            n.host = value.get<std::string>();
        } else if (key == "owner" && (value.is_string() || value.is_null())) {
            if (value.is_string() && !value.get<std::string>().empty() &&
                value.get<std::string>() != "shared")
                n.owner = value.get<std::string>();
        } else if (key == "state" && value.is_string()) {
            n.state = value.get<std::string>();
        } else if (key == "gpus" && value.is_object()) {
            for (const auto& [type, count] : value.items()) {
                if (!count.is_number_integer())
                    throw Error(Errc::usage, where + "gpus." + type + " must be an integer");
                n.gpus[type] = count.get<std::int64_t>();
            }
        } else if (key == "gpus" && value.is_string()) {
            n.gpus = parse_gpu_counts(value.get<std::string>());
        } else {
            throw Error(Errc::usage, where + "unexpected key '" + key + "' or wrong type",
                        "keys: host (string), owner (string or null), gpus (object), state");
        }
    }
    if (n.host.empty()) throw Error(Errc::usage, where + "missing \"host\"");
    return n;
}

}  // namespace

std::map<std::string, std::int64_t> parse_gpu_counts(const std::string& text) {
    std::map<std::string, std::int64_t> out;
    std::string item;
    auto flush = [&] {
        item = trim(item);
        if (item.empty()) return;
        auto colon = item.rfind(':');
        if (colon == std::string::npos || colon == 0)
            throw Error(Errc::usage, "bad GPU count '" + item + "'", "write TYPE:COUNT, e.g. a100:4");
        std::string type = item.substr(0, colon), num = item.substr(colon + 1);
        validate_identifier("GPU type", type);
        std::size_t used = 0;
        long long n = 0;
        try {
            n = std::stoll(num, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != num.size() || num.empty() || n <= 0 || n > 1024)
            throw Error(Errc::usage, "bad GPU count '" + item + "'",
                        "the count must be a whole number from 1 to 1024");
        if (out.count(type)) throw Error(Errc::usage, "GPU type '" + type + "' given twice");
        out[type] = n;
        item.clear();
    };
    for (char ch : text) {
        if (ch == ',' || ch == ';' || ch == ' ')
            flush();
        else
            item += ch;
    }
    flush();
    return out;
}

std::vector<NodeSpec> parse_node_file(const std::string& content) {
    std::vector<NodeSpec> out;
    auto first = content.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) throw Error(Errc::usage, "the node file is empty");
    bool jsonl = content[first] == '{';
    std::size_t lineno = 0, pos = 0;
    bool header_seen = false;
    std::vector<std::string> header;
    while (pos <= content.size()) {
        auto nl = content.find('\n', pos);
        std::string line = content.substr(pos, nl == std::string::npos ? nl : nl - pos);
        pos = nl == std::string::npos ? content.size() + 1 : nl + 1;
        ++lineno;
        if (trim(line).empty() || trim(line)[0] == '#') continue;
        try {
            if (jsonl) {
                auto j = nlohmann::json::parse(line, nullptr, false);
                if (j.is_discarded())
                    throw Error(Errc::usage, "line " + std::to_string(lineno) + ": not valid JSON");
                out.push_back(spec_from_json(j, lineno));
                continue;
            }
            auto fields = split_csv_line(line, lineno);
            if (!header_seen) {
                header = fields;
                header_seen = true;
                if (header.empty() || header[0] != "host")
                    throw Error(Errc::usage, "line " + std::to_string(lineno) +
                                                 ": the CSV header must start with 'host'",
                                "header: host,owner,gpus (gpus like a100:4;t4:2)");
                for (const auto& h : header)
                    if (h != "host" && h != "owner" && h != "gpus" && h != "state")
                        throw Error(Errc::usage, "line " + std::to_string(lineno) +
                                                     ": unknown CSV column '" + h + "'");
                continue;
            }
            if (fields.size() != header.size())
                throw Error(Errc::usage, "line " + std::to_string(lineno) + ": " +
                                             std::to_string(fields.size()) + " fields, header has " +
                                             std::to_string(header.size()));
            NodeSpec n;
            for (std::size_t i = 0; i < header.size(); ++i) {
                if (header[i] == "host") n.host = fields[i];
                if (header[i] == "owner" && !fields[i].empty() && fields[i] != "shared")
                    n.owner = fields[i];
                if (header[i] == "gpus") n.gpus = parse_gpu_counts(fields[i]);
                if (header[i] == "state" && !fields[i].empty()) n.state = fields[i];
            }
            if (n.host.empty())
                throw Error(Errc::usage, "line " + std::to_string(lineno) + ": empty host");
            out.push_back(std::move(n));
        } catch (const Error& e) {
            std::string msg = e.what();
            if (msg.rfind("line ", 0) != 0) msg = "line " + std::to_string(lineno) + ": " + msg;
            throw Error(e.code(), msg, e.help());
        }
    }
    if (out.empty()) throw Error(Errc::usage, "the node file has no nodes");
    return out;
}

Node add_node(Catalog& c, const NodeSpec& spec, const std::string& source) {
    NodeWriter w(c);
    w.add(spec, source);
    Node n = *find_node(c, spec.host);
    nlohmann::json after = n;
    audit(c, "node.add", "node", spec.host, nullptr, &after);
    return n;
}

std::size_t import_nodes(Catalog& c, const std::vector<NodeSpec>& nodes, const std::string& origin) {
    NodeWriter w(c);
    nlohmann::json hosts = nlohmann::json::array();
    std::size_t i = 0;
    for (const auto& n : nodes) {
        ++i;
        try {
            w.add(n, "import");
        } catch (const Error& e) {
            throw Error(e.code(), "node " + std::to_string(i) + " (" + n.host + "): " + e.what() +
                                      "; nothing was imported",
                        e.help());
        }
        hosts.push_back(n.host);
    }
    nlohmann::json after = {{"from", origin}, {"count", nodes.size()}, {"hosts", hosts}};
    audit(c, "node.import", "node", origin, nullptr, &after);
    return nodes.size();
}

void put_node(Catalog& c, const NodeSpec& spec, const std::string& source) {
    auto existing = find_node(c, spec.host);
    if (!existing) {
        NodeWriter(c).add(spec, source);
        return;
    }
    NodeWriter w(c);
    w.replace_gpus(existing->id, w.resolve_gpus(spec.host, spec.gpus));
    auto up = db_of(c).prepare("UPDATE nodes SET state = ?, source = ?, updated_at = ? WHERE id = ?");
    up.bind(1, spec.state).bind(2, source).bind(3, now_unix()).bind(4, existing->id).run();
}

void set_node_state(Catalog& c, const std::string& host, const std::string& state) {
    auto s = db_of(c).prepare("UPDATE nodes SET state = ?, updated_at = ? WHERE host = ?");
    s.bind(1, state).bind(2, now_unix()).bind(3, host).run();
    if (db_of(c).changes() == 0) throw Error(Errc::not_found, "unknown node '" + host + "'");
}

std::vector<Node> list_nodes(Catalog& c) {
    auto s = db_of(c).prepare(std::string(kSelect) + " ORDER BY n.host");
    std::vector<Node> out;
    std::map<std::int64_t, std::size_t> index;
    while (s.step()) {
        index[s.i64(0)] = out.size();
        out.push_back(read_node(s));
    }
    auto g = db_of(c).prepare(
        "SELECT g.node_id, t.name, g.count FROM node_gpus g JOIN gpu_types t "
        "ON t.id = g.gpu_type_id");
    while (g.step())
        if (auto it = index.find(g.i64(0)); it != index.end())
            out[it->second].spec.gpus[g.text(1)] = g.i64(2);
    return out;
}

std::optional<Node> find_node(Catalog& c, const std::string& host) {
    auto s = db_of(c).prepare(std::string(kSelect) + " WHERE n.host = ?");
    s.bind(1, host);
    if (!s.step()) return std::nullopt;
    Node n = read_node(s);
    n.spec.gpus = node_gpus(c, n.id);
    return n;
}

void remove_node(Catalog& c, const std::string& host) {
    auto n = find_node(c, host);
    if (!n)
        throw Error(Errc::not_found, "unknown node '" + host + "'",
                    "list nodes with 'pdai node list'");
    auto s = db_of(c).prepare("DELETE FROM nodes WHERE id = ?");
    s.bind(1, n->id).run();
    nlohmann::json before = *n;
    audit(c, "node.remove", "node", host, &before, nullptr);
}

Updated<Node> set_node(Catalog& c, const std::string& host, const NodeChange& ch) {
    auto before = find_node(c, host);
    if (!before)
        throw Error(Errc::not_found, "unknown node '" + host + "'", "list nodes with 'pdai node list'");
    // Resolve every name before the first write, so a bad one changes nothing.
    NodeWriter w(c);
    std::optional<std::int64_t> owner;
    if (ch.owner && !ch.owner->empty()) owner = w.bureau_id(*ch.owner);
    const NodeWriter::GpuRows gpus = ch.gpus ? w.resolve_gpus(host, *ch.gpus) : NodeWriter::GpuRows{};
    const std::optional<std::string> new_owner =
        ch.owner && !ch.owner->empty() ? ch.owner : std::optional<std::string>{};
    if ((!ch.owner || new_owner == before->spec.owner) && (!ch.gpus || *ch.gpus == before->spec.gpus) &&
        (!ch.state || *ch.state == before->spec.state))
        return {std::move(*before), false};
    if (ch.gpus) w.replace_gpus(before->id, gpus);
    auto up = db_of(c).prepare(
        "UPDATE nodes SET owner_bureau_id = CASE WHEN ?1 THEN ?2 ELSE owner_bureau_id END, "
        "state = coalesce(?3, state), updated_at = ?4 WHERE id = ?5");
    up.bind(1, ch.owner ? 1 : 0).bind(2, owner).bind(3, ch.state).bind(4, now_unix()).bind(5, before->id).run();
    Node after = *find_node(c, host);
    nlohmann::json jb = *before, ja = after;
    audit(c, "node.set", "node", host, &jb, &ja);
    return {std::move(after), true};
}

void to_json(nlohmann::json& j, const Node& n) {
    j = {{"host", n.spec.host},
         {"owner", n.spec.owner ? nlohmann::json(*n.spec.owner) : nlohmann::json(nullptr)},
         {"gpus", n.spec.gpus},
         {"state", n.spec.state},
         {"source", n.source},
         {"updated_at", format_time(n.updated_at)}};
}

void to_json(nlohmann::json& j, const Partition& p) {
    j = {{"name", p.name}, {"exclusive", p.exclusive}, {"default", p.is_default}, {"nodes", p.nodes}};
}

}  // namespace pdai::catalog
