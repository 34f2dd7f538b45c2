// Fault injection for the crash-safety and self-confinement tests. Compiled
// in only with -Dtest_hooks=true (the test suite's build); in every other
// build these are empty inline functions, so a release binary has no switch.
//
// OSH_TEST_POINT=NAME[:ARG] in the environment is read once, at the top of
// main(), before any command clears its environment. `kill_at(NAME)` then
// SIGKILLs the process at the point named NAME; `arg(NAME)` hands a named
// switch's argument to the code that acts on it (e.g. the hook's
// after-prelude escape attempts).
#pragma once

#include <optional>
#include <string>

namespace osh::test_point {

#ifdef OSH_TEST_HOOKS
constexpr bool enabled = true;
void capture_from_env();
void kill_at(const char* name);
std::optional<std::string> arg(const char* name);
#else
constexpr bool enabled = false;
inline void capture_from_env() {}
inline void kill_at(const char*) {}
inline std::optional<std::string> arg(const char*) { return std::nullopt; }
#endif

}  // namespace osh::test_point
