#!/usr/bin/env python3
"""The packaging/ snippets that cannot run here (no Kubernetes, containerd,
NVIDIA toolkit on this machine) at least parse, and say the same as the
docs that show them: packaging/kubernetes/*, packaging/nvidia/*, and the
hooks/ files the docs quote. The policy and runtime.json shipped in /etc
are valid (check-policy) and equal to the built-in default's text."""
import json
import os
import re
import subprocess
import sys
import tomllib

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklib import check, env, finish  # noqa: E402

SRC, BIN = env("OSH_SOURCE_ROOT", "OSH_BINARY")


def read(*p):
    with open(os.path.join(SRC, *p)) as f:
        return f.read()


def blocks(doc, lang):
    return re.findall(r"^```%s\n(.*?)^```" % lang, read("docs", *doc.split("/")), re.S | re.M)


def strip_comments(text):
    return "\n".join(l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#"))


# Kubernetes / containerd.
toml_k8s = read("packaging", "kubernetes", "containerd-config.toml")
cfg = tomllib.loads(toml_k8s)
h = cfg["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]["oci-sandbox"]
check(h["options"]["BinaryName"] == "/usr/bin/oci-sandbox-runtime", "containerd handler runs the installed shim")
doc_toml = blocks("integrations/containerd-kubernetes.md", "toml")
check(any(strip_comments(b) == strip_comments(toml_k8s) for b in doc_toml) and len(doc_toml) >= 2,
      "containerd-config.toml equals the block in docs/integrations/containerd-kubernetes.md")
rc = yaml.safe_load(read("packaging", "kubernetes", "runtimeclass.yaml"))
check(rc["kind"] == "RuntimeClass" and rc["handler"] == "oci-sandbox", "RuntimeClass handler oci-sandbox")
doc_yaml = [d for b in blocks("integrations/containerd-kubernetes.md", "yaml") for d in yaml.safe_load_all(b)]
check(rc in doc_yaml, "runtimeclass.yaml equals the RuntimeClass in the docs")

# NVIDIA.
nv = tomllib.loads(read("packaging", "nvidia", "config.toml"))
check(nv["nvidia-container-runtime"]["runtimes"][0] == "oci-sandbox-runtime",
      "nvidia config.toml puts oci-sandbox-runtime first")
nv_doc = read("docs", "integrations", "nvidia-container-toolkit.md")
want = "nvidia-container-runtime.runtimes='%s'" % json.dumps(nv["nvidia-container-runtime"]["runtimes"], separators=(",", ":"))
check(want in nv_doc and "nvidia-ctk config --in-place --set" in nv_doc,
      "the docs set nvidia/config.toml's runtimes with nvidia-ctk config --in-place --set")
check(not blocks("integrations/nvidia-container-toolkit.md", "toml"),
      "the NVIDIA page has no TOML block to paste into NVIDIA's config.toml")
check("/usr/local/nvidia/toolkit/nvidia-container-runtime" in nv_doc, "the NVIDIA page covers GPU Operator layouts")
check(h.get("pod_annotations") == ["oci-sandbox/policy"], "containerd handler passes the oci-sandbox/policy pod annotation")
check("runc" in cfg["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"], "containerd snippet declares runc beside ours")
rj = json.loads(read("packaging", "nvidia", "runtime.json"))
doc_json = [json.loads(b) for b in blocks("integrations/nvidia-container-toolkit.md", "json")]
check(rj in doc_json, "nvidia/runtime.json equals order 1 in the docs")
cdi = json.loads(read("hooks", "cdi-oci-sandbox.json"))
check(all(d.get("containerEdits") for d in cdi["devices"]), "our CDI spec's devices have non-empty containerEdits")

# hooks/ files as the docs quote them.
for doc, name in [("integrations/podman.md", "oci-sandbox-precreate.json"),
                  ("integrations/cri-o.md", "oci-sandbox-hook.json"),
                  ("integrations/cdi.md", "cdi-oci-sandbox.json")]:
    shipped = json.loads(read("hooks", name))
    check(shipped in [json.loads(b) for b in blocks(doc, "json")], "docs/%s shows hooks/%s as shipped" % (doc, name))
    paths = re.findall(r'"path": "([^"]+)"', read("hooks", name))
    check(paths and all(p == "/usr/bin/oci-sandbox-hook" for p in paths), "hooks/%s names /usr/bin/oci-sandbox-hook" % name)

# /etc files.
r = subprocess.run([BIN, "check-policy", os.path.join(SRC, "packaging", "policy.json")], capture_output=True, text=True)
check(r.returncode == 0, "packaging/policy.json is valid")
check(json.loads(read("packaging", "policy.json")) == json.loads(read("testdata", "policy.default.json")),
      "packaging/policy.json equals testdata/policy.default.json (the built-in default)")
check(json.loads(read("packaging", "runtime.json")).get("next_runtime") == "runc", "runtime.json: next_runtime runc")

finish()
