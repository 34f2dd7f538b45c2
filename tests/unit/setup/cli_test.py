#!/usr/bin/env python3
"""The command line as operators meet it: an unknown command gets a
suggestion (exit 2), usage errors are prefixed "oci-sandbox-hook COMMAND: "
and exit 2, check-policy catches what would fail at create (unknown syscall
with a did-you-mean, a bad glob, a glob in a literal path), help points at
installed docs and man pages, the shim prints its own version first."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from checklib import check, env, finish  # noqa: E402

BIN, = env("OSH_BINARY")


def run(*args, binary=BIN, env=None):
    return subprocess.run([binary, *args], capture_output=True, text=True, env=env)


r = run("probz")
check(r.returncode == 2 and 'unknown command "probz"; did you mean "probe"?' in r.stderr, "unknown command: did-you-mean, exit 2")
r = run("doctr")
check('did you mean "doctor"' in r.stderr, "unknown command: suggests doctor")
r = run("explain", "--no-such")
check(r.returncode == 2 and r.stderr.startswith("oci-sandbox-hook explain: "), "usage error prefixed with the command: " + r.stderr.strip()[:80])
r = run("setup", "docker", "--bogus")
check(r.returncode == 2 and r.stderr.startswith("oci-sandbox-hook setup: "), "setup usage error prefixed")
r = run("check-policy", "/nonexistent.json")
check(r.returncode == 1 and r.stderr.startswith("oci-sandbox-hook check-policy: /nonexistent.json: cannot read"),
      "check-policy errors prefixed")

with tempfile.TemporaryDirectory() as d:
    def policy(text):
        p = os.path.join(d, "p.json")
        with open(p, "w") as f:
            f.write(text)
        return run("check-policy", p), p
    r, p = policy('{"version": 1, "seccomp": {"deny": ["memfd_creat", "ptrace"], "allow": ["bogus_call"]}}')
    check(r.returncode == 1 and p + ': /seccomp/deny/0: unknown syscall name "memfd_creat"' in r.stderr
          and 'did you mean "memfd_create"?' in r.stderr, "check-policy: unknown syscall in deny, with did-you-mean")
    check("/seccomp/allow/0" in r.stderr and "ptrace" not in r.stderr.split("memfd_creat")[0], "check-policy: unknown syscall in allow")
    r, p = policy('{"version": 1, "gpu": {"promotion": {"mode": "reject_unlisted", "allow": ["/proc", "/dev/[ab"]}}}')
    check(r.returncode == 1 and "/gpu/promotion/allow/1" in r.stderr and "unterminated" in r.stderr, "check-policy: bad glob")
    r, p = policy('{"version": 1, "filesystem": {"read_only": ["/usr/*"]}}')
    check(r.returncode == 1 and "/filesystem/read_only/0" in r.stderr and "literal" in r.stderr, "check-policy: glob in a literal path")
    r, p = policy('{"version": 1, "seccomp": {"deny": ["memfd_create"]}}')
    check(r.returncode == 0, "check-policy: known names pass")
    # A symbolic link is refused, as the hook refuses to read one.
    link = os.path.join(d, "link.json")
    os.symlink(p, link)
    r = run("check-policy", link)
    check(r.returncode == 1 and "is a symbolic link (not followed)" in r.stderr,
          "check-policy: a symlinked policy is refused as the hook refuses it: " + r.stderr.strip()[:120])

# `hook` in the spec edit's form skips the CLI; every other form still gets
# the CLI's own message and exit 2.
for args, want in ((["--stage", "bogus"], "--stage: bogus is not one of prestart, createRuntime, poststop"),
                   (["--stage", "poststop", "--stage", "createRuntime"], "--stage: At Most 1 required but received 2"),
                   (["--run-root", "relative/dir"], "--run-root: an absolute path"),
                   (["--enforcer=rel"], "--enforcer: an absolute path"),
                   (["--policy"], "--policy: 1 required TEXT missing"),
                   (["--policy", "--stage", "poststop"], "The following argument was not expected: poststop"),
                   (["--no-such"], "The following argument was not expected: --no-such")):
    r = subprocess.run([BIN, "hook", *args], input="{}", capture_output=True, text=True)
    check(r.returncode == 2 and r.stderr.startswith("oci-sandbox-hook hook: ") and want in r.stderr,
          "hook %s: exit 2, %s" % (" ".join(args), want))
for args in (["--stage", "poststop"], ["--stage=poststop", "--run-root=/nonexistent-osh"]):
    r = subprocess.run([BIN, "hook", *args], input="{}", capture_output=True, text=True)
    check(r.returncode == 1 and "state: stdin: /id: missing" in r.stderr,
          "hook %s (the spec edit's form): runs, and refuses a state with no id" % " ".join(args))

for args in (["--help"], ["check-policy", "--help"], ["setup", "--help"], ["doctor", "--help"]):
    out = run(*args).stdout
    check("docs/policy.md" not in out.replace("/usr/share/doc/oci-sandbox-hook/policy.md", "")
          and ("man " in out or "/usr/share/doc/oci-sandbox-hook" in out), "%s points at installed docs/man pages" % " ".join(args))

with tempfile.TemporaryDirectory() as d:
    shim = os.path.join(d, "oci-sandbox-runtime")
    os.symlink(os.path.realpath(BIN), shim)
    cfg = os.path.join(d, "runtime.json")
    with open(cfg, "w") as f:
        f.write('{"next_runtime": "runc"}')
    env = dict(os.environ, OCI_SANDBOX_RUNTIME_CONFIG=cfg)
    r = run("--version", binary=shim, env=env)
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and lines and lines[0].startswith("oci-sandbox-runtime (oci-sandbox-hook ")
          and any(l.startswith("runc version") for l in lines[1:]), "shim --version: ours first, then runc's")
    r = run("--help", binary=shim, env=env)
    check(r.stdout.startswith("oci-sandbox-runtime (oci-sandbox-hook ") and "runc" in r.stdout[200:],
          "shim --help: ours first, then the next runtime's")
    with open(cfg, "w") as f:
        f.write('{"next_runtime": "no-such-runtime"}')
    r = run("state", "x", binary=shim, env=env)
    check(r.returncode == 1 and r.stderr.startswith("oci-sandbox-runtime: "), "shim failure before exec: exit 1, prefixed")

finish()
