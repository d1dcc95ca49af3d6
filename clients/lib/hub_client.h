/*  hub_client: a connection to cyclehubd's api socket, for publishers and
    for queries (history pages, commission state, status).

    One DEALER socket, one request frame out and one reply frame back per
    request, matched by request_id. Publishes can be synchronous
    (hub_client_publish) or kept in flight up to a window
    (hub_client_publish_async + hub_client_flush); async publishes travel
    in batches (one PublishBatch request, one AckBatch reply: see
    batch_max, batch_bytes and linger_us below), each still with its own
    msg_id, token and result. A publish without a
    msg_id gets one generated (a random 64-bit prefix per client plus a
    counter, so unique per sender); the packed bytes of every publish are
    kept until its ack or rejection, and re-sent as they are (same bytes,
    same msg_id) after a reconnect, so the broker's dedupe answers a retry
    with the original seq instead of storing it twice.

    A hub_client_t is not thread-safe: use it from one thread.

    Return codes (hub_rc_t) used by every call here and in hub_subscriber:
    0 (HUB_OK) on success, otherwise one of the HUB_E* values below, which
    hub_strerror turns into a sentence.
*/
#ifndef HUB_CLIENT_H
#define HUB_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "hub_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HUB_OK = 0,
    HUB_REJECTED = 1,       /* the broker refused the request: see the hub_result_t */
    HUB_TIMEOUT = 2,        /* sent, but no reply came within the timeout */
    HUB_UNREACHABLE = 3,    /* no connection to the broker within the timeout */
    HUB_EINVAL = 4,         /* a bad argument (e.g. an envelope without a body) */
    HUB_EPROTO = 5,         /* the broker's reply could not be read */
    HUB_ENOMEM = 6,         /* out of memory */
    HUB_EIO = 7,            /* a file (cursor) could not be read or written */
    HUB_EINTR = 8,          /* interrupted (SIGINT/SIGTERM seen by czmq) */
    HUB_EFULL = 9,          /* not sent: earlier async publishes were refused for lack of
                               space (STORE_FULL, DISK_FULL); every one has been reported;
                               re-send the refused ones (first, to keep the order) or drop
                               them, then publish this one again */
    HUB_EAUTH = 10,         /* the broker refused this client's identity in the
                               handshake: hub_client_why says what and what to check */
    HUB_EBEHIND = 11        /* the hub's log ends before the subscriber's saved cursor
                               (the hub was restored from an older backup, or the cursor
                               file is another hub's): hub_subscriber_why says what to do */
} hub_rc_t;

/* Returns a static sentence describing rc. */
const char *
    hub_strerror (int rc);

/* Opt-in, for a program whose main work is reading from the hub (catching
   up through hub_subscriber, paging through history): sets glibc's malloc
   for the whole process so that memory freed is kept for reuse, up to
   64 MiB, and blocks up to 4 MiB (a history page at most) come from the
   heap, not from mmap. By default glibc gives memory back to the kernel
   as soon as 128 KiB or so lies free at the top of the heap, and serves
   large blocks with mmap; ZeroMQ receives each history page (hundreds of
   KiB) into a fresh block, so every page came back as fresh pages for
   the kernel to fault in and zero. Measured on the project's VM
   (docs/performance.md, "Replay"): the client's CPU per event caught up
   fell by half to two thirds, and its catch-up went from 1.4-1.8M to
   3.1-3.3M events/s (hub_subscriber_recv_packed).
   The cost: up to 64 MiB the process freed stays resident. The cyclehub
   CLI (subscribe, relay, bridge, export) calls it. Call it once, at
   start, before other threads allocate. Returns 0, or -1 if this malloc
   does not take the settings (not glibc). */
int
    hub_malloc_for_reading (void);

/* How to reach the broker. Fill with hub_connect_options_default, then
   change what you need: fields may be added at the end in later versions
   (CURVE keys, issue 6), and the defaults keep old callers working. The
   strings are borrowed: they must outlive hub_client_new /
   hub_subscriber_new only (both copy what they keep). */
