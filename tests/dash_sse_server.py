#!/usr/bin/env python3
"""Serves the dashboard's pages from a directory to the browser test, and a
stand-in for the hub's GET /v1/events (Server-Sent Events, as docs/http.md
describes them: id = seq, event = type, data = the Event's JSON) that sends
one event of the page's commission and one of another commission, so the
test sees the page's script add the first and ignore the second.

usage: dash_sse_server.py DIR [CSP]   (prints the port it listens on, then
serves on 127.0.0.1 until killed; CSP, if given, is sent with every page, so
the test proves the pages' own style and script pass it)"""
import http.server
import json
import sys
import time

DIR = sys.argv[1]
CSP = sys.argv[2] if len(sys.argv) > 2 else None

EVENTS = [
    {"seq": "19", "recordedAt": "2027-05-20T10:00:00.000Z", "sender": "GB-COH-01234567",
     "stage": "STAGE_ANALYSE", "type": "kpi.reported",
     "envelope": {"msgId": "live-1", "commissionId": "ocds-h6vhtk-056931",
                  "kpiReported": {"contractId": "contract-1", "kpiCode": "KPI-1", "value": 71}}},
    {"seq": "20", "recordedAt": "2027-05-20T10:00:01.000Z", "sender": "GB-LAE-E09000033",
     "stage": "STAGE_PLAN", "type": "partner.update",
     "envelope": {"msgId": "live-2", "commissionId": "ocds-h6vhtk-000102",
                  "partnerUpdate": {"title": "another commission"}}},
]


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=DIR, **kwargs)

    def log_message(self, *args):
        pass

    def end_headers(self):
        if CSP and not self.path.startswith("/v1/events"):
            self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def do_GET(self):
        if not self.path.startswith("/v1/events"):
            return super().do_GET()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(b"retry: 600000\n: connected\n\n")
            self.wfile.flush()
            for ev in EVENTS:
                chunk = "id: %s\nevent: %s\ndata: %s\n\n" % (ev["seq"], ev["type"], json.dumps(ev))
                self.wfile.write(chunk.encode())
                self.wfile.flush()
            time.sleep(1)       # then close: the browser dumps the DOM once the page is idle
        except (BrokenPipeError, ConnectionResetError):
            pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
