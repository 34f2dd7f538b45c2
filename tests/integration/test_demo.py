#!/usr/bin/env python3
"""The README's main job (scripts/demo.sh) runs and shows what was enforced."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402

t.need_root_and("runc", "busybox", "bash")
demo = os.path.join(os.environ["OSH_SOURCE_ROOT"], "scripts", "demo.sh")
r = t.run(["bash", demo, t.binary()], timeout=180)
out = r.stdout
t.check(r.returncode == 0, "demo.sh exits 0")
t.check("Changes (" in out, "demo.sh prints the explain summary")
t.check("write /etc/demo (outside the policy): Permission denied" in out, "demo: the denied write")
t.check("write /tmp/demo (read_write in the policy): allowed" in out, "demo: the allowed write")
t.check("open /dev/nvidia0 (fake GPU node, no driver): No such device or address" in out, "demo: ENXIO on /dev/nvidia0")
t.check("chroot (denied by the seccomp profile): Operation not permitted" in out, "demo: seccomp EPERM")
t.check("NoNewPrivs:\t1" in out and "Seccomp:\t2" in out, "demo: NoNewPrivs and Seccomp lines")
t.check("plan directory after poststop: removed" in out, "demo: the plan directory is removed")
t.finish()
