#!/usr/bin/env python3
"""docs_run: every command block of a page of the docs runs as written.

    tests/docs_run.py PAGE.md        (HUB_SRC_DIR, HUB_BIN_DIR: the trees)
    tests/docs_run.py --list PAGE.md (what would run, what is skipped and why)

ctest runs it once per page (tests/docs.cmake: docs_readme, docs_cli, ...).

What runs: each fenced block tagged ```sh or ```bash, in the page's order, in
one bash (so `export` and `cd` carry over from block to block), with `set -e`:
the first command that exits non-zero fails the test, naming the page, the
line and the command. Blocks tagged otherwise, or untagged, are output,
config files or synopses, and are not run.

Where they run, the "honest scheme" (say it in docs/style.md too):
- a temporary directory laid out as the source tree (links to its files and
  folders; `build` is the build tree under test; `var/` is the directory's
  own), with HOME there too (no ~/.config/cyclehub of the machine's);
- a broker started as `make run` starts it (`--config
  docs/cyclehubd.cfg.example --store var/cyclehub --http ...`), but on free
  ports: the environment's CYCLEHUB_API and CYCLEHUB_EVENTS point at it, and
  in the blocks the documented ports 7400, 7401 and 7480 after 127.0.0.1: or
  localhost: are rewritten to its ports and the placeholder `chub_...` to the development
  token it printed, as a reader would paste it;
- PATH starts with build/clients and build/broker, as after `cmake --install`.
Nothing else is rewritten: a block that names another host, needs root or
systemd, blocks in the foreground, or takes minutes cannot run here, and says
so with a marker on the line before its fence:

    <!-- docs-test: skip (needs systemd and root) -->
    <!-- docs-test: by test_restore -->          run by that test instead
    <!-- docs-test: exit 1 -->                   must fail with exit status 1

`skip` needs a reason in parentheses; `by NAME` must name a test of
tests/*.cmake; `exit N` runs the block in a subshell with `set -e`, and its
status (its first failing command's) must be N. A marker on a block that is
not run, or a marker of another form, is an error. Background jobs a block
leaves running (`cyclehub subscribe &`) are killed at the end.
"""
import os, re, signal, socket, subprocess, sys, tempfile, time

SRC = os.path.abspath(os.environ.get("HUB_SRC_DIR", ".."))
BIN = os.path.abspath(os.environ.get("HUB_BIN_DIR", "."))
RUN_TAGS = ("sh", "bash")
TIMEOUT = 60            # seconds for one page's blocks
MARKER = re.compile(r"^\s*<!-- docs-test: (.*?) -->\s*$")
FENCE = re.compile(r"^(\s*)```\s*([\w+-]*)\s*$")


class Block:
    def __init__(self, line, tag, lines, marker):
        self.line = line        # the fence's line number (1-based)
        self.tag = tag
        self.lines = lines
        self.marker = marker    # the docs-test marker's text, or None
        self.marker_line = 0


def s_blocks(path):
    """The page's fenced blocks, each with the docs-test marker right before it."""
    blocks, marker, marker_line = [], None, 0
    text = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(text):
        m = MARKER.match(text[i])
        if m:
            marker, marker_line = m.group(1), i + 1
            i += 1
            continue
        f = FENCE.match(text[i])
        if f:
            indent, start, body = len(f.group(1)), i + 1, []
            i += 1
            while i < len(text) and not re.match(r"^\s*```\s*$", text[i]):
                body.append(text[i][indent:] if text[i][:indent].isspace() else text[i])
                i += 1
            b = Block(start, f.group(2), body, marker)
            b.marker_line = marker_line
            blocks.append(b)
            marker = None
        elif text[i].strip() and not text[i].lstrip().startswith("<!--"):
            marker = None           # a marker holds for the very next block only
        i += 1
    return blocks


