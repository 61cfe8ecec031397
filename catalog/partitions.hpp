// Slurm's partitions as 'pdai node sync' last read them (which nodes a job may land on, and
// whether the partition gives its jobs whole nodes), and when that sync was. In pdai_catalog_db, since the policy
// snapshot (and so the job_submit plugin) reads them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pdai::catalog {

class Catalog;

struct Partition {
    std::string name;
    bool exclusive = false;          // OverSubscribe=EXCLUSIVE or ExclusiveUser=YES: whole nodes
    bool is_default = false;         // Default=YES
    std::vector<std::string> nodes;  // host names
    friend bool operator==(const Partition&, const Partition&) = default;
};

// Sorts partitions by name and each one's nodes: the order they are stored and compared in.
void sort_partitions(std::vector<Partition>& parts);

// Replaces the stored partitions with `parts` (the caller's transaction); true when they
// differed. list_partitions() returns them sorted (sort_partitions).
bool replace_partitions(Catalog& c, std::vector<Partition> parts);
std::vector<Partition> list_partitions(Catalog& c);

// A node sync succeeded now (the caller's transaction), changes or not: the inventory's age
// counts from here. inventory_synced_at(): 0 before the first.
void mark_inventory_synced(Catalog& c);
std::int64_t inventory_synced_at(Catalog& c);

}  // namespace pdai::catalog
