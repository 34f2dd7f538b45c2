// Pure path arithmetic on container paths (strings, never the host's filesystem).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace osh::path {

// Lexical normalisation of an absolute path: collapses "//" and "/./", drops a
// trailing "/" ("/proc/" == "/proc"). Returns nullopt for a relative path or
// one containing a ".." component (policies never need one; refusing it keeps
// comparisons honest).
std::optional<std::string> normalize(std::string_view p);

// What a runtime makes of a mount destination before it looks at the
// rootfs: "/" prefixed when relative, "//" and "/./" collapsed, ".."
// resolved lexically and clamped at the root, no trailing "/". Always an
// absolute path ("/" at least).
std::string lexical(std::string_view p);

// True when `p` equals `dir` or lies beneath it ("/dev/nvidia0" under "/dev").
bool is_within(std::string_view p, std::string_view dir);

// Shell-style glob match on whole paths: "*" and "?" do not cross "/",
// "**" does; "[...]" classes are supported.
bool glob_match(std::string_view pattern, std::string_view p);

// True when `p` holds a glob metacharacter ("*", "?" or "[").
bool has_glob(std::string_view p);

// Why `pattern` is not a glob glob_match reads as written (an unterminated
// "[" class matches a literal "["; "***" is "**" then "*"), or nullopt.
std::optional<std::string> glob_problem(std::string_view pattern);

}  // namespace osh::path
