#!/usr/bin/env bash
# The README's main job: one confined fake-GPU container under runc, started
# through the runtime shim with the default policy, and what was enforced.
#   bash scripts/demo.sh [PATH/TO/oci-sandbox-hook]   (as root; default build/src/oci-sandbox-hook)
# Builds a busybox-static rootfs and a bundle (runc spec) in a temp dir with
# three fake NVIDIA nodes (/dev/nvidia0, /dev/nvidiactl, /dev/nvidia-uvm: no
# driver behind them, so opening one gives ENXIO once Landlock lets it through),
# prints `explain` for it, runs it via `oci-sandbox-hook runtime` -> runc, and
# prints the container's own checks. Cleans up after itself.
set -euo pipefail

bin=${1:-build/src/oci-sandbox-hook}
if [[ ! -x $bin ]]; then
	echo "demo.sh: $bin is not an executable (build first: meson setup build && ninja -C build)" >&2
	exit 1
fi
bin=$(readlink -f "$bin")
if ((EUID != 0)); then
	echo "demo.sh: run as root (runc creates namespaces and mounts)" >&2
	exit 1
fi
for tool in runc busybox python3; do
	command -v "$tool" >/dev/null || {
		echo "demo.sh: $tool is not installed" >&2
		exit 1
	}
done

work=$(mktemp -d /tmp/oci-sandbox-demo.XXXXXX)
chmod 755 "$work"
id="oci-sandbox-demo-$$"
cleanup() {
	runc --root "$work/runc-root" delete -f "$id" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# A busybox-static rootfs with the usual top-level directories.
bundle=$work/bundle
rootfs=$bundle/rootfs
mkdir -p "$rootfs"/{bin,sbin,usr,lib,lib64,etc,tmp,proc,sys,dev}
chmod 1777 "$rootfs/tmp"
cp "$(command -v busybox)" "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list); do
	[[ -e $rootfs/bin/$applet ]] || ln -s busybox "$rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
# A dynamic build (the sanitizer job's) runs in here too: its enforcer,
# oci-sandbox-enforce beside the hook, is what the spec edit binds in. Copy
# in what its loader maps (ldd's paths, symlinks followed).
enforcer=$(dirname "$bin")/oci-sandbox-enforce
if ldd "$enforcer" >/dev/null 2>&1; then
	for lib in $(ldd "$enforcer" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
		mkdir -p "$rootfs${lib%/*}"
		cp -L "$lib" "$rootfs$lib"
	done
fi

# The container's own checks, each line "what: result".
cat >"$rootfs/bin/checks" <<'SH'
#!/bin/sh
try() { label=$1; shift; if out=$("$@" 2>&1); then echo "$label: allowed"; else echo "$label: ${out##*: }"; fi; }
try "write /etc/demo (outside the policy)" sh -c 'echo x > /etc/demo'
try "write /tmp/demo (read_write in the policy)" sh -c 'echo x > /tmp/demo'
try "open /dev/nvidia0 (fake GPU node, no driver)" sh -c 'cat /dev/nvidia0 >/dev/null'
try "chroot (denied by the seccomp profile)" chroot / true
try "write /proc/self/comm (CUDA renames threads: O_WRONLY|O_CREAT|O_TRUNC)" sh -c 'echo renamed > /proc/self/comm'
grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status
SH
chmod 755 "$rootfs/bin/checks"

runc spec --bundle "$bundle"
python3 - "$bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
cfg = json.load(open(path))
cfg["process"]["terminal"] = False
cfg["process"]["args"] = ["/bin/checks"]
cfg["root"]["readonly"] = False
devs = cfg["linux"].setdefault("devices", [])
rules = cfg["linux"].setdefault("resources", {}).setdefault("devices", [])
for p, major, minor in [("/dev/nvidia0", 195, 0), ("/dev/nvidiactl", 195, 255), ("/dev/nvidia-uvm", 511, 0)]:
    devs.append({"path": p, "type": "c", "major": major, "minor": minor, "fileMode": 0o666, "uid": 0, "gid": 0})
    rules.append({"allow": True, "type": "c", "major": major, "minor": minor, "access": "rwm"})
json.dump(cfg, open(path, "w"), indent=2)
PY

policy_note="the built-in default policy"
[[ -f /etc/oci-sandbox/policy.json ]] && policy_note="/etc/oci-sandbox/policy.json"
echo "== explain: what the hook will do for this bundle ($policy_note)"
"$bin" explain --bundle "$bundle" || true

# The shim's configuration: exec runc after the spec edit.
echo '{"next_runtime": "runc"}' >"$work/runtime.json"
echo
echo "== run: $bin runtime --root $work/runc-root run --bundle $bundle $id"
status=0
OCI_SANDBOX_RUNTIME_CONFIG=$work/runtime.json \
	"$bin" runtime --root "$work/runc-root" run --bundle "$bundle" "$id" || status=$?
echo
echo "== container exit status: $status; plan directory after poststop:" \
	"$([[ -e /run/oci-sandbox/$id ]] && echo "still there (unexpected)" || echo "removed")"
echo "== hook log: /var/log/oci-sandbox-hook.log (policy log.path), last events:"
grep -F "\"container_id\":\"$id\"" /var/log/oci-sandbox-hook.log 2>/dev/null | tail -n 3 || true
exit "$status"
