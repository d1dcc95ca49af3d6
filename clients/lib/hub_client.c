/*  hub_client: the api-socket client of libcyclehub. See hub_client.h.
    Every request in flight keeps its packed frame until its reply comes, so
    a fresh connection (after resend_ms of silence) can re-send the same
    bytes; the broker's dedupe makes re-sent publishes safe.
*/
#include "hub_client.h"
#include "hub_secure.h"
#include "hub_handshake.h"
#include "hub_ack_reader.h"
#include <czmq.h>
#include <errno.h>
#ifdef __GLIBC__
#   include <malloc.h>
#endif
#include <inttypes.h>

typedef struct _hub_call_t {
    uint64_t request_id;            //  echoed by the broker
    uint64_t token;                 //  given to the caller (async publishes)
    bool publish;                   //  a publish (counts against the window)
    bool sync;                      //  a caller is waiting for it: keep the reply
    bool sent;                      //  written to the current socket
    bool done;                      //  sync only: reply has arrived
    bool envelope;                  //  an async publish: frame is the packed Envelope, sent
                                    //  in a batch (request_id is given when it is sent)
    int64_t sent_at;                //  mono ms of the last send
    int64_t queued_us;              //  async publishes: when queued (the linger)
    uint8_t *frame;                 //  the packed Request (or Envelope)
    size_t size;
    char msg_id [129];              //  publishes: the msg_id in frame
    Cyclehub__V1__Reply *reply;     //  sync only: the reply, once done
} s_pending_t;

struct _hub_client_t {
    char *api_endpoint;             //  where to connect
    hub_secure_t secure;            //  CURVE keys, or the PLAIN org-id
    int timeout_ms;                 //  default limit of every call
    int window;                     //  async publishes in flight, at most
    int resend_ms;                  //  silence before reconnecting and re-sending
    zsock_t *sock;                  //  the DEALER; recreated on reconnect
    hub_handshake_t *handshake;     //  watches sock's handshake, or NULL
    bool accepted;                  //  the broker accepted this client's identity once
    int64_t refused_at;             //  mono ms the broker refused us, 0: not refused
    bool silent_again;              //  this connection is the second try after a silent close
    zlistx_t *pending;              //  s_pending_t *, in send order
    size_t unsent;                  //  pending entries not yet on the socket
    size_t publishes;               //  async publishes in pending
    zlistx_t *completions;          //  hub_result_t *, when no handler is set
    hub_client_fn *handler;         //  completion callback, or NULL
    void *handler_arg;
    uint64_t next_request_id;
    uint64_t next_token;
    uint64_t id_prefix;             //  random, per client: msg_id uniqueness
    uint64_t id_counter;
    int64_t last_reply;             //  mono ms of the last reply
    bool stopped;                   //  a publish was refused for space: the broker holds
                                    //  this connection's publishes until it is resumed
    bool outward;                   //  redact every history page (options.outward)
    bool verbose;                   //  log its reconnections (options.verbose)
    int batch_max;                  //  async publishes per request, at most
    size_t batch_bytes;             //  their envelope bytes per request, at most
    int linger_us;                  //  how long one may wait for its batch to fill (< 0: never)
    s_pending_t **run;              //  scratch: one batch being sent or answered (batch_max)
    hub_ack_t *acks;                //  scratch: an AckBatch read in place (batch_max)
    uint8_t *scratch;               //  scratch: the batch's request frame
    size_t scratch_size;
};

static const char *s_errors [] = {
    "success",
    "rejected by the broker",
    "no reply from the broker within the timeout",
    "the broker cannot be reached (is cyclehubd running, and is the endpoint right?)",
    "invalid argument",
    "the broker's reply could not be read",
    "out of memory",
    "a file could not be read or written",
    "interrupted",
    "not sent: earlier publishes were refused for lack of space (STORE_FULL or DISK_FULL); "
    "re-send or drop them, then publish again",
    "the broker refused this client's identity",
    "the hub's log ends before this subscriber's saved cursor (restored from an older "
    "backup, or another hub's cursor file)"
};

const char *
hub_strerror (int rc)
{
    if (rc >= 0 && (size_t) rc < sizeof s_errors / sizeof s_errors [0])
        return s_errors [rc];
    return "unknown error";
}

int
hub_malloc_for_reading (void)
{
#ifdef __GLIBC__
    //  Setting either turns off glibc's own adjustment of both
    return mallopt (M_MMAP_THRESHOLD, 4 << 20) == 1
        && mallopt (M_TRIM_THRESHOLD, 64 << 20) == 1? 0: -1;
#else
    return -1;
#endif
}

void
hub_connect_options_default (hub_connect_options_t *options)
{
    memset (options, 0, sizeof *options);
    options->api_endpoint = "tcp://127.0.0.1:7400";
    options->events_endpoint = "tcp://127.0.0.1:7401";
    options->password = "dev";
    options->timeout_ms = 5000;
    options->window = 64;
    options->resend_ms = 2000;
    options->batch_max = 64;
    options->batch_bytes = 65536;
    options->linger_us = 1000;
}

