#!/usr/bin/python3
"""test_ocds_validate: the project's OCDS validator (scripts/ocds-validate) says
yes to a valid release package and no, naming the place, to each kind of fault
the OCDS tests rely on it to catch. Run by ctest (tests/ocds_validate.cmake);
HUB_SRC_DIR is the source tree (default: the folder above this file)."""
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("HUB_SRC_DIR") or os.path.join(os.path.dirname(__file__), "..")
VALIDATE = os.path.join(SRC, "scripts", "ocds-validate")

PACKAGE = {
    "uri": "urn:cyclehub:ocds:ocds-h6vhtk-056931",
    "version": "1.1",
    "publisher": {"name": "cyclehub"},
    "publishedDate": "2026-01-04T00:00:00.369Z",
    "releases": [{
        "ocid": "ocds-h6vhtk-056931",
        "id": "ocds-h6vhtk-056931-3",
        "date": "2026-01-04T00:00:00.369Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "parties": [{"id": "GB-LAE-E08000025", "name": "Borough Council",
                     "roles": ["buyer", "procuringEntity"]}],
        "buyer": {"id": "GB-LAE-E08000025"},
        "tender": {"id": "P1", "status": "active",
                   "value": {"amount": 1250000.00, "currency": "GBP"},
                   "tenderPeriod": {"startDate": "2026-03-02T00:00:00Z",
                                    "endDate": "2026-04-11T00:00:00+01:00"}},
    }],
}


def run(doc, *args, text=None):
    """Runs the validator on doc (a dict, or raw text); returns (exit, stdout lines)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(text if text is not None else json.dumps(doc))
        path = f.name
    try:
        p = subprocess.run([VALIDATE, *args, path], capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(path)
    lines = [line.replace(path, "FILE") for line in p.stdout.splitlines()]
    return p.returncode, lines


def changed(edit):
    doc = copy.deepcopy(PACKAGE)
    edit(doc)
    return doc


class Valid(unittest.TestCase):
    def test_valid_package_passes(self):
        self.assertEqual(run(PACKAGE), (0, ["FILE: valid OCDS 1.1.5 release package (1 releases)"]))

    def test_standard_input(self):
        p = subprocess.run([VALIDATE, "-"], input=json.dumps(PACKAGE), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stdout, "-: valid OCDS 1.1.5 release package (1 releases)\n")

    def test_rfc3339_forms_the_standard_allows(self):
        for when in ("2024-02-29T23:59:60.5+01:00", "2026-01-04t00:00:00z",
                     "2026-12-31T23:59:59-12:00", "2026-01-04T00:00:00.123456789Z"):
            status, lines = run(changed(lambda d: d["releases"][0].update(date=when)))
            self.assertEqual(status, 0, f"{when}: {lines}")


class Invalid(unittest.TestCase):
    def assertFails(self, doc, line):
        status, lines = run(doc)
        self.assertEqual(status, 1, lines)
        self.assertIn(line, lines)

    def test_bad_date_time_names_the_field(self):
        why = "is not an RFC 3339 date-time (YYYY-MM-DDThh:mm:ss[.fff] and Z or an offset such as +01:00)"
        for when in ("2026-02-29T00:00:00Z",      # not a leap year
                     "2026-01-04T24:00:00Z",      # hour 24
                     "2026-01-04T00:00:00",       # no offset
                     "2026-01-04 00:00:00Z",      # space for T
                     "2026-01-04",                # a date alone
                     "2026-01-04T00:00:00+24:00"):
            with self.subTest(when=when):
                doc = changed(lambda d: d["releases"][0]["tender"]["tenderPeriod"]
                              .update(endDate=when))
                self.assertFails(doc, f"FILE: /releases/0/tender/tenderPeriod/endDate: "
                                      f"{when!r} {why}")
        self.assertFails(changed(lambda d: d.update(publishedDate="yesterday")),
                         f"FILE: /publishedDate: 'yesterday' {why}")

    def test_missing_required_field_names_its_parent(self):
        self.assertFails(changed(lambda d: d["releases"][0].pop("ocid")),
                         "FILE: /releases/0: 'ocid' is a required property")
        self.assertFails(changed(lambda d: d["publisher"].pop("name")),
                         "FILE: /publisher: 'name' is a required property")
        self.assertFails(changed(lambda d: d.update(releases=[])),
                         "FILE: /releases: [] is too short")

    def test_unknown_currency_names_the_codelist(self):
        self.assertFails(changed(lambda d: d["releases"][0]["tender"]["value"]
                                 .update(currency="XYZ")),
                         "FILE: /releases/0/tender/value/currency: "
                         "'XYZ' is not a code of the closed codelist currency.csv")

    def test_closed_codelist_in_an_array(self):
        self.assertFails(changed(lambda d: d["releases"][0]["tag"].append("tenderClosed")),
                         "FILE: /releases/0/tag/1: "
                         "'tenderClosed' is not a code of the closed codelist releaseTag.csv")

    def test_bad_uri(self):
        self.assertFails(changed(lambda d: d.update(uri="cyclehub ocds")),
                         "FILE: /uri: 'cyclehub ocds' is not an absolute URI (scheme:rest, no spaces)")

    def test_every_fault_reported_in_order(self):
        def edit(d):
            d["releases"][0]["date"] = "2026-01-04"
            d["releases"][0].pop("id")
            d["publishedDate"] = "now"
        status, lines = run(changed(edit))
        self.assertEqual(status, 1)
        self.assertEqual([line.split(":")[1].strip() for line in lines],
                         ["/publishedDate", "/releases/0", "/releases/0/date"])


class Notes(unittest.TestCase):
    def test_open_codelist_value_is_a_note_not_an_error(self):
        status, lines = run(changed(lambda d: d["releases"][0]["parties"][0]["roles"]
                                    .append("owner")))
        self.assertEqual(status, 0, lines)
        self.assertEqual(lines[1], "FILE: /releases/0/parties/0/roles/2: note: 'owner' is not in "
                                   "the open codelist partyRole.csv (allowed, but check the spelling)")

    def test_withdrawn_currency_is_a_note(self):
        status, lines = run(changed(lambda d: d["releases"][0]["tender"]["value"]
                                    .update(currency="DEM")))
        self.assertEqual(status, 0, lines)
        self.assertIn("FILE: /releases/0/tender/value/currency: note: "
                      "'DEM' is in currency.csv but was withdrawn (2002-03)", lines)


class Unusable(unittest.TestCase):
    def test_not_json(self):
        status, lines = run(None, text="{\"releases\": ")
        self.assertEqual(status, 2)
        self.assertTrue(lines[0].startswith("FILE: not JSON: "), lines)

    def test_record_package_is_named(self):
        status, lines = run({"records": []})
        self.assertEqual(status, 2)
        self.assertIn("a record package", lines[0])

    def test_missing_file_and_bad_command_line(self):
        p = subprocess.run([VALIDATE, "/nonexistent/package.json"], capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stdout),
                         (2, "/nonexistent/package.json: cannot read: No such file or directory\n"))
        p = subprocess.run([VALIDATE], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage: ocds-validate", p.stderr)
        p = subprocess.run([VALIDATE, "--schema", "/nonexistent", "x.json"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("cannot read the schema in /nonexistent", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=1)
