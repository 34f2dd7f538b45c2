#!/usr/bin/env bash
# Real-GPU validation: runs the CUDA probe and nvidia-smi under the
# static enforcer with plans compiled by the real hook on this machine, one
# case per policy variant, and writes a Markdown report.
#
#   bash tests/gpu/run_validation.sh BINARY PROBE REPORT
#
# BINARY: the static oci-sandbox-hook; PROBE: cuda_probe built with nvcc;
# REPORT: the Markdown file to write. On a machine without an NVIDIA GPU the
# script takes its no-GPU path: it builds every case's plan against fake
# device nodes (proving the plan path works), records that no GPU was found,
# and exits 77 (skipped).
set -uo pipefail

bin=$(readlink -f "${1:?binary}")
probe=$(readlink -f "${2:?probe}")
report=${3:?report}
work=$(mktemp -d /tmp/osh-gpu.XXXXXX)
trap 'rm -rf "$work"' EXIT
probe_dir=$(dirname "$probe")

have_gpu=0
[[ -c /dev/nvidiactl ]] && have_gpu=1

# The device nodes the cases grant: the machine's own, or fakes (no GPU).
devroot=/dev
if ((have_gpu == 0)); then
	devroot=$work/fakedev
	mkdir -p "$devroot"
	mknod "$devroot/nvidia0" c 195 0 && mknod "$devroot/nvidiactl" c 195 255 && mknod "$devroot/nvidia-uvm" c 511 0 ||
		{ echo "run_validation: cannot mknod fake devices (need root)"; exit 77; }
fi

# linux.devices entries for every NVIDIA node present.
devices_json() {
	local first=1 f t maj min
	printf '['
	for f in "$devroot"/nvidia*; do
		[[ -c $f ]] || continue
		maj=$((16#$(stat -c %t "$f"))) min=$((16#$(stat -c %T "$f")))
		((first)) || printf ','
		first=0
		printf '{"path":"/dev/%s","type":"c","major":%d,"minor":%d,"fileMode":438}' "$(basename "$f")" "$maj" "$min"
	done
	printf ']'
}

# policy_for CASE: the policy document of one case.
policy_for() {
	local proc=write_file ro='"/usr","/lib","/lib64","/bin","/sbin","/etc","/proc","/dev/urandom","'"$probe_dir"'"' \
		deny='[]' detect=auto
	case $1 in
	read_write) proc=read_write ;;
	proc_none) proc=none ;;
	no_devices) detect=never ;;
	memfd_denied) deny='["memfd_create"]' ;;
	esac
	cat <<JSON
{"version": 1,
 "filesystem": {"read_only": [$ro], "read_write": ["/tmp", "/dev/null"], "baseline": true, "include_workdir": false},
 "gpu": {"detect": "$detect", "proc_access": "$proc", "promotion": {"mode": "promote_all", "allow": ["/proc"]}},
 "seccomp": {"profile": "default", "deny": $deny},
 "network": {"require_private_netns": false},
 "failure": {"default": "strict", "kinds": {"landlock_path": "warn"}},
 "log": {"path": "$work/hook.log", "level": "info"}}
JSON
}

# plan CASE: a bundle whose rootfs is this machine's /, edited like the shim
# would, and the real hook run at createRuntime. Prints the plan directory.
plan() {
	local c=$1 b=$work/bundle-$1 id=osh-gpu-$1
	mkdir -p "$b"
	policy_for "$c" >"$work/policy-$c.json"
	cat >"$b/config.json" <<JSON
{"ociVersion": "1.0.2", "root": {"path": "/"},
 "process": {"args": ["$probe"], "cwd": "/", "env": ["PATH=/usr/bin:/bin"]},
 "linux": {"devices": $(devices_json), "namespaces": [{"type": "mount"}]}}
JSON
	"$bin" inject --bundle "$b" --id "$id" >/dev/null || return 1
	printf '{"ociVersion":"1.0.2","id":"%s","status":"creating","pid":%d,"bundle":"%s"}' "$id" $$ "$b" |
		"$bin" hook --policy "$work/policy-$c.json" --stage createRuntime || return 1
	echo "/run/oci-sandbox/$id"
}

poststop() {
	printf '{"ociVersion":"1.0.2","id":"osh-gpu-%s","status":"stopped","pid":0,"bundle":"%s"}' "$1" "$work/bundle-$1" |
		"$bin" hook --policy "$work/policy-$1.json" --stage poststop
}

failed=0
cases=(baseline default read_write proc_none no_devices nvidia_smi memfd_denied)
declare -A result
for c in "${cases[@]}"; do
	if [[ $c == baseline ]]; then
		out=$("$probe" 2>&1)
		result[$c]="exit $?: $out"
		continue
	fi
	pc=$c
	[[ $c == nvidia_smi ]] && pc=default
	dir=$(plan "$pc") || { result[$c]="plan failed"; failed=1; continue; }
	if ((have_gpu)); then
		if [[ $c == nvidia_smi ]]; then
			out=$("$bin" exec --plan "$dir" -- nvidia-smi -L 2>&1)
		else
			out=$("$bin" exec --plan "$dir" -- "$probe" 2>&1)
		fi
		result[$c]="exit $?: $(tr '\n' ' ' <<<"$out")"
	else
		result[$c]="plan built ($(ls "$dir" | tr '\n' ' ')); not run: no GPU"
	fi
	explain=$("$bin" explain --bundle "$work/bundle-$pc" --policy "$work/policy-$pc.json" 2>&1 | grep -E '^ *(\+ )?/proc |304' | head -3 | tr -s ' \n' ' ')
	result[$c-explain]=$explain
	poststop "$pc" || true
done

{
	echo "# GPU validation report"
	echo
	echo "- date: $(date -u +%FT%TZ)"
	echo "- host: $(uname -srm)"
	if ((have_gpu)); then
		echo "- driver: $(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1)"
		echo "- GPU: $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
		echo "- CUDA (driver): $(nvidia-smi | grep -o 'CUDA Version: [0-9.]*' | head -1)"
	else
		echo "- GPU: none found (no /dev/nvidiactl): no-GPU path, plans built against fake nodes"
	fi
	echo "- Landlock: $("$bin" probe 2>/dev/null | grep -i landlock | head -1)"
	echo
	echo "| case | result | explain on /proc |"
	echo "| --- | --- | --- |"
	for c in "${cases[@]}"; do
		echo "| $c | ${result[$c]//|/\\|} | ${result[$c-explain]:-} |"
	done
} >"$report"
cat "$report"
((failed == 0)) || exit 1
((have_gpu)) || { echo "run_validation: no NVIDIA GPU here: CUDA cases not run (plans were built and checked)"; exit 77; }
exit 0
