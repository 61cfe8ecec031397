// Detached Ed25519 signatures (libsodium) over a bundle's tree digest. Signing the tree, not
// the archive bytes, lets a signature survive recompression and travel with an exported
// bundle. Key and signature files are small TOML documents (pdai-bundle(5)).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace pdai::bundle {

// Key and signature files are a few lines; anything larger is the wrong file.
inline constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

struct PublicKey {
    std::string key_id;
    std::array<unsigned char, 32> bytes{};
    std::string base64() const;
};

struct SecretKey {
    std::string key_id;
    std::array<unsigned char, 64> bytes{};
    PublicKey public_key() const;
};

struct Signature {
    std::string key_id;
    std::string tree_sha256;
    std::array<unsigned char, 64> bytes{};
};

// A new random keypair.
SecretKey generate_key(const std::string& key_id);

// The bytes that are signed: a domain tag and the tree digest.
std::string signed_message(std::string_view tree_sha256);
Signature sign_tree(const SecretKey& key, const std::string& tree_sha256);
// True when `sig` is key's signature over `tree_sha256`.
bool verify_signature(const Signature& sig, const PublicKey& key, const std::string& tree_sha256);

// The files. Parsing throws Error(usage) naming `source` and what is wrong.
std::string format_public_key(const PublicKey& k);
std::string format_secret_key(const SecretKey& k);
std::string format_signature(const Signature& s);
PublicKey parse_public_key(std::string_view text, const std::string& source);
PublicKey parse_public_key_base64(std::string_view base64, const std::string& key_id);
SecretKey parse_secret_key(std::string_view text, const std::string& source);
Signature parse_signature(std::string_view text, const std::string& source);

// Where a bundle's detached signature is looked for: "<bundle>.sig".
std::string signature_path_for(const std::string& bundle_path);

// Ed25519 over any message, for the audit log's checkpoints (catalog/audit.hpp): the same
// primitive as bundle signatures, with the caller's own domain tag in the message.
struct KeyPair {
    std::array<unsigned char, 32> public_key{};
    std::array<unsigned char, 64> secret_key{};
    ~KeyPair();  // the secret is wiped
};
KeyPair generate_keypair();
std::array<unsigned char, 32> public_key_of(const std::array<unsigned char, 64>& secret_key);
std::string sign_message_base64(std::string_view message, const std::array<unsigned char, 64>& secret_key);
bool verify_message_base64(std::string_view message, std::string_view signature_base64,
                           std::string_view public_key_base64);

std::string base64_encode(const unsigned char* p, std::size_t n);
template <std::size_t N>
std::string base64_encode(const std::array<unsigned char, N>& a) {
    return base64_encode(a.data(), N);
}
// False unless `text` is exactly n bytes of base64.
bool base64_decode(std::string_view text, unsigned char* out, std::size_t n);

// Overwrites memory that held a secret (sodium_memzero: not optimised away).
void wipe(void* p, std::size_t n) noexcept;

}  // namespace pdai::bundle
