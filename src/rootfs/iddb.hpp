// The image's user and group databases (/etc/passwd, /etc/group), parsed as
// text. Never NSS: nothing from the image is loaded or run. A name found here
// is the image's claim, not proof; the hook decides what it may grant.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace osh::rootfs {

struct IdEntry {
    uint32_t id = 0;       // field 3: uid (passwd) or gid (group)
    std::optional<uint32_t> group;  // passwd field 4: the primary gid
};

// The first entry named `name` in passwd- or group-format text.
std::optional<IdEntry> lookup_id(std::string_view db_text, std::string_view name);

}  // namespace osh::rootfs
