#!/usr/bin/env python3
"""test_http_doc: docs/http.md's tour runs as written. Its ```sh blocks
(between "## A tour" and "## Endpoints") run in order in one bash, in a
temporary directory holding links to the build and test data, with the
port 7480 replaced by a free one; the output must hold what the tour's
comments promise."""
import os, re, socket, subprocess, sys, tempfile

src = os.environ.get("HUB_SRC_DIR", "..")
build = os.environ.get("HUB_BIN_DIR", ".")
text = open(os.path.join(src, "docs/http.md")).read()
tour = text[text.index("## A tour"):text.index("## Endpoints")]
script = "\n".join(re.findall(r"```sh\n(.*?)```", tour, re.S))

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
script = script.replace("7480", str(port))

with tempfile.TemporaryDirectory(prefix="cyclehub-httpdoc-") as tmp:
    os.symlink(os.path.abspath(build), os.path.join(tmp, "build"))
    os.symlink(os.path.abspath(os.path.join(src, "tests")), os.path.join(tmp, "tests"))
    run = subprocess.run(["bash", "-c", "set -e\n" + script], cwd=tmp, capture_output=True,
                         text=True, timeout=120)
    out = run.stdout
failed = 0
for want in ['{"seq":1,"duplicate":false}', '{"seq":2,"duplicate":false}',
             '{"seq":2,"duplicate":true}', '"ownerName":"Tower Hamlets Council"',
             'HTTP/1.1 403 Forbidden', '"code":"NOT_AUTHORISED"', 'read-only',
             '"code":"ILLEGAL_TRANSITION"', ' GB-NHS-RWE ro ', 'unknown or revoked',
             '"type":"commission.opened"\n"type":"needs.assessed"\n',
             '{"uri":"urn:cyclehub:ocds:ocds-h6vhtk-056931","version":"1.1"',
             '"parties":[{"id":"GB-LAE-E09000033","name":"Tower Hamlets Council"', '\n401\n']:
    if want not in out:
        print("FAIL: the tour's output lacks", want)
        failed += 1
if run.returncode != 0:
    print("FAIL: the tour exited", run.returncode, run.stderr[-2000:])
    failed += 1
if failed:
    print(out[-4000:])
print("%d checks, %d failed" % (15, failed))
sys.exit(1 if failed else 0)
