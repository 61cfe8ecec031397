// The audit log's sealer: one signed checkpoint per write transaction that audits, and the
// key file that evolves with it (catalog/audit.hpp, pdai-audit(1)).
//
// The key file holds the secret of the next epoch only. Inside the transaction, the sealer
// signs checkpoint N with the secret of epoch N, writes the secret of epoch N+1 to
// "<key>.next-(N+1)" (synced); after the COMMIT it wipes the old file and renames the new
// one into place. A crash between the two leaves the pending file, which the next writer
// promotes if the catalog committed its checkpoint, and removes otherwise; a rolled-back
// transaction removes its own. So the key file and the catalog never disagree for long,
// and a secret is on disk only until the checkpoint after the one it signed commits.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "bundle/signature.hpp"
#include "catalog/audit.hpp"
#include "catalog/audit_chain.hpp"
#include "catalog/catalog.hpp"
#include "catalog/db_access.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/log.hpp"

namespace pdai::catalog {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kKeyFormat = "pdai-audit-key-1";

struct KeyFile {
    std::int64_t epoch = -1;
    std::string genesis_public_key, catalog;
    std::array<unsigned char, 64> secret{};
    KeyFile() = default;
    KeyFile(const KeyFile&) = default;
    KeyFile& operator=(const KeyFile&) = default;
    ~KeyFile() { bundle::wipe(secret.data(), secret.size()); }
    std::string public_key() const { return bundle::base64_encode(bundle::public_key_of(secret)); }
};

std::string format_key(const KeyFile& k) { return audit_key_text(k.catalog, k.genesis_public_key, k.epoch, k.secret); }

std::optional<KeyFile> parse_key(std::string_view text) {
    KeyFile k;
    bool format = false, secret = false;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.empty() || line.front() == '#') continue;
        auto eq = line.find(" = ");
        if (eq == std::string_view::npos) return std::nullopt;
        std::string_view key = line.substr(0, eq), value = line.substr(eq + 3);
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        if (key == "format") format = value == kKeyFormat;
        else if (key == "catalog") k.catalog = std::string(value);
        else if (key == "genesis_public_key") k.genesis_public_key = std::string(value);
        else if (key == "epoch") {
            k.epoch = 0;
            for (char ch : value) {
                if (ch < '0' || ch > '9' || k.epoch > (std::int64_t{1} << 50)) return std::nullopt;
                k.epoch = k.epoch * 10 + (ch - '0');
            }
        } else if (key == "secret_key") {
            secret = bundle::base64_decode(value, k.secret.data(), k.secret.size());
        }
    }
    if (!format || !secret || k.epoch < 0) return std::nullopt;
    return k;
}

// nullopt when the file does not exist; throws when it cannot be read or is not a key.
std::optional<KeyFile> read_key(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw Error(Errc::failure, "cannot read the audit key " + path + ": " + std::strerror(errno),
                    "changing the catalog needs its audit key, which only the platform admins may read "
                    "(pdai-audit(1))");
    }
    std::string text;
    read_all(fd, path, [&](const char* p, std::size_t n) {
        if (text.size() + n > 4096) throw Error(Errc::corrupt, path + " is not an audit key of pdai (too large)");
        text.append(p, n);
    });
    auto k = parse_key(text);
    bundle::wipe(text.data(), text.size());
    if (!k) throw Error(Errc::corrupt, path + " is not an audit key of pdai", "restore it from the admins' copy");
    return k;
}

// Overwrites the key file of `epoch` in place, so that its secret does not linger in the
// blocks the rename frees (best effort: a copy-on-write file system may keep them anyway).
void wipe_key_file(const std::string& path, std::int64_t epoch) noexcept {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return;
    char buf[4096];
    ssize_t n = ::pread(fd.get(), buf, sizeof buf, 0);
    if (n <= 0) return;
    auto k = parse_key(std::string_view(buf, static_cast<std::size_t>(n)));
    bundle::wipe(buf, sizeof buf);
    if (!k || k->epoch != epoch) return;  // someone already put a newer key here
    std::memset(buf, 0, sizeof buf);
    if (::pwrite(fd.get(), buf, static_cast<std::size_t>(n), 0) == n) ::fsync(fd.get());
}

