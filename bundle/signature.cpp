#include "bundle/signature.hpp"

#include <sodium.h>

#include <toml++/toml.h>

#include "bundle/sha256.hpp"
#include "bundle/toml_bounds.hpp"
#include "common/error.hpp"
#include "common/names.hpp"

namespace pdai::bundle {

namespace {

constexpr int kB64 = sodium_base64_VARIANT_ORIGINAL;

std::string to_base64(const unsigned char* p, std::size_t n) {
    std::string out(sodium_base64_ENCODED_LEN(n, kB64), '\0');
    sodium_bin2base64(out.data(), out.size(), p, n, kB64);
    out.resize(out.size() - 1);  // the terminating NUL
    return out;
}

template <std::size_t N>
bool from_base64(std::string_view text, std::array<unsigned char, N>& out) {
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                          kB64) != 0)
        return false;
    return len == N && end == text.data() + text.size();
}

// A small TOML document with string fields only: { key_id, algorithm, <fields...> }.
class KeyDoc {
public:
    KeyDoc(std::string_view text, std::string source, std::initializer_list<std::string_view> fields)
        : source_(std::move(source)) {
        check_toml_bounds(text, source_, kMaxKeyFileBytes);
        try {
            doc_ = toml::parse(text, source_);
        } catch (const toml::parse_error& e) {
            throw Error(Errc::usage, source_ + ":" + std::to_string(e.source().begin.line) + ": " +
                                         std::string(e.description()));
        }
        for (const auto& [k, v] : doc_) {
            bool known = k.str() == "key_id" || k.str() == "algorithm";
            for (auto f : fields) known = known || k.str() == f;
            if (!known)
                throw Error(Errc::usage, source_ + ":" + std::to_string(k.source().begin.line) +
                                             ": unknown key '" + std::string(k.str()) + "'");
        }
        if (auto alg = get("algorithm"); alg != "ed25519")
            throw Error(Errc::usage, source_ + ": 'algorithm' is '" + alg + "'; pdai knows only ed25519");
        key_id_ = get("key_id");
        try {
            validate_identifier("key id", key_id_);
        } catch (const Error& e) {
            throw Error(Errc::usage, source_ + ": 'key_id': " + e.what());
        }
    }
    std::string get(std::string_view key) const {
        const toml::node* n = doc_.get(key);
        if (!n) throw Error(Errc::usage, source_ + ": missing key '" + std::string(key) + "'");
        if (!n->is_string())
            throw Error(Errc::usage, source_ + ":" + std::to_string(n->source().begin.line) + ": '" +
                                         std::string(key) + "' must be a string");
        return n->as_string()->get();
    }
    template <std::size_t N>
    void bytes(std::string_view key, std::array<unsigned char, N>& out) const {
        if (!from_base64(get(key), out))
            throw Error(Errc::usage, source_ + ": '" + std::string(key) + "' is not " +
                                         std::to_string(N) + " bytes of base64");
    }
    const std::string& key_id() const { return key_id_; }

private:
    std::string source_;
    toml::table doc_;
    std::string key_id_;
};

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

std::string PublicKey::base64() const { return to_base64(bytes.data(), bytes.size()); }

PublicKey SecretKey::public_key() const {
    PublicKey p;
    p.key_id = key_id;
    crypto_sign_ed25519_sk_to_pk(p.bytes.data(), bytes.data());
    return p;
}

SecretKey generate_key(const std::string& key_id) {
    ensure_sodium();
    validate_identifier("key id", key_id);
    SecretKey k;
    k.key_id = key_id;
    std::array<unsigned char, 32> pk{};
    crypto_sign_keypair(pk.data(), k.bytes.data());
    return k;
}

std::string signed_message(std::string_view tree_sha256) {
    return "pdai-bundle-signature-v1\ntree-sha256 " + std::string(tree_sha256) + "\n";
}

Signature sign_tree(const SecretKey& key, const std::string& tree_sha256) {
    ensure_sodium();
    Signature s;
    s.key_id = key.key_id;
    s.tree_sha256 = tree_sha256;
    std::string msg = signed_message(tree_sha256);
    crypto_sign_detached(s.bytes.data(), nullptr, reinterpret_cast<const unsigned char*>(msg.data()),
                         msg.size(), key.bytes.data());
    return s;
}

