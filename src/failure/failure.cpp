#include "failure/failure.hpp"

namespace osh::failure {

std::string_view fix_hint(Kind k) {
    switch (k) {
        case Kind::gpu_detection:
            return "check the container's device list, or set gpu.detect to always/never";
        case Kind::landlock_unavailable:
            return "enable Landlock (lsm= boot parameter, CONFIG_SECURITY_LANDLOCK) or set "
                   "failure.kinds.landlock_unavailable to warn/skip where an outer sandbox is the boundary";
        case Kind::landlock_path:
            return "the path is not what the hook judged, or leads through a symlink onto "
                   "something the policy does not grant: list the target with the rights it "
                   "needs, fix the image, or remove the rule";
        case Kind::landlock_enforce:
            return "check that the kernel supports the requested rights (oci-sandbox-hook probe)";
        case Kind::seccomp_compile:
            return "check seccomp.deny/allow names against this architecture (oci-sandbox-hook probe)";
        case Kind::seccomp_enforce:
            return "an outer sandbox may block seccomp; set failure.kinds.seccomp_enforce to warn/skip if it is the boundary";
        case Kind::no_new_privs:
            return "an outer sandbox refused PR_SET_NO_NEW_PRIVS; set failure.kinds.no_new_privs to warn if intended";
        case Kind::netns:
            return "give the container a private network namespace or set network.require_private_netns to false";
        case Kind::privilege_drop:
            return "check process.run_as_user/run_as_group and the image's /etc/passwd";
        case Kind::plan_missing:
            return "the hook did not run or its plan was damaged: check the hook registration and the log";
        case Kind::hook_prelude:
            return "the hook could not confine itself; check Landlock/seccomp availability on the host";
    }
    return "";
}

}  // namespace osh::failure
