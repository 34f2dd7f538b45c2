#!/usr/bin/env bash
# Real-GPU validation: runs the CUDA probe and nvidia-smi under the
# static enforcer with plans compiled by the real hook on this machine, one
# case per policy variant, and writes a Markdown report.
#
#   bash tests/gpu/run_validation.sh BINARY PROBE REPORT
#
# BINARY: the static oci-sandbox-hook; PROBE: cuda_probe built with nvcc;
# REPORT: the Markdown file to write. Optional, through the environment:
# OSH_GPU_PROBE_JIT, a probe built with PTX only (the driver compiles it at
# load: the case default_jit); OSH_GPU_PYTHON, a Python with PyTorch (the
# cases pytorch and nccl, under the default case's policy with the Python's
# own tree read-only); OSH_GPU_STRACE, a strace command with its options
# (words; no -o) and OSH_GPU_TRACE_DIR: each case is traced there from
# outside the container, CASE.trace. On a machine without an NVIDIA GPU the
# script takes its no-GPU path: it builds every case's plan against fake
# device nodes (proving the plan path works), records that no GPU was found,
# and exits 77 (skipped).
#
# Each case is a container as a runtime makes it, in a mount namespace of
# its own (nothing of it is seen on the host): its rootfs mirrors this
# machine's root (each top-level directory bind-mounted, each top-level
# symlink copied, a fresh /proc, a tmpfs /tmp holding the probe's
# directory), our enforcer and the plan directory bind-mounted at
# /.oci-sandbox, the hook run at createRuntime with the state's pid this
# namespace's process, which then becomes the enforcer (chroot into the
# rootfs): the hook proves what the container will run and judges the very
# objects the enforcer opens.
set -uo pipefail

bin=$(readlink -f "${1:?binary}")
# The in-container enforcer the spec edit binds: installed beside the hook.
enforcer=$(dirname "$bin")/oci-sandbox-enforce
[[ -x $enforcer ]] || { echo "run_validation: no $enforcer beside $bin"; exit 1; }
probe=$(readlink -f "${2:?probe}")
report=${3:?report}
work=$(mktemp -d /tmp/osh-gpu.XXXXXX)
# --one-file-system: the rootfs's mount points are empty directories on the
# host (the mounts live only in each case's namespace); never cross into one.
trap 'rm -rf --one-file-system "$work"' EXIT
probe_dir=$(dirname "$probe")
rootfs=$work/rootfs

# A GPU is there when its driver is: a /dev/nvidiactl with NVIDIA's major
# (195) alone may be a fake node another test left behind.
have_gpu=0
if [[ -c /dev/nvidiactl && -e /proc/driver/nvidia/version ]] &&
	(($(stat -c '0x%t' /dev/nvidiactl) == 195)); then
	have_gpu=1
fi

# The device nodes the cases grant: the machine's own, or fakes (no GPU).
# A fake carries the numbers the hook takes for an accelerator node: 195 for
# nvidiaN and nvidiactl; nvidia-uvm only under the major this host's
# /proc/devices registers for it (none without its driver: then no fake).
devroot=/dev
if ((have_gpu == 0)); then
	devroot=$work/fakedev
	mkdir -p "$devroot"
	mknod "$devroot/nvidia0" c 195 0 && mknod "$devroot/nvidiactl" c 195 255 ||
		{ echo "run_validation: cannot mknod fake devices (need root)"; exit 77; }
	uvm_major=$(awk '$2 == "nvidia-uvm" { print $1 }' /proc/devices)
	if [[ -n $uvm_major ]]; then
		mknod "$devroot/nvidia-uvm" c "$uvm_major" 0 || exit 77
	fi
fi

