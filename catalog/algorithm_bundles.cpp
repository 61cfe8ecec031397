#include "catalog/algorithm_bundles.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "bundle/ingest.hpp"
#include "bundle/pack.hpp"
#include "bundle/semver.hpp"
#include "bundle/signature.hpp"
#include "bundle/store.hpp"
#include "common/files.hpp"
#include "catalog/bureaus.hpp"
#include "catalog/catalog.hpp"
#include "catalog/vendor_keys.hpp"
#include "catalog/vendors.hpp"
#include "common/error.hpp"

namespace pdai::catalog {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxSignatureBytes = 64 * 1024;

struct LoadedSignature {
    std::string path, text;
    bundle::Signature sig;
};

std::optional<LoadedSignature> load_signature(const RegisterOptions& o) {
    std::error_code ec;
    std::string path;
    if (o.signature_path) {
        path = *o.signature_path;
    } else {
        path = bundle::signature_path_for(o.bundle_path);
        if (!fs::exists(path, ec)) {
            if (!o.require_signed) return std::nullopt;
            throw Error(Errc::usage,
                        o.bundle_path + " is not signed, and require_signed_bundles = true",
                        "ask the vendor for " + path + " (made with 'pdai bundle sign'), or pass --signature FILE");
        }
    }
    LoadedSignature l{path, pdai::read_small_file(path, kMaxSignatureBytes), {}};
    l.sig = bundle::parse_signature(l.text, path);
    return l;
}

// "<vendor>/<key id>" when the signature is good; throws when it is not.
std::string check_signature(Catalog& c, const LoadedSignature& l, const bundle::CheckedBundle& b) {
    const auto& vendor = b.manifest.vendor;
    auto key = find_vendor_key(c, vendor, l.sig.key_id);
    if (!key)
        throw Error(Errc::usage,
                    l.path + " is signed with key '" + l.sig.key_id + "', which vendor '" + vendor +
                        "' has not registered",
                    "register the vendor's public key: pdai vendor key add " + vendor + " KEYFILE");
    if (!bundle::verify_signature(l.sig, bundle::parse_public_key_base64(key->public_key, key->key_id),
                                  b.tree.sha256))
        throw Error(Errc::usage,
                    l.path + " is not a valid signature of this bundle by " + vendor + "/" + l.sig.key_id,
                    "the bundle changed after it was signed, or the signature belongs to another bundle");
    return vendor + "/" + l.sig.key_id;
}

bool is_highest(const std::vector<AlgorithmVersion>& existing, const std::string& version) {
    for (const auto& v : existing)
        if (bundle::version_less(version, v.version)) return false;
    return true;
}

// The mode, size and digest of one entry of a stored tree, as registration recorded them.
AlgorithmFile read_disk_entry(const fs::path& full, const std::string& rel) {
    struct stat st {};
    AlgorithmFile f{rel, "", 0, 0};
    if (::lstat(full.c_str(), &st) != 0) return f;
    if (S_ISREG(st.st_mode)) {
        f.mode = S_IFREG | ((st.st_mode & S_IXUSR) ? 0755u : 0644u);
        f.size = static_cast<std::int64_t>(st.st_size);
    } else if (S_ISDIR(st.st_mode)) {
        f.mode = S_IFDIR | 0755u;
    } else if (S_ISLNK(st.st_mode)) {
        std::error_code ec;
        std::string target = fs::read_symlink(full, ec).string();
        f.mode = S_IFLNK | 0777u;
        f.size = static_cast<std::int64_t>(target.size());
        f.sha256 = bundle::sha256_hex(target);
    } else {
        f.mode = static_cast<std::uint32_t>(st.st_mode);  // never recorded: always "changed"
    }
    return f;
}

}  // namespace

