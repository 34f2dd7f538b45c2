// Compiling a FilterSpec to classic BPF with libseccomp, with an on-disk
// cache keyed by a hash of (canonical source, libseccomp version, arch) so a
// warm hook does no libseccomp work. Only the hook links this; the enforcer
// links load.hpp's library only.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <string>

#include "seccomp/bpf.hpp"
#include "seccomp/profile.hpp"
#include "util/result.hpp"

namespace osh::seccomp {

// Where the hook keeps compiled filters.
inline constexpr const char* kBpfCacheDir = "/var/cache/oci-sandbox";

struct CompileStats {
    bool cache_hit = false;
    int libseccomp_compiles = 0;
};

// Builds the filter for resolve(spec), in order:
//   1. (default profile) a prologue answering ENOSYS for calls numbered above
//      the newest call the profile knows (splice.hpp);
//   2. the refusals: a libseccomp filter whose rules answer the policy's
//      action (errno: ERRNO(EPERM), kill: KILL_PROCESS, log: LOG) or their
//      own errno, and whose "allow" goes on to part 3;
//   3. (default profile) the allow-list: a libseccomp filter allowing its
//      rules and answering the action to everything else.
// Profile `none` is part 2 alone, allowing what it does not refuse. Each
// libseccomp part uses the binary-tree optimisation. The whole is then made
// smaller by compact.hpp (a tree of number ranges first, then libseccomp's
// program for the calls whose answer reads arguments), checked to answer as
// it does; an allowed call without conditions stays a constant decision the
// kernel caches. Only
// `spec.audit_arch` (plus i386 on x86_64 when policy.allow_i386) is
// accepted; other arches (and x32 numbers on x86_64) get the action.
// An unknown syscall name fails, naming it (the caller maps this to
// failure kind seccomp_compile). Profile `none` with nothing denied yields an
// empty Bpf: no filter to load.
// `cache_dir` "" disables the cache; a cache that cannot be read or written is
// not an error (the filter is compiled and returned).
Result<Bpf> compile(const FilterSpec& spec, const std::string& cache_dir,
                    CompileStats* stats = nullptr);

// The same filter as libseccomp builds it, before compact.hpp (no cache): for
// tests that compare the two.
Result<Bpf> compile_uncompacted(const FilterSpec& spec);

// Process-wide number of libseccomp compiles done by compile().
uint64_t compile_count();

// Lower-case hex SHA-256 of (the program's build ID and the settings, or
// without a build ID the canonical source; libseccomp version; arch).
std::string cache_key(const FilterSpec& spec);

// "2.5.4"
std::string libseccomp_version();

// libseccomp's human-readable dump of parts 2 and 3 (seccomp_export_pfc),
// each under a "# ..." title, for debugging and tests.
Result<std::string> export_pfc(const FilterSpec& spec);

}  // namespace osh::seccomp
