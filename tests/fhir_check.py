#!/usr/bin/python3
"""fhir_check: checks the relay's FHIR notifications (tests/test_relay.c).

usage: fhir_check.py --form r4|r4b [--schema FHIR.schema.json.gz] LOG
       fhir_check.py --form r4|r4b [--schema ...] --self-test LOG

LOG is tests/webhook_receiver.py's log (one JSON line per request, the body in
"body"). Each body is checked against HL7's JSON schema of its FHIR version
when --schema is given (python3-jsonschema, Draft 6, as HL7 publishes it), and
against the topic-based notification rules of the Subscriptions R5 Backport
guide: a history Bundle; the first entry the status (r4: a Parameters with the
backport-subscription-status-r4 profile; r4b: a SubscriptionStatus); type
event-notification or heartbeat; event numbers increasing; a heartbeat with
the status alone and the last event number; request and response on every
entry. --self-test breaks a good notification in each of those ways and
fails unless every break is caught. Exit 0 all good, 1 a fault (each on one
line), 2 bad usage or an unreadable file.
"""
import argparse, copy, gzip, json, sys

PROFILE = ("http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/"
           "backport-subscription-status-r4")


def params(status):
    """The R4 Parameters as {name: value or [parts]}"""
    out = {}
    for p in status.get("parameter", []):
        value = [v for k, v in p.items() if k.startswith("value")]
        out.setdefault(p.get("name"), []).append(value[0] if value else p.get("part"))
    return out


def status_of(bundle, form, say):
    """(type, number, event) of the first entry, event = (number, timestamp, focus)"""
    entries = bundle.get("entry") or []
    if not entries:
        say("no entries")
        return None
    res = entries[0].get("resource", {})
    if form == "r4":
        if res.get("resourceType") != "Parameters":
            say("first entry is %s, not Parameters" % res.get("resourceType"))
            return None
        if PROFILE not in res.get("meta", {}).get("profile", []):
            say("first entry lacks the backport-subscription-status-r4 profile")
        p = params(res)
        for name in ("subscription", "status", "type", "events-since-subscription-start"):
            if len(p.get(name, [])) != 1:
                say("parameter %s missing or repeated" % name)
                return None
        kind, number = p["type"][0], p["events-since-subscription-start"][0]
        events = []
        for parts in p.get("notification-event", []):
            q = {x.get("name"): [v for k, v in x.items() if k.startswith("value")] for x in parts or []}
            events.append(tuple((q.get(n) or [None])[0] for n in ("event-number", "timestamp", "focus")))
        topic = (p.get("topic") or [None])[0]
    else:
        if res.get("resourceType") != "SubscriptionStatus":
            say("first entry is %s, not SubscriptionStatus" % res.get("resourceType"))
            return None
        kind, number = res.get("type"), res.get("eventsSinceSubscriptionStart")
        events = [(e.get("eventNumber"), e.get("timestamp"), e.get("focus"))
                  for e in res.get("notificationEvent", [])]
        topic = res.get("topic")
    return kind, number, events, topic


def check(bundle, form, validator, state, say):
    if validator is not None:
        for error in sorted(validator.iter_errors(bundle), key=lambda e: list(e.path))[:3]:
            say("schema: /%s: %s" % ("/".join(map(str, error.path)), error.message[:200]))
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "history":
        say("not a history Bundle")
    for i, entry in enumerate(bundle.get("entry") or []):
        if "request" not in entry or "response" not in entry:
            say("entry %d lacks request or response" % i)
    st = status_of(bundle, form, say)
    if not st:
        return
    kind, number, events, topic = st
    entries = bundle.get("entry") or []
    if kind == "heartbeat":
        if events or len(entries) != 1:
            say("a heartbeat carries an event")
        if number != state["last"]:
            say("heartbeat says %s events, %s were sent" % (number, state["last"]))
        state["heartbeats"] += 1
        return
    if kind != "event-notification":
        say("type %r" % kind)
        return
    if len(events) != 1 or len(entries) != 2:
        say("an event notification without exactly one event")
        return
    event_number, timestamp, focus = events[0]
    if not str(event_number or "").isdigit() or int(event_number) <= int(state["last"]):
        say("event number %s after %s" % (event_number, state["last"]))
    elif event_number != number:
        say("events since start %s, event number %s" % (number, event_number))
    else:
        state["last"] = event_number
    if not timestamp or not topic:
        say("event without timestamp or topic")
    if (focus or {}).get("reference") != entries[1].get("fullUrl"):
        say("focus does not name the second entry")
    state["events"] += 1


def run(bodies, form, validator):
    faults, state = [], {"last": "0", "events": 0, "heartbeats": 0}
    for n, bundle in enumerate(bodies):
        check(bundle, form, validator, state, lambda text: faults.append("%d: %s" % (n + 1, text)))
    return faults, state


def breaks(good, form):
    """Ways to break a good event notification, each of which must be caught"""
    def edit(fn):
        b = copy.deepcopy(good)
        fn(b)
        return b
    status = lambda b: b["entry"][0]["resource"]
    out = {
        "no request": edit(lambda b: b["entry"][1].pop("request")),
        "no response": edit(lambda b: b["entry"][0].pop("response")),
        "not history": edit(lambda b: b.update(type="collection")),
        "event first": edit(lambda b: b["entry"].reverse()),
        "unknown member": edit(lambda b: status(b).update(colour="blue")),
        "bad instant": edit(lambda b: b.update(timestamp="yesterday")),
    }
    if form == "r4":
        out["no profile"] = edit(lambda b: status(b).pop("meta"))
        out["no type"] = edit(lambda b: status(b)["parameter"].pop(
            [p["name"] for p in status(b)["parameter"]].index("type")))
    else:
        out["no type"] = edit(lambda b: status(b).pop("type"))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--form", choices=("r4", "r4b"), required=True)
    ap.add_argument("--schema")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("log")
    args = ap.parse_args()
    validator = None
    try:
        if args.schema:
            from jsonschema import Draft6Validator
            with gzip.open(args.schema, "rt", encoding="utf-8") as f:
                validator = Draft6Validator(json.load(f))
        with open(args.log, encoding="utf-8") as f:
            bodies = [json.loads(json.loads(line)["body"]) for line in f if line.strip()]
    except (OSError, ValueError, KeyError, ImportError) as e:
        print("fhir_check: %s" % e, file=sys.stderr)
        return 2
    faults, state = run(bodies, args.form, validator)
    for fault in faults:
        print("fhir_check: %s: %s" % (args.log, fault))
    if faults:
        return 1
    print("fhir_check: %d notifications valid FHIR %s (%d events, %d heartbeats)%s" % (
        len(bodies), args.form, state["events"], state["heartbeats"],
        "" if validator else ", rules only (no schema)"))
    if not args.self_test:
        return 0
    good = next(b for b in bodies if len(b.get("entry", [])) == 2)
    missed = [name for name, bad in breaks(good, args.form).items()
              if name not in ("bad instant", "unknown member") or validator is not None
              if not run([bad], args.form, validator)[0]]
    for name in missed:
        print("fhir_check: self-test: %r was not caught" % name)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