typedef struct {
    const char *api_endpoint;     /* default tcp://127.0.0.1:7400 */
    const char *events_endpoint;  /* default tcp://127.0.0.1:7401 (subscribers) */
    const char *agency;           /* the org-id this client speaks for (PLAIN
                                     username); NULL = $CYCLEHUB_AGENCY */
    const char *password;         /* PLAIN password; default "dev" */
    int timeout_ms;               /* every call's limit; default 5000 */
    int window;                   /* async publishes in flight, default 64 */
    int resend_ms;                /* re-send un-answered requests on a fresh
                                     connection after this long without a
                                     reply; default 2000 */
    int rcvhwm;                   /* subscriber: ZMQ_RCVHWM of the events
                                     socket; 0 = libzmq's default */
    int live_max;                 /* subscriber: live events read from the
                                     socket and held undelivered, at most;
                                     past it they are dropped (as a PUB past
                                     its HWM would) and later backfilled
                                     from history; 0 = rcvhwm if set, else
                                     10000 */
    /* CURVE (production): both set, or neither (PLAIN development mode).
       With CURVE the broker knows the agency from the key: agency is then
       only a label, and may be NULL. */
    const char *server_public_key;  /* the broker's public key itself:
                                       "z85:" and its 40 Z85 characters
                                       (bare 40 characters also do, unless
                                       a file has that name); never a path */
    const char *client_cert;        /* path of the agency's secret
                                       certificate (NAME.cert_secret, from
                                       `cyclehub keys new NAME`) */
    const char *server_public_key_file;  /* or: the path of the broker's
                                       public certificate (broker.cert);
                                       one of the two, not both */
    bool outward;                 /* for programs that forward events outside
                                     the hub: every event this client or
                                     subscriber hands out (history pages,
                                     live events, gap fill) has its personal
                                     data removed first, by the hub's one
                                     outward point (hub_proto_outward_event),
                                     even when the agency is the commission's
                                     owner. The relay, bridge and OCDS export
                                     always set it. Default false: an owner's
                                     own reads see its personal data. */
    bool verbose;                 /* log each reconnection and re-send
                                     (zsys_debug); default false: the
                                     library prints only errors */
    /* Batching of async publishes on the wire (hub_client_publish_async):
       publishes waiting to be sent go out together, as one PublishBatch
       request answered by one AckBatch, so one wake-up of the sockets and
       the broker carries many. A batch leaves when it holds batch_max
       publishes or batch_bytes of envelopes, or when its oldest publish
       has waited linger_us; while nothing of this client is unanswered, a
       publish leaves at once (a lone publish never lingers). A publish
       held back goes out at the latest on the next call into the client
       (publish_async, poll, flush or any request): a program that stops
       publishing calls hub_client_flush or hub_client_poll, as it must to
       see its acks. Each publish keeps its own msg_id, ack or rejection
       and token; the sync hub_client_publish is never batched. */
    int batch_max;                /* publishes per request, at most; default
                                     64, at most 1000; 1 = one publish per
                                     request (what brokers before
                                     PublishBatch understand) */
    int batch_bytes;              /* envelope bytes per request, at most
                                     (a single larger envelope still goes,
                                     alone); default 65536 */
    int linger_us;                /* how long a publish may wait for its
                                     batch to fill while earlier requests
                                     are unanswered; default 1000 (1 ms);
                                     negative = never wait */
} hub_connect_options_t;

/* Fills options with the defaults above. */
void
    hub_connect_options_default (hub_connect_options_t *options);

/* Checks the credentials options ask for, without connecting: the CURVE
   files can be read and the broker's key has one of its two forms (or,
   without CURVE, an agency is given). Returns 0, or -1 with a sentence
   logged (zsys_error). */
int
    hub_connect_options_check (const hub_connect_options_t *options);