RegisterResult register_bundle(Catalog& c, const RegisterOptions& o) {
    bundle::Store store(o.store_root);
    store.remove_stale_incoming();
    auto sig = load_signature(o);  // before unpacking: a missing required signature is cheap to find
    bundle::IncomingDir incoming(store.root());
    bundle::Limits limits = o.limits;
    // Every path must still fit under PATH_MAX once the tree is at <store>/<sha[0:2]>/<sha>.
    limits.max_path_bytes = std::min(limits.max_path_bytes, bundle::max_path_in_store(store.root()));
    bundle::CheckedBundle b = bundle::read_bundle(o.bundle_path, limits, incoming.path());
    const bundle::Manifest& m = b.manifest;

    RegisterResult r;
    if (m.licence_expires && *m.licence_expires < format_time(now_unix()).substr(0, 10))
        r.warnings.push_back("the licence of " + m.name + "@" + m.version + " expired on " +
                             *m.licence_expires + "; jobs will be refused until it is renewed");
    const std::string dest = store.path_for(b.tree.sha256);
    bool moved = false;
    try {
        c.write([&] {
            auto vendor = find_vendor(c, m.vendor);
            if (!vendor)
                throw Error(Errc::not_found,
                            o.bundle_path + ": vendor '" + m.vendor + "' named in pdai.toml is not registered",
                            "register it first: pdai vendor add " + m.vendor);
            std::optional<std::string> signed_by;
            if (sig) signed_by = check_signature(c, *sig, b);
            std::optional<Bureau> owner;
            if (o.owner_bureau) owner = get_bureau(c, *o.owner_bureau);

            auto existing = find_algorithm(c, m.name);
            if (existing) {
                if (existing->vendor != m.vendor)
                    throw Error(Errc::conflict,
                                "algorithm '" + m.name + "' is registered to vendor '" + existing->vendor +
                                    "', not '" + m.vendor + "'",
                                "algorithm names are unique across vendors; rename the bundle");
                if (o.owner_bureau && existing->owner_bureau != o.owner_bureau)
                    throw Error(Errc::conflict,
                                "algorithm '" + m.name + "' belongs to " +
                                    (existing->owner_bureau ? "bureau '" + *existing->owner_bureau + "'"
                                                            : std::string("the platform")) +
                                    ", not to bureau '" + *o.owner_bureau + "'",
                                "leave out --owner to add a version to it");
                if (auto v = find_version(c, m.name, m.version)) {
                    if (v->tree_sha256 != b.tree.sha256)
                        throw Error(Errc::conflict,
                                    m.name + "@" + m.version + " is already registered with different content",
                                    "a version's content never changes: give the bundle a new version");
                    r.version = *v;
                    std::error_code ec;
                    if (v->store_path == dest && !fs::exists(dest, ec)) {
                        incoming.commit(b.tree.sha256);
                        moved = r.restored_tree = true;
                        bundle::seal_tree(dest);
                    }
                    return;
                }
                if (is_highest(list_versions(c, m.name), m.version)) update_algorithm_text(c, *existing, m);
            }
            Algorithm a = existing ? *existing
                                   : insert_algorithm(c, m, vendor->id,
                                                      owner ? std::optional(owner->id) : std::nullopt);
            NewVersion nv;
            nv.algorithm_id = a.id;
            nv.manifest = &m;
            nv.tree = &b.tree;
            nv.archive_sha256 = b.archive_sha256;
            nv.store_path = dest;
            nv.signed_by_key = signed_by;
            if (sig) nv.signature = sig->text;
            r.version = insert_version(c, nv);
            r.created = true;
            // Last, inside the transaction: a failed rename rolls the rows back.
            incoming.commit(b.tree.sha256);
            moved = true;
            bundle::seal_tree(dest);
        });
    } catch (...) {
        // The rename happened but the commit did not: the tree must not outlive its row.
        if (moved) {
            bundle::remove_tree(dest);
            std::error_code ec;
            fs::remove(fs::path(dest).parent_path(), ec);  // the shard directory, if now empty
        }
        throw;
    }
    return r;
}

VerifyReport verify_version(Catalog& c, const VersionRef& ref) {
    VerifyReport r;
    r.version = get_version(c, ref.name, ref.version.value_or(""));
    std::map<std::string, AlgorithmFile> want;
    for (auto& f : list_version_files(c, r.version.id)) want.emplace(f.path, std::move(f));
    const fs::path root = r.version.store_path;
    std::error_code ec;
    if (fs::is_directory(fs::symlink_status(root, ec))) {
        fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
        for (; !ec && it != end; it.increment(ec)) {
            std::string rel = it->path().lexically_relative(root).string();
            AlgorithmFile got = read_disk_entry(it->path(), rel);
            auto w = want.find(rel);
            if (w == want.end()) {
                r.extra.push_back(rel);
                continue;
            }
            bool same = got.mode == w->second.mode && got.size == w->second.size;
            if (same && S_ISREG(got.mode)) got.sha256 = bundle::sha256_file(it->path().string());
            if (!same || got.sha256 != w->second.sha256) r.changed.push_back(rel);
            want.erase(w);
        }
        if (ec)
            throw Error(Errc::failure, "cannot read " + root.string() + ": " + ec.message());
    }
    for (const auto& [path, f] : want) r.missing.push_back(path);
    return r;
}