static void
s_pending_destroy (s_pending_t **self_p)
{
    s_pending_t *self = *self_p;
    if (!self)
        return;
    free (self->frame);
    if (self->reply)
        cyclehub__v1__reply__free_unpacked (self->reply, NULL);
    free (self);
    *self_p = NULL;
}

static uint64_t
s_random64 (void)
{
    uint64_t value = 0;
    FILE *file = fopen ("/dev/urandom", "rb");
    if (file) {
        if (fread (&value, sizeof value, 1, file) != 1)
            value = 0;
        fclose (file);
    }
    if (value == 0)                 //  no urandom: time, pid and an address
        value = ((uint64_t) zclock_usecs () << 20) ^ (uint64_t) getpid ()
              ^ (uint64_t) (uintptr_t) &value;
    return value;
}

//  Creates (or recreates) the DEALER and connects it. Everything pending
//  becomes unsent: it will go out again on the new connection.
static int
s_connect (hub_client_t *self)
{
    self->accepted |= hub_handshake_accepted (self->handshake);
    hub_handshake_destroy (&self->handshake);
    zsock_destroy (&self->sock);
    self->refused_at = 0;
    self->silent_again = false;
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    if (!sock)
        return -1;
    zsock_set_linger (sock, 0);
    //  Queue only on completed connections, so that a broker that is down
    //  shows as "cannot send" rather than messages silently queued
    zsock_set_immediate (sock, 1);
    //  No reconnection by ZeroMQ: after a broker restart, requests still
    //  queued on the old connection would reach the new broker ahead of
    //  older ones it lost, and be stored out of order. The client makes a
    //  new connection itself and re-sends everything pending, in order.
    zsock_set_reconnect_ivl (sock, -1);
    zsock_set_sndhwm (sock, self->window * 2 + 1000);
    zsock_set_rcvhwm (sock, 0);
    hub_secure_apply (&self->secure, sock);
    self->handshake = hub_handshake_new (sock, &self->secure, self->api_endpoint,
                                         self->accepted);
    if (zsock_connect (sock, "%s", self->api_endpoint) < 0) {
        hub_handshake_destroy (&self->handshake);
        zsock_destroy (&sock);
        return -1;
    }
    self->sock = sock;
    self->unsent = 0;
    for (s_pending_t *p = zlistx_first (self->pending); p; p = zlistx_next (self->pending)) {
        p->sent = false;
        self->unsent++;
    }
    self->last_reply = zclock_mono ();
    return 0;
}

hub_client_t *
hub_client_new (const hub_connect_options_t *options)
{
    hub_connect_options_t defaults;
    hub_connect_options_default (&defaults);
    if (!options)
        options = &defaults;
    hub_client_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (hub_secure_init (&self->secure, options)) {
        free (self);
        return NULL;
    }
    self->api_endpoint = strdup (options->api_endpoint? options->api_endpoint: defaults.api_endpoint);
    self->timeout_ms = options->timeout_ms > 0? options->timeout_ms: defaults.timeout_ms;
    self->window = options->window > 0? options->window: defaults.window;
    self->resend_ms = options->resend_ms > 0? options->resend_ms: defaults.resend_ms;
    self->outward = options->outward;
    self->verbose = options->verbose;
    self->batch_max = options->batch_max > 0? options->batch_max: defaults.batch_max;
    if (self->batch_max > HUB_PROTO_MAX_BATCH)
        self->batch_max = HUB_PROTO_MAX_BATCH;
    self->batch_bytes = (size_t) (options->batch_bytes > 0? options->batch_bytes: defaults.batch_bytes);
    self->linger_us = options->linger_us? options->linger_us: defaults.linger_us;
    self->run = calloc ((size_t) self->batch_max, sizeof (s_pending_t *));
    self->acks = calloc ((size_t) self->batch_max, sizeof (hub_ack_t));
    self->pending = zlistx_new ();
    self->completions = zlistx_new ();
    self->next_request_id = 1;
    self->next_token = 1;
    self->id_prefix = s_random64 ();
    if (!self->api_endpoint || !self->run || !self->acks || !self->pending || !self->completions || s_connect (self)) {
        hub_client_destroy (&self);
        return NULL;
    }
    return self;
}

void
hub_client_destroy (hub_client_t **self_p)
{
    hub_client_t *self = *self_p;
    if (!self)
        return;
    if (self->pending) {
        s_pending_t *p;
        while ((p = zlistx_detach (self->pending, NULL)))
            s_pending_destroy (&p);
        zlistx_destroy (&self->pending);
    }
    if (self->completions) {
        hub_result_t *result;
        while ((result = zlistx_detach (self->completions, NULL)))
            free (result);
        zlistx_destroy (&self->completions);
    }
    hub_handshake_destroy (&self->handshake);
    zsock_destroy (&self->sock);
    free (self->api_endpoint);
    free (self->run);
    free (self->acks);
    free (self->scratch);
    hub_secure_fini (&self->secure);
    free (self);
    *self_p = NULL;
}

