/*  hub_subscriber: every event matching a filter, once, in seq order, with
    catch-up from history (the Clone pattern of the ZeroMQ guide).

    The subscriber connects a SUB socket to the events endpoint and
    subscribes (to its topic prefixes, and to $heartbeat) before it asks the
    api socket for history from its cursor; it pages through history, then
    takes live events, dropping any it has already processed. A live seq
    past the next expected one, a heartbeat past the last seq processed, or
    live events it had to drop (more than live_max held while catching up)
    make it fetch the missing range from history, with the same filter, so
    the application never sees a gap or a duplicate. Filters: ZeroMQ topic
    prefixes ("do/", "plan/ocds-h6vhtk-056931/"), plus commission, type and
    agency filters applied in the library (and by the history queries).

    Cursor: the last seq processed (delivered to the application, or
    skipped by the filter). Calling hub_subscriber_recv again after an
    event acknowledges that event. With a cursor file the acknowledged
    cursor is saved atomically (write a temporary file, fsync, rename) in
    groups: every 1,000 seqs or 200 ms, whenever recv is about to wait
    (so an idle subscriber's file is up to date), and by
    hub_subscriber_destroy. hub_subscriber_save saves at once: call it
    before telling anyone outside that an event is handled. After a crash
    the subscriber resumes after the last cursor saved, so it delivers
    again at most the last group (at least once, never a gap).

    Outward mode (options.outward, for programs that forward events
    outside the hub: the relay, the bridge): every event recv hands out,
    live, from history or filling a gap, has passed through the hub's one
    outward point (hub_proto_outward_event) first, so even the
    commission's owner gets no personal data from it.

    Signals: recv returns HUB_EINTR as soon as czmq's zsys_interrupted is
    set (its SIGINT/SIGTERM handler), also while catching up from history.

    A hub_subscriber_t is not thread-safe: use it from one thread.
*/
#ifndef HUB_SUBSCRIBER_H
#define HUB_SUBSCRIBER_H

#include "hub_client.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Values for hub_subscriber_set_from. */
#define HUB_FROM_START  0             /* from seq 1 */
#define HUB_FROM_NOW    UINT64_MAX    /* events stored after start only */

typedef struct _hub_subscriber_t hub_subscriber_t;

/* Figures for monitoring and tests. */
typedef struct {
    uint64_t delivered;           /* events handed to the application */
    uint64_t from_history;        /* ... of which came from history pages */
    uint64_t from_live;           /* ... of which came from the live stream */
    uint64_t live_duplicates;     /* live events dropped: already processed */
    uint64_t live_dropped;        /* live events dropped: over live_max */
    uint64_t gaps;                /* history backfills after a detected gap */
    uint64_t pages;               /* history pages read */
    uint64_t heartbeats;          /* $heartbeat messages seen */
} hub_subscriber_stats_t;

/* Creates a subscriber (not yet connected: configure it, then call
   hub_subscriber_start). options as for hub_client_new (events_endpoint,
   rcvhwm and live_max are used here; the api connection serves history).
   Returns NULL if no agency is given or out of memory. */
hub_subscriber_t *
    hub_subscriber_new (const hub_connect_options_t *options);

/* Saves the cursor (if a file is set and it moved) and destroys the
   subscriber. An event handed out by the last recv and not acknowledged
   (by another recv or hub_subscriber_save) does not count: a subscriber
   started on the same cursor file gets it again. Nulls *self_p. */
void
    hub_subscriber_destroy (hub_subscriber_t **self_p);

/* Adds a ZeroMQ topic prefix ("<stage>/<commission-id>/<type>"). None means
   every event. Before start only. Returns 0, or -1 if out of memory. */
int
    hub_subscriber_add_topic (hub_subscriber_t *self, const char *prefix);

/* Library filters, exact matches; NULL or "" means any. Before start. */
int
    hub_subscriber_set_commission (hub_subscriber_t *self, const char *commission_id);
int
    hub_subscriber_set_type (hub_subscriber_t *self, const char *type_name);
int
    hub_subscriber_set_agency (hub_subscriber_t *self, const char *agency);

/* Where to start: the first seq wanted (HUB_FROM_START, a seq, or
   HUB_FROM_NOW). Default HUB_FROM_START. A cursor file that holds a
   cursor wins over this. Before start. */
