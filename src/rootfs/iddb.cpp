#include "rootfs/iddb.hpp"

#include <vector>

namespace osh::rootfs {

namespace {

// A decimal id below (uid_t)-1 ("unchanged" to setresuid), or nullopt.
std::optional<uint32_t> parse_id(std::string_view s) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    uint64_t v = 0;
    for (char ch : s) {
        if (ch < '0' || ch > '9') return std::nullopt;
        v = v * 10 + static_cast<uint64_t>(ch - '0');
    }
    if (v > 0xfffffffeu) return std::nullopt;
    return static_cast<uint32_t>(v);
}

}  // namespace

std::optional<IdEntry> lookup_id(std::string_view db, std::string_view name) {
    if (name.empty()) return std::nullopt;
    size_t pos = 0;
    while (pos < db.size()) {
        size_t eol = db.find('\n', pos);
        std::string_view line =
            db.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
        pos = eol == std::string_view::npos ? db.size() : eol + 1;
        // name:password:ID:GID:...
        std::vector<std::string_view> f;
        size_t i = 0;
        while (f.size() < 5) {
            size_t j = line.find(':', i);
            f.push_back(line.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
            if (j == std::string_view::npos) break;
            i = j + 1;
        }
        if (f.size() < 3 || f[0] != name) continue;
        auto id = parse_id(f[2]);
        if (!id) continue;
        IdEntry e{*id, std::nullopt};
        if (f.size() >= 4) e.group = parse_id(f[3]);
        return e;
    }
    return std::nullopt;
}

}  // namespace osh::rootfs
