// Setting up the calling process before it runs a workload: no_new_privs,
// its user, group and supplementary groups, its audit login uid, and the
// PATH search that execs the workload. The only place that calls prctl's
// PR_SET_NO_NEW_PRIVS and the set*id family; errors carry the errno.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace osh::process {

// prctl(PR_SET_NO_NEW_PRIVS, 1).
Result<void> set_no_new_privs();

struct Ids {
    uid_t ruid = 0, euid = 0, suid = 0;
    gid_t rgid = 0, egid = 0, sgid = 0;
    size_t groups = 0;  // supplementary groups held
};
Ids current_ids();

// Exactly `uid` and `gid` (real, effective, saved) and no supplementary
// group, read back afterwards: nothing is taken as done because it looks
// done.
Result<void> switch_ids(uid_t uid, gid_t gid);

// The audit login uid of a container's processes is usually unset, and an
// unset login uid may be set once without any capability: a workload that
// can write /proc (a GPU container can) would then choose the user the
// host's audit trail names. Sets it to `uid` when it is unset, which leaves
// any later change to CAP_AUDIT_CONTROL. Nothing to do (success) without
// audit support or /proc.
Result<void> pin_login_uid(uid_t uid);

// execvp without its /bin/sh fallback: `args[0]` as a path when it has a
// '/', else searched in $PATH (`default_path` when unset). Returns only on
// failure, with the errno that explains it: ENOENT when no PATH entry has
// the command, EACCES when one does but may not be executed, else the
// first other error.
int exec_searching_path(const std::vector<std::string>& args, const char* default_path);

}  // namespace osh::process
