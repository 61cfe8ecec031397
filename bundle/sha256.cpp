#include "bundle/sha256.hpp"

#include "common/files.hpp"
#include "common/error.hpp"

namespace pdai::bundle {

void ensure_sodium() {
    static const int rc = sodium_init();  // 0 first time, 1 when already done, -1 on failure
    if (rc < 0) throw Error(Errc::failure, "libsodium could not be initialised");
}

Sha256::Sha256() {
    ensure_sodium();
    crypto_hash_sha256_init(&state_);
}

void Sha256::update(const void* data, std::size_t n) {
    crypto_hash_sha256_update(&state_, static_cast<const unsigned char*>(data), n);
}

std::string Sha256::hex_digest() {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state_, digest);
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

std::string sha256_hex(std::string_view data) {
    Sha256 h;
    h.update(data);
    return h.hex_digest();
}

std::string sha256_file(const std::string& path) {
    UniqueFd fd = open_for_reading(path);
    Sha256 h;
    read_all(fd, path, [&](const char* p, std::size_t n) { h.update(p, n); });
    return h.hex_digest();
}

}  // namespace pdai::bundle
