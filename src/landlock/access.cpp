#include "landlock/access.hpp"

namespace osh::policy {

namespace {
constexpr std::array<std::string_view, kAccessCount> kNames = {
    "execute",   "write_file", "read_file", "read_dir",  "remove_dir", "remove_file",
    "make_char", "make_dir",   "make_reg",  "make_sock", "make_fifo",  "make_block",
    "make_sym",  "refer",      "truncate",  "ioctl_dev",
};
}  // namespace

std::string_view name(Access a) { return kNames[static_cast<size_t>(a)]; }

std::optional<Access> parse_access(std::string_view s) {
    for (size_t i = 0; i < kNames.size(); ++i)
        if (kNames[i] == s) return static_cast<Access>(i);
    return std::nullopt;
}

std::string describe(AccessMask m) {
    std::string out;
    for (size_t i = 0; i < kNames.size(); ++i) {
        if (!(m & (AccessMask{1} << i))) continue;
        if (!out.empty()) out += ',';
        out += kNames[i];
    }
    return out.empty() ? "none" : out;
}

}  // namespace osh::policy
