#!/usr/bin/env python3
"""The benchmark still runs against the product as it is now.

bench/run.sh is not part of the suite (it takes minutes and wants a release
build), so a change to the plan, the hook or the enforcer could break the
instrument unseen: the enforcer's refusal of a rule on a symlink did (the
bench applied plans naming a merged-/usr host's /bin). This runs the
sections that read the product's plans, bench.py --quick --only SECTION
(a few rounds, nothing written) for hook, enforcer, seccomp and scaling,
with this build's binaries and the floor programs compiled here, and checks
that each section ends with its targets. It asserts no figure: timings belong to
docs/benchmarks.md, never to a test. The container and Docker sections are
left to the integration tests of those engines."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402

t.need_root_and("busybox", "unshare", "cc")
if not os.path.exists("/usr/bin/time"):
    t.skip("no GNU time (/usr/bin/time, Debian's time; scripts/run.sh and bench/run.sh install it): "
           "the hook section measures peak RSS with it")

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(SOURCE, "bench")
sys.path.insert(0, BENCH)
import bench  # noqa: E402  (its corpus paths: the test runs what it runs)

static_seccomp = t.run(["cc", "-print-file-name=libseccomp.a"]).stdout.strip()
if not os.path.isabs(static_seccomp):
    t.skip("no static libseccomp (libseccomp-dev; cc -print-file-name=libseccomp.a finds none): "
           "bench/syscall_bench.c cannot be built")
if not os.path.exists(bench.CDI8):
    t.skip("no shared corpus (%s): the bench's 8-GPU container comes from its CDI spec" % bench.CDI8)

# The section whose output line names a target, for each section run.
SECTIONS = {
    "hook": "warm hook (Kubernetes config + 8 GPUs) ≤ 1.5× a static no-op spawn",
    "enforcer": "enforcer `exec` → /bin/true ≤ 1.15× the one-extra-static-exec floor",
    "seccomp": "per-call seccomp cost (getppid, argument-filtered socket)",
    "scaling": "enforcer cost in rules at most linear (10→500)",
}

with tempfile.TemporaryDirectory(prefix="osh-bench-smoke-") as work:
    programs = {}
    for name, extra in (("syscall_bench", ["-l:libseccomp.a"]), ("enforce_floor", []),
                        ("hook_floor", []), ("noop", [])):
        out = os.path.join(work, name)
        r = t.run(["cc", "-O2", "-static", "-o", out, os.path.join(BENCH, name + ".c")] + extra)
        t.check(r.returncode == 0, "bench/%s.c builds (%s)" % (name, r.stderr.strip()[-300:]))
        programs[name] = out
    if t.FAILURES:
        t.finish()
    for section, target in SECTIONS.items():
        cmd = ["unshare", "-m", "--propagation", "private", "sh", "-c",
               'OSH_BENCH_NS=$(readlink /proc/self/ns/mnt) exec "$@"', "sh",
               sys.executable, os.path.join(BENCH, "bench.py"), "--binary", t.binary(),
               "--syscall-bench", programs["syscall_bench"], "--enforce-floor", programs["enforce_floor"],
               "--hook-floor", programs["hook_floor"], "--noop", programs["noop"],
               "--quick", "--only", section]
        r = t.run(cmd, timeout=240, env={"OSH_CORPUS": bench.CORPUS})
        why = "" if r.returncode == 0 else ": " + (r.stdout + r.stderr).strip()[-1500:]
        t.check(r.returncode == 0, "bench.py --quick --only %s exits 0 (rc %d)%s" % (section, r.returncode, why))
        t.check(target in r.stdout, "bench.py --only %s reports its target %r" % (section, target))
        t.check("Traceback" not in r.stderr, "bench.py --only %s raises nothing" % section)

t.finish()
