#!/usr/bin/python3
"""test_dash_live: the dashboard of a LIVE broker in a real browser.

A real cyclehubd (--plain, --http on loopback, free ports, a temporary
store) holds the cycle of tests/data/cycle, published by the real CLI with
the broker's clock set as cycle.txt says. Debian's headless chromium is
then driven over the DevTools protocol on --remote-debugging-pipe (fds 3
and 4, NUL-terminated JSON), the way a person would use the pages:

  - a commission's page asked without a session lands on /signin;
  - the sign-in form is filled with the development token and submitted:
    the browser holds the HttpOnly SameSite=Strict cookie, the script
    cannot read it, and the token is in no URL the browser ever asked for;
  - the commissions, a commission and the hub pages render what the store
    holds (stage tags, timeline marks, the KPI chart, consultations,
    procurements, the hub's figures);
  - a partner.update published over HTTP appears in the open commission
    page's latest events without a reload (bounded wait, 10 s).

With HUB_DASH_SCREENSHOTS=DIR it saves dashboard-commissions.png,
dashboard-commission.png and dashboard-hub.png there (docs/img/) from the
live pages. Without chromium it prints why and exits 77 (ctest: skipped).
Python 3 standard library only."""
import base64, calendar, fcntl, json, os, select, shutil, signal, subprocess, sys
import tempfile, time, urllib.error, urllib.request

SRC = os.environ.get("HUB_SRC_DIR", "..")
BUILD = os.environ.get("HUB_BIN_DIR", ".")
OCID = "ocds-h6vhtk-056931"
failed = 0


def check(ok, what):
    global failed
    if not ok:
        failed += 1
        print("FAIL:", what, flush=True)
    return ok


# ---------------------------------------------------------------- the broker

class Broker:
    """cyclehubd --plain --http on a store kept across restarts."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.store = os.path.join(tmp, "store")
        self.endpoints = os.path.join(tmp, "endpoints")
        self.log = open(os.path.join(tmp, "broker.log"), "a+")
        self.proc = None

    def start(self, offset_s=None):
        if os.path.exists(self.endpoints):
            os.unlink(self.endpoints)
        argv = [os.path.join(BUILD, "broker/cyclehubd"), "--plain", "--store", self.store,
                "--api", "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*",
                "--http", "127.0.0.1:0", "--endpoints-file", self.endpoints]
        if offset_s is not None:
            argv += ["--clock-offset", "%+ds" % offset_s]
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if os.path.exists(self.endpoints):
                lines = open(self.endpoints).read().split()
                if len(lines) >= 4:
                    self.api, self.events, self.url, self.token = lines[:4]
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.log.seek(0)
        sys.exit("cyclehubd did not start; log:\n" + self.log.read())

    def stop(self):
        """SIGTERM; the broker must exit 0 (under ASan: nothing reported)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        check(rc == 0, "cyclehubd exited %s on SIGTERM" % rc)
        self.proc = None

    def cli(self, agency, *args, input=None):
        argv = [os.path.join(BUILD, "clients/cyclehub"), "--api", self.api, "--events",
                self.events, "--agency", agency] + list(args)
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, input=input)

    def http(self, method, path, body=None, headers=None):
        """(status, headers, body bytes) of a request with the development token."""
        req = urllib.request.Request(self.url + path, method=method, data=body)
        req.add_header("Authorization", "Bearer " + self.token)
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()


def as_line(folder, name, kind):
    """A message file of the cycle as a line of `cyclehub publish --lines`."""
    message = json.load(open(os.path.join(folder, name)))
    line = {"type": kind, "commissionId": message.get("commissionId", OCID)}
    if "commissionId" not in message:
        line["body"] = message
        return json.dumps(line)
    if "msgId" in message:
        line["msgId"] = message["msgId"]
    line["body"] = [v for k, v in message.items() if k not in ("commissionId", "msgId", "sentAt")][0]
    return json.dumps(line)


def publish_cycle(broker):
    """tests/data/cycle as cycle.txt says, the broker's clock moved by
    restarts; each run of messages from one agency in one CLI call."""
    folder = os.path.join(SRC, "tests/data/cycle")
    runs = []           # [agency, [lines]] or ["@clock", seconds]
    for line in open(os.path.join(folder, "cycle.txt")):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "@clock":
            when = calendar.timegm(time.strptime(words[1], "%Y-%m-%dT%H:%M:%SZ"))
            runs.append(["@clock", int(when - time.time())])
        elif runs and runs[-1][0] == words[2]:
            runs[-1][1].append(as_line(folder, words[0], words[1]))
        else:
            runs.append([words[2], [as_line(folder, words[0], words[1])]])
    published = 0
    for agency, what in runs:
        if agency == "@clock":
            if broker.proc:
                broker.stop()
            broker.start(what)
            continue
        r = broker.cli(agency, "publish", "--lines", "-", input="\n".join(what) + "\n")
        if not check(r.returncode == 0 and r.stdout.count(" seq ") == len(what),
                     "publish as %s: %s %s" % (agency, r.stdout, r.stderr.strip())):
            sys.exit(1)
        published += len(what)
    return published


