#include "util/userns.hpp"

#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>

#include "util/file.hpp"

namespace osh::userns {

bool maps_host_root(std::string_view uid_map) {
    std::istringstream in{std::string(uid_map)};
    unsigned long inside = 0, outside = 0, count = 0;
    while (in >> inside >> outside >> count)
        if (inside == 0 && outside == 0 && count > 0) return true;
    return false;
}

bool running_as_host_root() {
    auto t = file::read_regular("/proc/self/uid_map");
    if (!t) return true;
    return maps_host_root(*t);
}

unsigned long host_uid_of(std::string_view uid_map, unsigned long uid) {
    std::istringstream in{std::string(uid_map)};
    unsigned long inside = 0, outside = 0, count = 0;
    while (in >> inside >> outside >> count)
        if (uid >= inside && uid - inside < count) return outside + (uid - inside);
    return uid;
}

bool is_host_root() {
    return ::geteuid() == 0 && running_as_host_root();
}

}  // namespace osh::userns
