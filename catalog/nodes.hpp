// Nodes: the hosts of the cluster, who owns them (a bureau, or shared), and their GPUs.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalog/partitions.hpp"
#include "catalog/updated.hpp"

namespace pdai::catalog {

class Catalog;

struct NodeSpec {
    std::string host;
    std::optional<std::string> owner;          // bureau code; empty: shared
    std::map<std::string, std::int64_t> gpus;  // GPU type -> count
    std::string state = "unknown";
};

struct Node {
    std::int64_t id = 0;
    NodeSpec spec;
    std::string source;
    std::int64_t created_at = 0, updated_at = 0;
};

void to_json(nlohmann::json& j, const Partition& p);

Node add_node(Catalog& c, const NodeSpec& spec, const std::string& source = "manual");
std::vector<Node> list_nodes(Catalog& c);
std::optional<Node> find_node(Catalog& c, const std::string& host);
void remove_node(Catalog& c, const std::string& host);

// `pdai node set`: each field given replaces the node's; an owner of "" makes it shared.
struct NodeChange {
    std::optional<std::string> owner;
    std::optional<std::map<std::string, std::int64_t>> gpus;
    std::optional<std::string> state;
};
Updated<Node> set_node(Catalog& c, const std::string& host, const NodeChange& change);
// Inventory sync (`pdai node sync`, `pdai gpu probe --register`): inserts the node, or
// replaces an existing node's GPUs, state and source while keeping its owner. No audit
// entry of its own: the caller appends one for the whole sync.
void put_node(Catalog& c, const NodeSpec& spec, const std::string& source);
void set_node_state(Catalog& c, const std::string& host, const std::string& state);
// Adds every node or none (the caller's transaction); one audit entry for the import.
std::size_t import_nodes(Catalog& c, const std::vector<NodeSpec>& nodes, const std::string& origin);

// "a100:4,t4:2" (also ';' or spaces between items) -> {a100: 4, t4: 2}.
std::map<std::string, std::int64_t> parse_gpu_counts(const std::string& text);
// CSV (header host,owner,gpus) or JSON lines ({"host":..,"owner":..,"gpus":{"a100":4}}),
// chosen by the first non-blank character. Errors name the line.
std::vector<NodeSpec> parse_node_file(const std::string& content);

void to_json(nlohmann::json& j, const Node& n);

}  // namespace pdai::catalog
