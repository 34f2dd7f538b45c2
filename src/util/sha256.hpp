// SHA-256 (FIPS 180-4), small and dependency-free: cache keys and plan
// integrity checks. Not constant-time; do not use it for secrets.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace osh::sha256 {

using Digest = std::array<uint8_t, 32>;

class Hasher {
  public:
    Hasher();
    void update(const void* data, size_t len);
    void update(std::string_view s) { update(s.data(), s.size()); }
    Digest finish();  // the hasher must not be used afterwards

  private:
    void blocks(const uint8_t* p, size_t n);  // the SHA extensions when the CPU has them
    void block(const uint8_t* p);             // portable
    std::array<uint32_t, 8> h_;
    std::array<uint8_t, 64> buf_{};
    size_t buf_len_ = 0;
    uint64_t total_ = 0;
    bool portable_ = false;
    friend Digest digest_portable(std::string_view data);
};

Digest digest(std::string_view data);
std::string hex(const Digest& d);  // lower-case, 64 characters
std::string hex_digest(std::string_view data);

// The portable code alone (tests compare it with the SHA extensions' path).
Digest digest_portable(std::string_view data);

}  // namespace osh::sha256
