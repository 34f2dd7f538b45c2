#!/usr/bin/env python3
"""The layering of src/ (src/README.md): every `#include "room/..."` is an
edge this table allows, so dependencies point one way; what src/enforce/
includes, followed through every header, stays within the enforcer's rooms
and includes neither CLI11 nor libseccomp; only landlock/, seccomp/load.cpp
and process/ call the kernel's confinement interfaces. With OSH_ENFORCER set
and a binary that has symbols, neither CLI11's nor libseccomp's code is in it."""
import os
import re
import subprocess
import sys

SRC = os.path.join(os.environ.get("OSH_SOURCE_ROOT") or
                   os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."), "src")

# Rooms in data-flow order, each with the rooms it may include (itself always).
ALLOWED = {
    "util": [],
    "failure": ["util"],
    "report": ["failure", "util"],
    "rootfs": ["util"],
    "oci": ["util"],
    "mounts": ["oci", "rootfs", "util"],
    "landlock": ["failure", "rootfs", "util"],
    "seccomp": ["util"],
    "process": ["util"],
    "gpu": ["oci", "rootfs", "mounts", "util"],
    "policy": ["failure", "report", "rootfs", "oci", "mounts", "landlock", "seccomp", "gpu", "util"],
    "plan": ["failure", "report", "rootfs", "oci", "landlock", "seccomp", "policy", "util"],
    "specedit": ["report", "oci", "plan", "util"],
    "hook": ["failure", "report", "rootfs", "mounts", "oci", "landlock", "seccomp", "process", "gpu",
             "policy", "plan", "util"],
    "enforce": ["failure", "report", "landlock", "seccomp", "process", "plan", "util"],
    "setup": ["oci", "util"],
    "doctor": ["failure", "report", "landlock", "seccomp", "policy", "plan", "specedit", "setup",
               "util"],
    "commands": ["failure", "report", "rootfs", "oci", "landlock", "seccomp", "process", "gpu",
                 "policy", "plan", "specedit", "hook", "enforce", "setup", "doctor", "util"],
    "main": ["commands", "util"],
}
# What the enforcer may reach, header by header.
ENFORCER_ROOMS = {"enforce", "failure", "report", "landlock", "process", "util"}
ENFORCER_FILES = {"seccomp/bpf.hpp", "seccomp/load.hpp", "seccomp/settings.hpp",
                  "rootfs/facts.hpp", "rootfs/open.hpp", "plan/plan.hpp"}
FORBIDDEN_SYSTEM = re.compile(r"^(CLI/|seccomp\.h$)")
# The kernel's confinement interfaces, and the files that may call them.
KERNEL_CALL = re.compile(r"(?<![\w.>])(::)?(prctl|setresuid|setresgid|setgroups|setuid|setgid)\s*\(|"
                         r"::syscall\s*\(|\buapi::(create_ruleset|add_rule|restrict_self)\b")
KERNEL_FILES = re.compile(r"^(landlock/|process/|seccomp/load\.cpp$|rootfs/open\.cpp$)")

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)

failures = []


def check(cond, what):
    if not cond:
        print("FAIL " + what)
        failures.append(what)


def ok(before, what):
    """Says `what` when no check failed since `before` failures."""
    if len(failures) == before:
        print("ok   " + what)


def room_of(rel):
    return rel.split("/", 1)[0] if "/" in rel else "main"


def sources():
    for dirpath, _, names in os.walk(SRC):
        for n in names:
            if n.endswith((".cpp", ".hpp", ".hpp.in")):
                path = os.path.join(dirpath, n)
                yield os.path.relpath(path, SRC), path


def includes(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return [(kind == '"', name) for kind, name in INCLUDE.findall(text)], text


def main():
    graph, texts = {}, {}
    edges = 0
    before = len(failures)
    for rel, path in sorted(sources()):
        incs, text = includes(path)
        graph[rel], texts[rel] = incs, text
        room = room_of(rel)
        check(room in ALLOWED, "%s: room %s is not in the layering table (src/README.md)" % (rel, room))
        for quoted, name in incs:
            if not quoted:
                continue
            target = room_of(name)
            if target == room:
                continue
            edges += 1
            check(target in ALLOWED.get(room, []),
                  "%s includes %s: %s may not include %s (src/README.md)" % (rel, name, room, target))
    ok(before, "%d files, %d include edges between rooms, all allowed" % (len(graph), edges))

    # The enforcer's closure.
    before = len(failures)
    seen, todo = set(), [r for r in graph if r.startswith("enforce/")]
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        check(room_of(rel) in ENFORCER_ROOMS or rel in ENFORCER_FILES,
              "the enforcer reaches %s" % rel)
        for quoted, name in graph.get(rel, []):
            if quoted and name in graph:
                todo.append(name)
            elif not quoted:
                check(not FORBIDDEN_SYSTEM.match(name), "the enforcer reaches <%s> through %s" % (name, rel))
    ok(before, "the enforcer reaches %d files, none outside its rooms" % len(seen))

    # The kernel's confinement interfaces.
    callers = 0
    before = len(failures)
    for rel, text in texts.items():
        code = re.sub(r"//[^\n]*", "", text)
        if KERNEL_CALL.search(code):
            callers += 1
            check(KERNEL_FILES.match(rel) is not None, "%s calls the kernel's confinement interfaces" % rel)
    ok(before, "%d files call prctl, set*id, syscall() or Landlock, all in the kernel rooms" % callers)

    enforcer = os.environ.get("OSH_ENFORCER")
    if enforcer and os.path.exists(enforcer):
        r = subprocess.run(["nm", "-C", enforcer], capture_output=True, text=True)
        if r.returncode == 0 and r.stdout:
            bad = [l for l in r.stdout.splitlines()
                   if re.search(r"\bCLI::|\bseccomp_(init|rule_add|load|export_bpf|version)\b", l)]
            check(not bad, "oci-sandbox-enforce links CLI11 or libseccomp: %s" % bad[:3])
            if not bad:
                print("ok   oci-sandbox-enforce has no CLI11 or libseccomp symbol")
        else:
            print("note: %s has no symbol table (stripped): the link check did not run" % enforcer)

    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
