// The proof that what a container runs as its enforcer is the file the spec
// edit bound there, and what it reads as its plan is its plan directory:
// both opened in the container's own mount namespace, refusing any symlink,
// and compared by device and inode. The hook proves it at createRuntime;
// the shim proves it again before each `runtime exec`, against the enforcer
// the hook proved (a package upgrade replaces the host file, not the bind).
#pragma once

#include <string>

#include "rootfs/facts.hpp"
#include "util/result.hpp"

namespace osh::plan {

// `rootfd`: the container's root in its own view; `enforcer_shown` names the
// expected enforcer in messages; `plan_dirfd`: the plan directory on the host.
Result<void> prove_ours(int rootfd, const std::string& enforcer_shown,
                        const rootfs::ObjectId& enforcer, int plan_dirfd);

// The same proof on a running container, from the root `runtime exec`
// enters: a child joins the pid's mount namespace as the exec does (setns
// lands at the namespace's root, whatever the pid's own root is after a
// chroot) and proves from there, whatever the host paths of its bundle and
// rootfs say now.
Result<void> prove_running(int pid, const std::string& enforcer_shown,
                           const rootfs::ObjectId& enforcer, int plan_dirfd);

}  // namespace osh::plan
