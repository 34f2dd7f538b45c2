// Fault injection for the crash-safety and self-confinement tests. Compiled
// in only with -Dtest_hooks=true (the test suite's build); in every other
// build these are empty inline functions, so a release binary has no switch.
//
// OSH_TEST_POINT=NAME[:ARG] in the environment is read once, at the top of
// main(), before any command clears its environment. `kill_at(NAME)` then
// SIGKILLs the process at the point named NAME (saying "test point reached"
// on stderr first); `kill_at(NAME, SUBJECT)` only when ARG is empty or equals
// SUBJECT (e.g. OSH_TEST_POINT=write_atomic.written:plan.json). `arg(NAME)`
// hands a named switch's argument to the code that acts on it (e.g. the
// hook's after-prelude escape attempts).
//
// The kill points (tests/integration/test_crash.py drives every one):
//   prepare.config_read        spec edit (shim, inject): config.json read,
//                              nothing created yet
//   prepare.plan_dir_created   spec edit: the plan directory exists (empty),
//                              config.json not yet rewritten
//   write_atomic.created:FILE  write_atomic: the temp file ".FILE.tmp.N"
//                              exists, empty
//   write_atomic.written:FILE  write_atomic: the temp file holds all the data
//                              and its mode, not yet renamed over FILE
//   write_atomic.renamed:FILE  write_atomic: FILE replaced
//                              (FILE: config.json for the spec edit; owner,
//                              effective-policy.json, plan.json for the hook)
//   plan.write_begin           the hook's plan::write_plan: owner and
//                              effective-policy.json written, plan.json not
//                              started
//   runtime.before_exec        shim: the edit is done, the next runtime not
//                              yet exec'd
//
// The switches with an argument (arg()):
//   hook.after_prelude:PATH    the hook, once confined, tries to run /bin/true
//                              and to create PATH, and says on stderr what
//                              happened (tests/integration/test_prelude.py)
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace osh::test_point {

#ifdef OSH_TEST_HOOKS
constexpr bool enabled = true;
void capture_from_env();
void kill_at(const char* name);
void kill_at(const char* name, std::string_view subject);
std::optional<std::string> arg(const char* name);
#else
constexpr bool enabled = false;
inline void capture_from_env() {}
inline void kill_at(const char*) {}
inline void kill_at(const char*, std::string_view) {}
inline std::optional<std::string> arg(const char*) { return std::nullopt; }
#endif

}  // namespace osh::test_point
