// Sharding a batch's inputs: which inputs each shard (one array task) gets, how shard files
// are named, and Slurm-style index lists ("0-19", "3,7,10-12") for arrays and resumes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pdai::jobs {

// Contiguous shards of `size` inputs (the last may be shorter), numbered from 0.
struct ShardPlan {
    std::int64_t inputs = 0;
    int size = 0;
    int count = 0;
    int width = 5;  // digits in shard file names: 00000.list ... (more for > 100,000 shards)

    std::int64_t begin(int shard) const { return static_cast<std::int64_t>(shard) * size; }
    std::int64_t end(int shard) const {
        return std::min<std::int64_t>(inputs, static_cast<std::int64_t>(shard + 1) * size);
    }
    std::string file_stem(int shard) const;  // "00007"
};

// Error(usage) for a size < 1 or more shards than a Slurm array may hold.
ShardPlan plan_shards(std::int64_t inputs, int shard_size);

// Writes shards_dir/<stem>.list for each shard (one input per line, '\n'-terminated).
// One buffer and one write(2) per file, so 1,000 files of 100 paths take milliseconds.
void write_shard_lists(const ShardPlan& plan, const std::vector<std::string>& inputs,
                       const std::string& shards_dir);

// Sorted, de-duplicated indices as Slurm ranges: {0,1,2,5,7,8} -> "0-2,5,7-8"; a throttle
// appends "%K" (Slurm's array_inx form).
std::string format_index_ranges(std::vector<int> indices, std::optional<int> throttle = {});
// The inverse, for Slurm's array_task_str ("0-3,7,9-11:2%4"); nullopt on malformed text.
std::optional<std::vector<int>> parse_index_ranges(std::string_view text);

}  // namespace pdai::jobs
