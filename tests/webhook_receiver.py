#!/usr/bin/python3
"""A scriptable webhook receiver for the relay tests (tests/test_relay.c).

Listens on a free loopback port, writes the port to --port-file (and stdout),
verifies every request's Cyclehub-Signature with the shared secret, and
appends one JSON line per request to --log:
  {"n": 1, "seq": "3", "type": "tender.published", "status": 200,
   "verified": true, "reason": "", "body": "<the body as text>"}
Script: --fail-first N answers --fail-status (default 500) to the first N
verified requests (with Retry-After when --retry-after is given), --reject-seq
SEQ answers 400 to every request for that seq (repeatable), --sleep-ms
delays every answer, --path PATH answers 404 to a request for any other
path. A request that fails verification gets 401.
Standard library only (Debian's python3).
"""
import argparse, hashlib, hmac, http.server, json, os, sys, time


def verify(secret, headers, body, max_skew=300, now=None):
    """Returns "" if the request is authentic and fresh, else why not."""
    timestamp = headers.get("Cyclehub-Timestamp", "")
    signature = headers.get("Cyclehub-Signature", "")
    if not timestamp.isdigit():
        return "no timestamp"
    if abs((now or time.time()) - int(timestamp)) > max_skew:
        return "stale timestamp"
    expected = "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "bad signature"
    return ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--fail-status", type=int, default=500)
    parser.add_argument("--retry-after", type=int, default=0)
    parser.add_argument("--reject-seq", action="append", default=[])
    parser.add_argument("--sleep-ms", type=int, default=0)
    parser.add_argument("--path")
    args = parser.parse_args()
    secret = open(args.secret_file, "rb").read().rstrip(b"\r\n")
    state = {"n": 0, "verified": 0}
    log = open(args.log, "a", buffering=1)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"       # keep-alive, as the relay reuses its connection

        def log_message(self, *unused):
            pass

        def answer(self, status, text, retry_after=0):
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            if retry_after:
                self.send_header("Retry-After", str(retry_after))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state["n"] += 1
            reason = verify(secret, self.headers, body)
            seq = self.headers.get("Cyclehub-Seq", "")
            if args.sleep_ms:
                time.sleep(args.sleep_ms / 1000)
            if args.path and self.path != args.path:
                status, text, after = 404, "no endpoint " + self.path, 0
            elif reason:
                status, text, after = 401, "signature check failed: " + reason, 0
            else:
                state["verified"] += 1
                if state["verified"] <= args.fail_first:
                    status, text, after = args.fail_status, "try later", args.retry_after
                elif seq in args.reject_seq:
                    status, text, after = 400, "seq " + seq + " is not wanted here", 0
                else:
                    status, text, after = 200, "ok", 0
            line = {"n": state["n"], "seq": seq, "type": self.headers.get("Cyclehub-Type", ""),
                    "contentType": self.headers.get("Content-Type", ""),
                    "status": status, "verified": not reason, "reason": reason,
                    "body": body.decode("utf-8", "replace")}
            log.write(json.dumps(line) + "\n")
            self.answer(status, text, after)

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)
    print(port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
