#!/usr/bin/env python3
"""The real binary's `explain` on the 8-GPU CDI config (see cdi_apply.py):
text and JSON agree with the unit tests, a bundle's rootfs is probed without
leaving it, and bad inputs exit 1 naming the input. Paths come from meson:
OSH_HOOK_BIN, OSH_GPU8_CONFIG, OSH_TESTDATA."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN = os.environ["OSH_HOOK_BIN"]
if not os.environ.get("OSH_GPU8_CONFIG"):
    print("SKIP: the shared corpus (../shared/corpus) is absent: no 8-GPU config to explain")
    sys.exit(77)
CONFIG = os.environ["OSH_GPU8_CONFIG"]
TESTDATA = os.environ["OSH_TESTDATA"]
DEFAULT_POLICY = os.path.join(TESTDATA, "policy.default.json")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


# The node the 8-GPU config is for: NVIDIA's driver loaded, nvidia-uvm at
# major 510 (as cdi_apply.py numbers it).
NODE_DEVICES = tempfile.NamedTemporaryFile("w", suffix=".devices", delete=False)
NODE_DEVICES.write("Character devices:\n  1 mem\n195 nvidia-frontend\n510 nvidia-uvm\n\nBlock devices:\n")
NODE_DEVICES.close()


def explain(*args):
    return subprocess.run([BIN, "explain", "--proc-devices", NODE_DEVICES.name, *args],
                          capture_output=True, text=True)


# Text on the 8-GPU config with the shipped default policy.
r = explain("--config", CONFIG, "--policy", DEFAULT_POLICY)
check(r.returncode == 0, "explain --config exits 0: " + r.stderr)
out = r.stdout
check("GPU: yes (nvidia)" in out, "header says GPU yes")
for i in range(8):
    check(f"+ /dev/nvidia{i} rw+ioctl_dev  gpu nvidia: device node from linux.devices[{i + 4}] (char 195:{i})" in out,
          f"/dev/nvidia{i} change line")
for n in ("nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset"):
    check(any(l.split()[:2] == [f"/dev/{n}", "rw+ioctl_dev"] for l in out.splitlines()),
          f"/dev/{n} rw+ioctl_dev rule")
check("  allow-list: a call it does not name gets the action; a call numbered above 469 gets ENOSYS"
      in out, "the seccomp allow-list and its ENOSYS number")
check(any(l.startswith("  allow memory (") and "memfd_create" in l for l in out.splitlines()),
      "the memory group and why")
check("  allow processes (44, and with conditions: clone,unshare,personality)" in out,
      "conditional calls named with their group")
check("  refuse first: ioctl, request (arg 1) == TIOCSETD (0x5423)" in out, "TIOCSETD refused first")
check("  refuse first: clone3, always, answered ENOSYS" in out, "clone3 ENOSYS")
check("^ /proc ro -> ro+write_file+truncate" in out, "/proc promoted by write_file (with truncate)")
check("relaxation:" not in out, "no seccomp relaxation for NVIDIA (docs/gpu-validation.md)")
check("Verdict: the hook would plan this container" in out, "verdict: planned")

# On a node without NVIDIA's uvm driver registered, its nodes are claims.
r = subprocess.run([BIN, "explain", "--config", CONFIG, "--policy", DEFAULT_POLICY,
                    "--proc-devices", "/dev/null"], capture_output=True, text=True)
check("not registered in the host's /proc/devices" in r.stdout, "uvm without its driver is a claim: " + r.stdout)

# JSON: same content, machine-readable.
r = explain("--config", CONFIG, "--policy", DEFAULT_POLICY, "--format", "json")
check(r.returncode == 0, "json exits 0")
doc = json.loads(r.stdout)
check(doc["gpu"]["detected"] is True, "json gpu.detected")
rules = {x["path"]: x for x in doc["filesystem"]}
for i in range(8):
    check(rules.get(f"/dev/nvidia{i}", {}).get("short") == "rw+ioctl_dev", f"json /dev/nvidia{i}")
check("write_file" in rules["/proc"]["access"], "json /proc write_file")
check(any(c["action"] == "promoted" and c["path"] == "/proc" for c in doc["changes"]),
      "json /proc promotion")
sc = doc["seccomp"]
check(sc["allow_list"] is True and sc["enosys_above"] == 469, "json seccomp allow_list / enosys_above")
groups = {g["name"]: g for g in sc["groups"]}
check("memfd_create" in groups.get("memory", {}).get("syscalls", []), "json memory group has memfd_create")
check(any(c["syscall"] == "socket" for c in groups.get("sockets", {}).get("conditional", [])),
      "json socket is conditional")
check(any(r["syscall"] == "clone3" and r["errno"] == 38 for r in sc["refused_first"]), "json clone3 ENOSYS")

# A bundle: the rootfs is probed inside the root only.
tmp = tempfile.mkdtemp(prefix="osh-explain-")
try:
    os.makedirs(os.path.join(tmp, "rootfs/usr"))
    os.makedirs(os.path.join(tmp, "rootfs/etc"))
    os.symlink("/", os.path.join(tmp, "rootfs/lib32"))  # lib32 -> /: never carries a right
    with open(CONFIG) as f:
        cfg = json.load(f)
    cfg["root"] = {"path": "rootfs"}
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump(cfg, f)
    r = explain("--bundle", tmp, "--policy", DEFAULT_POLICY)
    # A policy path the image lacks grants nothing (denied), and explain says so.
    check(any(l.strip().startswith("- /tmp ") and "stays denied" in l for l in r.stdout.splitlines()),
          "a policy path missing from the rootfs is shown as skipped: " + r.stdout)
    # The baseline's /lib32 -> / would put a right on the root: a
    # landlock_path failure, strict by default, so the verdict is a refusal.
    check("x /lib32" in r.stdout and "/lib32 -> /" in r.stdout, "lib32 -> / rejected: " + r.stdout)
    check("Verdict: the hook would REFUSE this container" in r.stdout
          and "landlock_path (strict)" in r.stdout, "verdict names landlock_path: " + r.stdout)
    check(r.returncode == 1, "explain exits 1 when the hook would refuse")
    os.unlink(os.path.join(tmp, "rootfs/lib32"))
    r = explain("--bundle", tmp, "--policy", DEFAULT_POLICY)
    check(r.returncode == 0, "explain --bundle exits 0 once nothing is refused: " + r.stdout)
finally:
    shutil.rmtree(tmp)

# A rejected promotion: exit 1, the message names the path and both fixes.
with open(DEFAULT_POLICY) as f:
    pol = json.load(f)
pol["filesystem"]["read_only"].append("/dev/nvidia3")
with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    json.dump(pol, f)
    rejecting = f.name
r = explain("--config", CONFIG, "--policy", rejecting)
os.unlink(rejecting)
check(r.returncode == 1, "rejected promotion exits 1")
check("/dev/nvidia3" in r.stdout and "gpu.promotion.allow" in r.stdout
      and "filesystem.read_write" in r.stdout and "REFUSE" in r.stdout,
      "rejection names the path and both fixes: " + r.stdout)

# Invalid inputs name the input.
r = explain("--config", "/nonexistent/config.json")
check(r.returncode == 1 and "/nonexistent/config.json" in r.stderr, "missing config")
r = explain("--config", CONFIG, "--policy", "/nonexistent/policy.json")
check(r.returncode == 1 and "/nonexistent/policy.json" in r.stdout, "missing policy: " + r.stdout)
r = explain()
check(r.returncode == 2, "no input is a usage error")

os.unlink(NODE_DEVICES.name)
print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