void
    hub_subscriber_set_from (hub_subscriber_t *self, uint64_t seq);

/* Keeps the cursor in path. If the file exists it must hold a cursor
   (decimal seq and a newline): the subscriber resumes after it. A hub
   whose log ends before that cursor (restored from an older backup, or
   another hub) would hand those seqs out again to events this subscriber
   would skip: recv refuses it with HUB_EBEHIND instead, on every call,
   and hub_subscriber_why says where to set the cursor back to. Before
   start. Returns 0, HUB_EIO if the file exists but cannot be read or does
   not hold a cursor, HUB_ENOMEM. */
int
    hub_subscriber_set_cursor_file (hub_subscriber_t *self, const char *path);

/* Connects and subscribes. With HUB_FROM_NOW, asks the broker for its last
   seq (so it needs the broker up). Returns 0, HUB_EINVAL (bad endpoint),
   HUB_UNREACHABLE, HUB_TIMEOUT, HUB_ENOMEM. */
int
    hub_subscriber_start (hub_subscriber_t *self);

/* Waits up to timeout_ms (-1 = forever) for the next matching event. On
   HUB_OK *event_p is the event, which the caller frees with
   cyclehub__v1__event__free_unpacked (event, NULL). Returns HUB_TIMEOUT
   when none came in time (*event_p NULL). A history fetch that fails
   returns its error (HUB_UNREACHABLE, HUB_TIMEOUT, HUB_REJECTED, ...)
   and is retried by the next call; HUB_EBEHIND if the hub's log ends
   before the cursor file's cursor (hub_subscriber_set_cursor_file; nothing
   is delivered until the file is fixed); HUB_EIO if the cursor could not be
   saved (the event is not lost: it is kept for the next call); HUB_EINTR
   on a signal (zsys_interrupted, checked before each event); HUB_ENOMEM
   when out of memory, in outward mode also if the event could not be
   redacted (nothing is lost: the next call carries on from the same
   cursor). An event that does not unpack (the broker sends none) is
   skipped with a warning. */
int
    hub_subscriber_recv (hub_subscriber_t *self, int timeout_ms,
                         Cyclehub__V1__Event **event_p);

/* An event lent by hub_subscriber_recv_packed: its seq and its bytes, a
   Cyclehub__V1__Event in protobuf's wire format, as the broker sent it
   (redacted first in outward mode). */
typedef struct {
    uint64_t seq;
    const uint8_t *data;
    size_t size;
} hub_packed_event_t;

/* hub_subscriber_recv without the unpack: the same events, in the same
   order, with the same cursor and return codes, lent as bytes. They stay
   valid until the next call on the subscriber (recv, recv_packed or
   destroy). For programs that pass events on (a relay, a bridge, a
   replay): read a field in place with hub_event_read (hub_event_reader.h)
   or unpack on demand with cyclehub__v1__event__unpack. Catching up, this
   delivered 1.5 to 2 times as many events a second as hub_subscriber_recv,
   whose extra cost is protobuf-c's unpack and its allocations
   (docs/performance.md, "Replay"). The subscriber has read
   each event's top-level fields; it has not unpacked it, so an event that
   would not unpack (the broker sends none) is handed out as it came, where
   hub_subscriber_recv skips it with a warning. */
int
    hub_subscriber_recv_packed (hub_subscriber_t *self, int timeout_ms,
                                hub_packed_event_t *event);

/* The last seq processed (everything at or below it was delivered or did
   not match). */
uint64_t
    hub_subscriber_cursor (hub_subscriber_t *self);

/* After HUB_EAUTH: why the broker refused this subscriber (see
   hub_client_why); after HUB_EBEHIND: the cursor, where the hub's log
   ends and what to do; else "". Borrowed. */
const char *
    hub_subscriber_why (hub_subscriber_t *self);

/* Saves the cursor file now (all events delivered so far count as
   handled). Returns 0, or HUB_EIO. No-op without a cursor file. */
int
    hub_subscriber_save (hub_subscriber_t *self);

/* Copies the figures into stats. */
void
    hub_subscriber_stats (hub_subscriber_t *self, hub_subscriber_stats_t *stats);

#ifdef __cplusplus
}
#endif
#endif