const char *
hub_client_agency (hub_client_t *self)
{
    return self->secure.agency;
}

const char *
hub_client_why (hub_client_t *self)
{
    return self->refused_at? hub_handshake_why (self->handshake): "";
}

void
hub_client_set_handler (hub_client_t *self, hub_client_fn *handler, void *arg)
{
    self->handler = handler;
    self->handler_arg = arg;
}

size_t
hub_client_in_flight (hub_client_t *self)
{
    return self->publishes;
}

//  snprintf (dst, size, "%s", src) without printf's cost: two per publish
static void
s_copy (char *dst, size_t size, const char *src)
{
    size_t len = strnlen (src, size - 1);
    memcpy (dst, src, len);
    dst [len] = 0;
}

//  A generated msg_id, "%016" PRIx64 "-%" PRIu64 of the client's random
//  prefix and its counter, without printf (a fifth of a publish's
//  instructions in the client). out holds at least 38 bytes.
static void
s_msg_id (char *out, uint64_t prefix, uint64_t counter)
{
    static const char hex [] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--, prefix >>= 4)
        out [i] = hex [prefix & 15];
    out [16] = '-';
    char digits [20];
    size_t n = 0;
    do
        digits [n++] = (char) ('0' + counter % 10);
    while ((counter /= 10));
    for (size_t i = 0; i < n; i++)
        out [17 + i] = digits [n - 1 - i];
    out [17 + n] = 0;
}

//  Fills result from an ack or a rejection (neither: HUB_EPROTO).
static void
s_result_from (hub_result_t *result, const Cyclehub__V1__Ack *ack,
               const Cyclehub__V1__Reject *reject)
{
    if (ack) {
        result->rc = HUB_OK;
        result->seq = ack->seq;
        result->duplicate = ack->duplicate;
    }
    else
    if (reject) {
        result->rc = HUB_REJECTED;
        result->code = reject->code;
        snprintf (result->reason, sizeof result->reason, "%s", reject->reason? reject->reason: "");
        snprintf (result->field, sizeof result->field, "%s", reject->field? reject->field: "");
    }
    else
        result->rc = HUB_EPROTO;
}

//  Fills result from a reply to a publish (or any request).
static void
s_result_from_reply (hub_result_t *result, const Cyclehub__V1__Reply *reply)
{
    s_result_from (result,
                   reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK? reply->ack: NULL,
                   reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT? reply->reject: NULL);
}

static void
s_result_init (hub_result_t *result, const s_pending_t *p)
{
    memset (result, 0, sizeof *result);
    if (p) {
        result->token = p->token;
        s_copy (result->msg_id, sizeof result->msg_id, p->msg_id);
    }
}

static void
s_complete (hub_client_t *self, s_pending_t *p, const Cyclehub__V1__Ack *ack,
            const Cyclehub__V1__Reject *reject)
{
    hub_result_t result;
    s_result_init (&result, p);
    s_result_from (&result, ack, reject);
    if (self->handler)
        self->handler (&result, self->handler_arg);
    else {
        hub_result_t *copy = malloc (sizeof *copy);
        if (copy) {
            *copy = result;
            zlistx_add_end (self->completions, copy);
        }
    }
}

//  A publish refused for lack of space stops the connection (the broker
//  refuses its later publishes until a status request resumes it)
static bool
s_space_code (const Cyclehub__V1__Reject *reject)
{
    return reject
        && (reject->code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_STORE_FULL
         || reject->code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_DISK_FULL);
}

static bool
s_space_refusal (const Cyclehub__V1__Reply *reply)
{
    return reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT && s_space_code (reply->reject);
}

