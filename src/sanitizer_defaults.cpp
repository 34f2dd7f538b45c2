// Sanitizer builds only (-Db_sanitize; src/meson.build adds this file then):
// the options a process of ours gets when its environment sets no
// ASAN_OPTIONS / UBSAN_OPTIONS. Two of our processes never see the test's
// environment: the in-container enforcer (its environment is the container's
// process.env) and a hook started by podman or runc from hooks.d (the hook
// entry's env). Both can exit confined (the hook always does, behind its
// seccomp prelude; the enforcer when it refuses), where LeakSanitizer's
// exit-time check cannot work: it lists /proc/PID/task and ptraces every
// thread, and the seccomp filters answer ptrace with EPERM, so it ends in
// "LeakSanitizer has encountered a fatal error" and exit status 1. So leak
// checking is off by default; a run that sets ASAN_OPTIONS=detect_leaks=1
// (scripts/sanitize.sh for the unit and packaging suites) still gets it.
// A dynamic build honours LD_PRELOAD like any dynamic program, and the
// tests set it on purpose (test_badinput): ASan is told not to refuse to start
// when a preloaded library comes before its runtime.
// Any other finding aborts (SIGABRT: never mistaken for our own exit codes),
// UBSan's included, whose own default is to print and go on.
extern "C" const char* __asan_default_options() {
    return "detect_leaks=0:abort_on_error=1:verify_asan_link_order=0";
}
extern "C" const char* __ubsan_default_options() {
    return "halt_on_error=1:abort_on_error=1:print_stacktrace=1";
}
