#include "landlock/access.hpp"

namespace osh::landlock {

std::string describe(AccessMask m) {
    std::string out;
    for (const auto& e : kAccessWords) {
        if (!(m & bit(e.value))) continue;
        if (!out.empty()) out += ',';
        out += e.word;
    }
    return out.empty() ? "none" : out;
}

}  // namespace osh::landlock
