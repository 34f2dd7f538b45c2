#!/usr/bin/env bash
# The sanitizer job: the whole unit, kernel and integration suite again in an
# ASan+UBSan build (gcc). Run by `bash scripts/run.sh test` after the normal
# suite; alone: bash scripts/sanitize.sh [BUILD_DIR]   (default build-asan)
# The binaries are dynamic here (ASan cannot link statically): the integration
# tests copy the libraries they map into their busybox rootfs
# (oshtest.make_rootfs), so the enforcer, oci-sandbox-enforce, runs in the
# container sanitized too. The fuzz suite is
# left out (the normal suite's fuzz-smoke already runs the clang fuzz build), and
# so is suite slow (the .deb/.rpm builds package the release binary).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-asan}
start=$SECONDS
# -O1 and line tables only (-g1: still file and line in every report). The
# build is most of this job: in CI runs 1107 of 1444 s at -O2 -g, 783 of
# 1218 s at -O1 -g1 (GCC's UBSan is the slow part: src/commands/explain.cpp
# took 94 s at -O2 -g, 47 s at -O1 -g1).
opts=(-Dtest_hooks=true -Db_sanitize=address,undefined -Dstatic_binary=false
	-Doptimization=1 -Ddebug=false -Dcpp_args=-g1)
if [[ ! -f $dir/build.ninja ]]; then
	out=$(meson setup "$dir" --werror "${opts[@]}" 2>&1) || { echo "$out" >&2; exit 1; }
else
	out=$(meson configure "$dir" "${opts[@]}" 2>&1) || { echo "$out" >&2; exit 1; }
fi
ninja -C "$dir"
echo "sanitize: build took $((SECONDS - start))s"
# Known UB in a third-party header is listed there; anything else halts.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$PWD/tests/sanitizers/ubsan.supp
set +e
# Leak checks where processes exit unconfined (unit, packaging). The kernel and
# integration suites run processes that exit confined: the hook always (its
# seccomp prelude and Landlock domain), the enforcer when it refuses part-way
# (Landlock on, seccomp failed, or execve failed). At exit
# LeakSanitizer lists /proc/PID/task (outside the hook's Landlock domain) and
# ptraces every thread (EPERM under both seccomp filters), so each such exit
# becomes "LeakSanitizer has encountered a fatal error", status 1: ASan and
# UBSan stay on there, leak checking is off. The processes that never see this
# environment (the enforcer in the container gets process.env; a hook run from
# hooks.d gets the hook entry's env) take the same settings from the defaults
# compiled into sanitizer builds (src/sanitizer_defaults.cpp), which halt on a
# UBSan finding too; they have no suppressions file, and need none so far.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	meson test -C "$dir" --print-errorlogs --num-processes 2 --suite unit --suite packaging
rc=$?
cp "$dir/meson-logs/testlog.json" "$dir/meson-logs/testlog-leaks.json"
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	meson test -C "$dir" --print-errorlogs --num-processes 2 --no-suite unit --no-suite packaging --no-suite fuzz --no-suite slow
rc=$((rc | $?))
set -e
cat "$dir/meson-logs/testlog-leaks.json" >>"$dir/meson-logs/testlog.json"
echo "sanitizer suite (ASan+UBSan, $dir):"
python3 scripts/test_summary.py "$dir/meson-logs/testlog.json"
echo "sanitize: took $((SECONDS - start))s"
exit $rc
