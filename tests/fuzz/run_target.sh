#!/usr/bin/env bash
# Runs one libFuzzer target for SECONDS with the JSON dictionary (json.dict)
# over its seeds: the hand-made ones in tests/fuzz/seeds/TARGET/ and the real
# inputs of the shared corpus (read in place, never copied; skipped, saying
# so, when it is absent). New inputs go to a scratch corpus that is removed
# afterwards unless OSH_FUZZ_CORPUS names a directory to keep them in.
#   run_target.sh BINARY TARGET SECONDS [ARTIFACT_DIR] [extra libFuzzer flags...]
# Exit status: libFuzzer's (0: no crash); a crash leaves its input in
# ARTIFACT_DIR (default ./fuzz-artifacts/TARGET).
set -euo pipefail
bin=$1 target=$2 secs=$3
artifacts=${4:-$PWD/fuzz-artifacts}/$target
shift $(($# < 4 ? $# : 4))
here=$(cd "$(dirname "$0")" && pwd)
src=${OSH_SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
corpus=${OSH_CORPUS:-$src/../shared/corpus}
testdata=${OSH_TESTDATA:-$src/testdata}

seeds=("$here/seeds/$target")
case $target in
state | spec | spec_edit | plan) ;;
policy) seeds+=("$testdata") ;;
*)
	echo "run_target.sh: unknown target $target" >&2
	exit 2
	;;
esac
dirs=()
for d in "${seeds[@]}"; do
	if [[ -d $d ]]; then dirs+=("$d"); else echo "run_target.sh: no seed directory $d (skipped)"; fi
done
# Every target also starts from the whole shared corpus (libFuzzer reads it
# recursively): the real configs and states, and every other JSON file there
# (CDI specs, hooks.d files, seccomp profiles, schemas) as real JSON shapes for
# the dictionary's names to land in.
if [[ -d $corpus ]]; then
	dirs+=("$corpus")
else
	echo "run_target.sh: the shared corpus ($corpus) is absent: only the hand-made seeds" \
		"(set OSH_CORPUS to its path to add the real configs, states and JSON files)"
fi

if [[ -n ${OSH_FUZZ_CORPUS:-} ]]; then
	work=$OSH_FUZZ_CORPUS/$target
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/osh-fuzz-$target.XXXXXX")
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$artifacts"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# Known UB in a third-party header (see the file); everything else halts.
[[ $UBSAN_OPTIONS == *suppressions=* ]] || UBSAN_OPTIONS+=:suppressions=$src/tests/sanitizers/ubsan.supp
echo "fuzz $target: ${secs}s over ${dirs[*]}"
# Not exec: the EXIT trap must still remove the scratch corpus afterwards.
rc=0
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
	-dict="$here/json.dict" -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "$work" "${dirs[@]}" || rc=$?
exit $rc