/* The outcome of one request: an ack, or a rejection. */
typedef struct {
    uint64_t token;               /* the token hub_client_publish_async gave */
    int rc;                       /* HUB_OK (acked), HUB_REJECTED, or an error */
    uint64_t seq;                 /* acked: the event's seq */
    bool duplicate;               /* acked: stored before under this msg_id */
    Cyclehub__V1__RejectCode code;/* rejected: the machine-readable code */
    char reason [512];            /* rejected: a sentence (truncated) */
    char field [128];             /* rejected: the offending field path, or "" */
    char msg_id [129];            /* the publish's msg_id (generated or given) */
} hub_result_t;

/* Called once per completed async publish, from inside publish_async,
   flush, poll or any other call that reads replies. result is valid only
   during the call. */
typedef void (hub_client_fn) (const hub_result_t *result, void *arg);

typedef struct _hub_client_t hub_client_t;

/* Creates a client and starts connecting (ZeroMQ connects in the
   background: a broker that is down is found out by the first request).
   options may be NULL for all defaults. Returns NULL if the credentials do
   not check out (hub_connect_options_check says why: no agency in PLAIN mode,
   a CURVE file that cannot be read, a malformed broker key), the endpoint is
   malformed, or out of memory. */
hub_client_t *
    hub_client_new (const hub_connect_options_t *options);

/* Destroys the client; un-acked publishes are abandoned (a later publish of
   the same bytes with the same msg_id is safe). Nulls *self_p. */
void
    hub_client_destroy (hub_client_t **self_p);

/* The agency (org-id) the client speaks for. Borrowed. */
const char *
    hub_client_agency (hub_client_t *self);

/* Why the broker refused this client (after HUB_EAUTH): a sentence saying
   what failed (the key is not registered, the org-id was refused, the
   broker's key is not this broker's, the broker wants CURVE or PLAIN) and
   what to check; "" if nothing was refused. The handshake is watched with
   ZeroMQ's socket monitor, so a refusal is known at once, not after the
   timeout. A connection closed without a word before any handshake (a
   broker that wants CURVE, a key that is not the broker's) is a refusal
   only if a second connection, made at once, is closed too: a broker
   killed during the handshake takes none, and stays "cannot be reached".
   Calls within resend_ms of a refusal return HUB_EAUTH at once; the next
   one tries a fresh connection. Borrowed. */
const char *
    hub_client_why (hub_client_t *self);

/* Publishes env and waits for the broker's answer, up to the timeout. If
   env->msg_id is NULL or "", a msg_id is generated for this publish (env
   itself is left as it was; result->msg_id tells the id). env is borrowed.
   Returns HUB_OK (result->seq, ->duplicate), HUB_REJECTED (result->code,
   ->reason, ->field), HUB_UNREACHABLE, HUB_TIMEOUT (the publish may or may
   not be stored: re-publish the same envelope with result->msg_id to find
   out safely), HUB_EINVAL (no body), HUB_ENOMEM, HUB_EPROTO, HUB_EINTR.
   HUB_EAUTH (result->reason: hub_client_why). result may be NULL. Async
   publishes in flight complete meanwhile. */
int
    hub_client_publish (hub_client_t *self, const Cyclehub__V1__Envelope *env,
                        hub_result_t *result);

/* Sets the function called for each completed async publish. Without one,
   completions queue up for hub_client_poll. */
void
    hub_client_set_handler (hub_client_t *self, hub_client_fn *handler, void *arg);

/* Sends env without waiting for its answer. While the window is full it
   reads replies (completing earlier publishes) until there is room. The
   packed bytes are kept and re-sent as they are on a fresh connection if
   no reply comes for resend_ms. *token_p (if not NULL) receives the token
   that the publish's hub_result_t will carry, and msg_id (if not NULL, at
   least 129 bytes) the msg_id used. Returns HUB_OK (queued), HUB_TIMEOUT
   or HUB_UNREACHABLE (the window stayed full for the whole timeout; the
   publish was not queued, those in flight stay queued), HUB_EINVAL,
   HUB_ENOMEM, HUB_EINTR, HUB_EFULL.
   Order across a full store: once a publish is refused with STORE_FULL or
   DISK_FULL, the broker refuses every later publish of this connection
   until the client resumes it, so nothing sent after the refused one is
   stored ahead of it. The next publish call (this or hub_client_publish)
   then waits for every publish in flight to be answered (each refusal
   goes to the handler), resumes the connection, and returns HUB_EFULL
   without sending: re-send the refused ones in order, or drop them, and
   carry on. A refused hub_client_publish with nothing else in flight
   resumes at once (it has no followers), and just returns HUB_REJECTED. */
