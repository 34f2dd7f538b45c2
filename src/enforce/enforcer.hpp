// The in-container enforcer: reads the plan, applies it to this process
// (user, no_new_privs, Landlock, seccomp) and execs the workload.
#pragma once

#include <string>
#include <vector>

namespace osh::enforce {

// Exit statuses of `exec` besides the command's own.
inline constexpr int kExitRefused = 125;
inline constexpr int kExitNotExecutable = 126;
inline constexpr int kExitNotFound = 127;

// Reads the plan in `plan_dir`, which must carry `key` (the spec edit's key
// from the enforcer's own arguments), enforces it and execs `command`.
// Returns only when the sandbox refused (125) or the command could not be
// run (126, 127).
int enforce_and_exec(const std::string& plan_dir, const std::string& key,
                     const std::vector<std::string>& command);

// write(2) of all of `s` (EINTR retried; a failing fd drops the rest).
void write_all(int fd, std::string_view s);

}  // namespace osh::enforce
