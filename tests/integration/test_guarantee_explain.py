#!/usr/bin/env python3
"""`explain` is the hook's dry run: same policy selection, same resolver,
same verdict.

Each bundle is explained (text and json, with the hook's --policy and
--policies-dir) and then run through the shim under runc with the same
options; the verdict must match what the hook (or the spec edit) did:
- the annotation oci-sandbox/policy: NAME with NAME listed in the main
  policy's "selectable": explain shows <policies-dir>/NAME.json and its
  rule; the hook plans with it (the workload writes the path only that
  policy grants);
- a NAME the main policy does not list: explain refuses with the message
  the hook refuses with;
- an image whose /tmp is a symlink to /: refused (landlock_path, strict),
  the finding's message identical to the hook's event; under warn both plan
  partially_enforced;
- a host-network container: refused (netns), identical messages;
- a mount decoy at /.oci-sandbox/oci-sandbox-hook: explain refuses as the
  spec edit would (/mounts/N), and the shim refuses it naming /mounts/N;
- a plain container: both plan, fully_enforced."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402

t.need_root_and("runc", "busybox")

WORKLOAD = ["/bin/sh", "-c", "echo %s; /bin/osh-probe status write:/etc/osh-x write:/srv/osh-x" % a.RAN]


def explain(c, policy_path, policies_dir):
    args = [t.binary(), "explain", "--bundle", c.bundle, "--policy", policy_path, "--policies-dir", policies_dir]
    text = t.run(args)
    js = t.run(args + ["--format", "json"])
    try:
        doc = json.loads(js.stdout)
    except ValueError:
        doc = {}
    t.check(text.returncode == js.returncode, c.tag + ": text and json agree on the exit status")
    return text, js.returncode, doc.get("verdict", {}), doc


def through_shim(c, policy_path, policies_dir):
    rtcfg = os.path.join(c.sub, "runtime-explain.json")
    with open(rtcfg, "w") as f:
        json.dump({"next_runtime": "runc",
                   "hook_args": ["--policy", policy_path, "--policies-dir", policies_dir]}, f)
    c.rtcfg = rtcfg
    return c.run()


def same_verdict_refused(c, text, rc, verdict, o, kind, mode="strict"):
    """explain refuses, the hook refused: the same kind and message."""
    tag = c.tag
    t.check(rc == 1 and "Verdict: the hook would REFUSE this container." in text.stdout,
            tag + ": explain exits 1: the hook would REFUSE this container")
    t.check(verdict.get("plans") is False, tag + ": json verdict plans false")
    found = [f for f in verdict.get("findings", []) if f.get("kind") == kind and f.get("decision") == "abort"]
    t.check(o.rc == a.HOOK_REFUSED["runc"] and a.RAN not in o.stdout, tag + ": the hook refused it too (exit %d), nothing ran" % o.rc)
    ev = a.events_of(o.events, kind=kind, decision="abort")
    t.check(len(found) == 1 and len(ev) == 1 and found[0]["message"] == ev[0]["message"] and
            found[0].get("mode") == mode == ev[0].get("mode"),
            tag + ": explain's finding and the hook's event: %s (%s), the same message" % (kind, mode))
    if found:
        t.check("%s (%s): %s" % (kind, mode, found[0]["message"]) in text.stdout,
                tag + ": the text verdict lists it as \"%s (%s): ...\"" % (kind, mode))


with t.Workdir() as w:
    named = t.default_policy()  # what policies.d/lab.json and unlisted.json say
    named["filesystem"]["read_write"].append("/srv")
    main = t.default_policy()
    main["selectable"] = ["lab"]
    n = [0]

    def case(tag, edit_config=None, edit_rootfs=None, edit_policy=None):
        """A case whose main policy (selectable: lab) and the named ones
        log to the case's hook.log."""
        n[0] += 1

        def srv(rootfs):
            os.makedirs(os.path.join(rootfs, "srv"))
            if edit_rootfs:
                edit_rootfs(rootfs)
        c = a.Case(w, "%s-%d" % (tag, n[0]), WORKLOAD, edit_config=edit_config, edit_rootfs=srv)
        pol = json.loads(json.dumps(main))
        pol["log"]["path"] = c.log
        if edit_policy:
            edit_policy(pol)
        mp = t.write_policy(c.sub, pol, "main.json")
        cdir = os.path.join(c.sub, "policies.d")
        os.makedirs(cdir)
        for name in ("lab", "unlisted"):
            np = json.loads(json.dumps(named))
            np["log"]["path"] = c.log
            t.write_policy(cdir, np, name + ".json")
        return c, mp, cdir

    def annotate(name):
        def edit(cfg):
            cfg.setdefault("annotations", {})["oci-sandbox/policy"] = name
        return edit

    # A selectable name: explain shows it, the hook uses it.
    c, mp, cdir = case("selectable", edit_config=annotate("lab"))
    text, rc, verdict, doc = explain(c, mp, cdir)
    chosen = os.path.join(cdir, "lab.json")
    t.check(rc == 0 and ("Policy: %s (annotation oci-sandbox/policy=lab)" % chosen) in text.stdout,
            c.tag + ": explain shows the named policy: " + chosen)
    t.check(any(r["path"] == "/srv" and "write_file" in r["access"] for r in doc.get("filesystem", [])),
            c.tag + ": explain's effective policy has the named policy's /srv rule")
    t.check(verdict.get("plans") is True and verdict.get("status") == "fully_enforced",
            c.tag + ": verdict: plans, fully_enforced")
    o = through_shim(c, mp, cdir)
    p = a.planned(o.events)
    t.check(o.rc == 0 and ("(policy %s, annotation oci-sandbox/policy=lab)" % chosen) in p.get("message", ""),
            c.tag + ": the hook planned with the named policy")
    t.check(o.res.get("write:/srv/osh-x") == "OK" and o.res.get("write:/etc/osh-x") == "EACCES",
            c.tag + ": the workload has the named policy's /srv (OK) and no more (/etc EACCES)")
    t.check(p.get("status") == verdict.get("status"), c.tag + ": the same status")
    # The bundle the shim edited (on Docker it is the only one there is):
    # explain knows the edit's own mounts by the binaries this install's
    # shim uses (runtime.json, else itself), here the build's, not
    # /usr/bin's; it once took them for a decoy and said REFUSE.
    r = t.run([t.binary(), "explain", "--bundle", c.bundle, "--policy", mp, "--policies-dir", cdir,
               "--format", "json"], env={"OCI_SANDBOX_RUNTIME_CONFIG": c.rtcfg})
    try:
        edited = json.loads(r.stdout).get("verdict", {})
    except ValueError:
        edited = {}
    t.check(t.read_config(c.bundle)["process"]["args"][0] == "/.oci-sandbox/oci-sandbox-hook",
            c.tag + ": the bundle is the shim's edit")
    t.check(r.returncode == 0 and edited.get("plans") is True and edited.get("status") == "fully_enforced",
            c.tag + ": explain on the edited bundle: plans, fully_enforced (%s)" % edited.get("findings"))

    # A name the administrator did not mark selectable (the file exists).
    c, mp, cdir = case("unlisted", edit_config=annotate("unlisted"))
    text, rc, verdict, doc = explain(c, mp, cdir)
    want = ('annotation oci-sandbox/policy=unlisted: the main policy (%s) does not list "unlisted" in "selectable"' % mp)
    found = verdict.get("findings", [])
    t.check(rc == 1 and verdict.get("plans") is False and len(found) == 1 and found[0]["message"].startswith(want),
            c.tag + ": explain refuses: " + want)
    t.check("refused (always strict): " + want in text.stdout, c.tag + ": the text verdict says it")
    o = through_shim(c, mp, cdir)
    ev = a.events_of(o.events, decision="abort")
    t.check(o.rc == a.HOOK_REFUSED["runc"] and a.RAN not in o.stdout and len(ev) == 1 and found and
            ev[0]["message"] == "policy: " + found[0]["message"],
            c.tag + ": the hook refused it with the same message")

    # /tmp -> /: strict and warn.
    def tmp_link(rootfs):
        a.symlink(rootfs, "/tmp", "/")
    c, mp, cdir = case("tmp-link", edit_rootfs=tmp_link)
    text, rc, verdict, doc = explain(c, mp, cdir)
    same_verdict_refused(c, text, rc, verdict, through_shim(c, mp, cdir), "landlock_path")

    def warn_path(pol):
        pol["failure"]["kinds"]["landlock_path"] = "warn"
    c, mp, cdir = case("tmp-link-warn", edit_rootfs=tmp_link, edit_policy=warn_path)
    text, rc, verdict, doc = explain(c, mp, cdir)
    o = through_shim(c, mp, cdir)
    found = [f for f in verdict.get("findings", []) if f.get("kind") == "landlock_path"]
    ev = a.events_of(o.events, kind="landlock_path", decision="continue")
    t.check(rc == 0 and verdict.get("plans") is True and verdict.get("status") == "partially_enforced",
            c.tag + ": explain: plans, partially_enforced")
    t.check(o.rc == 0 and a.planned(o.events).get("status") == "partially_enforced",
            c.tag + ": the hook planned it partially_enforced")
    t.check(len(found) == 1 and len(ev) == 1 and ev[0]["message"].startswith(found[0]["message"]) and
            found[0].get("mode") == "warn", c.tag + ": the same landlock_path (warn) message")

    # Nothing in force: Landlock skipped and no filter wanted. explain, the
    # hook and the enforcer name the same status (explain once said
    # partially_enforced here: it took "no seccomp finding" for a filter).
    def nothing(pol):
        pol["failure"]["kinds"]["landlock_unavailable"] = "skip"
        pol["seccomp"]["profile"] = "none"
    c, mp, cdir = case("nothing-in-force", edit_policy=nothing)
    text, rc, verdict, doc = explain(c, mp, cdir)
    o = through_shim(c, mp, cdir)
    t.check(rc == 0 and verdict.get("status") == "not_enforced", c.tag + ": explain: not_enforced (got %s)"
            % verdict.get("status"))
    t.check(o.rc == 0 and a.planned(o.events).get("status") == "not_enforced" and
            a.final_exec_event(o.stderr).get("status") == "not_enforced",
            c.tag + ": the hook and the enforcer say not_enforced")

    # The host's network namespace.
    def host_network(cfg):
        cfg["linux"]["namespaces"] = [x for x in cfg["linux"]["namespaces"] if x["type"] != "network"]
    c, mp, cdir = case("host-network", edit_config=host_network)
    text, rc, verdict, doc = explain(c, mp, cdir)
    same_verdict_refused(c, text, rc, verdict, through_shim(c, mp, cdir), "netns")

    # A mount decoy at our binary's place.
    decoy_src = os.path.join(w, "decoy")
    with open(decoy_src, "w") as f:
        f.write("#!/bin/sh\necho fake\n")

    def decoy(cfg):
        cfg["mounts"].append({"destination": "/.oci-sandbox/oci-sandbox-hook", "type": "bind",
                              "source": decoy_src, "options": ["bind", "ro"]})
    c, mp, cdir = case("decoy", edit_config=decoy)
    idx = len(t.read_config(c.bundle)["mounts"]) - 1
    text, rc, verdict, doc = explain(c, mp, cdir)
    found = verdict.get("findings", [])
    piece = '/mounts/%d: destination "/.oci-sandbox/oci-sandbox-hook" is at, above or below' % idx
    t.check(rc == 1 and verdict.get("plans") is False and len(found) == 1 and
            found[0]["message"].startswith("the spec edit refuses it: ") and piece in found[0]["message"],
            c.tag + ": explain refuses as the spec edit would: ..." + piece)
    o = through_shim(c, mp, cdir)
    t.check(o.rc == 1 and piece in o.stderr and a.RAN not in o.stdout, c.tag + ": the shim refused it: ..." + piece)

    # Control.
    c, mp, cdir = case("plain")
    text, rc, verdict, doc = explain(c, mp, cdir)
    o = through_shim(c, mp, cdir)
    t.check(rc == 0 and "Verdict: the hook would plan this container: fully_enforced." in text.stdout,
            c.tag + ": explain: the hook would plan this container: fully_enforced")
    t.check(o.rc == 0 and a.planned(o.events).get("status") == "fully_enforced" and
            o.res.get("write:/srv/osh-x") == "EACCES", c.tag + ": the hook planned it fully_enforced (main policy: /srv EACCES)")

t.finish()
