#!/usr/bin/python3
"""test_http_openapi: GET /v1/openapi.json is a valid OpenAPI 3.1 document,
and what a real cyclehubd answers conforms to it.

A real broker (--plain, its development token, free ports, a temporary
store) serves the document without a token; it is checked against the
official OpenAPI 3.1 schema (tests/data/openapi, version 2022-10-07) with
Debian's python3-jsonschema (Draft 2020-12), and every component schema is
checked to be a valid Draft 2020-12 schema. Then real requests (a publish
201, a 422, a 401, a 404, the commission list, a history page, the status,
a commission, history with repeated filters, an OCDS package, its 401 and
404) are answered, and each body is validated against the schema its path
and status name in the served document."""
import json, os, re, shutil, socket, subprocess, sys, tempfile, time
import urllib.error, urllib.request

from jsonschema import Draft202012Validator
from jsonschema.validators import RefResolver

src = os.environ.get("HUB_SRC_DIR", "..")
build = os.environ.get("HUB_BIN_DIR", ".")
failed = 0
checks = 0


def check(ok, what):
    global failed, checks
    checks += 1
    if not ok:
        failed += 1
        print("FAIL:", what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(base, method, path, token=None, body=None, headers=None):
    """Returns (status, headers, parsed JSON body or None)."""
    req = urllib.request.Request(base + path, method=method, data=body)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            status, hdrs, raw = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, raw = e.code, e.headers, e.read()
    return status, hdrs, json.loads(raw) if raw else None


def start_broker(tmp):
    http = free_port()
    log = open(os.path.join(tmp, "broker.log"), "w+")
    proc = subprocess.Popen(
        [os.path.join(build, "broker/cyclehubd"), "--plain", "--store",
         os.path.join(tmp, "store"), "--api", "tcp://127.0.0.1:%d" % free_port(),
         "--events", "tcp://127.0.0.1:%d" % free_port(), "--http", "127.0.0.1:%d" % http],
        stdout=log, stderr=subprocess.STDOUT)
    token = None
    for _ in range(100):
        log.seek(0)
        found = re.search(r"development token [^:]*: (chub_\S+)\n", log.read())
        if found:
            token = found.group(1)
            try:
                with socket.create_connection(("127.0.0.1", http), timeout=1):
                    break
            except OSError:
                pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    return proc, "http://127.0.0.1:%d" % http, token, log


def validator_for(doc, schema):
    """A Draft 2020-12 validator of schema, resolving #/components/... in doc."""
    return Draft202012Validator(schema, resolver=RefResolver("", doc))


def conforms(doc, path, method, status, body):
    """Validates body against the schema doc gives path/method/status."""
    op = doc["paths"][path][method]
    response = op["responses"].get(str(status), op["responses"].get("default"))
    check(response is not None, "%s %s has no response %s" % (method, path, status))
    if response is None:
        return
    while "$ref" in response:
        response = doc["components"]["responses"][response["$ref"].split("/")[-1]]
    content = "application/json" if status < 400 else "application/problem+json"
    check(content in response["content"], "%s %s %s is not %s" % (method, path, status, content))
    schema = response["content"].get(content, {}).get("schema", {})
    errors = sorted(validator_for(doc, schema).iter_errors(body), key=str)
    check(not errors, "%s %s %s: the body does not conform: %s\n%s" % (
        method.upper(), path, status, errors[:1], json.dumps(body)[:600]))


def check_document(doc):
    meta = json.load(open(os.path.join(src, "tests/data/openapi/schema-2022-10-07.json")))
    errors = list(Draft202012Validator(meta).iter_errors(doc))
    check(not errors, "the document is not valid OpenAPI 3.1: %s" % errors[:2])
    for name, schema in doc["components"]["schemas"].items():
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as e:
            check(False, "component schema %s is not Draft 2020-12: %s" % (name, e))
    # every endpoint of the API, every publishable type, the headers
    for path in ["/v1/status", "/v1/commissions", "/v1/commissions/{id}", "/v1/history",
                 "/v1/events", "/v1/openapi.json", "/v1/messages/commission.opened",
                 "/v1/messages/tender.published", "/v1/ocds/{commission}"]:
        check(path in doc["paths"], "the document lacks " + path)
    # history's filters may be repeated (?type=a&type=b), its others not
    params = {p["name"]: p for p in doc["paths"]["/v1/history"]["get"]["parameters"]}
    for name in ["commission", "type", "agency", "stage"]:
        schema = params[name]["schema"]
        check(schema.get("type") == "array" and params[name].get("explode") is True,
              "history's %s is not a repeatable parameter: %s" % (name, params[name]))
    check(Draft202012Validator(params["type"]["schema"]).is_valid(
              ["needs.assessed", "tender.published"]), "two types do not fit the type parameter")
    check(not Draft202012Validator(params["type"]["schema"]).is_valid(["no.such"]),
          "an unknown type fits the type parameter")
    check(params["since"]["schema"].get("type") == "string", "since became repeatable")
    # the OCDS package: a token, or none (--http-public-ocds)
    ocds = doc["paths"]["/v1/ocds/{commission}"]["get"]
    check({} in ocds["security"] and {"bearer": []} in ocds["security"],
          "the OCDS path does not say it may be public: %s" % ocds.get("security"))
    check("/v1/messages/erasure.recorded" not in doc["paths"],
          "erasure.recorded (broker only) is offered for publishing")
    text = json.dumps(doc)
    for word in ["Idempotency-Key", "Retry-After", "WWW-Authenticate", "Last-Event-ID",
                 "text/event-stream", "application/problem+json", "date-time"]:
        check(word in text, "the document never mentions " + word)
    check(doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer",
          "no bearer security scheme")
    body = doc["components"]["schemas"]["NeedsAssessedBody"]
    check("population" in body["required"], "needs.assessed's required fields are not named")
    money = doc["components"]["schemas"]["Money"]
    check(set(money["properties"]) == {"amount", "currency"}, "Money is not amount/currency")
    # a bad body is refused by the schema too (it is not vacuous)
    v = validator_for(doc, {"$ref": "#/components/schemas/NeedsAssessedBody"})
    check(not v.is_valid({"needStatements": ["x"]}), "a body without population passes")
    check(not v.is_valid({"population": "x", "bogus": 1}), "an unknown field passes")
    check(v.is_valid({"population": "Adults over 65"}), "a good body fails")


def main():
    data = os.path.join(src, "tests/data/cycle")
    tmp = tempfile.mkdtemp(prefix="cyclehub-openapi-")
    proc, base, token, log = start_broker(tmp)
    try:
        check(token is not None, "the broker printed no development token")
        if token is None:
            log.seek(0)
            print(log.read()[-2000:])
            return
        status, _, doc = request(base, "GET", "/v1/openapi.json")
        check(status == 200, "GET /v1/openapi.json without a token: %s" % status)
        check_document(doc)

        opened = open(os.path.join(data, "01-commission-opened.json"), "rb").read()
        ocid = json.loads(opened)["commissionId"]
        status, _, body = request(base, "POST", "/v1/messages/commission.opened", token, opened,
                                  {"Idempotency-Key": json.loads(opened)["msgId"]})
        check(status == 201, "publish: %s %s" % (status, body))
        conforms(doc, "/v1/messages/commission.opened", "post", status, body)
        # the body the publish sent conforms to the request schema too
        schema = doc["paths"]["/v1/messages/commission.opened"]["post"]["requestBody"]
        schema = schema["content"]["application/json"]["schema"]
        check(validator_for(doc, schema).is_valid(json.loads(opened)),
              "the tour's commission.opened does not conform to the request schema")

        status, _, body = request(base, "POST", "/v1/messages/needs.assessed?commission=" + ocid,
                                  token, b'{"needStatements": ["x"]}',
                                  {"Idempotency-Key": "openapi-2"})
        check(status == 422, "a body without population: %s %s" % (status, body))
        conforms(doc, "/v1/messages/needs.assessed", "post", status, body)

        status, hdrs, body = request(base, "GET", "/v1/status", "chub_not_a_token")
        check(status == 401 and hdrs.get("WWW-Authenticate"), "a bad token: %s" % status)
        conforms(doc, "/v1/status", "get", status, body)

        for path, key, want in [("/v1/commissions", "/v1/commissions", 200),
                                ("/v1/commissions/" + ocid, "/v1/commissions/{id}", 200),
                                ("/v1/commissions/ocds-h6vhtk-none", "/v1/commissions/{id}", 404),
                                ("/v1/history?commission=" + ocid + "&limit=5", "/v1/history", 200),
                                ("/v1/history?type=no.such", "/v1/history", 400),
                                ("/v1/history?type=needs.assessed&type=commission.opened"
                                 "&commission=" + ocid + "&commission=ocds-h6vhtk-none",
                                 "/v1/history", 200),
                                ("/v1/history?type=commission.opened&type=no.such",
                                 "/v1/history", 400),
                                ("/v1/ocds/" + ocid, "/v1/ocds/{commission}", 200),
                                ("/v1/ocds/ocds-h6vhtk-none", "/v1/ocds/{commission}", 404),
                                ("/v1/ocds/not-an-ocid", "/v1/ocds/{commission}", 422),
                                ("/v1/status", "/v1/status", 200)]:
            status, _, body = request(base, "GET", path, token)
            check(status == want, "GET %s: %s, not %s" % (path, status, want))
            conforms(doc, key, "get", status, body)
            if path.startswith("/v1/history?commission") or "&commission=" in path:
                check(len(body["events"]) == 1, "the history page lacks the event")
            if path == "/v1/ocds/" + ocid:
                check(body["releases"][0]["ocid"] == ocid, "the package lacks the commission")
            if path == "/v1/status":
                # the hub's headroom, subscribers and last commit, described and
                # sent (subscribers 0, a default, is left out as every zero is)
                described = doc["components"]["schemas"]["Status"]["properties"]
                for name in ("storeMaxBytes", "subscribers", "lastCommit"):
                    check(name in described, "the Status schema lacks %s" % name)
                    check(name in body or name == "subscribers", "/v1/status lacks %s" % name)
                check(described.get("lastCommit", {}).get("format") == "date-time",
                      "lastCommit is not described as a date-time")
        status, _, body = request(base, "GET", "/v1/ocds/" + ocid)
        check(status == 401, "the OCDS package without a token (not public): %s" % status)
        conforms(doc, "/v1/ocds/{commission}", "get", status, body)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)


main()
print("%d checks, %d failed" % (checks, failed))
sys.exit(1 if failed else 0)