# The rootfs's mount points, made once on the host (empty directories, the
# top-level symlinks as they are).
mkdir -p "$rootfs"
for e in /*; do
	n=${e#/}
	case $n in proc | tmp | .oci-sandbox) continue ;; esac
	if [[ -L $e ]]; then
		ln -s "$(readlink "$e")" "$rootfs/$n"
	elif [[ -d $e ]]; then
		mkdir "$rootfs/$n"
	fi
done
mkdir -p "$rootfs/proc" "$rootfs/tmp" "$rootfs/.oci-sandbox/plan"
: >"$rootfs/.oci-sandbox/oci-sandbox-hook"

# in_container CASE PLANDIR KEY OUT [CMD...]: runs in a new mount namespace
# (unshare below). Mounts the rootfs, runs the hook for CASE (its output
# under OUT), then, with a CMD, becomes the container's first
# process: the enforcer running CMD.
in_container() {
	local c=$1 plan_dir=$2 key=$3 out=$4 e n
	shift 4
	set -e
	for e in /*; do
		n=${e#/}
		case $n in proc | tmp | .oci-sandbox) continue ;; esac
		[[ -d $e && ! -L $e ]] && mount --rbind "$e" "$rootfs/$n"
	done
	mount -t proc proc "$rootfs/proc"
	mount -t tmpfs -o mode=1777 tmpfs "$rootfs/tmp"
	mkdir -p "$rootfs$probe_dir"
	mount --bind "$probe_dir" "$rootfs$probe_dir"
	mount --bind "$enforcer" "$rootfs/.oci-sandbox/oci-sandbox-hook"
	mount --bind "$plan_dir" "$rootfs/.oci-sandbox/plan"
	mount -o remount,bind,ro "$rootfs/.oci-sandbox/plan"
	set +e
	printf '{"ociVersion":"1.0.2","id":"osh-gpu-%s","status":"creating","pid":%d,"bundle":"%s"}' "$c" $$ "$work/bundle-$c" |
		"$bin" hook --policy "$work/policy-$c.json" --stage createRuntime >"$out/hook.out" 2>&1
	echo $? >"$out/hook.rc"
	if (($# > 0)) && [[ $(cat "$out/hook.rc") == 0 ]]; then
		# Traced from outside: strace stays on the host side of the chroot.
		# shellcheck disable=SC2086
		[[ -n ${OSH_GPU_STRACE:-} ]] && exec $OSH_GPU_STRACE -o "$OSH_GPU_TRACE_DIR/$OSH_GPU_TRACE_NAME.trace" \
			chroot "$rootfs" /.oci-sandbox/oci-sandbox-hook exec --plan /.oci-sandbox/plan --key "$key" -- "$@"
		exec chroot "$rootfs" /.oci-sandbox/oci-sandbox-hook exec --plan /.oci-sandbox/plan --key "$key" -- "$@"
	fi
	exit 0
}

# linux.devices entries for every NVIDIA node present.
devices_json() {
	local first=1 f maj min
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
		deny='[]' detect=auto rw='"/tmp","/dev/null"'
	case $1 in
	read_write) proc=read_write ;;
	proc_none) proc=none ;;
	# /proc writable here, so that what fails is the device nodes, not /proc.
	no_devices) detect=never ro=${ro/'"/proc",'/} rw+=',"/proc"' ;;
	memfd_denied) deny='["memfd_create"]' ;;
	# The Python environment's own tree is read-only too (an image would
	# list where its interpreter lives).
	pytorch) ro+=',"'"$(dirname "$(dirname "$(readlink -f "$OSH_GPU_PYTHON")")")"'","/opt"' ;;
	esac
	cat <<JSON
{"version": 1,
 "filesystem": {"read_only": [$ro], "read_write": [$rw], "baseline": true, "include_workdir": false},
 "gpu": {"detect": "$detect", "proc_access": "$proc", "promotion": {"mode": "promote_all", "allow": ["/proc"]}},
 "seccomp": {"profile": "default", "deny": $deny},
 "network": {"require_private_netns": false},
 "failure": {"default": "strict", "kinds": {"landlock_path": "warn"}},
 "log": {"path": "$work/hook.log", "level": "info"}}
JSON
}

# bundle CASE: a bundle whose rootfs mirrors this machine's root, edited
# like the shim would (inject). Prints the enforcer's edit key.
bundle() {
	local c=$1 b=$work/bundle-$1 id=osh-gpu-$1
	mkdir -p "$b"
	policy_for "$c" >"$work/policy-$c.json"
	cat >"$b/config.json" <<JSON
{"ociVersion": "1.0.2", "root": {"path": "$rootfs"},
 "process": {"args": ["$probe"], "cwd": "/", "env": ["PATH=/usr/bin:/bin"]},
 "linux": {"devices": $(devices_json), "namespaces": [{"type": "mount"}]}}
JSON
	# explain judges the bundle as the engine hands it over, before the edit.
	"$bin" explain --bundle "$b" --policy "$work/policy-$c.json" >"$work/explain-$c.txt" 2>&1
	"$bin" inject --bundle "$b" --id "$id" >/dev/null || return 1
	tr -d ' \n' <"$b/config.json" | grep -o '"--key","[0-9a-f]\{32\}"' | grep -o '[0-9a-f]\{32\}'
}

# run_case CASE OUT [CMD...]: the case's container (in_container), in a
# mount namespace of its own.
run_case() {
	local c=$1 out=$2 key
	shift 2
	key=$(bundle "$c") || return 1
	mkdir -p "$out"
	unshare -m --propagation private bash -c \
		"$(declare -p bin enforcer probe_dir rootfs work); $(declare -f in_container); in_container \"\$@\"" \
		container "$c" "/run/oci-sandbox/osh-gpu-$c" "$key" "$out" "$@"
}

poststop() {
	printf '{"ociVersion":"1.0.2","id":"osh-gpu-%s","status":"stopped","pid":0,"bundle":"%s"}' "$1" "$work/bundle-$1" |
		"$bin" hook --policy "$work/policy-$1.json" --stage poststop
}

failed=0
cases=(baseline default read_write proc_none no_devices nvidia_smi memfd_denied)
[[ -n ${OSH_GPU_PROBE_JIT:-} ]] && cases+=(default_jit)
[[ -n ${OSH_GPU_PYTHON:-} ]] && cases+=(pytorch_baseline pytorch nccl_baseline nccl)
# PyTorch: a matrix product on the GPU, checked against the CPU's.
# NCCL: a one-rank process group over loopback and an all_reduce (NCCL
# builds its view of the machine's topology from /sys even for one rank).
nccl_check='import os; os.environ["NCCL_DEBUG"] = "WARN"; import torch, torch.distributed as d; d.init_process_group("nccl", init_method="tcp://127.0.0.1:29517", rank=0, world_size=1); t = torch.ones(4, device="cuda"); d.all_reduce(t); torch.cuda.synchronize(); print(("PASS" if t.sum().item() == 4 else "FAIL sum"), "nccl", torch.cuda.nccl.version()); d.destroy_process_group()'
torch_check='import torch; a = torch.randn(1024, 1024); g = (a.cuda() @ a.cuda()).cpu(); ok = torch.allclose(g, a @ a, rtol=1e-3, atol=1e-2); print(("PASS" if ok else "FAIL mismatch"), "torch", torch.__version__, torch.cuda.get_device_name(0))'

smi=$(command -v nvidia-smi || echo nvidia-smi)

# workload CASE: sets cmd (what the case runs) and pc (the case whose policy
# and bundle it uses; "" for none: unconfined).
workload() {
	pc=$1
	cmd=("$probe")
	case $1 in
	baseline) pc='' ;;
	nvidia_smi)
		pc=default
		# shellcheck disable=SC2054
		cmd=("$smi" --query-gpu=name,driver_version,memory.total,memory.used,temperature.gpu,utilization.gpu,pstate
			--format=csv,noheader)
		;;
	default_jit) pc=default cmd=("$OSH_GPU_PROBE_JIT") ;;
	pytorch_baseline) pc='' cmd=("$OSH_GPU_PYTHON" -c "$torch_check") ;;
	pytorch) cmd=("$OSH_GPU_PYTHON" -c "$torch_check") ;;
	nccl_baseline) pc='' cmd=("$OSH_GPU_PYTHON" -c "$nccl_check") ;;
	nccl) pc=pytorch cmd=("$OSH_GPU_PYTHON" -c "$nccl_check") ;;
	esac
}

declare -A result
for c in "${cases[@]}"; do
	workload "$c"
	if [[ -z $pc ]]; then
		# shellcheck disable=SC2086
		if [[ -n ${OSH_GPU_STRACE:-} ]]; then
			out=$($OSH_GPU_STRACE -o "$OSH_GPU_TRACE_DIR/$c.trace" "${cmd[@]}" 2>&1)
		else
			out=$("${cmd[@]}" 2>&1)
		fi
		rc=$?
		result[$c]="exit $rc: $(tail -c 2000 <<<"$out" | tr '\n' ' ')"
		continue
	fi
	o=$work/out-$c
	((have_gpu)) || cmd=() # no GPU: plan the case, run nothing
	export OSH_GPU_TRACE_NAME=$c
	out=$(run_case "$pc" "$o" "${cmd[@]}" 2>&1 | tail -c 2000)
	rc=$?
	if [[ -n ${OSH_GPU_TRACE_DIR:-} ]]; then
		cp "$work/explain-$pc.txt" "$OSH_GPU_TRACE_DIR/$c.explain.txt" 2>/dev/null
		cp "$o/hook.out" "$OSH_GPU_TRACE_DIR/$c.hook.out" 2>/dev/null
	fi
	if [[ $(cat "$o/hook.rc" 2>/dev/null) != 0 ]]; then
		result[$c]="plan failed: $(tr '\n' ' ' <"$o/hook.out" 2>/dev/null) $(tr '\n' ' ' <<<"$out")"
		failed=1
	elif ((have_gpu)); then
		result[$c]="exit $rc: $(tr '\n' ' ' <<<"$out")"
	else
		result[$c]="plan built ($(ls "/run/oci-sandbox/osh-gpu-$pc" | tr '\n' ' ')); not run: no GPU"
	fi
	result[$c-explain]=$(grep -E '^ *(\+ )?/proc |304' "$work/explain-$pc.txt" 2>/dev/null | head -3 | tr -s ' \n' ' ')
	poststop "$pc" || true
done

[[ -n ${OSH_GPU_TRACE_DIR:-} ]] && cp "$work/hook.log" "$OSH_GPU_TRACE_DIR/hook.log" 2>/dev/null
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