def s_tests_known():
    names = set()
    tests = os.path.join(SRC, "tests")
    for name in os.listdir(tests):
        if name.endswith(".cmake"):
            text = open(os.path.join(tests, name)).read()
            names |= set(re.findall(r"(?:add_test\(NAME|hub_test\()\s*(\w+)", text))
    return names


def s_plan(page, blocks):
    """(block, action, argument) for each block; exits 1 on a bad marker."""
    plan, errors, known = [], [], None
    for b in blocks:
        runs = b.tag in RUN_TAGS
        where = "%s:%d" % (page, b.marker_line)
        if b.marker is None:
            plan.append((b, "run" if runs else "text", None))
            continue
        if not runs:
            errors.append("%s: a docs-test marker on a ```%s block, which is not run" % (where, b.tag))
            continue
        m = re.fullmatch(r"skip \((.+)\)|by (\w+)(?: \(.*\))?|exit (\d+)(?: \(.*\))?", b.marker)
        if not m:
            errors.append("%s: '%s' is no marker: skip (REASON), by TEST or exit N" % (where, b.marker))
        elif m.group(1):
            plan.append((b, "skip", m.group(1)))
        elif m.group(2):
            known = known or s_tests_known()
            if m.group(2) not in known:
                errors.append("%s: 'by %s': no such test in tests/*.cmake" % (where, m.group(2)))
            plan.append((b, "by", m.group(2)))
        else:
            plan.append((b, "exit", int(m.group(3))))
    for e in errors:
        print("FAIL:", e)
    if errors:
        sys.exit(1)
    return plan


def s_tree(tmp):
    """The temp dir laid out as the source tree, build being the tree under test."""
    for name in os.listdir(SRC):
        if name.startswith(("build", "var", ".git")):
            continue
        os.symlink(os.path.join(SRC, name), os.path.join(tmp, name))
    os.symlink(BIN, os.path.join(tmp, "build"))
    os.makedirs(os.path.join(tmp, "home"))
    os.makedirs(os.path.join(tmp, "var"))


