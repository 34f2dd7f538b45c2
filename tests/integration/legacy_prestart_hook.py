#!/usr/bin/env python3
"""Stands in for NVIDIA's legacy prestart hook (nvidia-container-runtime-hook):
at prestart it creates /dev/nvidia0 inside the container's /dev, WITHOUT
writing it into config.json. Like the real hook it works through the
container's mount namespace: /proc/<pid>/root + the rootfs path (before
pivot_root, the container's /dev tmpfs is mounted there)."""
import json
import os
import sys

state = json.load(sys.stdin)
with open(os.path.join(state["bundle"], "config.json")) as f:
    cfg = json.load(f)
rootfs = cfg["root"]["path"]
if not rootfs.startswith("/"):
    rootfs = os.path.join(state["bundle"], rootfs)
node = "/proc/%d/root%s/dev/nvidia0" % (state["pid"], rootfs)
os.mknod(node, 0o666 | 0o020000, os.makedev(195, 0))
os.chmod(node, 0o666)
