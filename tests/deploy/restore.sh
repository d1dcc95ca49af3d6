#!/usr/bin/env bash
# test_restore: the backup and restore of docs/operations.md ("Backup and
# restore") work as written. Runs the doc's two marked blocks with /var/ moved
# into a temp dir, `systemctl start|stop cyclehubd` starting and stopping a
# real broker there, cyclehub:cyclehub this user: the backup is taken while
# the broker serves and a publisher is sending, and the restored broker must
# hold every event acknowledged before the backup, byte for byte, as an
# unbroken prefix of the original history, and go on from its last seq.
#   tests/deploy/restore.sh BUILD-DIR SRC-DIR
test_name=test_restore
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
build=$1 src=$2
root=$tmp/root
export PATH=$build/broker:$build/clients:$PATH CYCLEHUB_AGENCY=GB-LAE-E09000033

# The doc's block after the marker <!-- test_restore: NAME -->, moved into $root
doc_block () {
    awk -v marker="<!-- test_restore: $1 -->" '
        $0 == marker { found = 1; next }
        found == 1 && /^```/ { found = 2; next }
        found == 2 && /^```/ { exit }
        found == 2 { print }' "$src/docs/operations.md" |
    sed -e "s#/var/#$root/var/#g" -e "s#cyclehub:cyclehub#$(id -u):$(id -g)#g"
}
systemctl () {
    [ "$2" = cyclehubd ] || fail "the doc runs systemctl on '$2'"
    case $1 in
        start) broker_start "$build/broker/cyclehubd" "$root/var/lib/cyclehub"
               export CYCLEHUB_API=$api CYCLEHUB_EVENTS=$events ;;
        stop)  broker_stop ;;
        *)     fail "the doc runs systemctl $1" ;;
    esac
}
# N commissions opened from FIRST on, as JSON lines for publish --lines
lines () {
    for i in $(seq "$1" $(($1 + $2 - 1))); do
        printf '{"type": "commission.opened", "commissionId": "ocds-h6vhtk-%06d", "body": {"title": "Commission %d", "buyer": "GB-LAE-E09000033"}}\n' "$i" "$i"
    done
}
history () { cyclehub history --from 1 >"$1" || fail "cyclehub history failed"; }

doc_block backup >"$tmp/backup.sh"
doc_block restore >"$tmp/restore.sh"
grep -q -- "--backup" "$tmp/backup.sh" || fail "no backup block in docs/operations.md"
grep -q "systemctl start" "$tmp/restore.sh" || fail "no restore block in docs/operations.md"

trap 'echo "$test_name: FAIL: a command failed: $BASH_COMMAND" >&2' ERR

# StateDirectory= creates the store's directory 0700 for the unit
mkdir -p "$root/var/lib" && mkdir -m 700 "$root/var/lib/cyclehub"
systemctl start cyclehubd
lines 1 200 | cyclehub publish --lines - >"$tmp/acked" 2>"$tmp/publish.err" ||
    { cat "$tmp/publish.err" >&2; fail "publishing 200 commissions failed"; }
[ "$(grep -c ' seq ' "$tmp/acked")" -eq 200 ] || fail "200 publishes were not all acknowledged"
acked_last=$(cyclehub status | sed -n 's/.*"lastSeq": *"\{0,1\}\([0-9]*\).*/\1/p')
[ "$acked_last" -eq 200 ] || fail "status says last seq '$acked_last' after 200 acks"

# The backup, as the doc says, while a publisher sends more one at a time
# (it starts once the first of them is acknowledged; they stop after it)
( for i in $(seq 1001 1100); do
      [ -e "$tmp/stop" ] && break
      lines "$i" 1 | cyclehub publish --lines - || exit 1
  done >"$tmp/during" 2>"$tmp/during.err" ) &
publisher=$!
until grep -q ' seq ' "$tmp/during" 2>/dev/null; do
    kill -0 "$publisher" 2>/dev/null || fail "the publisher during the backup ended: $(cat "$tmp/during.err")"
    sleep 0.01
done
acked_before=$((200 + $(grep -c ' seq ' "$tmp/during")))
. "$tmp/backup.sh"
touch "$tmp/stop"
wait "$publisher" || fail "the publisher during the backup failed: $(cat "$tmp/during.err")"
lines 2001 5 | cyclehub publish --lines - >/dev/null 2>&1 || fail "publishing after the backup failed"
total=$((200 + $(grep -c ' seq ' "$tmp/during") + 5))
history "$tmp/original.jsonl"
[ "$(wc -l <"$tmp/original.jsonl")" -eq "$total" ] || fail "the original history holds $(wc -l <"$tmp/original.jsonl") events, not the $total acknowledged"

# The restore, as the doc says
. "$tmp/restore.sh"
[ -f "$root/var/lib/cyclehub.damaged/data.mdb" ] || fail "the damaged store was not set aside"
history "$tmp/restored.jsonl"
kept=$(wc -l <"$tmp/restored.jsonl")
[ "$kept" -ge "$acked_before" ] && [ "$kept" -le $((total - 5)) ] ||
    fail "the restored broker holds $kept events: not the $acked_before acked before the backup, or the 5 after it"
head -n "$kept" "$tmp/original.jsonl" | cmp -s - "$tmp/restored.jsonl" ||
    fail "the restored history is not the original's first $kept events, byte for byte"
# It goes on from the backup's last seq
out=$(lines 3001 1 | cyclehub publish --lines - 2>/dev/null) || fail "publishing after the restore failed"
[ "$out" = "1 seq $((kept + 1))" ] || fail "the first publish after the restore got '$out', expected seq $((kept + 1))"
systemctl stop cyclehubd
echo "$test_name: ok (the backup, taken while publishing, held $kept events, the $acked_before acked before it included; restored as written)"
