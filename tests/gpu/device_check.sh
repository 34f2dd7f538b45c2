#!/usr/bin/env bash
# The whole real-GPU check, as one command on a lent GPU machine (the device
# tool's `run`), with everything it runs carried in one folder built here:
#
#   CARRY/bin/oci-sandbox-hook, CARRY/bin/oci-sandbox-enforce   (static, stripped)
#   CARRY/probe/cuda_probe       nvcc -cudart static, sm_90 code + compute_75 PTX
#   CARRY/probe/cuda_probe_jit   nvcc -cudart static, compute_80 PTX only
#   CARRY/strace/                Debian's strace with its loader and libraries
#   CARRY/runc/                  Debian's runc and its libseccomp.so.2 (optional)
#
#   bash tests/gpu/device_check.sh CARRY OUTDIR
#
# Writes to OUTDIR: env.txt (the machine: driver, nodes, /proc/driver/nvidia),
# report.md (run_validation.sh untraced: the results that count; with
# PyTorch's matrix product where python3 has torch),
# report-traced.md, run.log, and traces.tar.xz (each case traced from outside
# the container, the explain output and hook log of each case, and untraced
# nvidia-smi -q as the NVML baseline; with runc carried, runc_case.sh's
# files). Every step has its own time limit.
set -uo pipefail
carry=$(readlink -f "${1:?carry folder}")
out=$(readlink -f "${2:?output folder}")
here=$(dirname "$(readlink -f "$0")")
mkdir -p "$out/t"
# Each traced run: its file calls, ioctls and memfd_create, threads followed.
strace="$carry/strace/ld-linux-x86-64.so.2 --library-path $carry/strace $carry/strace/strace -f -qq
	-e trace=%file,ioctl,memfd_create"

{
	echo "## uname"; uname -a
	echo "## os"; head -3 /etc/os-release
	echo "## nvidia-smi"; timeout 30 nvidia-smi
	echo "## nvidia-smi -L"; timeout 30 nvidia-smi -L
	echo "## query"; timeout 30 nvidia-smi --query-gpu=name,driver_version,vbios_version,mig.mode.current,persistence_mode,compute_mode --format=csv
	echo "## /dev"; ls -la /dev/nvidia* /dev/dri 2>&1; ls -la /dev/nvidia-caps 2>&1
	echo "## /proc/devices"; grep -iE 'nvidia|drm' /proc/devices
	echo "## /proc/driver/nvidia"; cat /proc/driver/nvidia/version; find /proc/driver/nvidia -maxdepth 3 2>&1 | head -40
	echo "## params"; head -60 /proc/driver/nvidia/params 2>&1
	echo "## mounts"; grep -iE 'nvidia|cuda' /proc/self/mountinfo
	echo "## libraries"; command -v nvidia-smi; ldconfig -p | grep -E 'libcuda\.|libnvidia-ml|libnvidia-ptxjitcompiler'
	echo "## persistenced"; ls -la /run/nvidia-persistenced 2>&1
	echo "## top level"; ls -la /
	echo "## landlock"; "$carry/bin/oci-sandbox-hook" probe
} >"$out/env.txt" 2>&1

# The NVML baseline: nvidia-smi -q, unconfined, traced.
# shellcheck disable=SC2086
timeout 45 $strace -o "$out/t/baseline_smi.trace" nvidia-smi -q >"$out/t/smi-q.txt" 2>&1
echo "nvidia-smi -q traced: rc=$?" >"$out/run.log"

# The cases that count, untraced. PyTorch's too where this machine has it.
export OSH_GPU_PROBE_JIT=$carry/probe/cuda_probe_jit
py=$(command -v python3)
if [[ -n $py ]] && timeout 60 "$py" -c 'import torch' 2>/dev/null; then
	export OSH_GPU_PYTHON=$py
fi
timeout 120 bash "$here/run_validation.sh" "$carry/bin/oci-sandbox-hook" "$carry/probe/cuda_probe" \
	"$out/report.md" >>"$out/run.log" 2>&1
echo "untraced: rc=$?" >>"$out/run.log"

# The same cases traced from outside the container: what the driver touched.
OSH_GPU_STRACE=$strace OSH_GPU_TRACE_DIR=$out/t timeout 150 bash "$here/run_validation.sh" \
	"$carry/bin/oci-sandbox-hook" "$carry/probe/cuda_probe" "$out/report-traced.md" >>"$out/run.log" 2>&1
echo "traced: rc=$?" >>"$out/run.log"

# The production path: the shim and runc, the built-in default policy.
if [[ -x $carry/runc/runc ]]; then
	# runc links libseccomp: the carried one where the machine has none.
	ldconfig -p | grep -q 'libseccomp\.so\.2 ' || { cp "$carry/runc/libseccomp.so.2" /usr/local/lib/ && ldconfig; }
	runner=()
	cg=$(stat -fc %T /sys/fs/cgroup 2>/dev/null)
	echo "cgroup file system: ${cg:-none}" >>"$out/run.log"
	# runc wants a cgroup2 /sys/fs/cgroup: mount one in a namespace of its own if needed.
	[[ $cg == cgroup2fs ]] || runner=(unshare -m --propagation private
		sh -c 'mkdir -p /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "$0" "$@"')
	OSH_GPU_RUNC=$carry/runc/runc timeout 200 "${runner[@]}" bash "$here/runc_case.sh" \
		"$carry/bin/oci-sandbox-hook" "$carry/probe/cuda_probe" "$out/t" >>"$out/run.log" 2>&1
	echo "runc: rc=$?" >>"$out/run.log"
fi

tar -C "$out" -cJf "$out/traces.tar.xz" t && rm -rf "$out/t"
ls -la "$out"
cat "$out/report.md"