//  Completes the async publishes sent together under one request_id, from
//  p (the first, at the list's cursor) on: with the AckBatch's result of
//  each in order, or with the one ack or rejection the reply holds (a
//  single publish, or a batch refused as a whole). A reply read in place
//  (reply NULL) is an AckBatch of nacks acks.
static void
s_complete_run (hub_client_t *self, s_pending_t *p, const Cyclehub__V1__Reply *reply,
                const hub_ack_t *acks, size_t nacks)
{
    //  Take them off the list first: a handler may call into the client
    size_t n = 0;
    uint64_t request_id = p->request_id;
    while (p && p->request_id == request_id && p->envelope && n < (size_t) self->batch_max) {
        zlistx_detach_cur (self->pending);
        if (!p->sent)
            self->unsent--;
        self->publishes--;
        self->run [n++] = p;
        p = zlistx_next (self->pending);
    }
    const Cyclehub__V1__AckBatch *batch =
        reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK_BATCH? reply->ack_batch: NULL;
    for (size_t i = 0; i < n; i++) {
        Cyclehub__V1__Ack read = CYCLEHUB__V1__ACK__INIT;
        const Cyclehub__V1__Ack *ack = NULL;
        const Cyclehub__V1__Reject *reject = NULL;
        if (!reply) {
            if (i < nacks) {                        //  else neither: HUB_EPROTO
                read.seq = acks [i].seq;
                read.duplicate = acks [i].duplicate;
                ack = &read;
            }
        }
        else
        if (batch) {
            const Cyclehub__V1__PublishResult *result = i < batch->n_results
                                                      ? batch->results [i]: NULL;
            //  (a oneof: its members share their storage)
            ack = result && result->result_case == CYCLEHUB__V1__PUBLISH_RESULT__RESULT_ACK
                ? result->ack: NULL;                //  neither: HUB_EPROTO
            reject = result && result->result_case == CYCLEHUB__V1__PUBLISH_RESULT__RESULT_REJECT
                   ? result->reject: NULL;
        }
        else {
            ack = reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK? reply->ack: NULL;
            reject = reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT? reply->reject: NULL;
        }
        if (s_space_code (reject))
            self->stopped = true;
        s_complete (self, self->run [i], ack, reject);
        s_pending_destroy (&self->run [i]);
    }
}

//  Matches one reply frame to its request. An AckBatch of acks (nearly
//  every reply a publisher gets) is read in place; any other reply, and
//  any reply a caller waits for, is unpacked.
static void
s_dispatch (hub_client_t *self, const uint8_t *data, size_t size)
{
    uint64_t request_id = 0;
    Cyclehub__V1__Reply *reply = NULL;
    int nacks = hub_ack_reader_read (data, size, &request_id, self->acks,
                                     (size_t) self->batch_max);
    if (nacks < 0) {
        reply = cyclehub__v1__reply__unpack (NULL, size, data);
        if (!reply) {
            zsys_warning ("client: unreadable reply size=%zu", size);
            return;
        }
        request_id = reply->request_id;
    }
    void *handle = NULL;
    s_pending_t *p = NULL;
    //  Replies come in request order, so the match is nearly always first
    //  (an async publish has its request_id once sent)
    for (p = zlistx_first (self->pending); p; p = zlistx_next (self->pending))
        if (p->request_id == request_id && (p->sent || !p->envelope)) {
            handle = zlistx_cursor (self->pending);
            break;
        }
    if (p && p->sync && !reply)
        reply = cyclehub__v1__reply__unpack (NULL, size, data);
    if (!p || (p->sync && !reply)) {
        //  A late reply to an abandoned request (or no memory to unpack
        //  one a caller waits for: it times out)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        return;
    }
    if (p->sync) {
        if (!p->sent)
            self->unsent--;
        p->reply = reply;
        p->done = true;
        p->sent = true;
        zlistx_detach (self->pending, handle);
        return;                     //  the waiting caller owns p now
    }
    s_complete_run (self, p, reply, self->acks, nacks > 0? (size_t) nacks: 0);
    cyclehub__v1__reply__free_unpacked (reply, NULL);
}

static void
s_recv_all (hub_client_t *self)
{
    void *handle = zsock_resolve (self->sock);
    while (true) {
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, handle, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&msg);
            break;
        }
        self->last_reply = zclock_mono ();
        bool more = zmq_msg_more (&msg);
        s_dispatch (self, zmq_msg_data (&msg), zmq_msg_size (&msg));
        zmq_msg_close (&msg);
        while (more) {              //  one frame per reply; skip any extra
            zmq_msg_init (&msg);
            if (zmq_msg_recv (&msg, handle, 0) < 0)
                more = false;
            else
                more = zmq_msg_more (&msg);
            zmq_msg_close (&msg);
        }
    }
}

static size_t
s_varint (uint8_t *out, uint64_t value)
{
    size_t n = 0;
    while (value >= 0x80) {
        out [n++] = (uint8_t) (value | 0x80);
        value >>= 7;
    }
    out [n++] = (uint8_t) value;
    return n;
}

static size_t
s_varint_size (uint64_t value)
{
    uint8_t scratch [10];
    return s_varint (scratch, value);
}