def s_broker(tmp):
    """A broker as make run starts it, on free ports; (process, endpoints)."""
    store = os.path.join(tmp, "var", "cyclehub")
    os.makedirs(store, mode=0o700)
    endpoints = os.path.join(tmp, "endpoints")
    log = open(os.path.join(tmp, "broker.log"), "w")
    proc = subprocess.Popen(
        [os.path.join(BIN, "broker", "cyclehubd"), "--config", "docs/cyclehubd.cfg.example",
         "--store", "var/cyclehub", "--api", "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*",
         "--http", "127.0.0.1:0", "--endpoints-file", endpoints],
        cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(400):
        if os.path.exists(endpoints) or proc.poll() is not None:
            break
        time.sleep(0.05)
    if not os.path.exists(endpoints):
        proc.kill()
        print("FAIL: the test broker did not start:\n" + open(log.name).read())
        sys.exit(1)
    api, events, http, token = open(endpoints).read().split("\n")[:4]
    return proc, {"api": api, "events": events, "http": http, "token": token}


def s_rewrite(line, ep):
    port = lambda url: url.rsplit(":", 1)[1].rstrip("/")
    loopback = r"(?<=(?:127\.0\.0\.1|localhost):)"
    line = re.sub(loopback + r"7400\b", port(ep["api"]), line)
    line = re.sub(loopback + r"7401\b", port(ep["events"]), line)
    line = re.sub(loopback + r"7480\b", port(ep["http"]), line)
    return line.replace("chub_...", ep["token"])


def s_script(page, plan, ep):
    """The bash script of the page's runnable blocks, and each script line's doc line."""
    out, where = [], []
    def emit(text, doc_line=0):
        out.append(text)
        where.append(doc_line)
    trap = ('trap \'__rc=$?; printf "%s %s %s\\n" "$LINENO" "$__rc" "$BASH_COMMAND" '
            '>>"$DOCS_FAILED"\' ERR')
    emit("set -eE")
    emit(trap)
    for b, action, arg in plan:
        if action not in ("run", "exit"):
            continue
        emit('echo "==> %s:%d" >&2; echo %d >"$DOCS_BLOCK"' % (page, b.line, b.line))
        lines = [s_rewrite(l, ep) for l in b.lines]
        if action == "run":
            for i, l in enumerate(lines):
                emit(l, b.line + 1 + i)
        else:
            emit("set +e; trap - ERR; ( set -e", b.line)
            for i, l in enumerate(lines):
                emit(l, b.line + 1 + i)
            emit(")", b.line)
            emit("__rc=$?; set -e; " + trap, b.line)
            emit('if [ $__rc -ne %d ]; then echo "$LINENO $__rc (the block '
                 'should exit %d)" >>"$DOCS_FAILED"; exit 1; fi' % (arg, arg), b.line)
    emit("exit 0")
    return "\n".join(out) + "\n", where


def s_main(argv):
    listing = argv[1:2] == ["--list"]
    rel = argv[-1]
    page = os.path.join(SRC, rel)
    plan = s_plan(rel, s_blocks(page))
    runs = [p for p in plan if p[1] in ("run", "exit")]
    for b, action, arg in plan:
        if action != "text" and (listing or action in ("skip", "by")):
            print("%s:%d %s%s" % (rel, b.line, action, " " + str(arg) if arg is not None else ""))
    if listing or not runs:
        print("%s: %d blocks to run" % (rel, len(runs)))
        return 0
    with tempfile.TemporaryDirectory(prefix="cyclehub-docs-") as tmp:
        s_tree(tmp)
        broker, ep = s_broker(tmp)
        script, where = s_script(rel, plan, ep)
        failed, block = os.path.join(tmp, "failed"), os.path.join(tmp, "block")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("CYCLEHUB_") and k != "XDG_CONFIG_HOME"}
        env.update(HOME=os.path.join(tmp, "home"), CYCLEHUB_API=ep["api"],
                   CYCLEHUB_EVENTS=ep["events"], DOCS_FAILED=failed, DOCS_BLOCK=block,
                   PATH="%s/build/clients:%s/build/broker:%s" % (tmp, tmp, os.environ["PATH"]))
        # Output to a file: a job left in the background keeps a pipe open
        with open(os.path.join(tmp, "output"), "w") as out:
            proc = subprocess.Popen(["bash", "-c", script], cwd=tmp, env=env,
                                    stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            rc = None
        output = open(os.path.join(tmp, "output"), errors="replace").read()
        try:
            os.killpg(proc.pid, signal.SIGTERM)     # background jobs the blocks left
        except ProcessLookupError:
            pass
        broker.terminate()
        broker_rc = broker.wait(timeout=30)
        sys.stdout.write(output[-6000:] if rc != 0 else "")
        if rc is None:
            line = open(block).read().strip() if os.path.exists(block) else "?"
            print("FAIL: %s:%s: the block did not end within %d s" % (rel, line, TIMEOUT))
            return 1
        if rc != 0:
            what = open(failed).read().strip().split("\n")[0] if os.path.exists(failed) else ""
            if what:
                n, status, command = (what.split(" ", 2) + ["", ""])[:3]
                n = int(n)
                doc_line = where[n - 1] if 0 < n <= len(where) and where[n - 1] else n
                print("FAIL: %s:%s: exit %s: %s" % (rel, doc_line, status, command))
            else:
                print("FAIL: %s: the blocks exited %d" % (rel, rc))
            return 1
        if broker_rc != 0:
            print("FAIL: the test broker exited %d on SIGTERM:\n%s" % (
                broker_rc, open(os.path.join(tmp, "broker.log")).read()[-3000:]))
            return 1
    print("%s: %d blocks ran as written" % (rel, len(runs)))
    return 0


if __name__ == "__main__":
    sys.exit(s_main(sys.argv))
