#include "bundle/tree.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "bundle/paths.hpp"
#include "common/byte_size.hpp"
#include "common/error.hpp"

namespace pdai::bundle {

namespace {

constexpr int kMaxSymlinkHops = 40;  // as Linux's MAXSYMLINKS
const char* const kContentHelp =
    "a bundle may hold only regular files, directories and symlinks that stay inside it";

std::string join_parts(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
    return out;
}

}  // namespace

std::uint32_t TreeEntry::mode() const {
    switch (type) {
    case EntryType::file: return S_IFREG | (executable ? 0755u : 0644u);
    case EntryType::dir: return S_IFDIR | 0755u;
    case EntryType::symlink: return S_IFLNK | 0777u;
    }
    return 0;
}

const TreeEntry* Tree::find(std::string_view path) const {
    auto it = std::lower_bound(entries.begin(), entries.end(), path,
                               [](const TreeEntry& e, std::string_view p) { return e.path < p; });
    return it != entries.end() && it->path == path ? &*it : nullptr;
}

const TreeEntry* resolve_in_tree(const Tree& t, std::string_view path, std::string* why) {
    static const TreeEntry root{"", EntryType::dir, false, 0, "", ""};
    std::vector<std::string> done;  // resolved components so far
    const auto given = path_parts(path);
    // components still to walk, next one last
    std::vector<std::string> todo(given.rbegin(), given.rend());
    int hops = 0;
    const TreeEntry* at = &root;
    while (!todo.empty()) {
        // copied, not moved: moving it makes GCC 12 -O3 warn -Wmaybe-uninitialized (falsely)
        std::string part = todo.back();
        todo.pop_back();
        if (at->type == EntryType::file) {
            if (why) *why = "goes through '" + join_parts(done) + "', which is a file";
            return nullptr;
        }
        if (part == ".") continue;
        if (part == "..") {
            if (done.empty()) {
                if (why) *why = "points outside the bundle";
                return nullptr;
            }
            done.pop_back();
            at = done.empty() ? &root : t.find(join_parts(done));
            continue;
        }
        done.push_back(std::move(part));
        at = t.find(join_parts(done));
        if (!at) {
            if (why) *why = "points to '" + join_parts(done) + "', which is not in the bundle";
            return nullptr;
        }
        if (at->type != EntryType::symlink) continue;
        if (++hops > kMaxSymlinkHops) {
            if (why) *why = "goes through more than 40 symlinks (a loop?)";
            return nullptr;
        }
        if (!at->link_target.empty() && at->link_target.front() == '/') {
            if (why) *why = "points outside the bundle (through '" + at->path + "')";
            return nullptr;
        }
        done.pop_back();  // the link's own name is replaced by its target, relative to its dir
        auto parts = path_parts(at->link_target);
        for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.emplace_back(*it);
        at = done.empty() ? &root : t.find(join_parts(done));
    }
    return at;
}

std::string tree_listing(const std::vector<TreeEntry>& entries) {
    std::string out = "pdai-tree-v1\n";
    for (const auto& e : entries) {
        switch (e.type) {
        case EntryType::dir: out += "d\t" + e.path + "\n"; break;
        case EntryType::symlink: out += "l\t" + e.link_target + "\t" + e.path + "\n"; break;
        case EntryType::file:
            out += std::string("f\t") + (e.executable ? "x" : "-") + "\t" + std::to_string(e.size) +
                   "\t" + e.sha256 + "\t" + e.path + "\n";
            break;
        }
    }
    return out;
}

std::uint64_t max_path_in_store(const std::string& store_root) {
    constexpr std::uint64_t kPathMax = 4096;               // PATH_MAX, its NUL included
    const std::uint64_t prefix = store_root.size() + 1 + 2 + 1 + 64 + 1;  // "<root>/ab/<sha>/"
    const std::uint64_t room = prefix + 1 < kPathMax ? kPathMax - prefix - 1 : 0;
    return std::min<std::uint64_t>(room, kMaxPathBytes);
}

TreeBuilder::TreeBuilder(Limits limits, std::string origin)
    : limits_(limits), origin_(std::move(origin)) {}

void TreeBuilder::refuse(std::string_view raw_path, const std::string& why, std::string help) const {
    throw Error(Errc::usage, origin_ + ": entry '" + printable_path(raw_path) + "' " + why,
                help.empty() ? kContentHelp : std::move(help));
}

TreeEntry& TreeBuilder::add(std::string path, EntryType type, std::string_view raw_path) {
    // Every ancestor must be a directory: an implicit one is created when missing.
    std::string_view parent = parent_path(path);
    std::vector<std::string_view> missing;
    for (std::string_view p = parent; !p.empty(); p = parent_path(p)) {
        auto it = index_.find(std::string(p));
        if (it == index_.end()) {
            missing.push_back(p);
            continue;
        }
        const TreeEntry& a = entries_[it->second];
        if (a.type != EntryType::dir)
            refuse(raw_path, std::string("is inside '") + printable_path(p) + "', which is " +
                                 (a.type == EntryType::symlink ? "a symlink" : "a file"));
        break;  // the rest was checked when this ancestor was added
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        index_.emplace(std::string(*it), entries_.size());
        entries_.push_back({std::string(*it), EntryType::dir, false, 0, "", ""});
        explicit_.push_back(false);
    }
    index_.emplace(path, entries_.size());
    entries_.push_back({std::move(path), type, false, 0, "", ""});
    explicit_.push_back(true);
    return entries_.back();
}

std::string TreeBuilder::begin(const RawEntry& e) {
    if (current_) end_file();  // a caller that skipped end_file() still gets the checks
    if (++entries_seen_ > limits_.max_entries)
        throw Error(Errc::usage,
                    origin_ + ": holds more than " + std::to_string(limits_.max_entries) +
                        " entries (bundle_max_entries): refused at entry " + std::to_string(entries_seen_) +
                        " ('" + printable_path(e.path) + "'), before it was written",
                    "raise bundle_max_entries in pdai.conf if this bundle is trusted");
    auto np = normalize_bundle_path(e.path);
    if (!np.ok()) refuse(e.path, np.error);
    if (np.path.size() > limits_.max_path_bytes)
        refuse(e.path,
               "is " + std::to_string(np.path.size()) +
                   " bytes long: in the bundle store its full name would pass PATH_MAX (at most " +
                   std::to_string(limits_.max_path_bytes) + " bytes fit there)",
               "shorten the path inside the bundle");
    using K = RawEntry::Kind;
    if (e.kind == K::other) refuse(e.path, "is " + std::string(e.other_kind));
    if (e.kind != K::symlink && (e.perm & (S_ISUID | S_ISGID)))
        refuse(e.path, (e.perm & S_ISUID) ? "has the setuid bit" : "has the setgid bit",
               "bundles may not carry setuid or setgid files; clear the bit (chmod u-s,g-s)");
    if (np.path.empty()) {
        if (e.kind != K::dir) refuse(e.path, "names the bundle root but is not a directory");
        return "";
    }
    if (auto it = index_.find(np.path); it != index_.end()) {
        bool implicit_dir = !explicit_[it->second] && e.kind == K::dir;
        if (!implicit_dir) refuse(e.path, "appears twice in the archive (as '" + np.path + "')",
                                  "a bundle may hold each path once");
        explicit_[it->second] = true;
        return np.path;
    }
    switch (e.kind) {
    case K::dir: add(np.path, EntryType::dir, e.path); break;
    case K::symlink: {
        auto target = normalize_bundle_path(e.link);
        if (e.link.empty()) refuse(e.path, "is a symlink with an empty target");
        if (!e.link.empty() && e.link.front() == '/')
            refuse(e.path, "is a symlink to an absolute path ('" + printable_path(e.link) +
                               "'), which points outside the bundle");
        if (!target.ok() && target.error != "contains '..'")
            refuse(e.path, "is a symlink whose target " + target.error);
        TreeEntry& t = add(np.path, EntryType::symlink, e.path);
        t.link_target = std::string(e.link);  // '..' is fine while it stays inside: checked in finish()
        t.size = t.link_target.size();
        t.sha256 = sha256_hex(t.link_target);
        break;
    }
    case K::hardlink: {
        auto target = normalize_bundle_path(e.link);
        if (!target.ok())
            refuse(e.path, "is a hardlink to '" + printable_path(e.link) + "', which " +
                               (target.error == "contains '..'" || target.error == "is an absolute path"
                                    ? std::string("points outside the bundle")
                                    : target.error));
        auto it = index_.find(target.path);
        if (it == index_.end() || entries_[it->second].type != EntryType::file)
            refuse(e.path, "is a hardlink to '" + printable_path(e.link) +
                               "', which is not a file earlier in the bundle");
        if (e.size && *e.size > 0) refuse(e.path, "is a hardlink that carries data");
        if (np.path == kManifestFile) refuse(e.path, "must be a regular file, not a hardlink");
        TreeEntry copy = entries_[it->second];
        TreeEntry& t = add(np.path, EntryType::file, e.path);
        t.executable = copy.executable, t.size = copy.size, t.sha256 = copy.sha256;
        break;
    }
    case K::file: {
        if (e.size && *e.size > limits_.max_entry_bytes)
            refuse(e.path, "is " + format_bytes(*e.size) + ", over bundle_max_entry_bytes (" +
                               format_bytes(limits_.max_entry_bytes) + ")",
                   "raise bundle_max_entry_bytes in pdai.conf if this bundle is trusted");
        TreeEntry& t = add(np.path, EntryType::file, e.path);
        t.executable = (e.perm & 0111) != 0;
        current_ = entries_.size() - 1;
        current_raw_ = std::string(e.path);
        hash_.emplace();
        current_bytes_ = 0;
        capture_manifest_ = np.path == kManifestFile;
        if (capture_manifest_) manifest_text_.emplace();
        break;
    }
    case K::other: break;  // refused above
    }
    return np.path;
}

void TreeBuilder::add_data(const void* data, std::size_t n) {
    if (!current_) throw Error(Errc::failure, "internal error: data outside a file entry");
    current_bytes_ += n;
    total_bytes_ += n;
    if (current_bytes_ > limits_.max_entry_bytes)
        refuse(current_raw_, "unpacks to more than bundle_max_entry_bytes (" +
                                 format_bytes(limits_.max_entry_bytes) + ")",
               "raise bundle_max_entry_bytes in pdai.conf if this bundle is trusted");
    if (total_bytes_ > limits_.max_total_bytes)
        throw Error(Errc::usage,
                    origin_ + ": unpacks to more than bundle_max_total_bytes (" +
                        format_bytes(limits_.max_total_bytes) + ")",
                    "raise bundle_max_total_bytes in pdai.conf if this bundle is trusted");
    if (capture_manifest_) {
        if (manifest_text_->size() + n > kMaxManifestBytes)
            refuse(current_raw_, "is larger than 1 MiB; a manifest is a few lines of TOML");
        manifest_text_->append(static_cast<const char*>(data), n);
    }
    hash_->update(data, n);
}

void TreeBuilder::end_file() {
    if (!current_) return;
    TreeEntry& t = entries_[*current_];
    t.size = current_bytes_;
    t.sha256 = hash_->hex_digest();
    current_.reset();
    hash_.reset();
    capture_manifest_ = false;
}

TreeBuilder::Result TreeBuilder::finish(const std::string& manifest_source) {
    end_file();
    Result r;
    r.tree.entries = std::move(entries_);
    entries_.clear();
    index_.clear();
    std::sort(r.tree.entries.begin(), r.tree.entries.end(),
              [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
    for (const auto& e : r.tree.entries) {
        if (e.type == EntryType::file) r.tree.bytes += e.size, ++r.tree.files;
        if (e.type != EntryType::symlink) continue;
        std::string why;
        if (!resolve_in_tree(r.tree, e.path, &why))
            refuse(e.path, "is a symlink to '" + printable_path(e.link_target) + "', which " + why);
    }
    r.tree.sha256 = sha256_hex(tree_listing(r.tree.entries));

    const TreeEntry* mf = r.tree.find(kManifestFile);
    if (!mf || !manifest_text_) {
        std::string help = "put pdai.toml at the top of the bundle; 'pdai bundle init DIR' writes one";
        if (mf) help = "pdai.toml must be a regular file";
        else
            for (const auto& e : r.tree.entries)
                if (e.type == EntryType::file && e.path.find('/') != std::string::npos &&
                    e.path.substr(e.path.find('/') + 1) == kManifestFile)
                    help = "found " + e.path +
                           ": pack the directory's content, not the directory (pdai bundle pack DIR)";
        throw Error(Errc::usage, origin_ + ": no pdai.toml manifest at the bundle's root", help);
    }
    r.manifest = parse_manifest(*manifest_text_, manifest_source);

    std::string why;
    const TreeEntry* ep = resolve_in_tree(r.tree, r.manifest.entrypoint, &why);
    const std::string name = "entrypoint '" + r.manifest.entrypoint + "'";
    if (!ep && !r.tree.find(r.manifest.entrypoint))
        throw Error(Errc::usage, origin_ + ": " + name + " is not in the bundle",
                    "entrypoint in pdai.toml must name an executable file inside the bundle");
    if (!ep) throw Error(Errc::usage, origin_ + ": " + name + " " + why);
    if (ep->type != EntryType::file)
        throw Error(Errc::usage, origin_ + ": " + name + " is a directory, not a file");
    if (!ep->executable)
        throw Error(Errc::usage, origin_ + ": " + name + " is not executable",
                    "chmod +x " + r.manifest.entrypoint + " before packing");
    return r;
}

}  // namespace pdai::bundle