//  Sends the n async publishes in self->run as one request: a plain
//  publish if n is 1, else a PublishBatch. The frame is written by hand
//  around the envelopes' packed bytes (field order as protobuf-c packs a
//  Request: request_id, then the body). Returns 0, or -1 if the socket
//  would block (nothing sent).
static int
s_send_run (hub_client_t *self, void *handle, size_t n)
{
    size_t inner = 0, need = 40;
    for (size_t i = 0; i < n; i++) {
        inner += 1 + s_varint_size (self->run [i]->size) + self->run [i]->size;
        need += self->run [i]->size + 11;
    }
    if (need > self->scratch_size) {
        uint8_t *grown = realloc (self->scratch, need);
        if (!grown)
            return -1;
        self->scratch = grown;
        self->scratch_size = need;
    }
    uint64_t request_id = self->next_request_id++;
    uint8_t *out = self->scratch;
    size_t at = 0;
    out [at++] = (1 << 3) | 0;                          //  request_id
    at += s_varint (out + at, request_id);
    if (n == 1) {
        at += s_varint (out + at, (CYCLEHUB__V1__REQUEST__BODY_PUBLISH << 3) | 2);
        at += s_varint (out + at, self->run [0]->size);
    }
    else {
        at += s_varint (out + at, (CYCLEHUB__V1__REQUEST__BODY_PUBLISH_BATCH << 3) | 2);
        at += s_varint (out + at, inner);
    }
    for (size_t i = 0; i < n; i++) {
        if (n > 1) {
            out [at++] = (1 << 3) | 2;                  //  PublishBatch.envelopes
            at += s_varint (out + at, self->run [i]->size);
        }
        memcpy (out + at, self->run [i]->frame, self->run [i]->size);
        at += self->run [i]->size;
    }
    if (zmq_send (handle, out, at, ZMQ_DONTWAIT) < 0)
        return -1;
    int64_t now = zclock_mono ();
    for (size_t i = 0; i < n; i++) {
        self->run [i]->request_id = request_id;
        self->run [i]->sent = true;
        self->run [i]->sent_at = now;
    }
    self->unsent -= n;
    return 0;
}

//  Should a batch that could take more wait for them? Only while earlier
//  requests are unanswered (so a lone publish never waits), and for at
//  most linger_us since its first publish was queued.
static bool
s_linger (hub_client_t *self, const s_pending_t *first)
{
    const s_pending_t *oldest = zlistx_first (self->pending);
    return self->linger_us > 0 && oldest && oldest->sent
        && zclock_usecs () - first->queued_us < self->linger_us;
}

//  Writes unsent requests, in order, until the socket would block; runs of
//  async publishes go out in batches. With hold, a last batch that is not
//  full may stay back to fill (s_linger).
static void
s_send_unsent (hub_client_t *self, bool hold)
{
    if (self->unsent == 0)
        return;
    //  The unsent requests are the last ones: walk back to the first
    void *handle = zsock_resolve (self->sock);
    s_pending_t *p = zlistx_last (self->pending);
    for (size_t k = 1; p && k < self->unsent; k++)
        p = zlistx_prev (self->pending);
    while (p && !p->sent) {
        if (!p->envelope) {
            if (zmq_send (handle, p->frame, p->size, ZMQ_DONTWAIT) < 0)
                break;
            p->sent = true;
            p->sent_at = zclock_mono ();
            self->unsent--;
            p = zlistx_next (self->pending);
            continue;
        }
        size_t n = 0, bytes = 0;
        s_pending_t *q = p;
        while (q && q->envelope && n < (size_t) self->batch_max
        &&     (n == 0 || bytes + q->size <= self->batch_bytes)) {
            self->run [n++] = q;
            bytes += q->size;
            q = zlistx_next (self->pending);
        }
        bool full = n == (size_t) self->batch_max || (q && q->envelope);
        if (hold && !q && !full && s_linger (self, p))
            break;
        if (s_send_run (self, handle, n))
            break;
        p = q;
    }
}

//  One round of I/O: send what can be sent, wait up to `until` (mono ms)
//  for a reply or for room to send, read every reply waiting. Reconnects
//  when requests were sent and nothing came back for resend_ms.
static int
s_pump (hub_client_t *self, int64_t until)
{
    //  Refused: say so at once, until resend_ms have passed; then a fresh
    //  connection tries again (a registry may have learnt our key)
    if (self->refused_at && zclock_mono () - self->refused_at < self->resend_ms)
        return HUB_EAUTH;
    if (self->refused_at && s_connect (self))
        return HUB_ENOMEM;
    s_send_unsent (self, false);
    int64_t now = zclock_mono ();
    s_pending_t *oldest = zlistx_first (self->pending);
    //  Nothing heard for resend_ms: requests sent and unanswered, or not
    //  even sendable (no connection: the broker was down when we connected)
    if (oldest && now - self->last_reply >= self->resend_ms
    &&  (self->unsent > 0 || now - oldest->sent_at >= self->resend_ms)) {
        if (self->verbose)          //  a library is silent unless asked
            zsys_debug ("client: no reply for %d ms: reconnecting, re-sending %zu",
                        self->resend_ms, zlistx_size (self->pending));
        if (s_connect (self))
            return HUB_ENOMEM;
        s_send_unsent (self, false);
        now = zclock_mono ();
    }
    int64_t wait = until - now;
    if (oldest) {
        int64_t resend_in = self->resend_ms - (now - self->last_reply);
        if (resend_in < wait)
            wait = resend_in < 1? 1: resend_in;
    }
    if (wait < 0)
        wait = 0;
    zmq_pollitem_t items [2] = {
        { zsock_resolve (self->sock), 0, (short) (ZMQ_POLLIN | (self->unsent? ZMQ_POLLOUT: 0)), 0 },
        { self->handshake? hub_handshake_resolve (self->handshake): NULL, 0, ZMQ_POLLIN, 0 }
    };
    int rc = zmq_poll (items, self->handshake? 2: 1, (long) wait);
    if (rc < 0)
        return zmq_errno () == EINTR? HUB_EINTR: HUB_EPROTO;
    if (items [0].revents & ZMQ_POLLIN)
        s_recv_all (self);
    if ((items [1].revents & ZMQ_POLLIN) && hub_handshake_read (self->handshake)) {
        //  Closed without a word before any handshake: a broker that wants
        //  CURVE, or one killed during the handshake. A second connection
        //  at once tells them apart (a dead broker takes none), so a crash
        //  is not reported as a refusal of this client's identity.
        if (hub_handshake_silent (self->handshake) && !self->silent_again) {
            if (s_connect (self))
                return HUB_ENOMEM;
            self->silent_again = true;      //  (any other connection clears it)
            return HUB_OK;
        }
        self->refused_at = zclock_mono ();
        return HUB_EAUTH;
    }
    return HUB_OK;
}

