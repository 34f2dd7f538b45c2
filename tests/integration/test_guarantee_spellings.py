#!/usr/bin/env python3
"""Attack: the caller spells the runtime's command line so that the shim
reads it one way and the runtime another.

Under runc and crun, each spelling below once started a container or an
exec unconfined: the shim saw no `run` (a global option it did not know took
the command's place), edited another bundle's config.json (the bundle option
abbreviated, or its value attached), let crun read another config file, or
left a process file unedited (its option spelled `-p=F`, `--p=F`,
`-process=F`, `-pF`). Now each is refused before the runtime runs: the shim
exits 1 with a message naming the spelling, the bundle's config.json and a
decoy config.json in the caller's working directory are unchanged, no
container exists, no plan directory is left, and the workload never ran.
`restore` is refused the same way. The spellings both read alike
(`--bundle=B`, `-b B`, `--root=R`, `-p F`, `--process=F`) still work, and
what they start is confined (Seccomp 2, setns(-1) EPERM, /etc EACCES), as is
what runc starts given `--help=false` (which it reads as no help)."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402

t.need_root_and("runc", "busybox")

PROBE = ["/bin/osh-probe"] + a.CONFINED


def raw(c, args, cwd=None):
    """The shim with exactly these arguments (no globals of the case's)."""
    return t.run(c._wrap() + [t.binary(), "runtime"] + args,
                 env={"OCI_SANDBOX_RUNTIME_CONFIG": c.rtcfg}, timeout=60, cwd=cwd)


def refused(c, r, label, files, decoy):
    """The shim refused before the runtime ran: exit 1 with its message,
    every file as it was, no container, no plan directory."""
    t.check(r.returncode == 1 and r.stderr.startswith("oci-sandbox-runtime: "),
            label + ": the shim exits 1 with its message (%d: %s)" % (r.returncode, r.stderr.strip()[:200]))
    t.check("Seccomp" not in r.stdout, label + ": the workload never ran")
    changed = [p for p, text in files.items() if open(p).read() != text]
    t.check(not changed, label + ": config.json, the decoy and every process file unchanged (changed: %s)"
            % changed)
    t.check(not c.state(), label + ": no container exists")
    t.check(not os.path.exists(c.plan_dir()), label + ": no plan directory left")
    t.check(os.listdir(decoy) == ["config.json"], label + ": nothing written beside the decoy")


def run_spellings(w, rt):
    c = a.Case(w, "spell-run-" + rt, PROBE, runtime=rt)
    root = c.state_root
    b = c.bundle
    shutil.copy(os.path.join(b, "config.json"), os.path.join(b, "orig.json"))
    decoy = os.path.join(c.sub, "decoy")
    os.makedirs(decoy)
    shutil.copy(os.path.join(b, "config.json"), os.path.join(decoy, "config.json"))
    files = {os.path.join(p, "config.json"): None for p in (b, decoy)}
    files[os.path.join(b, "orig.json")] = None
    for p in files:
        files[p] = open(p).read()
    g = c.runtime_options()
    cases = {
        # Go's single-dash long option; a value the shim cannot place.
        "-root R": g + ["-root", root, "run", "--bundle", b, c.cid],
        "--rootless 0": g + ["--root", root, "--rootless", "0", "run", "--bundle", b, c.cid],
        # an abbreviation (argp) and an option the shim does not know
        "--roo R": g + ["--roo", root, "run", "--bundle", b, c.cid],
        "--platform ptrace": g + ["--root", root, "--platform", "ptrace", "run", "--bundle", b, c.cid],
        # the bundle
        "--b B": g + ["--root", root, "run", "--b", b, c.cid],
        "-bundle B": g + ["--root", root, "run", "-bundle", b, c.cid],
        "-bB": g + ["--root", root, "run", "-b" + b, c.cid],
        "--bun B": g + ["--root", root, "run", "--bun", b, c.cid],
        "--bund=B": g + ["--root", root, "run", "--bund=" + b, c.cid],
        "-b=B": g + ["--root", root, "run", "-b=" + b, c.cid],
        # crun's config file in its other spellings
        "-fFILE": g + ["--root", root, "run", "--bundle", b, "-f" + os.path.join(b, "orig.json"), c.cid],
        "--conf=FILE": g + ["--root", root, "run", "--bundle", b, "--conf=" + os.path.join(b, "orig.json"),
                            c.cid],
        # options after the id
        "ID --bundle B": g + ["--root", root, "run", c.cid, "--bundle", b],
        "restore": g + ["--root", root, "restore", "--bundle", b, "--image-path", c.sub, c.cid],
    }
    try:
        for name, args in cases.items():
            label = "%s run, %s" % (rt, name)
            r = raw(c, args, cwd=decoy)
            refused(c, r, label, files, decoy)
            if r.returncode == 0:
                c.delete()
        r = raw(c, g + ["--root", root, "restore", "--bundle", b, c.cid])
        t.check("restore: refused" in r.stderr and "unconfined" in r.stderr,
                rt + " restore: the message says why (a restored process never meets the enforcer)")
        accepted = {"--root=R --bundle=B": g + ["--root=" + root, "run", "--bundle=" + b, c.cid],
                    "-b B": g + ["--root", root, "run", "-b", b, c.cid]}
        if rt == "runc":  # runc reads --help=false as no help and runs (crun refuses it)
            accepted["--help=false"] = g + ["--root", root, "run", "--help=false", "--bundle", b, c.cid]
            accepted["--help --help=false"] = g + ["--root", root, "run", "--help", "--help=false", "--bundle", b,
                                                   c.cid]
        for name, args in accepted.items():
            label = "%s run, %s" % (rt, name)
            try:
                r = raw(c, args, cwd=decoy)
            finally:
                c.delete()
            t.check(r.returncode == 0, label + ": runs (exit %d)" % r.returncode)
            a.check_confined(t.results(r.stdout), label)
            t.check(open(os.path.join(decoy, "config.json")).read() == files[os.path.join(decoy, "config.json")],
                    label + ": the decoy config.json is untouched")
            shutil.copy(os.path.join(b, "orig.json"), os.path.join(b, "config.json"))
    finally:
        c.delete()


def exec_spellings(w, rt):
    c = a.Case(w, "spell-exec-" + rt, ["/bin/sleep", "300"], runtime=rt)
    r = c.start_detached()
    t.check(r.returncode == 0, c.tag + ": `runtime run -d` started the container")
    try:
        pj = os.path.join(c.sub, "process.json")
        process = ('{"terminal":false,"user":{"uid":0,"gid":0},"cwd":"/","args":%s,'
                   '"env":["PATH=/bin"]}' % ("[" + ",".join('"%s"' % x for x in PROBE) + "]"))
        decoy = os.path.join(c.sub, "decoy")
        os.makedirs(decoy)
        with open(os.path.join(decoy, "config.json"), "w") as f:
            f.write("{}")
        g = c.runtime_options() + ["--root", c.state_root]
        spellings = {"-p=F": ["-p=" + pj], "--p=F": ["--p=" + pj], "-process=F": ["-process=" + pj],
                     "-pF": ["-p" + pj], "--proc=F": ["--proc=" + pj], "-dt": ["-dt", "-p", pj]}
        for name, opts in spellings.items():
            with open(pj, "w") as f:
                f.write(process)
            label = "%s exec, %s" % (rt, name)
            # A word after the id: the shim once wrapped it while the
            # runtime ran the file.
            r = raw(c, g + ["exec"] + opts + [c.cid, "x"], cwd=decoy)
            t.check(r.returncode == 1 and r.stderr.startswith("oci-sandbox-runtime: "),
                    label + ": the shim exits 1 with its message (%d: %s)" % (r.returncode, r.stderr.strip()[:200]))
            t.check("Seccomp" not in r.stdout, label + ": nothing ran")
            t.check(open(pj).read() == process, label + ": the process file unchanged")
        accepted = {"-p F": ["-p", pj], "--process=F": ["--process=" + pj]}
        if rt == "runc":
            accepted["--help=false -p F"] = ["--help=false", "-p", pj]
        for name, opts in accepted.items():
            with open(pj, "w") as f:
                f.write(process)
            label = "%s exec, %s" % (rt, name)
            r = raw(c, g + ["exec"] + opts + [c.cid, "x"])
            t.check(r.returncode == 0, label + ": runs (exit %d)" % r.returncode)
            a.check_confined(t.results(r.stdout), label)
    finally:
        c.delete()


with t.Workdir() as w:
    for rt in a.RUNTIMES:
        run_spellings(w, rt)
        exec_spellings(w, rt)

t.finish()
