"""What the Python tests share (the integration tests through oshtest): the
paths meson passes in the environment (a test run by hand without them is
skipped, saying why), a check() that prints and counts, and finish() that
exits with the verdict, naming each failed check."""
import os
import sys

failures = []


def env(*names):
    """The values of `names`; exits 77 (meson's SKIP) naming those unset."""
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        print("SKIP: %s not set (run through meson test)" % " / ".join(missing))
        sys.exit(77)
    return [os.environ[n] for n in names]


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def finish():
    if failures:
        print("%d check(s) failed:" % len(failures))
        for f in failures:
            print("  - " + f)
        sys.exit(1)
    print("all checks passed")
    sys.exit(0)