//  What to say when a wait ran out: never connected, or no answer.
static int
s_timeout_rc (hub_client_t *self)
{
    return self->unsent? HUB_UNREACHABLE: HUB_TIMEOUT;
}

//  Packs request into a new pending entry (not yet queued).
static s_pending_t *
s_pending_new (hub_client_t *self, Cyclehub__V1__Request *request, bool publish, bool sync)
{
    s_pending_t *p = calloc (1, sizeof *p);
    if (!p)
        return NULL;
    p->request_id = self->next_request_id++;
    p->publish = publish;
    p->sync = sync;
    request->request_id = p->request_id;
    p->size = cyclehub__v1__request__get_packed_size (request);
    p->frame = malloc (p->size? p->size: 1);
    if (!p->frame) {
        free (p);
        return NULL;
    }
    cyclehub__v1__request__pack (request, p->frame);
    return p;
}

//  An async publish: its packed envelope, sent later in a batch
static s_pending_t *
s_envelope_new (const Cyclehub__V1__Envelope *env)
{
    s_pending_t *p = calloc (1, sizeof *p);
    if (!p)
        return NULL;
    p->publish = true;
    p->envelope = true;
    p->queued_us = zclock_usecs ();
    p->size = cyclehub__v1__envelope__get_packed_size (env);
    p->frame = malloc (p->size? p->size: 1);
    if (!p->frame) {
        free (p);
        return NULL;
    }
    cyclehub__v1__envelope__pack (env, p->frame);
    return p;
}

static void
s_enqueue (hub_client_t *self, s_pending_t *p)
{
    zlistx_add_end (self->pending, p);
    self->unsent++;
    if (p->publish && !p->sync)
        self->publishes++;
    //  Only an async publish may stay back to fill its batch
    s_send_unsent (self, p->envelope);
}

//  Builds the pending entry of a publish, generating the msg_id if needed.
static int
s_publish_new (hub_client_t *self, const Cyclehub__V1__Envelope *env, bool sync,
               s_pending_t **p_p)
{
    if (!env || env->body_case == CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET)
        return HUB_EINVAL;
    Cyclehub__V1__Envelope copy = *env;     //  shallow: only msg_id may change
    char msg_id [129];
    if (env->msg_id && *env->msg_id)
        s_copy (msg_id, sizeof msg_id, env->msg_id);
    else {
        s_msg_id (msg_id, self->id_prefix, ++self->id_counter);
        copy.msg_id = msg_id;
    }
    s_pending_t *p = NULL;
    if (sync) {
        Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
        request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH;
        request.publish = &copy;
        p = s_pending_new (self, &request, true, sync);
    }
    else
        p = s_envelope_new (&copy);
    if (!p)
        return HUB_ENOMEM;
    s_copy (p->msg_id, sizeof p->msg_id, msg_id);
    *p_p = p;
    return HUB_OK;
}

//  Drops a sync request: out of pending if its reply has not come (a late
//  one finds no match and is freed), with its reply if it has.
static void
s_abandon (hub_client_t *self, s_pending_t **p_p)
{
    s_pending_t *p = *p_p;
    if (!p->done) {
        if (!p->sent)
            self->unsent--;
        void *handle = zlistx_find (self->pending, p);
        if (handle)
            zlistx_detach (self->pending, handle);
    }
    s_pending_destroy (p_p);
}

