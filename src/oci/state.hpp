// The OCI state a runtime writes to a hook's stdin (runtime-spec "state").
// Accepts runc's shape (no `root`), crun's (adds `root`; status
// created/starting; pid 0 in container-namespace stages) and the old
// `bundlePath` spelling.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace osh::oci {

struct State {
    std::string oci_version;
    std::string id;
    std::string status;                 // creating, created, running, stopped, ...
    int pid = 0;                        // host pid of the container init; 0 when absent (or -1)
    std::string bundle;                 // absolute path
    std::optional<std::string> root;    // crun: rootfs path (a relative one is joined to the bundle)
    std::map<std::string, std::string> annotations;
};

// Parses and validates (id present, bundle absolute). `origin` names the input
// in errors ("stdin").
Result<State> parse_state(std::string_view text, std::string_view origin);

// Container ids become path components: allow [A-Za-z0-9][A-Za-z0-9_.+-]{0,255},
// never "." / "..", never '/', NUL or control characters.
Result<void> validate_container_id(std::string_view id);

}  // namespace osh::oci