void sync_dir_of(const std::string& path) noexcept {
    const auto dir = fs::path(path).parent_path();
    sync_dir(dir.empty() ? "." : dir.string());
}

void remove_key_file(const std::string& path) noexcept {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
    if (fd) {
        struct stat st {};
        if (::fstat(fd.get(), &st) == 0 && st.st_size > 0 && st.st_size < (1 << 20)) {
            std::string zeros(static_cast<std::size_t>(st.st_size), '\0');
            if (::pwrite(fd.get(), zeros.data(), zeros.size(), 0) > 0) ::fsync(fd.get());
        }
    }
    ::unlink(path.c_str());
}

// The pending key of `epoch` becomes the key file (the checkpoint it follows committed).
void promote(const std::string& pending, const std::string& key_path, std::int64_t epoch) noexcept {
    wipe_key_file(key_path, epoch - 1);
    if (::rename(pending.c_str(), key_path.c_str()) != 0 && errno != ENOENT)
        log::warn("cannot put the new audit key " + pending + " in place of " + key_path + ": " +
                  std::strerror(errno) + "; the next change does it");
    sync_dir_of(key_path);
}

std::string pending_prefix(const std::string& key_path) { return fs::path(key_path).filename().string() + ".next-"; }

struct LastCheckpoint {
    std::int64_t epoch = 0, audit_id = 0;
    std::string chain_sha256, state_sha256, next_public_key, state_tables;
};

std::optional<LastCheckpoint> last_checkpoint(Db& db, bool live_only) {
    auto s = db.prepare(std::string("SELECT epoch, audit_id, chain_sha256, state_sha256, next_public_key, state_tables "
                                    "FROM audit_checkpoints ") +
                        (live_only ? "WHERE superseded = 0 " : "") + "ORDER BY epoch DESC LIMIT 1");
    if (!s.step()) return std::nullopt;
    return LastCheckpoint{s.i64(0), s.i64(1), s.text(2), s.text(3), s.text(4), s.text(5)};
}

