#!/usr/bin/env python3
"""`oci-sandbox-hook [CMD] --help` must match the man page and the bash
completion: every subcommand the top-level help lists has a section in
oci-sandbox-hook(8) and is completed; every option each CMD --help lists
appears in the man page (in that command's section) and in the completion.
Also: the man pages render without groff warnings (when man is installed)."""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklib import check, env, finish  # noqa: E402

BIN, SRC = env("OSH_BINARY", "OSH_SOURCE_ROOT")

MAN8 = os.path.join(SRC, "packaging", "man", "oci-sandbox-hook.8")
MAN5 = os.path.join(SRC, "packaging", "man", "oci-sandbox-policy.5")
COMPLETION = os.path.join(SRC, "packaging", "completion", "oci-sandbox-hook.bash")


def roff_text(path):
    with open(path) as f:
        return f.read().replace("\\-", "-").replace("\\fB", "").replace("\\fR", "").replace("\\fI", "")


def help_of(args):
    r = subprocess.run([BIN] + args + ["--help"], capture_output=True, text=True)
    check(r.returncode == 0, "%s --help exits 0" % " ".join(["oci-sandbox-hook"] + args))
    return r.stdout


def section(lines, title):
    """The indented lines under `title:` in CLI11's help."""
    out, inside = [], False
    for line in lines:
        if line.rstrip() == title + ":":
            inside = True
            continue
        if inside:
            if line and not line.startswith(" "):
                break
            out.append(line)
    return out


man = roff_text(MAN8)
with open(COMPLETION) as f:
    completion = f.read()

top = help_of([]).splitlines()
subcommands = [l.split()[0] for l in section(top, "Subcommands") if re.match(r"^  [a-z]", l)]
check(len(subcommands) >= 7, "top-level help lists the subcommands: " + " ".join(subcommands))
for opt in ["--version", "--help"]:
    check(opt in "\n".join(top), "top-level help lists " + opt)
    check(opt in man, "man page names " + opt)

# Man sections per command: from ".SS name" to the next .SS/.SH.
sections = {}
for m in re.finditer(r"^\.SS (.+?)\n(.*?)(?=^\.S[SH] )", man, re.S | re.M):
    for name in m.group(1).split(","):
        sections[name.strip()] = m.group(2)

for cmd in subcommands + ["runtime"]:
    check(cmd in sections, "oci-sandbox-hook(8) has a section for " + cmd)
    check(re.search(r"\b%s\b" % re.escape(cmd), completion) is not None, "bash completion offers " + cmd)
check("oci-sandbox-runtime" in sections, "oci-sandbox-hook(8) documents the oci-sandbox-runtime name")

for cmd in subcommands:
    opts = set()
    for line in section(help_of([cmd]).splitlines(), "Options"):
        if re.match(r"^  -", line):  # the option column, not a wrapped description
            opts.update(o for o in line.split()[0].split(",") if o.startswith("--"))
    opts.discard("--help")
    body = sections.get(cmd, "")
    for o in sorted(opts):
        check(o in body, "man page section %s documents %s" % (cmd, o))
        check(o in completion, "bash completion offers %s for %s" % (o, cmd))
    # Every option the man section documents exists in --help (no stale ones).
    for o in sorted(set(re.findall(r"^\.B[IR]? (--[a-z][a-z0-9-]*)", body, re.M))):
        check(o in opts, "%s --help has %s (documented in the man page)" % (cmd, o))

if shutil.which("man"):
    for page in (MAN8, MAN5):
        r = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True,
                           env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0"))
        check(r.returncode == 0 and not r.stderr.strip(),
              "%s renders without warnings%s" % (os.path.basename(page), (": " + r.stderr.strip()) if r.stderr.strip() else ""))
else:
    print("note: man is not installed; rendering not checked")

finish()
