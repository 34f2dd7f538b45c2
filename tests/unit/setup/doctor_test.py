#!/usr/bin/env python3
"""`oci-sandbox-hook doctor` on temp trees (--root): a ready node exits 0; a
node with a bad named policy, a GPU Operator next runtime given by name, a
precreate hooks file where CRI-O reads, an unsafe /run/oci-sandbox and no
engine wired exits 1 with one FAIL line per problem and its fix; --format
json says the same."""
import json
import os
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from checklib import check, env, finish  # noqa: E402

BIN, SRC = env("OSH_BINARY", "OSH_SOURCE_ROOT")


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def doctor(root, *args):
    return subprocess.run([BIN, "doctor", "--root", root, *args], capture_output=True, text=True)


with open(os.path.join(SRC, "packaging", "policy.json")) as f:
    POLICY = f.read()
landlock = subprocess.run([BIN, "probe", "--format", "json"], capture_output=True, text=True)
landlock_ok = json.loads(landlock.stdout)["landlock"]["abi"] > 0

# Ready: valid policies, runtime.json, /run usable, docker wired.
with tempfile.TemporaryDirectory() as root:
    write(root + "/etc/oci-sandbox/policy.json", POLICY)
    write(root + "/etc/oci-sandbox/policies.d/ci.json", POLICY)
    write(root + "/etc/oci-sandbox/runtime.json", '{"next_runtime": "runc"}\n')
    os.makedirs(root + "/run")
    r = subprocess.run([BIN, "setup", "docker", "--root", root], capture_output=True, text=True)
    check(r.returncode == 0, "setup docker in the test tree")
    r = doctor(root)
    print(r.stdout)
    if landlock_ok:
        check(r.returncode == 0 and "ready: this node can confine containers" in r.stdout, "ready tree: exit 0, says ready")
    check("/etc/oci-sandbox/policies.d/ci.json: valid" in r.stdout, "every named policy is checked")
    check("docker: wired" in r.stdout, "docker is reported wired")
    j = json.loads(doctor(root, "--format", "json").stdout)
    check(j["ready"] is (r.returncode == 0) and all(set(c) == {"area", "status", "message", "fix"} for c in j["checks"]),
          "--format json: ready and the checks, each with area, status, message, fix")

# Not ready.
with tempfile.TemporaryDirectory() as root:
    write(root + "/etc/oci-sandbox/policies.d/bad.json",
          '{"version": 1, "seccomp": {"deny": ["memfd_creat"]}}\n')
    write(root + "/etc/oci-sandbox/runtime.json", '{"next_runtime": "nvidia-container-runtime"}\n')
    write(root + "/usr/local/nvidia/toolkit/nvidia-container-runtime", "#!/bin/sh\n", 0o755)
    write(root + "/usr/bin/oci-sandbox-hook", "", 0o755)
    with open(os.path.join(SRC, "hooks", "oci-sandbox-precreate.json")) as f:
        write(root + "/usr/share/containers/oci/hooks.d/oci-sandbox-precreate.json", f.read())
    os.makedirs(root + "/run/oci-sandbox")
    os.chmod(root + "/run/oci-sandbox", 0o777)
    r = doctor(root)
    print(r.stdout)
    check(r.returncode == 1 and "NOT ready" in r.stdout, "broken tree: exit 1, says NOT ready")
    fails = [l for l in r.stdout.splitlines() if l.startswith("FAIL")]
    check(any("bad.json" in l and "memfd_creat" in l and 'did you mean "memfd_create"' in l for l in fails),
          "a named policy with an unknown syscall is a FAIL with the suggestion")
    check(any("nvidia-container-runtime" in l and "GPU Operator" in l for l in fails),
          "next runtime found only in the GPU Operator's toolkit directory is a FAIL")
    check('"next_runtime": "/usr/local/nvidia/toolkit/nvidia-container-runtime"' in r.stdout,
          "its fix is the absolute next_runtime")
    check(any("precreate" in l and "CRI-O" in l for l in fails), "a precreate hooks file where CRI-O reads is a FAIL")
    check(any("run-dir" in l and "mode 777" in l for l in fails), "a world-writable /run/oci-sandbox is a FAIL")
    check(any("no engine is wired" in l for l in fails), "no engine wired is a FAIL")
    j = json.loads(doctor(root, "--format", "json").stdout)
    check(j["ready"] is False and sum(c["status"] == "fail" for c in j["checks"]) == len(fails),
          "--format json: ready false, the same FAILs")

finish()
