// The bundle store: unpacked bundles, content-addressed by tree digest
// (<root>/<sha[0:2]>/<sha>), beside the catalog unless pdai.conf's bundle_store says
// otherwise. A bundle is unpacked into <root>/.incoming-XXXXXX and renamed into place by
// commit(), so a reader never sees half a tree.
#pragma once

#include <string>

namespace pdai::bundle {

// "<directory of the catalog>/bundles".
std::string default_store_root(const std::string& catalog_path);

// A private directory in the store's root for one unpacking; removed with everything in it
// unless it was committed.
class IncomingDir {
public:
    explicit IncomingDir(const std::string& store_root);
    ~IncomingDir();
    IncomingDir(const IncomingDir&) = delete;
    IncomingDir& operator=(const IncomingDir&) = delete;

    const std::string& path() const { return path_; }

    // Moves the tree to <root>/<sha[0:2]>/<sha>. A directory already there, left by a
    // registration that crashed after its rename, belongs to no catalog row (the caller
    // checked under the catalog's write lock) and is replaced. Returns the final path.
    std::string commit(const std::string& tree_sha256);

private:
    std::string root_, path_;
    int lock_fd_ = -1;  // an flock on the directory while it is filled: 'catalog check --repair' leaves it alone
    bool committed_ = false;
};

class Store {
public:
    explicit Store(std::string root);  // made absolute; creates the directory if needed
    const std::string& root() const { return root_; }
    std::string path_for(const std::string& tree_sha256) const;

    // Removes .incoming-* directories older than a day that no registration holds: what a
    // killed registration left.
    void remove_stale_incoming() const;

private:
    std::string root_;
};

// Whether a registration still fills the .incoming-* directory `path` (IncomingDir holds an
// flock on it while it lives). When that cannot be told, it counts as in use: never remove
// what may be in use.
bool incoming_in_use(const std::string& path) noexcept;

// Removes an unpacked tree (also one whose directories a bundle made read-only).
void remove_tree(const std::string& path) noexcept;

// Makes every directory of a stored tree read-only (0555), as its files already are: a job,
// or a slip of an admin's shell, cannot add, rename or delete what a version holds.
void seal_tree(const std::string& path) noexcept;

}  // namespace pdai::bundle
