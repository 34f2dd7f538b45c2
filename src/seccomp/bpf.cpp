#include "seccomp/bpf.hpp"

#include <cstring>
#include <string>

namespace osh::seccomp {
namespace {

constexpr char kMagic[8] = {'O', 'S', 'H', 'B', 'P', 'F', '1', '\0'};
constexpr size_t kHeader = 16;

void put32(std::vector<uint8_t>& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
uint32_t get32(const uint8_t* p) {
    return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

}  // namespace

std::vector<uint8_t> serialize(const Bpf& bpf) {
    std::vector<uint8_t> out;
    out.reserve(kHeader + 8 * bpf.insns.size());
    for (char c : kMagic) out.push_back(uint8_t(c));
    put32(out, bpf.audit_arch);
    put32(out, uint32_t(bpf.insns.size()));
    for (const sock_filter& f : bpf.insns) {
        out.push_back(uint8_t(f.code));
        out.push_back(uint8_t(f.code >> 8));
        out.push_back(f.jt);
        out.push_back(f.jf);
        put32(out, f.k);
    }
    return out;
}

Result<Bpf> deserialize(std::span<const uint8_t> bytes) {
    if (bytes.size() < kHeader || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
        return fail("seccomp BPF: bad header (not an OSHBPF1 blob)");
    }
    if (bytes.size() % 8 != 0) {
        return fail("seccomp BPF: length " + std::to_string(bytes.size()) +
                    " is not a multiple of 8");
    }
    Bpf bpf;
    bpf.audit_arch = get32(bytes.data() + 8);
    const uint32_t count = get32(bytes.data() + 12);
    if (count > BPF_MAXINSNS) {
        return fail("seccomp BPF: " + std::to_string(count) +
                    " instructions exceed the kernel's limit of " + std::to_string(BPF_MAXINSNS));
    }
    if (bytes.size() != kHeader + 8 * size_t(count)) {
        return fail("seccomp BPF: header says " + std::to_string(count) +
                    " instructions, body holds " + std::to_string((bytes.size() - kHeader) / 8));
    }
    bpf.insns.resize(count);
    const uint8_t* p = bytes.data() + kHeader;
    for (uint32_t i = 0; i < count; ++i, p += 8) {
        bpf.insns[i].code = uint16_t(p[0] | (p[1] << 8));
        bpf.insns[i].jt = p[2];
        bpf.insns[i].jf = p[3];
        bpf.insns[i].k = get32(p + 4);
    }
    return bpf;
}

}  // namespace osh::seccomp