// Pending key files left by a crash: the one that follows the last checkpoint is promoted,
// any other (a rolled-back transaction's, a half-written one) wiped and removed.
void settle_pending(const std::string& key_path, const std::optional<LastCheckpoint>& last) {
    const auto dir = fs::path(key_path).parent_path();
    const std::string prefix = pending_prefix(key_path);
    std::error_code ec;
    std::vector<fs::path> found;
    for (fs::directory_iterator it(dir.empty() ? fs::path(".") : dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().filename().string().starts_with(prefix)) found.push_back(it->path());
    for (const auto& p : found) {
        const std::string rest = p.filename().string().substr(prefix.size());
        bool digits = !rest.empty() && rest.size() < 18 && rest.find_first_not_of("0123456789") == std::string::npos;
        if (digits && last) {
            const std::int64_t epoch = std::stoll(rest);
            std::optional<KeyFile> k;
            try {
                k = read_key(p.string());
            } catch (const Error&) {
            }
            if (k && epoch == last->epoch + 1 && k->epoch == epoch && k->public_key() == last->next_public_key) {
                log::info("completing the audit key of epoch " + rest + " left by an interrupted command");
                promote(p.string(), key_path, epoch);
                continue;
            }
        }
        remove_key_file(p.string());
    }
}

class Sealer {
public:
    Sealer(SealOptions o, int busy_timeout_ms) : o_(std::move(o)), busy_timeout_ms_(busy_timeout_ms) {}

    void before_commit(Catalog& c) {
        Db& db = db_of(c);
        const auto last = last_checkpoint(db, false);
        settle_pending(o_.key_path, last);
        if (last && !o_.accept_state) check_committed(c, last_checkpoint(db, true));

        std::optional<KeyFile> key = read_key(o_.key_path);
        KeyFile next;
        next.catalog = c.path();
        std::string kind = "seal";
        std::int64_t epoch = 0;
        std::unique_ptr<bundle::KeyPair> genesis;
        std::array<unsigned char, 64> signing{};
        struct Wipe {
            std::array<unsigned char, 64>& s;
            ~Wipe() { bundle::wipe(s.data(), s.size()); }
        } wipe{signing};
        unsigned mode = 0600;
        gid_t gid = static_cast<gid_t>(-1);

        const bool key_fits = key && last && key->epoch == last->epoch + 1 && key->public_key() == last->next_public_key;
        if (key_fits) {
            epoch = key->epoch;
            signing = key->secret;
            next.genesis_public_key = key->genesis_public_key;
            struct stat st {};
            if (::stat(o_.key_path.c_str(), &st) == 0) mode = st.st_mode & 0777, gid = st.st_gid;
        } else {
            if (last && !o_.new_key_chain) {
                if (!key)
                    throw Error(Errc::corrupt,
                                "the audit key " + o_.key_path + " is missing: checkpoint #" +
                                    std::to_string(last->epoch + 1) + " cannot be signed, so nothing was written",
                                "put the admins' audit key back (audit_key in pdai.conf names it), or start a new "
                                "key chain with 'pdai catalog init --new-audit-key', which the audit log records");
                throw Error(Errc::corrupt,
                            "the audit key " + o_.key_path + " is not the one this catalog's checkpoint #" +
                                std::to_string(last->epoch + 1) + " needs (the key is at epoch " +
                                std::to_string(key->epoch) + "); nothing was written",
                            "check audit_key in pdai.conf; a catalog copied from elsewhere starts a new key chain "
                            "with 'pdai catalog init --new-audit-key' (recorded)");
            }
            if (key && !last && !o_.new_key_chain && !o_.replace_orphan_key)
                throw Error(Errc::corrupt,
                            "the catalog has no audit checkpoint, but the audit key " + o_.key_path +
                                " exists: its checkpoints were removed, or the key belongs to a catalog that "
                                "was here before; nothing was written",
                            "'pdai audit verify' tells; 'pdai catalog init' starts a new key chain (recorded)");
            if (key) {
                log::warn("starting a new audit key chain; the old key " + o_.key_path + " (epoch " +
                          std::to_string(key->epoch) + ") is wiped");
                remove_key_file(o_.key_path);
            }
            // A new chain: the genesis key signs only its own checkpoint and is dropped.
            genesis = std::make_unique<bundle::KeyPair>(bundle::generate_keypair());
            signing = genesis->secret_key;
            kind = "genesis";
            epoch = last ? last->epoch + 1 : 0;
            next.genesis_public_key = bundle::base64_encode(genesis->public_key);
            struct stat st {};
            if (::stat(c.path().c_str(), &st) == 0) {
                mode = (st.st_mode & S_IWGRP) ? 0640 : 0600;  // the admin group reads it, no one else
                gid = st.st_gid;
            }
        }

        CheckpointFields f;
        f.epoch = epoch;
        f.kind = kind;
        f.at = now_unix();
        f.actor = c.actor();
        {
            auto head = db.prepare("SELECT id, sha256 FROM audit_log ORDER BY id DESC LIMIT 1");
            if (head.step()) f.audit_id = head.i64(0), f.chain_sha256 = head.text(1);
        }
        const AccessState state = access_state_of(db);
        f.state_sha256 = state.sha256;
        f.signing_key = bundle::base64_encode(bundle::public_key_of(signing));
        bundle::KeyPair following = bundle::generate_keypair();
        f.next_public_key = bundle::base64_encode(following.public_key);
        const std::string sig = bundle::sign_message_base64(checkpoint_message(f), signing);

        auto ins = db.prepare(
            "INSERT INTO audit_checkpoints (epoch, kind, at, actor, audit_id, chain_sha256, state_sha256, state_tables, "
            "public_key, next_public_key, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        ins.bind(1, f.epoch).bind(2, f.kind).bind(3, f.at).bind(4, f.actor).bind(5, f.audit_id);
        ins.bind(6, f.chain_sha256).bind(7, f.state_sha256).bind(8, state_tables_text(state));
        if (kind == "genesis") ins.bind(9, f.signing_key);
        else ins.bind_null(9);
        ins.bind(10, f.next_public_key).bind(11, sig).run();

        next.epoch = epoch + 1;
        next.secret = following.secret_key;
        const std::string pending = o_.key_path + ".next-" + std::to_string(next.epoch);
        AtomicFile out(pending, mode, true);
        if (gid != static_cast<gid_t>(-1) && ::fchown(out.fd().get(), static_cast<uid_t>(-1), gid) != 0 &&
            errno != EPERM)
            throw_errno("cannot set the group of " + out.temp_path(), errno);
        std::string text = format_key(next);
        try {
            out.write(text);
            bundle::wipe(text.data(), text.size());
            out.commit();
        } catch (const Error& e) {
            bundle::wipe(text.data(), text.size());
            throw Error(e.code(), "cannot write the next audit key: " + std::string(e.what()),
                        "the audit key's directory must be writable by the admins; nothing was written");
        }
        pending_ = pending;
        pending_epoch_ = next.epoch;
    }

    void after_commit(Catalog&) noexcept {
        if (pending_.empty()) return;
        promote(pending_, o_.key_path, pending_epoch_);
        pending_.clear();
    }

    void after_rollback(Catalog&) noexcept {
        if (pending_.empty()) return;
        remove_key_file(pending_);
        pending_.clear();
    }

private:
    // The catalog as last committed must be what the last checkpoint signed: otherwise this
    // checkpoint would sign over a change made behind pdai's back.
    void check_committed(Catalog& c, const std::optional<LastCheckpoint>& live) {
        if (!live) return;
        Db committed(c.path(), Db::Mode::read_only, busy_timeout_ms_);
        committed.exec("BEGIN");
        auto head = committed.prepare("SELECT id, sha256 FROM audit_log ORDER BY id DESC LIMIT 1");
        std::int64_t id = 0;
        std::string sha;
        if (head.step()) id = head.i64(0), sha = head.text(1);
        const std::string help =
            "'pdai audit verify' names what differs; restore the last good backup ('pdai catalog restore'), "
            "or sign the catalog as it is now with 'pdai audit accept --reason TEXT' (recorded)";
        if (id != live->audit_id || sha != live->chain_sha256)
            throw Error(Errc::corrupt,
                        "the audit log was changed, not by pdai, after checkpoint #" + std::to_string(live->epoch) +
                            " (it ends at entry #" + std::to_string(id) + ", the checkpoint at #" +
                            std::to_string(live->audit_id) + "); nothing was written",
                        help);
        const AccessState now = access_state_of(committed);
        if (now.sha256 == live->state_sha256) return;
        std::string tables;
        for (const auto& t : tables_differing(now, live->state_tables)) tables += (tables.empty() ? "" : ", ") + t;
        throw Error(Errc::corrupt,
                    "the access-control state was changed, not by pdai, after checkpoint #" + std::to_string(live->epoch) +
                        (tables.empty() ? std::string() : " (table " + tables + ")") + "; nothing was written",
                    help);
    }

    SealOptions o_;
    int busy_timeout_ms_;
    std::string pending_;
    std::int64_t pending_epoch_ = 0;
};

}  // namespace

std::string audit_key_text(std::string_view catalog, std::string_view genesis_public_key, std::int64_t epoch,
                           const std::array<unsigned char, 64>& secret) {
    std::string b64 = bundle::base64_encode(secret);
    std::string out =
        "# The audit signing key of pdai: SECRET. Only the platform admins (or pdaid) may read it.\n"
        "# It changes with every audit checkpoint and signs only the next one (pdai-audit(1)).\n"
        "format = \"" + std::string(kKeyFormat) + "\"\ncatalog = \"" + std::string(catalog) +
        "\"\ngenesis_public_key = \"" + std::string(genesis_public_key) + "\"\nepoch = " + std::to_string(epoch) +
        "\nsecret_key = \"" + b64 + "\"\n";
    bundle::wipe(b64.data(), b64.size());
    return out;
}

void install_audit_sealer(Catalog& c, const SealOptions& o) {
    auto s = std::make_shared<Sealer>(o, 5000);
    c.set_commit_hooks({[s](Catalog& cat) { s->before_commit(cat); }, [s](Catalog& cat) { s->after_commit(cat); },
                        [s](Catalog& cat) { s->after_rollback(cat); }});
}

}  // namespace pdai::catalog