//  Waits for a sync request's reply until the deadline. Takes p (queued);
//  on return p is destroyed and *reply_p holds the reply, if any.
static int
s_wait (hub_client_t *self, s_pending_t *p, int64_t deadline, Cyclehub__V1__Reply **reply_p)
{
    int rc = HUB_OK;
    while (!p->done) {
        if (zclock_mono () >= deadline) {
            rc = s_timeout_rc (self);
            break;
        }
        rc = s_pump (self, deadline);
        if (rc != HUB_OK)
            break;
    }
    if (!p->done) {                 //  abandon it: a late reply is ignored
        s_abandon (self, &p);
        return rc == HUB_OK? HUB_TIMEOUT: rc;
    }
    *reply_p = p->reply;
    p->reply = NULL;
    s_pending_destroy (&p);
    return HUB_OK;
}

//  After a refusal for space: every publish in flight answered (each
//  refusal reported), then a status request resumes the connection.
//  Returns HUB_OK (resumed), or the flush's or the request's failure.
static int
s_resume (hub_client_t *self)
{
    int rc = hub_client_flush (self, -1);
    Cyclehub__V1__Reply *reply = NULL;
    if (rc == HUB_OK)
        rc = hub_client_status (self, &reply, NULL);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    if (rc == HUB_OK)
        self->stopped = false;
    return rc;
}

int
hub_client_publish (hub_client_t *self, const Cyclehub__V1__Envelope *env,
                    hub_result_t *result)
{
    hub_result_t scratch;
    if (!result)
        result = &scratch;
    s_result_init (result, NULL);
    if (self->stopped) {
        int rc = s_resume (self);
        return result->rc = rc == HUB_OK? HUB_EFULL: rc;
    }
    s_pending_t *p = NULL;
    int rc = s_publish_new (self, env, true, &p);
    if (rc != HUB_OK) {
        result->rc = rc;
        return rc;
    }
    s_copy (result->msg_id, sizeof result->msg_id, p->msg_id);
    s_enqueue (self, p);
    Cyclehub__V1__Reply *reply = NULL;
    rc = s_wait (self, p, zclock_mono () + self->timeout_ms, &reply);
    if (rc == HUB_EAUTH)
        snprintf (result->reason, sizeof result->reason, "%s", hub_client_why (self));
    if (rc == HUB_OK) {
        s_result_from_reply (result, reply);
        rc = result->rc;
        //  Refused for space with nothing else in flight: no follower to
        //  hold back, so the connection is resumed at once
        if (s_space_refusal (reply)) {
            self->stopped = true;
            if (self->publishes == 0)
                s_resume (self);
        }
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    }
    result->rc = rc;
    return rc;
}

int
hub_client_publish_async (hub_client_t *self, const Cyclehub__V1__Envelope *env,
                          uint64_t *token_p, char *msg_id)
{
    int64_t deadline = zclock_mono () + self->timeout_ms;
    while (self->publishes >= (size_t) self->window) {
        if (zclock_mono () >= deadline)
            return s_timeout_rc (self);
        int rc = s_pump (self, deadline);
        if (rc != HUB_OK)
            return rc;
    }
    if (self->stopped) {
        int rc = s_resume (self);
        return rc == HUB_OK? HUB_EFULL: rc;
    }
    s_pending_t *p = NULL;
    int rc = s_publish_new (self, env, false, &p);
    if (rc != HUB_OK)
        return rc;
    p->token = self->next_token++;
    if (token_p)
        *token_p = p->token;
    if (msg_id)
        snprintf (msg_id, 129, "%s", p->msg_id);
    s_enqueue (self, p);
    //  Collect what is already answered now and then, not on every call:
    //  each look at the socket is a system call or two
    if (p->token % 16 == 0)
        s_recv_all (self);
    return HUB_OK;
}

int
hub_client_flush (hub_client_t *self, int timeout_ms)
{
    int64_t deadline = zclock_mono () + (timeout_ms < 0? self->timeout_ms: timeout_ms);
    while (self->publishes > 0) {
        if (zclock_mono () >= deadline)
            return s_timeout_rc (self);
        int rc = s_pump (self, deadline);
        if (rc != HUB_OK)
            return rc;
    }
    return HUB_OK;
}

int
hub_client_poll (hub_client_t *self, hub_result_t *result, int timeout_ms)
{
    int64_t deadline = zclock_mono () + (timeout_ms > 0? timeout_ms: 0);
    while (true) {
        hub_result_t *first = zlistx_first (self->completions);
        if (first) {
            *result = *first;
            zlistx_detach_cur (self->completions);
            free (first);
            return HUB_OK;
        }
        if (zlistx_size (self->pending) == 0 || zclock_mono () >= deadline) {
            s_send_unsent (self, true);     //  batches whose linger is over
            if (zlistx_size (self->pending))
                s_recv_all (self);
            if (zlistx_size (self->completions))
                continue;
            return HUB_TIMEOUT;
        }
        int rc = s_pump (self, deadline);
        if (rc != HUB_OK)
            return rc;
    }
}