# ---------------------------------------------------------------- the browser

class Browser:
    """Headless chromium driven over --remote-debugging-pipe: the browser
    reads NUL-terminated JSON commands on fd 3 and writes its answers and
    events on fd 4. One page target, attached in flat mode."""

    def __init__(self, profile):
        to_browser, self.cmd_w = os.pipe()
        self.out_r, from_browser = os.pipe()
        # Above 10, so that moving them to 3 and 4 cannot clobber either
        low = [to_browser, from_browser]
        to_browser, from_browser = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in low]
        for fd in low:
            os.close(fd)

        def pipes_at_3_and_4():
            # dup2 leaves the copies inheritable; every other descriptor
            # Python made is close-on-exec (PEP 446)
            os.dup2(to_browser, 3)
            os.dup2(from_browser, 4)

        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                 "--force-device-scale-factor=1", "--remote-debugging-pipe",
                 "--user-data-dir=" + profile, "about:blank"]
        self.proc = subprocess.Popen(["chromium"] + flags, preexec_fn=pipes_at_3_and_4,
                                     close_fds=False, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser)
        os.close(from_browser)
        self.buffer = b""
        self.events = []
        self.next_id = 0
        self.session = None
        self.urls = []          # every URL the page asked for (Network.requestWillBeSent)
        target = self.send("Target.createTarget", {"url": "about:blank"}, browser=True)
        self.session = self.send("Target.attachToTarget", {"targetId": target["targetId"],
                                                          "flatten": True}, browser=True)["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            self.send(domain + ".enable")

    def _read(self, timeout):
        """Reads what the browser wrote within timeout; parses whole messages."""
        ready, _, _ = select.select([self.out_r], [], [], max(timeout, 0))
        if not ready:
            return
        chunk = os.read(self.out_r, 1 << 20)
        if not chunk:
            raise RuntimeError("chromium closed its DevTools pipe")
        self.buffer += chunk
        while b"\0" in self.buffer:
            raw, self.buffer = self.buffer.split(b"\0", 1)
            message = json.loads(raw)
            if message.get("method") == "Network.requestWillBeSent":
                self.urls.append(message["params"]["request"]["url"])
            self.events.append(message)

    def send(self, method, params=None, browser=False, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if not browser:
            message["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.events:
                if m.get("id") == self.next_id:
                    self.events.remove(m)
                    if "error" in m:
                        raise RuntimeError("%s: %s" % (method, m["error"]))
                    return m.get("result", {})
            self._read(deadline - time.monotonic())
        raise RuntimeError("%s: no answer in %d s" % (method, timeout))

    def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.events:
                if m.get("method") == method:
                    self.events.remove(m)
                    return m["params"]
            self._read(deadline - time.monotonic())
        raise RuntimeError("no %s in %d s" % (method, timeout))

    def loaded(self, action):
        """Runs action (a navigation) and waits until the page has loaded."""
        self.events = [m for m in self.events if m.get("method") != "Page.loadEventFired"]
        action()
        self.wait_event("Page.loadEventFired")

    def go(self, url):
        self.loaded(lambda: self.send("Page.navigate", {"url": url}))

    def js(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError("%s: %s" % (expression, result["exceptionDetails"]))
        return result["result"].get("value")

    def count(self, selector):
        return self.js("document.querySelectorAll(%s).length" % json.dumps(selector))

    def text(self, selector):
        return self.js("(function(e){return e?e.textContent:null})(document.querySelector(%s))"
                       % json.dumps(selector))

    def wait_for(self, expression, timeout=10):
        """Polls expression until it is truthy; its value, or None at the timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            self._read(0.1)
        return None

    def screenshot(self, path):
        """The whole page, 1280 CSS pixels wide."""
        self.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800,
                                                         "deviceScaleFactor": 1, "mobile": False})
        height = int(self.js("document.documentElement.scrollHeight"))
        self.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": height,
                                                         "deviceScaleFactor": 1, "mobile": False})
        shot = self.send("Page.captureScreenshot", {"format": "png"})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        self.send("Emulation.clearDeviceMetricsOverride")

    def close(self):
        try:
            self.send("Browser.close", browser=True, timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.cmd_w)
        os.close(self.out_r)


# ---------------------------------------------------------------- the checks

def check_signin(browser, broker):
    # No session: the page sends the viewer to the sign-in
    browser.go(broker.url + "/commissions/" + OCID)
    check(browser.js("location.pathname") == "/signin",
          "without a session /commissions/ID went to %s" % browser.js("location.href"))
    check(browser.count("input#token[type=password]") == 1, "the sign-in form has no token field")
    # A wrong token: the form says so, and no cookie is set
    browser.loaded(lambda: browser.js(
        "document.getElementById('token').value='chub_000000000000_wrong';"
        "document.querySelector('form').submit()"))
    check("There is a problem" in (browser.text(".hub-error-summary") or ""),
          "a wrong token gave no error summary")
    # The development token, filled in and submitted as a person would
    browser.loaded(lambda: browser.js(
        "document.getElementById('token').value=%s;document.querySelector('form').submit()"
        % json.dumps(broker.token)))
    check(browser.js("location.pathname") == "/", "signed in, the browser is at %s"
          % browser.js("location.href"))
    cookies = [c for c in browser.send("Network.getCookies", {"urls": [broker.url + "/"]})["cookies"]
               if c["name"] == "chub_session"]
    check(len(cookies) == 1 and cookies[0]["value"] == broker.token, "no session cookie")
    if cookies:
        c = cookies[0]
        check(c["httpOnly"] and c.get("sameSite") == "Strict" and c["path"] == "/",
              "the cookie is not HttpOnly SameSite=Strict Path=/: %s" % c)
    check("chub_session" not in browser.js("document.cookie"), "the script can read the cookie")


def check_commissions(browser, broker):
    browser.go(broker.url + "/")
    check(browser.count("table tbody tr") >= 1, "the commissions page lists no commission")
    link = browser.js("(function(a){return a?a.getAttribute('href'):null})"
                      "(document.querySelector('a[href^=\"/commissions/\"]'))")
    check(link == "/commissions/" + OCID, "the list's link is %s" % link)
    check(browser.count('strong[data-stage="analyse"]') >= 1, "no Analyse stage tag on the list")
    check(browser.wait_for("document.getElementById('hub-live').className.indexOf('hub-live--on')>=0"),
          "the list page's live updates did not connect: %s" % browser.text("#hub-live"))


def check_commission(browser, broker, events):
    browser.go(broker.url + "/commissions/" + OCID)
    check(browser.js("document.querySelector('h1').textContent").strip() != "",
          "the commission page has no heading")
    check(browser.count('strong[data-stage="analyse"]') >= 1, "no Analyse stage tag")
    marks = browser.count("svg g.hub-mark")
    check(marks == events, "%d timeline marks for %d events" % (marks, events))
    check(browser.count("svg g.hub-band") >= 4, "the timeline has under 4 stage bands")
    check(browser.count(".hub-boundary--cycle") >= 1, "no recommissioning boundary")
    page = browser.js("document.body.innerText")
    points = browser.count("svg g.hub-kpi__point")
    check(points >= 1, "no KPI point in a chart")
    check(browser.count("svg g.hub-kpi__point[data-rating]") == points,
          "a KPI point without its red/amber/green rating")
    for words in ("Consultations", "Procurements", "Contracts", "Latest events",
                  "Outcome published"):
        check(words in page, "the commission page never says %r" % words)
    check(browser.count("#hub-events li") >= 1, "no latest events")
    check("A Resident" not in page and "resident@example" not in page,
          "personal data on the commission page")
    check(browser.wait_for("document.getElementById('hub-live').className.indexOf('hub-live--on')>=0"),
          "the commission page's live updates did not connect: %s" % browser.text("#hub-live"))


def check_live(browser, broker):
    """A publish over HTTP reaches the open page without a reload."""
    before = browser.js("performance.timeOrigin")
    body = json.dumps({"title": "Clinic capacity update", "body": "Two more sessions a week"})
    status, _, answer = broker.http(
        "POST", "/v1/messages/partner.update?commission=" + OCID, body.encode(),
        {"Idempotency-Key": "live-test-1", "Content-Type": "application/json"})
    check(status == 201, "the live publish answered %s %s" % (status, answer[:300]))
    seq = json.loads(answer)["seq"] if status == 201 else 0
    selector = '#hub-events li[data-seq="%s"][data-type="partner.update"]' % seq
    added = browser.wait_for("document.querySelector(%s)!==null" % json.dumps(selector), 10)
    check(added, "event %s did not appear on the open page within 10 s" % seq)
    check(browser.js("document.querySelector('#hub-events li').getAttribute('data-seq')") == str(seq),
          "the live event is not at the top of the latest events")
    check(browser.js("performance.timeOrigin") == before, "the page was reloaded")
    check("1 new event" in (browser.text("#hub-live") or ""),
          "the status line does not count the live event: %s" % browser.text("#hub-live"))


def status(broker):
    code, _, body = broker.http("GET", "/v1/status")
    check(code == 200, "GET /v1/status answered %s" % code)
    return json.loads(body)


def check_status(broker):
    """The hub's headroom, subscribers and last commit, in /v1/status."""
    st = status(broker)
    check(st.get("storeMaxBytes") == str(16384 << 20), "storeMaxBytes is %s, not --map-max's "
          "default" % st.get("storeMaxBytes"))
    code, _, body = broker.http("GET", "/v1/history?after_seq=%d&limit=1" % (int(st["lastSeq"]) - 1))
    last = json.loads(body)["events"][0]["recordedAt"]
    check(st.get("lastCommit", "") >= last, "lastCommit %s is before the last event, %s"
          % (st.get("lastCommit"), last))
    # The open commission page's event stream is one subscriber; a ZeroMQ
    # subscriber is one more while it is connected
    streams = int(st.get("subscribers", "0"))
    check(streams >= 1, "the open page's event stream is not counted: %s" % streams)
    sub = subprocess.Popen([os.path.join(BUILD, "clients/cyclehub"), "--api", broker.api,
                            "--events", broker.events, "--agency", "GB-NHS-RWE", "subscribe",
                            "--from", "1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        sub.stdout.readline()   # it prints history once it has subscribed
        more = [int(status(broker)["subscribers"])]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and more[-1] < streams + 1:
            time.sleep(0.1)     # the subscription reaches the broker's guard on its own socket
            more.append(int(status(broker)["subscribers"]))
        check(more[-1] >= streams + 1, "a ZeroMQ subscriber is not counted: %s" % more[-5:])
    finally:
        sub.terminate()
        sub.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and more[-1] > streams:
        time.sleep(0.1)
        more.append(int(status(broker)["subscribers"]))
    check(more[-1] <= streams, "the subscriber that left is still counted: %s" % more[-5:])


def check_hub(browser, broker):
    browser.go(broker.url + "/hub")
    check(browser.text("h1") == "Hub status", "the hub page's heading is %s" % browser.text("h1"))
    st = status(broker)
    page = browser.text("#hub-status") or ""
    check(("%s (the last event" % st["lastSeq"]) in page, "the hub page's event count")
    for words in ("Store size", "kB of 17.2 GB", "Headroom", "Connected subscribers",
                  "Last commit", "5 October 2026"):
        check(words in page, "the hub page lacks %r: %s" % (words, page))
    check(browser.count('#hub-stages strong[data-stage="analyse"]') == 1, "no commissions per stage")
    check(browser.js("document.querySelector('#hub-stages tbody tr td:last-child').textContent")
          == "1", "the hub page does not count the commission in analyse")
    # The pages left behind closed their streams: only this page's is counted
    browser.wait_for("document.getElementById('hub-live').className.indexOf('hub-live--on')>=0")
    counts = [status(broker).get("subscribers")]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and counts[-1] != "1":
        time.sleep(0.1)
        counts.append(status(broker).get("subscribers"))
    check(counts[-1] == "1", "the streams of pages left are still counted: %s" % counts[-5:])


def main():
    if not shutil.which("chromium"):
        print("SKIP: chromium is not installed (scripts/deps.sh installs Debian's chromium)")
        return 77
    tmp = tempfile.mkdtemp(prefix="cyclehub-dash-live-")
    broker = Broker(tmp)
    browser = None
    try:
        events = publish_cycle(broker)
        browser = Browser(os.path.join(tmp, "profile"))
        check_signin(browser, broker)
        check_commissions(browser, broker)
        check_commission(browser, broker, events)
        check_live(browser, broker)
        check_status(broker)
        check_hub(browser, broker)
        check(not [u for u in browser.urls if broker.token in u], "the token was in a URL")
        check(len(browser.urls) >= 6, "the browser asked for %d URLs" % len(browser.urls))
        shots = os.environ.get("HUB_DASH_SCREENSHOTS")
        if shots:
            for name, path in (("commissions", "/"), ("commission", "/commissions/" + OCID),
                               ("hub", "/hub")):
                browser.go(broker.url + path)
                browser.wait_for("document.getElementById('hub-live').className.indexOf('hub-live--on')>=0")
                browser.screenshot(os.path.join(shots, "dashboard-%s.png" % name))
    finally:
        if browser:
            browser.close()
        if broker.proc:
            broker.stop()
        if failed:
            broker.log.seek(0)
            print(broker.log.read()[-4000:])
        shutil.rmtree(tmp, ignore_errors=True)
    print("%s: %d failed" % ("FAIL" if failed else "OK", failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