std::vector<bundle::TreeEntry> registered_tree(Catalog& c, const AlgorithmVersion& v, bool require_signed) {
    const std::string ref = v.algorithm + "@" + v.version;
    std::vector<bundle::TreeEntry> out;
    for (const auto& f : list_version_files(c, v.id)) {
        bundle::TreeEntry e;
        e.path = f.path;
        e.size = static_cast<std::uint64_t>(f.size);
        e.sha256 = f.sha256;
        if (S_ISDIR(f.mode)) {
            e.type = bundle::EntryType::dir;
            e.sha256.clear();
        } else if (S_ISLNK(f.mode)) {
            e.type = bundle::EntryType::symlink;
            std::error_code ec;
            e.link_target = fs::read_symlink(fs::path(v.store_path) / f.path, ec).string();
            if (ec || bundle::sha256_hex(e.link_target) != f.sha256)
                throw Error(Errc::failure,
                            ref + ": symlink '" + f.path + "' in the bundle store differs from what was registered; "
                                  "the job was not submitted",
                            "'pdai algo verify " + ref + "' lists what changed");
        } else {
            e.type = bundle::EntryType::file;
            e.executable = (f.mode & 0111) != 0;
        }
        out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    if (bundle::sha256_hex(bundle::tree_listing(out)) != v.tree_sha256)
        throw Error(Errc::corrupt,
                    ref + ": the catalog's file list no longer adds up to the version's tree digest (changed "
                          "outside pdai); the job was not submitted",
                    "'pdai audit verify' and 'pdai catalog check' tell what else changed");
    if (v.signed_by_key) {
        const auto slash = v.signed_by_key->find('/');
        const std::string vendor = v.signed_by_key->substr(0, slash), key_id = v.signed_by_key->substr(slash + 1);
        auto key = find_vendor_key(c, vendor, key_id);
        bool good = false;
        if (key && v.signature) {
            try {
                auto sig = bundle::parse_signature(*v.signature, ref + " signature");
                good = bundle::verify_signature(sig, bundle::parse_public_key_base64(key->public_key, key->key_id),
                                                v.tree_sha256);
            } catch (const Error&) {
            }
        }
        if (!good)
            throw Error(Errc::corrupt,
                        ref + ": its signature by " + *v.signed_by_key + " no longer verifies" +
                            (key ? std::string() : " (the key was removed)") + "; the job was not submitted",
                        "'pdai audit verify' tells whether the catalog was changed outside pdai");
    } else if (require_signed) {
        throw Error(Errc::refused, ref + " is not signed, and require_signed_bundles = true",
                    "register a version the vendor signed ('pdai bundle sign'), or ask an admin");
    }
    return out;
}

ExportResult export_version(Catalog& c, const VersionRef& ref, const std::string& out,
                            bool overwrite, const bundle::Limits& limits) {
    AlgorithmVersion v = get_version(c, ref.name, ref.version.value_or(""));
    std::error_code ec;
    if (!fs::is_directory(v.store_path, ec))
        throw Error(Errc::failure, "the stored tree of " + ref.str() + " is missing (" + v.store_path + ")",
                    "register the same bundle again to restore it");
    ExportResult r;
    if (v.signature) {
        r.signature_path = bundle::signature_path_for(out);
        if (!overwrite && fs::exists(fs::symlink_status(*r.signature_path, ec)))
            throw Error(Errc::conflict, *r.signature_path + " already exists", "remove it first, or pass --force");
    }
    auto b = bundle::pack_directory(v.store_path, out, overwrite, limits, v.tree_sha256);
    r.path = out, r.archive_sha256 = b.archive_sha256, r.bytes = b.archive_bytes;
    if (v.signature) {
        pdai::write_file_atomic(*r.signature_path, *v.signature, 0644, overwrite);
    }
    return r;
}

}  // namespace pdai::catalog
