#!/usr/bin/python3
"""test_http_unavailable: a broker shutting down answers 503 with
Retry-After (application/problem+json, code UNAVAILABLE), and the advice
it gives (retry with the same Idempotency-Key) holds.

Made deterministic by holding the store's LMDB write lock from this process
(liblmdb through ctypes: mdb_txn_begin of a write transaction), so the
broker's writer cannot commit. Then, with a keep-alive connection and an
event stream open:
  - a publish is sent: it waits for its commit, which cannot happen;
  - SIGTERM: the broker stops taking requests and waits to flush the batch;
  - the waiting publish is answered 503 (retry with the same key), a new
    request on the keep-alive connection 503, a stream resuming with
    Last-Event-ID 503; the open stream ends;
  - the lock is released: the broker commits, answers nothing more, exits 0;
  - restarted, the publish retried with the same key is stored once.

Overload (the broker not answering within the HTTP front end's reply
timeout, 30 s, not a flag) is the same 503 path after a longer wait, and is
not exercised here: it would add 30 s to the suite."""
import ctypes, http.client, json, os, re, shutil, signal, subprocess, sys, tempfile
import threading, time

BUILD = os.environ.get("HUB_BIN_DIR", ".")
OCID = "ocds-h6vhtk-056931"
failed = 0


def check(ok, what):
    global failed
    if not ok:
        failed += 1
        print("FAIL:", what, flush=True)
    return ok


class WriteLock:
    """A write transaction on the store's LMDB environment, from this process."""
    MDB_NOTLS = 0x200000

    def __init__(self, store):
        self.store = store
        self.lib = ctypes.CDLL("liblmdb.so.0")
        self.lib.mdb_strerror.restype = ctypes.c_char_p
        self.env, self.txn = ctypes.c_void_p(), ctypes.c_void_p()
        self._ok(self.lib.mdb_env_create(ctypes.byref(self.env)), "mdb_env_create")
        self._ok(self.lib.mdb_env_set_maxdbs(self.env, 64), "mdb_env_set_maxdbs")
        self._ok(self.lib.mdb_env_open(self.env, store.encode(), self.MDB_NOTLS, 0o600),
                 "mdb_env_open")

    def _ok(self, rc, what):
        if rc:
            raise RuntimeError("%s: %s" % (what, self.lib.mdb_strerror(rc).decode()))

    def take(self):
        self._ok(self.lib.mdb_txn_begin(self.env, None, 0, ctypes.byref(self.txn)), "mdb_txn_begin")

    def waited_on(self):
        """True once another thread waits for the lock. The writer mutex is
        a robust pthread mutex at offset 64 of lock.mdb (LMDB 0.9's
        MDB_txninfo: a cache line of reader-table header, then mt2_wmutex);
        glibc keeps the owner's thread id in its first word and sets bit 31
        (FUTEX_WAITERS) while a thread sleeps on it. None if the layout is
        not that (the owner is not this thread)."""
        with open(os.path.join(self.store, "lock.mdb"), "rb") as f:
            word = int.from_bytes(os.pread(f.fileno(), 4, 64), sys.byteorder)
        if word & 0x3fffffff != threading.get_native_id():
            return None
        return bool(word & 0x80000000)

    def release(self):
        self.lib.mdb_txn_abort(self.txn)
        self.lib.mdb_env_close(self.env)


