#!/usr/bin/env bash
# test_unit: the installed cyclehubd.service is a unit systemd accepts
# (systemd-analyze verify: its directives, the installed ExecStart) and stays
# hardened (systemd-analyze security --offline: exposure at most 2.5, "OK").
# Exit 77 (skipped) where systemd-analyze is not installed.
#   tests/deploy/unit.sh BUILD-DIR
test_name=test_unit
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
command -v systemd-analyze >/dev/null || { echo "$test_name: skipped: no systemd-analyze"; exit 77; }
install_into_tmp "$1"
unit=$prefix/lib/systemd/system/cyclehubd.service
grep -q "^ExecStart=$prefix/bin/cyclehubd " "$unit" || fail "ExecStart does not name the installed cyclehubd: $(grep ExecStart "$unit")"
SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$unit" >"$tmp/verify.log" 2>&1 ||
    { cat "$tmp/verify.log" >&2; fail "systemd-analyze verify refused $unit"; }
[ ! -s "$tmp/verify.log" ] || { cat "$tmp/verify.log" >&2; fail "systemd-analyze verify warned about $unit"; }
systemd-analyze security --offline=yes --threshold=25 "$unit" >"$tmp/security.log" 2>&1 ||
    { cat "$tmp/security.log" >&2; fail "the unit's exposure is over 2.5"; }
echo "$test_name: ok ($(tail -1 "$tmp/security.log"))"
