#!/usr/bin/env python3
"""Our parsers read what the runtime reads, and never fall over.

Through the shim under runc, `precreate`, `inject` and the hook:
- a config.json with two `process` members. runc (Go's encoding/json) keeps
  the last; a reader of the first would wrap the first and let the second run
  unconfined. First, plain runc runs the config to show it runs the second;
  then every entry point refuses it: exit 1, an error naming the member's
  JSON Pointer, nothing runs, no plan directory left in /run/oci-sandbox, the
  bundle unchanged. The same for `Process` beside `process` (Go matches
  names without regard to case) and for `Process` alone;
- a config.json whose document is followed by a NUL and a second one
  (rapidjson, runc's json.Decoder and crun's yajl all read the first one
  alone), and the same on the hook's stdin: refused with the NUL's offset,
  as any other trailing byte is;
- 200,000 '[' (195 KiB, under every input limit), which overflowed the
  stack of the root-run shim (SIGSEGV): a clear error, exit 1, no signal;
- a valid config.json with `"cwd": "/w\\udc00"`, which the shim once wrote
  back as invalid UTF-8 so that the hook refused it and the container could
  never start. runc and crun are first shown to read it differently (U+FFFD,
  the raw surrogate bytes); then it is refused clearly at read, nothing
  written; the same escape in a policy path is refused by the hook and by
  check-policy.
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshdrive as d  # noqa: E402

t.need_root_and("runc", "busybox")

PROBE = ["/bin/osh-probe"] + t.CONFINED_CHECKS
# What the second `process` runs: it leaves a marker in the rootfs and prints
# the seccomp mode it runs under.
EVIL = ["/bin/sh", "-c", "echo unconfined > /osh-evil-ran; grep Seccomp: /proc/self/status"]


dir_snapshot, refused = d.dir_snapshot, d.refused


def entry_points(w, tag, config_text, error):
    """The shim (`runtime run`), inject, the hook (reading the bundle's
    config.json) and precreate (config on stdin) each refuse `config_text`
    with `error` ("/json/pointer: what") after the input's name; nothing runs
    and nothing is left behind."""
    sub, bundle, pol, rtcfg = t.prepare_case(w, tag, PROBE, "runc")
    cfg_path = os.path.join(bundle, "config.json")
    with open(cfg_path, "w") as f:
        f.write(config_text)
    marker = os.path.join(bundle, "rootfs", "osh-evil-ran")
    runc_root = os.path.join(sub, "runc-root")
    for entry in ("shim", "inject", "hook"):
        label = "%s %s" % (tag, entry)
        cid = d.unique_id("parsers-" + tag)
        before_run, before_bundle = d.run_root_entries(), dir_snapshot(bundle)
        if entry == "shim":
            r, _ = d.timed_run([t.binary(), "runtime", "--root", runc_root, "run", "--bundle", bundle, cid],
                               env={"OCI_SANDBOX_RUNTIME_CONFIG": rtcfg}, timeout=60)
            subprocess.run(["runc", "--root", runc_root, "delete", "-f", cid], capture_output=True)
        elif entry == "inject":
            r, _ = d.timed_run([t.binary(), "inject", "--bundle", bundle, "--id", cid,
                                "--hook-arg=--policy", "--hook-arg=" + pol])
        else:
            r, _ = d.timed_run([t.binary(), "hook", "--policy", pol, "--stage", "createRuntime"],
                               stdin_bytes=d.state_json(cid, bundle).encode())
        refused(label, r, "config.json: " + error)
        if entry == "shim" and r is not None:
            t.check("oci-sandbox-runtime" in r.stderr, label + ": the error is the shim's, before runc runs")
        t.check(not os.path.exists(marker), label + ": nothing ran in the container")
        new = d.stray_entries(before_run)
        t.check(not new and t.plan_dir_gone(cid),
                label + ": no plan directory left in /run/oci-sandbox (found %s)" % new)
        t.check(dir_snapshot(bundle) == before_bundle, label + ": the bundle is unchanged")
        with open(cfg_path) as f:
            t.check(f.read() == config_text, label + ": config.json is byte for byte the same")
    before_run = d.run_root_entries()
    p = subprocess.run([t.binary(), "precreate"], input=config_text.encode(), capture_output=True, timeout=20)
    r = subprocess.CompletedProcess(p.args, p.returncode, p.stdout.decode(errors="replace"),
                                    p.stderr.decode(errors="replace"))
    print("$ precreate <%s config>\n  stderr: %s\n  exit %d" % (tag, r.stderr.strip()[:300], r.returncode))
    refused(tag + " precreate", r, "stdin: " + error)
    t.check(p.stdout == b"", tag + " precreate: nothing written on stdout")
    t.check(not d.stray_entries(before_run), tag + " precreate: no plan directory left")
    return sub, bundle


with t.Workdir() as w:
    base = t.read_config(t.prepare_case(w, "base", PROBE, "runc")[1])

    # --- two `process` members ---------------------------------------------
    evil_process = dict(base["process"], args=EVIL)
    first = json.dumps(base, indent=2)
    assert first.endswith("\n}")
    dup_text = first[:-2] + ',\n  "process": ' + json.dumps(evil_process) + "\n}\n"

    # Plain runc reads the last `process`: the premise of the attack.
    sub, bundle, _, _ = t.prepare_case(w, "runc-reads-last", PROBE, "runc")
    with open(os.path.join(bundle, "config.json"), "w") as f:
        f.write(dup_text)
    cid = d.unique_id("parsers-plain")
    runc_root = os.path.join(sub, "runc-root")
    try:
        r = t.run(["runc", "--root", runc_root, "run", "--bundle", bundle, cid], timeout=30)
    finally:
        t.run(["runc", "--root", runc_root, "delete", "-f", cid])
    t.check(os.path.exists(os.path.join(bundle, "rootfs", "osh-evil-ran")) and "Seccomp:\t0" in r.stdout,
            "plain runc runs the second `process` of a config.json (unconfined: Seccomp 0)")

    entry_points(w, "dup-process", dup_text,
                 "/process: duplicate member \"process\" at offset ")

    # `Process` beside `process`: Go reads both into one field, the last wins.
    case_text = first[:-2] + ',\n  "Process": ' + json.dumps(evil_process) + "\n}\n"
    entry_points(w, "case-process", case_text,
                 "/Process: member \"Process\" and the earlier \"process\" differ only in letter case")

    # `Process` alone: runc runs it; an exact lookup would see no process.
    alone = {("Process" if k == "process" else k): v for k, v in base.items()}
    entry_points(w, "alone-Process", json.dumps(alone, indent=2),
                 "/Process: differs from \"process\" only in letter case")

    # A duplicate deeper down: the second `args` of process.
    nested_text = json.dumps(base, indent=2).replace(
        '"args": [', '"args": ' + json.dumps(EVIL) + ', "args": [', 1)
    entry_points(w, "dup-args", nested_text, "/process/args: duplicate member \"args\"")

    # --- 200,000 '[' --------------------------------------------------------
    entry_points(w, "deep", "[" * 200000,
                 "/" + "0/" * 63 + "0: nested deeper than 64 arrays and objects at offset 65 ")
    # The OCI state on the hook's stdin, too.
    _, _, pol, _ = t.prepare_case(w, "deep-state", PROBE, "runc")
    r, _ = d.timed_run([t.binary(), "hook", "--policy", pol, "--stage", "createRuntime"],
                       stdin_bytes=b"[" * 200000)
    refused("deep state", r, "stdin: /" + "0/" * 63 + "0: nested deeper than 64")

    # --- a NUL byte after the document ---------------------------------------
    # rapidjson's streams stop at a NUL (so do runc's json.Decoder, after one
    # value, and crun's yajl_tree_parse, a C string): the rest went unread.
    # Refused everywhere, naming the offset.
    nul_text = first + "\0" + json.dumps(dict(base, process=evil_process))
    entry_points(w, "nul-after", nul_text,
                 "invalid JSON at offset %d (line %d, column 2): a NUL byte"
                 % (len(first), first.count("\n") + 1))
    _, _, pol, _ = t.prepare_case(w, "nul-state", PROBE, "runc")
    state = d.state_json(d.unique_id("parsers-nul"), "/nonexistent").encode()
    r, _ = d.timed_run([t.binary(), "hook", "--policy", pol, "--stage", "createRuntime"],
                       stdin_bytes=state + b"\0" + state)
    refused("nul state", r, "stdin: invalid JSON at offset %d" % len(state))

    # --- a lone surrogate escape ----------------------------------------------
    # The premise: runtimes read it differently. runc (Go) reads U+FFFD, crun
    # (yajl) the surrogate's bytes ED B0 80: each chdirs into another directory.
    sub, bundle, _, _ = t.prepare_case(w, "runtimes-disagree", ["/bin/sh", "-c", "pwd | od -An -tx1"], "runc")
    for name in (b"w\xed\xb0\x80", b"w\xef\xbf\xbd"):
        os.makedirs(os.path.join(bundle.encode(), b"rootfs", name))
    cfg = t.read_config(bundle)
    cfg["process"]["cwd"] = "/w\udc00"
    t.write_config(bundle, cfg)
    seen = {}
    for rt, pre, glob in (("runc", [], []), ("crun", t.CRUN_WRAP, ["--cgroup-manager=disabled"])):
        if not shutil.which(rt):
            print("NOTE: %s is not installed: its reading of \\udc00 is not shown" % rt)
            continue
        root, cid = os.path.join(sub, "root-" + rt), d.unique_id("parsers-" + rt)
        try:
            r = t.run(pre + [rt] + glob + ["--root", root, "run", "--bundle", bundle, cid], timeout=30)
        finally:
            t.run(pre + [rt] + glob + ["--root", root, "delete", "-f", cid])
        seen[rt] = r.stdout.split()
    t.check(seen.get("runc") == ["2f", "77", "ef", "bf", "bd", "0a"], "runc reads \\udc00 as U+FFFD (EF BF BD)")
    if "crun" in seen:
        t.check(seen["crun"] == ["2f", "77", "ed", "b0", "80", "0a"],
                "crun reads \\udc00 as the bytes ED B0 80 (not UTF-8): the runtimes disagree")

    lone = dict(base)
    lone["process"] = dict(base["process"], cwd="/w\udc00")
    lone_text = json.dumps(lone, indent=2)  # ensure_ascii: written as \udc00
    assert "\\udc00" in lone_text
    entry_points(w, "lone-surrogate", lone_text,
                 "/process/cwd: the escape \\udc00 is a lone UTF-16 surrogate, not a character")

    # ... in a policy path: the hook and check-policy refuse the policy.
    def surrogate_rule(pol):
        pol["filesystem"]["read_write"].append("/data\udc00")
    sub, bundle, pol, _ = t.prepare_case(w, "lone-policy", PROBE, "runc", edit_policy=surrogate_rule)
    cid = d.unique_id("parsers-lone-policy")
    before_run = d.run_root_entries()
    r, _ = d.timed_run([t.binary(), "hook", "--policy", pol, "--stage", "createRuntime"],
                       stdin_bytes=d.state_json(cid, bundle).encode())
    refused("lone-surrogate policy hook", r, "/filesystem/read_write/",
            "the escape \\udc00 is a lone UTF-16 surrogate")
    t.check(not d.stray_entries(before_run) and t.plan_dir_gone(cid),
            "lone-surrogate policy hook: no plan directory left")
    r, _ = d.timed_run([t.binary(), "check-policy", pol])
    refused("lone-surrogate check-policy", r, pol + ": /filesystem/read_write/",
            "the escape \\udc00 is a lone UTF-16 surrogate")

t.finish()