int
    hub_client_publish_async (hub_client_t *self, const Cyclehub__V1__Envelope *env,
                              uint64_t *token_p, char *msg_id);

/* Waits until every publish in flight has its answer, re-sending on fresh
   connections as needed, for at most timeout_ms (-1 = the client's
   timeout). Returns HUB_OK when none is left in flight, HUB_TIMEOUT or
   HUB_UNREACHABLE if some still are (they stay in flight), HUB_EINTR. */
int
    hub_client_flush (hub_client_t *self, int timeout_ms);

/* Takes the oldest queued completion (only when no handler is set) into
   result, reading replies for up to timeout_ms (0 = do not wait). Returns
   HUB_OK with a completion, HUB_TIMEOUT with none. */
int
    hub_client_poll (hub_client_t *self, hub_result_t *result, int timeout_ms);

/* Publishes sent and not yet answered. */
size_t
    hub_client_in_flight (hub_client_t *self);

/* Sends any request (request_id is set by the client) and waits for its
   Reply, up to the timeout. On HUB_OK *reply_p is the reply (ack, page,
   commission or status), which the caller frees with
   cyclehub__v1__reply__free_unpacked (reply, NULL). On HUB_REJECTED
   *reply_p is NULL and result (if not NULL) holds the rejection. Other
   returns as for hub_client_publish. */
int
    hub_client_request (hub_client_t *self, Cyclehub__V1__Request *request,
                        Cyclehub__V1__Reply **reply_p, hub_result_t *result);

/* A request sent and not yet waited for (hub_client_history_send). */
typedef struct _hub_call_t hub_call_t;

/* Sends a history query without waiting for its page: a reader asks for
   page N+1 as soon as page N has arrived, so that the broker reads it
   while the reader works through N. *call_p is the call, to be given to
   hub_client_history_wait or hub_client_call_cancel (exactly one of them),
   before the client is destroyed. Returns 0 or HUB_ENOMEM. */
int
    hub_client_history_send (hub_client_t *self, const Cyclehub__V1__HistoryQuery *query,
                             hub_call_t **call_p);

/* Waits up to the timeout for the page of a call sent by
   hub_client_history_send; returns as hub_client_history. Takes the call
   (*call_p is nulled); one that has not been answered in time is
   abandoned, its late reply discarded by its request id. */
int
    hub_client_history_wait (hub_client_t *self, hub_call_t **call_p,
                             Cyclehub__V1__Reply **reply_p, hub_result_t *result);

/* Drops a call not wanted any more: its reply, if it came or comes later,
   is discarded. Nulls *call_p; does nothing if it is NULL. */
void
    hub_client_call_cancel (hub_client_t *self, hub_call_t **call_p);

/* One history page for query (borrowed). On HUB_OK *reply_p holds the
   page (reply->page); free as for hub_client_request. Each entry of
   page->events is a packed Event (cyclehub__v1__event__unpack). With
   options.outward, every event of the page is redacted (HUB_EPROTO if one
   cannot be read, so none leaves unchecked); also for a history request
   sent through hub_client_request. */
int
    hub_client_history (hub_client_t *self, const Cyclehub__V1__HistoryQuery *query,
                        Cyclehub__V1__Reply **reply_p, hub_result_t *result);

/* The state of one commission: on HUB_OK reply->commission. HUB_REJECTED
   with code UNKNOWN_COMMISSION if there is none. */
int
    hub_client_commission (hub_client_t *self, const char *commission_id,
                           Cyclehub__V1__Reply **reply_p, hub_result_t *result);

/* The broker's status: on HUB_OK reply->status. */
int
    hub_client_status (hub_client_t *self, Cyclehub__V1__Reply **reply_p,
                       hub_result_t *result);

#ifdef __cplusplus
}
#endif
#endif
