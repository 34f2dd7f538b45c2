#!/usr/bin/env python3
"""Apply a CDI spec's containerEdits to an OCI config.json, the way a
CDI-aware runtime (containerd, CRI-O, podman) does before creating a
container: the spec's common edits plus the edits of each chosen device.

    cdi_apply.py BASE_CONFIG CDI_SPEC OUT [DEVICE...]   (no DEVICE: all devices)

deviceNodes become linux.devices (and linux.resources.devices allow rules);
the corpus CDI specs carry no major/minor, so fake but realistic numbers are
used: 195 for /dev/nvidia* (195:N, nvidiactl 195:255, nvidia-modeset 195:254),
510 for nvidia-uvm (510:0, nvidia-uvm-tools 510:1), 511 for anything else.
mounts, env and hooks are appended as CDI specifies. Only test input: the
result is what the NVIDIA k8s DRA driver's static spec would give a pod with
all 8 GPUs (corpus cdi/nvidia-k8s-dra-driver/nvidia-initial.yaml).
"""
import json
import re
import sys

import yaml

HOOK_STAGES = {
    "prestart": "prestart",
    "createRuntime": "createRuntime",
    "createContainer": "createContainer",
    "startContainer": "startContainer",
    "poststart": "poststart",
    "poststop": "poststop",
}


def fake_major_minor(path):
    m = re.fullmatch(r"/dev/nvidia(\d+)", path)
    if m:
        return 195, int(m.group(1))
    fixed = {
        "/dev/nvidiactl": (195, 255),
        "/dev/nvidia-modeset": (195, 254),
        "/dev/nvidia-uvm": (510, 0),
        "/dev/nvidia-uvm-tools": (510, 1),
    }
    return fixed.get(path, (511, 0))


def apply_edits(config, edits):
    linux = config.setdefault("linux", {})
    devices = linux.setdefault("devices", [])
    cgroup = linux.setdefault("resources", {}).setdefault("devices", [])
    for node in edits.get("deviceNodes") or []:
        path = node["path"]
        major, minor = fake_major_minor(path)
        devices.append({
            "path": path,
            "type": node.get("type", "c"),
            "major": node.get("major", major),
            "minor": node.get("minor", minor),
            "fileMode": node.get("fileMode", 0o666),
            "uid": node.get("uid", 0),
            "gid": node.get("gid", 0),
        })
        cgroup.append({"allow": True, "type": "c", "major": major, "minor": minor,
                       "access": node.get("permissions", "rwm")})
    for m in edits.get("mounts") or []:
        config.setdefault("mounts", []).append({
            "destination": m["containerPath"],
            "type": m.get("type", "bind"),
            "source": m["hostPath"],
            "options": m.get("options", []),
        })
    env = config.setdefault("process", {}).setdefault("env", [])
    env.extend(edits.get("env") or [])
    for h in edits.get("hooks") or []:
        stage = HOOK_STAGES[h["hookName"]]
        hook = {"path": h["path"]}
        for key in ("args", "env", "timeout"):
            if key in h:
                hook[key] = h[key]
        config.setdefault("hooks", {}).setdefault(stage, []).append(hook)


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1]) as f:
        config = json.load(f)
    with open(argv[2]) as f:
        spec = yaml.safe_load(f)
    wanted = argv[4:]
    apply_edits(config, spec.get("containerEdits") or {})
    kind = spec["kind"]
    names = []
    for dev in spec.get("devices") or []:
        if wanted and dev["name"] not in wanted:
            continue
        apply_edits(config, dev.get("containerEdits") or {})
        names.append(kind + "=" + dev["name"])
    # What a CDI-aware runtime records: the devices it injected.
    config.setdefault("annotations", {})["cdi.k8s.io/oci-sandbox-test"] = ",".join(names)
    with open(argv[3], "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
