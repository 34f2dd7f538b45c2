#include "util/hex.hpp"

#include <array>

namespace osh::hex {

std::string encode(std::span<const uint8_t> bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(bytes.size() * 2, '\0');
    char* p = out.data();
    for (uint8_t b : bytes) {
        *p++ = kHex[b >> 4];
        *p++ = kHex[b & 15];
    }
    return out;
}

namespace {

// Each byte's value as a lowercase hex digit, or 0xff (the plan's seccomp
// program is decoded on every container start: a table, not branches).
constexpr std::array<uint8_t, 256> kNibble = [] {
    std::array<uint8_t, 256> t{};
    t.fill(0xff);
    for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<uint8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<uint8_t>(c - 'a' + 10);
    return t;
}();

}  // namespace

std::optional<std::vector<uint8_t>> decode(std::string_view text) {
    if (text.size() % 2) return std::nullopt;
    std::vector<uint8_t> out(text.size() / 2);
    uint8_t bad = 0;
    for (size_t i = 0; i < out.size(); ++i) {
        const uint8_t hi = kNibble[static_cast<unsigned char>(text[2 * i])];
        const uint8_t lo = kNibble[static_cast<unsigned char>(text[2 * i + 1])];
        bad |= static_cast<uint8_t>(hi | lo);
        out[i] = static_cast<uint8_t>(hi << 4 | (lo & 15));
    }
    if (bad & 0xf0) return std::nullopt;
    return out;
}

}  // namespace osh::hex
