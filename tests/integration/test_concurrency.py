#!/usr/bin/env python3
"""20 containers created and started at once through the shim under runc,
each with its own policy (its runtime config's hook_args --policy) that
allows writes to its own /data/cN only. Every workload writes its own
directory (OK) and its neighbour's (EACCES) and then waits on stdin, so
while all 20 run at the same time the test reads each one's plan directory:
its owner (id, the container's pid as runc reports it, and that process's
start time), its edit key (the one in its own config.json) and its
effective policy are its own, no plan crosses containers.
Then all exit 0; after `runc delete` of all, nothing of this test is left in
/run/oci-sandbox and no stray file in the bundles."""
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshdrive as drive  # noqa: E402

t.need_root_and("runc", "busybox")

N = 20
# The hook logs to each container's own file; the workload waits on stdin
# after its checks so every container is running while the plans are read.
WORKLOAD = "/bin/osh-probe write:/data/c%d/own write:/data/c%d/other; rc=$?; echo ready; read go; exit $rc"


class Container:
    def __init__(self, workdir, n):
        self.n = n
        self.other = (n + 1) % N
        self.cid = t.unique_id("conc%d" % n)

        def own_dir(pol):
            pol["filesystem"]["read_write"].append("/data/c%d" % n)

        self.sub, self.bundle, self.policy, self.rtcfg = t.prepare_case(
            workdir, "c%d" % n, ["/bin/sh", "-c", WORKLOAD % (n, self.other)], "runc",
            edit_policy=own_dir)
        self.rootfs = os.path.join(self.bundle, "rootfs")
        for k in range(N):
            os.makedirs(os.path.join(self.rootfs, "data", "c%d" % k))
        self.runc_root = os.path.join(self.sub, "runc-root")
        self.proc = None
        self.before_go = []
        self.error = None

    def start(self, barrier):
        """In its own thread: wait for the others, then `runtime run`; read
        stdout up to the workload's "ready" (or EOF if it never gets there)."""
        try:
            env = dict(os.environ, OCI_SANDBOX_RUNTIME_CONFIG=self.rtcfg)
            barrier.wait()
            self.proc = subprocess.Popen(
                [t.binary(), "runtime", "--root", self.runc_root, "run", "--keep",
                 "--bundle", self.bundle, self.cid],
                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for line in self.proc.stdout:
                line = line.strip()
                if line == "ready":
                    return
                self.before_go.append(line)
        except Exception as e:  # reported by the main thread
            self.error = repr(e)

    def finish(self):
        """Lets the workload go on (the line it waits for) and waits for runc."""
        _, self.stderr = self.proc.communicate(input="go\n", timeout=60)
        return self.proc.returncode


def plan_view(c):
    """What the host sees in the container's plan directory while it runs."""
    d = os.path.join(t.RUN_ROOT, c.cid)
    out = []
    for name in ("owner", "edit", "effective-policy.json", "plan.json"):
        with open(os.path.join(d, name)) as f:
            out.append(f.read())
    return out


def start_time(pid):
    """Field 22 of /proc/PID/stat (fields counted after the comm's ')')."""
    with open("/proc/%d/stat" % pid) as f:
        text = f.read()
    return text[text.rfind(")") + 2:].split()[19]


def expected_owner(c):
    """"ID\nPID STARTTIME\nenforcer DEV INO\n" for the container's process as
    runc knows it, and the enforcer the hook proved in it (the bound file)."""
    r = subprocess.run(["runc", "--root", c.runc_root, "state", c.cid], capture_output=True, text=True)
    pid = json.loads(r.stdout)["pid"] if r.returncode == 0 else 0
    enforcer = os.stat(os.environ["OSH_ENFORCER"])
    return "%s\n%d %s\nenforcer %d %d\n" % (c.cid, pid, start_time(pid) if pid else "?",
                                              enforcer.st_dev, enforcer.st_ino)


def enforcer_key(c):
    args = t.read_config(c.bundle)["process"]["args"]
    return args[args.index("--key") + 1] if "--key" in args else None


with t.Workdir() as w:
    began = time.monotonic()
    cs = [Container(w, n) for n in range(N)]
    prepared = time.monotonic()
    before = set(os.listdir(t.RUN_ROOT)) if os.path.isdir(t.RUN_ROOT) else set()
    barrier = threading.Barrier(N)
    threads = [threading.Thread(target=c.start, args=(barrier,)) for c in cs]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=120)
        running = time.monotonic()
        t.check(all(not th.is_alive() for th in threads), "all %d containers came up (or ended) in 120 s" % N)
        for c in cs:
            if c.error:
                t.check(False, "c%d: starting it raised %s" % (c.n, c.error))

        # All 20 are running now (each waits on stdin): read every plan.
        for c in cs:
            res = t.results("\n".join(c.before_go))
            t.check(res.get("write:/data/c%d/own" % c.n) == "OK", "c%d: write to its own /data/c%d works" % (c.n, c.n))
            t.check(res.get("write:/data/c%d/other" % c.other) == "EACCES",
                    "c%d: write to c%d's directory fails with EACCES" % (c.n, c.other))
            try:
                owner, edit, eff, plan = plan_view(c)
            except OSError as e:
                t.check(False, "c%d: plan directory readable while it runs (%s)" % (c.n, e))
                continue
            want = expected_owner(c)
            t.check(owner == want, "c%d: the plan directory's owner is this container, its running process "
                    "(%r, want %r)" % (c.n, owner, want))
            key = enforcer_key(c)
            t.check(key is not None and edit == key + "\n",
                    "c%d: the plan directory is bound to the edit key of its own config.json" % c.n)
            mine = "/data/c%d" % c.n
            others = [k for k in range(N) if k != c.n and '"/data/c%d"' % k in eff]
            t.check('"%s"' % mine in eff and not others,
                    "c%d: its effective policy grants %s and no other container's directory (%s)" % (c.n, mine, others))
            t.check(json.JSONDecoder().raw_decode(plan)[0].get("container_id") == c.cid,
                    "c%d: plan.json is this container's" % c.n)
            events = t.log_events(os.path.join(c.sub, "hook.log"))
            planned = [e for e in events if e.get("decision") == "planned"]
            t.check(len(planned) == 1 and c.policy in planned[0].get("message", "")
                    and planned[0].get("container_id") == c.cid,
                    "c%d: its hook log has one plan, for it, from its own policy" % c.n)

        for c in cs:
            if c.proc is None:
                continue
            rc = c.finish()
            t.check(rc == 0, "c%d: runc run exits 0 (%s)" % (c.n, c.stderr.strip()[-300:]))
        ended = time.monotonic()
    finally:
        for c in cs:
            if c.proc is not None and c.proc.poll() is None:
                c.proc.kill()
                c.proc.wait()
        deleted = [t.run(["runc", "--root", c.runc_root, "delete", "-f", c.cid]) for c in cs]

    t.check(all(r.returncode == 0 for r in deleted), "runc delete of all %d exits 0" % N)
    # Other tests (other build directories) may create entries meanwhile.
    left = set(os.listdir(t.RUN_ROOT)) - before if os.path.isdir(t.RUN_ROOT) else set()
    left = {n for n in left if not drive.foreign_entry(n)}
    ours = [c.cid for c in cs if os.path.lexists(os.path.join(t.RUN_ROOT, c.cid))]
    t.check(not ours and not left, "nothing of this test left in /run/oci-sandbox (%s)" % sorted(left | set(ours)))
    for c in cs:
        stray = sorted(set(os.listdir(c.bundle)) - {"config.json", "rootfs"})
        t.check(not stray, "c%d: no stray files in the bundle (%s)" % (c.n, stray))
        data = os.path.join(c.rootfs, "data")
        written = sorted(os.path.join(d, f) for d in os.listdir(data) for f in os.listdir(os.path.join(data, d)))
        t.check(written == ["c%d/own" % c.n],
                "c%d: the only file written under /data is its own (%s)" % (c.n, written))
        t.check(not os.path.isdir(c.runc_root) or not os.listdir(c.runc_root), "c%d: runc's state is gone after delete" % c.n)
    print("prepare %.1f s, all running %.1f s, all exited %.1f s" %
          (prepared - began, running - prepared, ended - running))

t.finish()
