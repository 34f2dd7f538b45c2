#!/usr/bin/env python3
"""The operator docs (install, quickstart, failure-modes, troubleshooting):
every code block is marked `<!-- tested: FILE ... -->` naming an existing test
file, or `<!-- not runnable here: REASON -->`; every policy snippet passes
check-policy; failure-modes.md has a row for every failure kind in
src/failure/failure.hpp; relative links resolve."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklib import check, env, finish  # noqa: E402

SRC, BIN = env("OSH_SOURCE_ROOT", "OSH_BINARY")
DOCS = ["install.md", "quickstart.md", "failure-modes.md", "troubleshooting.md"]


for name in DOCS:
    path = os.path.join(SRC, "docs", name)
    with open(path) as f:
        text = f.read()
    lines = text.splitlines()
    in_block = False
    for i, line in enumerate(lines):
        if not line.startswith("```"):
            continue
        if in_block:
            in_block = False
            continue
        in_block = True
        prev = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        m = re.match(r"<!-- (tested|not runnable here[^:]*): (.*) -->$", prev)
        check(m is not None, "%s:%d: the code block is marked tested / not runnable here" % (name, i + 1))
        if m and m.group(1) == "tested":
            files = re.findall(r"tests/[\w/.-]+\.(?:py|sh)", m.group(2))
            check(files and all(os.path.exists(os.path.join(SRC, f)) for f in files),
                  "%s:%d: the named test files exist: %s" % (name, i + 1, " ".join(files)))
    for block in re.findall(r"^```json\n(.*?)^```", text, re.S | re.M):
        if '"version"' not in block:
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            f.write(block)
            f.flush()
            r = subprocess.run([BIN, "check-policy", f.name], capture_output=True, text=True)
        check(r.returncode == 0, "%s: policy snippet passes check-policy %s" % (name, r.stderr.strip()))
    for link in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        check(os.path.exists(os.path.join(SRC, "docs", link)), "%s: link %s resolves" % (name, link))

with open(os.path.join(SRC, "docs", "install.md")) as f:
    install = f.read()
for step in ("dpkg -i", "oci-sandbox-hook setup ", "oci-sandbox-hook doctor"):
    check(step in install, "install.md has the step: " + step)
check("/usr/share/containers/oci/hooks.d/oci-sandbox-precreate.json" not in install,
      "install.md installs nothing active into a directory CRI-O reads")
with open(os.path.join(SRC, "src", "failure", "failure.hpp")) as f:
    enum = re.search(r"enum class Kind \{(.*?)\};", f.read(), re.S).group(1)
kinds = re.findall(r"(\w+),", enum)
with open(os.path.join(SRC, "docs", "failure-modes.md")) as f:
    fm = f.read()
check(len(kinds) >= 11, "failure.hpp has %d kinds" % len(kinds))
for k in kinds:
    check(re.search(r"^\| `%s` \|" % k, fm, re.M) is not None, "failure-modes.md has a row for " + k)
for mode in ("strict", "warn", "skip"):
    check(re.search(r"^\| `%s` \|" % mode, fm, re.M) is not None, "failure-modes.md explains mode " + mode)

finish()
