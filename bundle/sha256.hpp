// Streaming SHA-256 (libsodium), so archives and files of any size hash in constant memory.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace pdai::bundle {

class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t n);
    void update(std::string_view s) { update(s.data(), s.size()); }
    // Lower-case hex. Finishes the hash: call once, then discard the object.
    std::string hex_digest();

private:
    crypto_hash_sha256_state state_;
};

std::string sha256_hex(std::string_view data);

// Hashes a regular file without following a final symlink; throws Error(failure) on I/O errors.
std::string sha256_file(const std::string& path);

// Calls sodium_init() once; throws Error(failure) if libsodium cannot start.
void ensure_sodium();

}  // namespace pdai::bundle