class Broker:
    def __init__(self, tmp):
        self.store = os.path.join(tmp, "store")
        self.endpoints = os.path.join(tmp, "endpoints")
        self.log = open(os.path.join(tmp, "broker.log"), "a+")

    def start(self):
        if os.path.exists(self.endpoints):
            os.unlink(self.endpoints)
        self.proc = subprocess.Popen(
            [os.path.join(BUILD, "broker/cyclehubd"), "--plain", "--store", self.store,
             "--api", "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*",
             "--http", "127.0.0.1:0", "--endpoints-file", self.endpoints],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            if os.path.exists(self.endpoints):
                words = open(self.endpoints).read().split()
                if len(words) >= 4:
                    url, self.token = words[2], words[3]
                    self.host, self.port = re.match(r"http://([^:]+):(\d+)", url).groups()
                    return
            time.sleep(0.05)
        self.log.seek(0)
        sys.exit("cyclehubd did not start; log:\n" + self.log.read())

    def connect(self):
        return http.client.HTTPConnection(self.host, int(self.port), timeout=60)

    def headers(self, more=None):
        h = {"Authorization": "Bearer " + self.token}
        h.update(more or {})
        return h

    def ask(self, conn, method, path, body=None, more=None):
        conn.request(method, path, body=body, headers=self.headers(more))
        r = conn.getresponse()
        return r.status, r, r.read()

    def logged(self, words, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.log.seek(0)
            if words in self.log.read():
                return True
            time.sleep(0.05)
        return False


def check_unavailable(status, response, body, what):
    check(status == 503, "%s: %s, not 503: %s" % (what, status, body[:200]))
    if status != 503:
        return
    check(response.getheader("Content-Type", "").startswith("application/problem+json"),
          "%s: not a problem+json" % what)
    check((response.getheader("Retry-After") or "").isdigit(), "%s: no Retry-After" % what)
    problem = json.loads(body)
    check(problem.get("code") == "UNAVAILABLE" and problem.get("status") == 503,
          "%s: the problem is %s" % (what, problem))
    check("shutting down" in problem.get("detail", ""), "%s: the detail is %s" % (what, problem))


SRC = os.environ.get("HUB_SRC_DIR", "..")
OPENED = open(os.path.join(SRC, "tests/data/cycle/01-commission-opened.json"), "rb").read()
UPDATE = json.dumps({"title": "Clinic capacity update"}).encode()
PUBLISH = "/v1/messages/partner.update?commission=" + OCID


def main():
    tmp = tempfile.mkdtemp(prefix="cyclehub-unavailable-")
    broker = Broker(tmp)
    broker.start()
    try:
        keep = broker.connect()
        status, _, body = broker.ask(keep, "POST", "/v1/messages/commission.opened", OPENED,
                                     {"Idempotency-Key": "tower-hamlets-falls-001"})
        if not check(status == 201, "commission.opened: %s %s" % (status, body[:300])):
            return 1
        stream = broker.connect()
        stream.request("GET", "/v1/events?after_seq=0", headers=broker.headers())
        events = stream.getresponse()
        check(events.status == 200, "GET /v1/events: %s" % events.status)
        check(b"id: 1" in b"".join(events.readline() for _ in range(4)),
              "the stream did not start with event 1")

        lock = WriteLock(broker.store)
        lock.take()
        # A publish that waits for a commit that cannot happen yet
        answer = {}

        def publish():
            c = broker.connect()
            answer["r"] = broker.ask(c, "POST", PUBLISH, UPDATE, {"Idempotency-Key": "update-1"})
        waiting = threading.Thread(target=publish)
        waiting.start()
        # SIGTERM once the broker's writer waits to commit it, so that the
        # broker's flush cannot end before the lock is released
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not lock.waited_on():
            if lock.waited_on() is None:
                print("SKIP: this LMDB's lock file is not laid out as the test reads it")
                return 77
            time.sleep(0.01)
        check(lock.waited_on(), "the broker's writer never waited for the store's lock")
        broker.proc.send_signal(signal.SIGTERM)
        check(broker.logged("cyclehubd: shutdown reason="), "SIGTERM was not taken")

        check_unavailable(*broker.ask(keep, "GET", "/v1/status"), "a keep-alive request")
        resume = broker.connect()
        check_unavailable(*broker.ask(resume, "GET", "/v1/events", None, {"Last-Event-ID": "1"}),
                          "a stream resuming")
        waiting.join(60)
        check(not waiting.is_alive() and "r" in answer, "the waiting publish got no answer")
        if "r" in answer:
            check_unavailable(*answer["r"], "the waiting publish")
            check(b"Idempotency-Key" in answer["r"][2], "the 503 does not say to retry with the key")
        # The open stream ends (the client reconnects with Last-Event-ID)
        rest = events.read()
        check(b"event: partner.update" not in rest, "the stream sent an event not yet committed")

        lock.release()
        check(broker.proc.wait(60) == 0, "cyclehubd did not exit 0 after its flush")

        # The advice holds: the same key again is stored once
        broker.start()
        again = broker.connect()
        status, _, body = broker.ask(again, "POST", PUBLISH, UPDATE, {"Idempotency-Key": "update-1"})
        check(status == 201, "the retry: %s %s" % (status, body[:300]))
        status, _, body = broker.ask(again, "GET", "/v1/history?type=partner.update")
        check(status == 200 and len(json.loads(body)["events"]) == 1,
              "partner.update stored %s times" % (len(json.loads(body)["events"])
                                                  if status == 200 else "?"))
        broker.proc.send_signal(signal.SIGTERM)
        check(broker.proc.wait(60) == 0, "cyclehubd did not exit 0")
    finally:
        if broker.proc.poll() is None:
            broker.proc.kill()
            broker.proc.wait()
        if failed:
            broker.log.seek(0)
            print(broker.log.read()[-4000:])
        shutil.rmtree(tmp, ignore_errors=True)
    print("%s: %d failed" % ("FAIL" if failed else "OK", failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
