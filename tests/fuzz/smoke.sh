#!/usr/bin/env bash
# The fuzz smoke test of a non-fuzz build (meson test's `fuzz-smoke`):
# configures and builds the clang libFuzzer build (only the fuzz targets and
# what they link) and runs each target for SECONDS (default 15).
#   smoke.sh [SECONDS]
# The clang build lives in OSH_FUZZ_BUILD_DIR (default SOURCE_ROOT/build-fuzz)
# and is reused between runs. Without clang++ it prints why and exits 77.
set -euo pipefail
secs=${1:-15}
here=$(cd "$(dirname "$0")" && pwd)
src=${OSH_SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
bdir=${OSH_FUZZ_BUILD_DIR:-$src/build-fuzz}
targets=(state spec spec_edit policy plan)

cxx=$(command -v clang++ || command -v clang++-14 || true)
if [[ -z $cxx ]]; then
	echo "SKIP: clang++ is not installed; the libFuzzer targets need it (apt-get install clang)"
	exit 77
fi
if [[ ! -f $bdir/build.ninja ]]; then
	echo "fuzz-smoke: configuring $bdir with $cxx"
	CXX=$cxx meson setup "$bdir" "$src" -Dfuzz=true -Dstatic_binary=false \
		-Db_sanitize=address,undefined >"${TMPDIR:-/tmp}/osh-fuzz-setup.$$.log" 2>&1 || {
		cat "${TMPDIR:-/tmp}/osh-fuzz-setup.$$.log"
		exit 1
	}
	rm -f "${TMPDIR:-/tmp}/osh-fuzz-setup.$$.log"
fi
if ! grep -q 'tests/fuzz/fuzz_state:' "$bdir/build.ninja"; then
	echo "fuzz-smoke: $bdir is not configured with -Dfuzz=true; remove it or set OSH_FUZZ_BUILD_DIR" >&2
	exit 1
fi
start=$SECONDS
ninja -C "$bdir" -j2 "${targets[@]/#/tests/fuzz/fuzz_}"
echo "fuzz-smoke: build took $((SECONDS - start))s"

rc=0
for t in "${targets[@]}"; do
	if ! bash "$here/run_target.sh" "$bdir/tests/fuzz/fuzz_$t" "$t" "$secs" "$bdir/tests/fuzz/artifacts" \
		2>"$bdir/tests/fuzz/smoke-$t.log"; then
		echo "FAIL: fuzz_$t crashed; its log follows (artifacts in $bdir/tests/fuzz/artifacts/$t)"
		tail -n 60 "$bdir/tests/fuzz/smoke-$t.log"
		rc=1
	else
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$bdir/tests/fuzz/smoke-$t.log" |
			sed "s/^/fuzz_$t: /"
	fi
done
exit $rc
