# bench-table.awk: the table at the end of `make bench`. Reads the run's
# metric<TAB>value<TAB>unit lines and prints each hub figure beside the
# ceiling or peer of the same run, the ratio, and issue 16's target with
# "met" or "MISSED" (or why it does not apply). Exits 1 if a hub figure is
# missing (its program failed); a peer that is not installed is "-".
BEGIN { FS = "\t" }
/^#/ || NF < 3 { next }
{
    name = $1
    # Figures whose name carries the run's size: one key for each
    sub(/^replay_[0-9]+k_events_1client$/, "replay_1client", name)
    sub(/^replay_[0-9]+k_events_subscriber$/, "replay_subscriber", name)
    sub(/^replay_[0-9]+k_events_subscriber_packed$/, "replay_subscriber_packed", name)
    sub(/^broker_rss_anon_after_[0-9]+k_events$/, "broker_rss_anon", name)
    v[name] = $2 + 0
    have[name] = 1
}

function fmt(x) { return x >= 100 ? sprintf("%.0f", x) : sprintf("%.2f", x) }

# row(figure, peer, op, target, note): figure / peer against target ("" =
# informative); op ">=" for a ratio that must reach target, "<=" for a
# figure (no peer) that must stay under it.
function row(figure, peer, op, target, note,    value, ratio, verdict, shown) {
    if (!(figure in have)) {
        printf "%-30s %11s %-46s %7s %8s  %s\n", figure, "missing", peer, "", target == "" ? "" : op " " target, "MISSING: its program failed"
        missing++
        return
    }
    value = v[figure]
    if (peer != "" && !(peer in have)) {
        printf "%-30s %11s %-46s %7s %8s  %s\n", figure, fmt(value), peer " (not run)", "-", target == "" ? "" : op " " target, "-"
        return
    }
    ratio = peer == "" ? value : value / v[peer]
    shown = peer == "" ? "" : sprintf("%.2f", ratio)
    verdict = ""
    if (target != "")
        verdict = (op == ">=" ? ratio >= target : ratio <= target) ? "met" : "MISSED"
    if (note != "")
        verdict = verdict (verdict == "" ? "" : "; ") note
    printf "%-30s %11s %-46s %7s %8s  %s\n", figure, fmt(value), peer == "" ? "" : peer " " fmt(v[peer]), shown, target == "" ? "" : op " " target, verdict
}

END {
    printf "%-30s %11s %-46s %7s %8s  %s\n", "hub figure", "value", "against (same run)", "ratio", "target", "verdict"
    row("publish_durable_200B_4pub", "ceiling_forward_czmq_200B", ">=", 0.35, "")
    row("publish_durable_200B_1pub", "ceiling_forward_czmq_200B", ">=", 0.25, "")
    row("publish_durable_200B_4pub", "nats_jetstream_async_200B", ">=", 3, "")
    row("publish_durable_200B_4pub", "ceiling_forward_czmq_acked_200B", "", "", "the hub's own socket pattern")
    row("publish_durable_200B_4pub", "mosquitto_qos1_200B_1pub_window20", "", "", "")
    row("replay_1client", "raw_lmdb_scan", ">=", 0.4, "hub_client_history, one page at a time")
    row("replay_subscriber", "raw_lmdb_scan", ">=", 0.4, "hub_subscriber catch-up")
    row("replay_subscriber_packed", "raw_lmdb_scan", ">=", 0.4, "hub_subscriber_recv_packed catch-up")
    row("store_append_all_indexes", "raw_lmdb_append_group1000", ">=", 0.5, "")
    row("store_scan_type_index", "raw_lmdb_scan", ">=", 0.33, "")
    row("store_scan_commission_index", "raw_lmdb_scan", ">=", 0.33, "")
    # The latency target holds only on a disk whose fdatasync p99 < 0.5 ms
    slow = ("fsync_p99" in have) && v["fsync_p99"] >= 500
    why = slow ? sprintf("target n/a: fsync p99 %.0f us >= 500", v["fsync_p99"]) : ""
    if (slow) {
        row("ack_latency_p50_10k", "", "", "", why)
        row("ack_latency_p99_10k", "", "", "", why)
    } else {
        row("ack_latency_p50_10k", "", "<=", 1000, "")
        row("ack_latency_p99_10k", "", "<=", 2000, "")
    }
    row("fsync_p50", "", "", "", "fdatasync, the store's file system")
    row("fsync_p99", "", "", "", "")
    row("broker_rss_anon", "", "<=", 64, "MiB of heap, 1M events (--quick: fewer)")
    row("http_publish_200B_1client", "mosquitto_qos1_200B_1pub_window1", "", "", "one request in flight each")
    row("http_publish_200B_4client", "mosquitto_qos1_200B_4pub_window1", "", "", "")
    row("http_publish_p99_1client", "mosquitto_qos1_ack_p99_1pub_window1", "", "", "us")
    row("sse_fanout_1sub", "nats_core_fanout_1sub", "", "", "events/s delivered")
    row("sse_fanout_10sub", "nats_core_fanout_10sub", "", "", "")
    row("sse_fanout_50sub", "nats_core_fanout_50sub", "", "", "")
    row("sse_fanout_p50_10sub", "nats_core_fanout_p50_10sub", "", "", "us")
    if (missing) {
        printf "bench: %d hub figure(s) missing\n", missing > "/dev/stderr"
        exit 1
    }
}
