#!/usr/bin/env python3
"""test_docs_run: the docs runner (tests/docs_run.py) fails when a page's
example fails, and says where: pages of tests/data/docs/ that run (ports and
token rewritten, a job left in the background), that fail on a command, on a
block that should fail and does not, and on markers that are wrong."""
import os, subprocess, sys

src = os.environ.get("HUB_SRC_DIR", "..")
runner = os.path.join(src, "tests", "docs_run.py")
cases = [
    ("ok", 0, ["tests/data/docs/ok.md:22 skip shows a marker",
               "tests/data/docs/ok.md: 3 blocks ran as written"]),
    ("fail", 1, ["FAIL: tests/data/docs/fail.md:5: exit 2: cyclehub history --type tender.publish"]),
    ("exit", 1, ["FAIL: tests/data/docs/exit.md:4: exit 0: (the block should exit 1)"]),
    ("markers", 1, ["FAIL: tests/data/docs/markers.md:3: 'skip' is no marker",
                    "FAIL: tests/data/docs/markers.md:8: 'by test_nonesuch': no such test",
                    "FAIL: tests/data/docs/markers.md:13: a docs-test marker on a ``` block"]),
]
failed = 0
for name, want_rc, wants in cases:
    run = subprocess.run([sys.executable, runner, "tests/data/docs/%s.md" % name],
                         capture_output=True, text=True, timeout=100)
    problems = ["exit %d, not %d" % (run.returncode, want_rc)] if run.returncode != want_rc else []
    problems += ["no line '%s'" % w for w in wants if w not in run.stdout]
    for p in problems:
        print("FAIL: %s.md: %s" % (name, p))
    if problems:
        print(run.stdout[-3000:], run.stderr[-2000:])
        failed += 1
print("%d pages, %d failed" % (len(cases), failed))
sys.exit(1 if failed else 0)
