#!/usr/bin/env bash
# The two entry points of the README, on a fresh Debian 12 machine, as root:
#   bash scripts/run.sh demo   install what is missing, build, run one confined
#                              fake-GPU container under runc and show what was enforced
#   bash scripts/run.sh test   install what is missing, build, run the whole test suite
# Options through the environment: BUILD_DIR (default build), MESON_ARGS.
# `test` then runs the suite again in an ASan+UBSan build (ASAN_BUILD_DIR,
# default build-asan; dynamic, since ASan cannot link statically); set
# OSH_SANITIZERS=0 to leave that step out.
set -euo pipefail

cd "$(dirname "$0")/.."
# Debian's tools first: the tests' python3 must be the one python3-yaml is installed for.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
build_dir=${BUILD_DIR:-build}
what=${1:-}
case "$what" in
demo | test) ;;
*)
	echo "usage: bash scripts/run.sh demo|test" >&2
	exit 2
	;;
esac

# Debian packages the build and the tests need (all from Debian 12's archive).
packages=(
	g++ clang pkg-config meson ninja-build
	libseccomp-dev rapidjson-dev libcli11-dev doctest-dev
	runc crun podman busybox-static tini
	docker.io containerd runsc uidmap
	python3 python3-yaml util-linux iproute2 time
)

install_missing() {
	local missing=()
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	if ((EUID != 0)); then
		echo "run.sh: missing packages (${missing[*]}); run as root to install them" >&2
		exit 1
	fi
	echo "run.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The test build compiles the fault-injection switches (src/util/test_point.hpp)
# that the crash-safety and self-confinement tests drive; the demo's does not.
build() {
	local test_hooks=false
	[[ $what == test ]] && test_hooks=true
	local out
	# Quiet unless it fails; then meson's own words (they go to stdout).
	if [[ ! -f $build_dir/build.ninja ]]; then
		# shellcheck disable=SC2086
		out=$(meson setup "$build_dir" --werror -Dtest_hooks=$test_hooks ${MESON_ARGS:-} 2>&1) ||
			{ echo "$out" >&2; exit 1; }
	else
		out=$(meson configure "$build_dir" -Dtest_hooks=$test_hooks 2>&1) ||
			{ echo "$out" >&2; exit 1; }
	fi
	ninja -C "$build_dir"
}

install_missing
build

case "$what" in
demo)
	exec bash scripts/demo.sh "$build_dir/src/oci-sandbox-hook"
	;;
test)
	set +e
	meson test -C "$build_dir" --print-errorlogs --num-processes 2
	rc=$?
	set -e
	# A plain closing line any CI reader understands.
	python3 scripts/test_summary.py "$build_dir/meson-logs/testlog.json"
	if [[ ${OSH_SANITIZERS:-1} != 0 ]]; then
		bash scripts/sanitize.sh "${ASAN_BUILD_DIR:-build-asan}" || rc=1
	fi
	exit $rc
	;;
esac