//  Outward mode: passes every event of a history page through the hub's
//  one outward point. The broker already redacts for anyone but the owner,
//  so only an owner's page changes. Returns 0, or -1 if an event cannot be
//  read or redacted (the page must not be handed out).
static int
s_outward_page (Cyclehub__V1__HistoryPage *page)
{
    //  The reply's bytes fields are malloc'd: the default allocator
    for (size_t i = 0; i < page->n_events; i++)
        if (hub_proto_outward_bytes (&page->events [i].data, &page->events [i].len) < 0)
            return -1;
    return 0;
}

static int
    s_finish (hub_client_t *self, s_pending_t *p, Cyclehub__V1__Reply **reply_p,
              hub_result_t *result);

int
hub_client_request (hub_client_t *self, Cyclehub__V1__Request *request,
                    Cyclehub__V1__Reply **reply_p, hub_result_t *result)
{
    *reply_p = NULL;
    hub_result_t scratch;
    if (!result)
        result = &scratch;
    s_result_init (result, NULL);
    s_pending_t *p = s_pending_new (self, request, false, true);
    if (!p)
        return result->rc = HUB_ENOMEM;
    s_enqueue (self, p);
    return s_finish (self, p, reply_p, result);
}

//  Waits for a sync request sent (takes p) and checks its reply.
static int
s_finish (hub_client_t *self, s_pending_t *p, Cyclehub__V1__Reply **reply_p,
          hub_result_t *result)
{
    Cyclehub__V1__Reply *reply = NULL;
    int rc = s_wait (self, p, zclock_mono () + self->timeout_ms, &reply);
    if (rc == HUB_EAUTH)
        snprintf (result->reason, sizeof result->reason, "%s", hub_client_why (self));
    if (rc != HUB_OK)
        return result->rc = rc;
    if (reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT) {
        s_result_from_reply (result, reply);
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        return HUB_REJECTED;
    }
    if (self->outward && reply->body_case == CYCLEHUB__V1__REPLY__BODY_PAGE
    &&  s_outward_page (reply->page)) {
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        return result->rc = HUB_EPROTO;
    }
    *reply_p = reply;
    return result->rc = HUB_OK;
}

//  Checks that a reply holds the body asked for.
static int
s_expect (Cyclehub__V1__Reply **reply_p, Cyclehub__V1__Reply__BodyCase body_case, int rc)
{
    if (rc == HUB_OK && (*reply_p)->body_case != body_case) {
        cyclehub__v1__reply__free_unpacked (*reply_p, NULL);
        *reply_p = NULL;
        return HUB_EPROTO;
    }
    return rc;
}

int
hub_client_history (hub_client_t *self, const Cyclehub__V1__HistoryQuery *query,
                    Cyclehub__V1__Reply **reply_p, hub_result_t *result)
{
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
    request.history = (Cyclehub__V1__HistoryQuery *) query;
    return s_expect (reply_p, CYCLEHUB__V1__REPLY__BODY_PAGE,
                     hub_client_request (self, &request, reply_p, result));
}

int
hub_client_history_send (hub_client_t *self, const Cyclehub__V1__HistoryQuery *query,
                         hub_call_t **call_p)
{
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
    request.history = (Cyclehub__V1__HistoryQuery *) query;
    *call_p = s_pending_new (self, &request, false, true);
    if (!*call_p)
        return HUB_ENOMEM;
    s_enqueue (self, *call_p);
    return HUB_OK;
}

int
hub_client_history_wait (hub_client_t *self, hub_call_t **call_p,
                         Cyclehub__V1__Reply **reply_p, hub_result_t *result)
{
    *reply_p = NULL;
    hub_result_t scratch;
    if (!result)
        result = &scratch;
    s_result_init (result, NULL);
    s_pending_t *p = *call_p;
    *call_p = NULL;
    return s_expect (reply_p, CYCLEHUB__V1__REPLY__BODY_PAGE, s_finish (self, p, reply_p, result));
}

void
hub_client_call_cancel (hub_client_t *self, hub_call_t **call_p)
{
    if (*call_p)
        s_abandon (self, call_p);
}

int
hub_client_commission (hub_client_t *self, const char *commission_id,
                       Cyclehub__V1__Reply **reply_p, hub_result_t *result)
{
    Cyclehub__V1__CommissionQuery query = CYCLEHUB__V1__COMMISSION_QUERY__INIT;
    query.commission_id = (char *) commission_id;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_COMMISSION;
    request.commission = &query;
    return s_expect (reply_p, CYCLEHUB__V1__REPLY__BODY_COMMISSION,
                     hub_client_request (self, &request, reply_p, result));
}

int
hub_client_status (hub_client_t *self, Cyclehub__V1__Reply **reply_p, hub_result_t *result)
{
    Cyclehub__V1__StatusQuery query = CYCLEHUB__V1__STATUS_QUERY__INIT;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_STATUS;
    request.status = &query;
    return s_expect (reply_p, CYCLEHUB__V1__REPLY__BODY_STATUS,
                     hub_client_request (self, &request, reply_p, result));
}
