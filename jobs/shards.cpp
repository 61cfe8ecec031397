#include "jobs/shards.hpp"

#include <algorithm>
#include <charconv>

#include "common/error.hpp"
#include "jobs/job_files.hpp"
#include "policy/array_spec.hpp"

namespace pdai::jobs {

std::string ShardPlan::file_stem(int shard) const {
    std::string n = std::to_string(shard);
    if (static_cast<int>(n.size()) < width) n.insert(0, static_cast<std::size_t>(width) - n.size(), '0');
    return n;
}

ShardPlan plan_shards(std::int64_t inputs, int shard_size) {
    if (shard_size < 1)
        throw Error(Errc::usage, "--shard-size must be at least 1, not " + std::to_string(shard_size));
    ShardPlan p;
    p.inputs = inputs;
    p.size = shard_size;
    std::int64_t count = (inputs + shard_size - 1) / shard_size;
    if (count > policy::kMaxArrayIndex + 1)
        throw Error(Errc::usage,
                    std::to_string(inputs) + " inputs in shards of " + std::to_string(shard_size) +
                        " make " + std::to_string(count) + " shards, more than a job array may hold",
                    "give a larger --shard-size");
    p.count = static_cast<int>(count);
    p.width = std::max<int>(5, static_cast<int>(std::to_string(std::max(0, p.count - 1)).size()));
    return p;
}

void write_shard_lists(const ShardPlan& plan, const std::vector<std::string>& inputs,
                       const std::string& shards_dir) {
    std::string buf;
    for (int s = 0; s < plan.count; ++s) {
        buf.clear();
        for (auto i = plan.begin(s); i < plan.end(s); ++i) {
            buf += inputs[static_cast<std::size_t>(i)];
            buf += '\n';
        }
        std::string path = shards_dir + "/" + plan.file_stem(s) + ".list";
        write_file(path, buf);
    }
}

std::string format_index_ranges(std::vector<int> indices, std::optional<int> throttle) {
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    std::string out;
    for (std::size_t i = 0; i < indices.size();) {
        std::size_t j = i;
        while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(indices[i]);
        if (j > i) out += '-' + std::to_string(indices[j]);
        i = j + 1;
    }
    if (throttle && *throttle > 0) out += '%' + std::to_string(*throttle);
    return out;
}

namespace {
bool parse_int(std::string_view s, int& v) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size() && v >= 0;
}
}  // namespace

std::optional<std::vector<int>> parse_index_ranges(std::string_view text) {
    if (auto pct = text.find('%'); pct != std::string_view::npos) text = text.substr(0, pct);
    std::vector<int> out;
    while (!text.empty()) {
        auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        int step = 1, a = 0, b = 0;
        if (auto colon = item.find(':'); colon != std::string_view::npos) {
            if (!parse_int(item.substr(colon + 1), step) || step < 1) return std::nullopt;
            item = item.substr(0, colon);
        }
        if (auto dash = item.find('-'); dash != std::string_view::npos) {
            if (!parse_int(item.substr(0, dash), a) || !parse_int(item.substr(dash + 1), b) || b < a)
                return std::nullopt;
        } else {
            if (!parse_int(item, a)) return std::nullopt;
            b = a;
        }
        if (b > policy::kMaxArrayIndex) return std::nullopt;
        for (int i = a; i <= b; i += step) out.push_back(i);
    }
    return out;
}

}  // namespace pdai::jobs
