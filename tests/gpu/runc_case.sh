#!/usr/bin/env bash
# The production path on a real GPU: containers started through the shim
# (`oci-sandbox-hook runtime`) and runc, under the built-in default policy,
# with this machine's own NVIDIA nodes in linux.devices: one shows its
# NoNewPrivs and Seccomp lines, tries a write outside the policy, then runs
# the CUDA probe; the next runs nvidia-smi -L; the last sleeps, and a
# process entering it with `runtime exec` makes the first one's checks.
#
#   bash tests/gpu/runc_case.sh BINARY PROBE OUTDIR
#
# BINARY: the static oci-sandbox-hook (oci-sandbox-enforce beside it);
# PROBE: cuda_probe; OUTDIR: where runc-*.txt go (explain, the container's
# output and exit status, the hook's log lines). OSH_GPU_RUNC names runc
# (default: the one on PATH). The rootfs holds only mount points: the
# machine's /usr (with its submounts: the driver's libraries) and /etc are
# bound read-only, its top-level links copied, the probe copied into /tmp
# (read-write, hence executable, in the default policy). Without an NVIDIA
# driver the containers still run (the probe then reports CUDA error 35).
set -uo pipefail
bin=$(readlink -f "${1:?binary}")
probe=$(readlink -f "${2:?probe}")
out=$(readlink -f "${3:?output folder}")
runc=$(readlink -f "${OSH_GPU_RUNC:-$(command -v runc)}")
[[ -x $runc ]] || { echo "runc_case: no runc"; exit 1; }
mkdir -p "$out"
work=$(mktemp -d /tmp/osh-gpu-runc.XXXXXX)
chmod 755 "$work"
trap 'rm -rf --one-file-system "$work"' EXIT

# bundle NAME ARGS...: a bundle whose process runs ARGS.
bundle() {
	local b=$work/$1 r
	shift
	r=$b/rootfs
	mkdir -p "$r"/{usr,etc,proc,sys,dev,tmp,root,run}
	chmod 1777 "$r/tmp"
	local l
	for l in bin sbin lib lib64 lib32 libx32; do
		if [[ -L /$l ]]; then
			ln -s "$(readlink "/$l")" "$r/$l"
		elif [[ -d /$l ]]; then
			mkdir -p "$r/$l"
		fi
	done
	cp "$probe" "$r/tmp/cuda_probe"
	"$runc" spec --bundle "$b"
	python3 - "$b/config.json" "$@" <<'PY'
import json, os, stat, sys
path, args = sys.argv[1], sys.argv[2:]
cfg = json.load(open(path))
cfg["process"].update(terminal=False, args=args,
                      env=["PATH=/usr/local/nvidia/bin:/usr/bin:/bin", "HOME=/root"])
cfg["root"]["readonly"] = False
for top in ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
    if os.path.isdir(top) and not os.path.islink(top):
        cfg["mounts"].append({"destination": top, "type": "bind", "source": top,
                              "options": ["rbind", "ro", "nosuid"]})
devs = cfg["linux"].setdefault("devices", [])
rules = cfg["linux"].setdefault("resources", {}).setdefault("devices", [])
nodes = [os.path.join("/dev", n) for n in sorted(os.listdir("/dev")) if n.startswith("nvidia")]
if os.path.isdir("/dev/nvidia-caps"):
    nodes += [os.path.join("/dev/nvidia-caps", n) for n in sorted(os.listdir("/dev/nvidia-caps"))]
for p in nodes:
    st = os.stat(p)
    if not stat.S_ISCHR(st.st_mode):
        continue
    major, minor = os.major(st.st_rdev), os.minor(st.st_rdev)
    devs.append({"path": p, "type": "c", "major": major, "minor": minor,
                 "fileMode": stat.S_IMODE(st.st_mode), "uid": 0, "gid": 0})
    rules.append({"allow": True, "type": "c", "major": major, "minor": minor, "access": "rwm"})
json.dump(cfg, open(path, "w"), indent=2)
PY
}

echo "{\"next_runtime\": \"$runc\"}" >"$work/runtime.json"
# The confinement as the workload sees it, a forbidden write, then CUDA.
# shellcheck disable=SC2016
checks='grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t\n" "  "; echo
echo "write /root/osh: $( (: >/root/osh) 2>&1 | sed "s/.*: //")"; exec /tmp/cuda_probe'

# shim ARGS...: `oci-sandbox-hook runtime` with runc behind it.
shim() {
	OCI_SANDBOX_RUNTIME_CONFIG=$work/runtime.json timeout 120 "$bin" runtime --root "$work/runc-root" "$@"
}

# finish C ID RC: the container gone, its log lines and its plan directory's
# fate added to runc-C.txt, a summary printed.
finish() {
	local c=$1 id=$2 rc=$3 f=$out/runc-$1.txt
	((rc == 0)) || status=1
	shim delete -f "$id" >/dev/null 2>&1
	grep -F "\"container_id\":\"$id\"" /var/log/oci-sandbox-hook.log >>"$f" 2>/dev/null
	echo "plan directory after delete: $([[ -e /run/oci-sandbox/$id ]] && echo "still there" || echo removed)" >>"$f"
	echo "== $c (exit $rc)"
	grep -vF '"container_id"' "$f" | tail -n 6
}

status=0
for c in probe smi; do
	case $c in
	probe) bundle "$c" /bin/sh -c "$checks" ;;
	smi) bundle "$c" nvidia-smi -L ;;
	esac
	id=osh-gpu-runc-$c-$$
	"$bin" explain --bundle "$work/$c" >"$out/runc-$c-explain.txt" 2>&1
	shim run --bundle "$work/$c" "$id" >"$out/runc-$c.txt" 2>&1
	rc=$?
	echo "exit $rc" >>"$out/runc-$c.txt"
	finish "$c" "$id" "$rc"
done
# exec: a sleeping container started through the shim, and a process
# entering it with `runtime exec`, confined like the first.
c=exec id=osh-gpu-runc-exec-$$
bundle "$c" sleep 120
shim run -d --bundle "$work/$c" "$id" </dev/null >"$out/runc-exec-first.txt" 2>&1
echo "run -d: exit $?" >"$out/runc-exec.txt"
shim exec "$id" /bin/sh -c "$checks" </dev/null >>"$out/runc-exec.txt" 2>&1
rc=$?
echo "exec: exit $rc" >>"$out/runc-exec.txt"
finish "$c" "$id" "$rc"
exit "$status"
