#include "util/build_id.hpp"

#include <elf.h>
#include <link.h>

#include <cstring>
#include <string_view>

#include "util/hex.hpp"

namespace osh::build_id {

namespace {

// The first object dl_iterate_phdr reports is the program itself.
int first_object(dl_phdr_info* info, size_t, void* out) {
    auto* id = static_cast<std::optional<std::string>*>(out);
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_NOTE) continue;
        const auto* p = reinterpret_cast<const unsigned char*>(info->dlpi_addr + ph.p_vaddr);
        const unsigned char* end = p + ph.p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            ElfW(Nhdr) n;
            std::memcpy(&n, p, sizeof n);
            const unsigned char* name = p + sizeof n;
            const unsigned char* desc = name + ((n.n_namesz + 3) & ~3u);
            if (desc + n.n_descsz > end) break;
            if (n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 &&
                std::memcmp(name, "GNU", 4) == 0) {
                *id = hex::encode(std::span<const uint8_t>(desc, n.n_descsz));
                return 1;
            }
            p = desc + ((n.n_descsz + 3) & ~3u);
        }
    }
    return 1;  // only the program itself
}

}  // namespace

std::optional<std::string> self() {
    static const std::optional<std::string> id = [] {
        std::optional<std::string> out;
        dl_iterate_phdr(first_object, &out);
        return out;
    }();
    return id;
}

}  // namespace osh::build_id
