#!/usr/bin/env bash
# Benchmarks: hook latency, enforcer cost against bwrap/firejail,
# container start through the shim (runc, crun, Docker), seccomp and
# Landlock per-call cost, and hook and enforcer scaling. One command, as root, after the
# README's set-up:
#   bash bench/run.sh [BUILD_DIR]     (default build-bench, a release build)
# Prints the table and writes docs/benchmarks.md. Takes 5-10 minutes on 2 cores.
# BENCH_QUICK=1 runs a few rounds of everything (a smoke check, ~1 minute;
# docs/benchmarks.md is then not written). BENCH_ONLY=SECTION runs one
# section alone with full rounds (not written either): hook, enforcer,
# seccomp, containers (runc and crun), scaling, docker (a private dockerd and
# containerd).
set -euo pipefail

cd "$(dirname "$0")/.."
build_dir=${1:-build-bench}

if ((EUID != 0)); then
	echo "bench/run.sh: run as root (containers, mount namespaces, Landlock and seccomp on real processes)" >&2
	exit 1
fi

# Debian 12 packages: the build's, the runtimes', the peers', GNU time.
packages=(
	g++ pkg-config meson ninja-build libseccomp-dev rapidjson-dev libcli11-dev doctest-dev
	runc crun busybox-static python3 python3-yaml util-linux docker.io containerd
	bubblewrap firejail time
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "bench/run.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A release build of the product (an existing build dir is used as it is).
if [[ ! -f $build_dir/build.ninja ]]; then
	out=$(meson setup "$build_dir" -Dbuildtype=release 2>&1) || { echo "$out" >&2; exit 1; }
fi
ninja -C "$build_dir" src/oci-sandbox-hook src/oci-sandbox-enforce
bin=$build_dir/src/oci-sandbox-hook
grep -q "buildtype = 'release'\|buildtype: release" "$build_dir/meson-info/intro-buildoptions.json" 2>/dev/null ||
	python3 -c "import json,sys; o={x['name']:x['value'] for x in json.load(open(sys.argv[1]))}; sys.exit(o['buildtype']!='release')" \
		"$build_dir/meson-info/intro-buildoptions.json" ||
	echo "bench/run.sh: warning: $build_dir is not a release build; timings are of an unoptimised binary" >&2

# The per-call loop, static (it also runs under our enforcer).
sb=$build_dir/bench-syscall_bench
cc -O2 -Wall -Wextra -Werror -static -o "$sb" bench/syscall_bench.c -l:libseccomp.a
# The floor experiments: the kernel calls of the enforcer and of the hook alone.
ef=$build_dir/bench-enforce_floor
cc -O2 -Wall -Wextra -Werror -static -o "$ef" bench/enforce_floor.c
hf=$build_dir/bench-hook_floor
cc -O2 -Wall -Wextra -Werror -static -o "$hf" bench/hook_floor.c
# The no-op hook and enforcer of the Docker row's shape floor.
nf=$build_dir/bench-noop
cc -O2 -Wall -Wextra -Werror -static -o "$nf" bench/noop.c

out=docs/benchmarks.md
quick=()
if [[ -n ${BENCH_QUICK:-} ]]; then
	quick=(--quick)
	out=
fi
if [[ -n ${BENCH_ONLY:-} ]]; then
	quick+=(--only "$BENCH_ONLY")
	out=
fi
export OSH_CORPUS=${OSH_CORPUS:-$(cd .. && pwd)/shared/corpus}
# shellcheck disable=SC2016
exec unshare -m --propagation private sh -c 'OSH_BENCH_NS=$(readlink /proc/self/ns/mnt) exec "$@"' sh \
	/usr/bin/python3 bench/bench.py --binary "$bin" --syscall-bench "$sb" --enforce-floor "$ef" --hook-floor "$hf" --noop "$nf" ${out:+--out "$out"} "${quick[@]}"
