#!/usr/bin/env python3
"""Prints 'N passed, N failed, N skipped' from a meson testlog.json (one JSON object a line)."""
import json
import sys

counts = {"passed": 0, "failed": 0, "skipped": 0}
skipped_names = []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        t = json.loads(line)
        r = t.get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            counts["passed"] += 1
        elif r == "SKIP":
            counts["skipped"] += 1
            skipped_names.append(t.get("name", "?"))
        else:
            counts["failed"] += 1
for n in skipped_names:
    print(f"skipped: {n}")
print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