bool verify_signature(const Signature& sig, const PublicKey& key, const std::string& tree_sha256) {
    ensure_sodium();
    if (sig.tree_sha256 != tree_sha256) return false;
    std::string msg = signed_message(tree_sha256);
    return crypto_sign_verify_detached(sig.bytes.data(),
                                       reinterpret_cast<const unsigned char*>(msg.data()),
                                       msg.size(), key.bytes.data()) == 0;
}

std::string format_public_key(const PublicKey& k) {
    return "# pdai vendor public key. Register it: pdai vendor key add VENDOR FILE\n"
           "key_id = " + quoted(k.key_id) + "\nalgorithm = \"ed25519\"\npublic_key = " +
           quoted(k.base64()) + "\n";
}

std::string format_secret_key(const SecretKey& k) {
    return "# pdai signing key: SECRET. Keep it off shared machines; sign with\n"
           "# pdai bundle sign BUNDLE --key FILE\n"
           "key_id = " + quoted(k.key_id) + "\nalgorithm = \"ed25519\"\nsecret_key = " +
           quoted(to_base64(k.bytes.data(), k.bytes.size())) + "\n";
}

std::string format_signature(const Signature& s) {
    return "# pdai bundle signature (Ed25519 over the bundle's tree digest)\n"
           "key_id = " + quoted(s.key_id) + "\nalgorithm = \"ed25519\"\ntree_sha256 = " +
           quoted(s.tree_sha256) + "\nsignature = " + quoted(to_base64(s.bytes.data(), s.bytes.size())) +
           "\n";
}

PublicKey parse_public_key(std::string_view text, const std::string& source) {
    KeyDoc d(text, source, {"public_key"});
    PublicKey k;
    k.key_id = d.key_id();
    d.bytes("public_key", k.bytes);
    return k;
}

PublicKey parse_public_key_base64(std::string_view base64, const std::string& key_id) {
    PublicKey k;
    k.key_id = key_id;
    if (!from_base64(base64, k.bytes))
        throw Error(Errc::corrupt, "the catalog holds a malformed public key '" + key_id + "'");
    return k;
}

SecretKey parse_secret_key(std::string_view text, const std::string& source) {
    KeyDoc d(text, source, {"secret_key"});
    SecretKey k;
    k.key_id = d.key_id();
    d.bytes("secret_key", k.bytes);
    return k;
}

Signature parse_signature(std::string_view text, const std::string& source) {
    KeyDoc d(text, source, {"tree_sha256", "signature"});
    Signature s;
    s.key_id = d.key_id();
    s.tree_sha256 = d.get("tree_sha256");
    if (s.tree_sha256.size() != 64 ||
        s.tree_sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw Error(Errc::usage, source + ": 'tree_sha256' is not a SHA-256 in lower-case hex");
    d.bytes("signature", s.bytes);
    return s;
}

std::string signature_path_for(const std::string& bundle_path) { return bundle_path + ".sig"; }

KeyPair::~KeyPair() { sodium_memzero(secret_key.data(), secret_key.size()); }

KeyPair generate_keypair() {
    ensure_sodium();
    KeyPair k;
    crypto_sign_keypair(k.public_key.data(), k.secret_key.data());
    return k;
}

std::array<unsigned char, 32> public_key_of(const std::array<unsigned char, 64>& secret_key) {
    std::array<unsigned char, 32> pk{};
    crypto_sign_ed25519_sk_to_pk(pk.data(), secret_key.data());
    return pk;
}

std::string sign_message_base64(std::string_view message, const std::array<unsigned char, 64>& secret_key) {
    ensure_sodium();
    std::array<unsigned char, 64> sig{};
    crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                         message.size(), secret_key.data());
    return to_base64(sig.data(), sig.size());
}

bool verify_message_base64(std::string_view message, std::string_view signature_base64,
                           std::string_view public_key_base64) {
    ensure_sodium();
    std::array<unsigned char, 64> sig{};
    std::array<unsigned char, 32> pk{};
    if (!from_base64(signature_base64, sig) || !from_base64(public_key_base64, pk)) return false;
    return crypto_sign_verify_detached(sig.data(), reinterpret_cast<const unsigned char*>(message.data()),
                                       message.size(), pk.data()) == 0;
}

std::string base64_encode(const unsigned char* p, std::size_t n) { return to_base64(p, n); }

bool base64_decode(std::string_view text, unsigned char* out, std::size_t n) {
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(out, n, text.data(), text.size(), nullptr, &len, &end, kB64) != 0) return false;
    return len == n && end == text.data() + text.size();
}

void wipe(void* p, std::size_t n) noexcept { sodium_memzero(p, n); }

}  // namespace pdai::bundle
