/*  hub_subscriber: live events plus history catch-up, exactly once and in
    order. See hub_subscriber.h. The state is one number, `scanned`: every
    seq at or below it has been processed (queued for the application or
    skipped by the filter). Live events extend it when they are the next
    seq; anything else (a jump, a heartbeat ahead, dropped live events, the
    first catch-up) is filled in from history pages with the same filter.

    Events are held as the broker sent them, packed: their fields are read
    in place (hub_event_read) to follow the seqs and apply the filter, and
    an event is unpacked only if the application asks for it unpacked
    (hub_subscriber_recv). hub_subscriber_recv_packed lends the bytes.
*/
#include "hub_subscriber.h"
#include "hub_event_reader.h"
#include "hub_secure.h"
#include <czmq.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>

#define S_PAGE_LIMIT    10000       //  events per history page asked for (the broker's cap)
#define S_PAGE_BYTES    (1 << 20)   //  the bytes a page asked for ahead aims at
#define S_DRAIN_MAX     10000       //  live messages read per drain
#define S_LIVE_DEFAULT  10000       //  live events held, by default
#define S_SYNC_EVENTS   1000        //  acknowledged seqs before the cursor is synced
#define S_SYNC_MS       200         //  ... or this long since the last sync
#define S_DRAIN_MS      1           //  while events are ready, drain this often (a tick at least)
#define S_AHEAD_PAGES   3           //  catch-up pages asked for ahead, at most
#define S_AHEAD_BYTES   (4 << 20)   //  ... their bytes, at most, by the last page's
#define S_SPAN_MAX      (1 << 24)   //  seqs a page asked for ahead spans, at most

//  An event held by the subscriber: its seq and, if the application wants
//  it, its packed bytes (malloc'd, ours). NULL data marks a live event the
//  filter skips, kept only so that the seqs stay continuous.
typedef struct {
    uint64_t seq;
    uint8_t *data;
    size_t size;
} s_item_t;

//  A FIFO of items: a ring that doubles when full, so that holding an
//  event costs no allocation beyond its bytes.
typedef struct {
    s_item_t *items;
    size_t head, count, cap;
} s_queue_t;

static bool
s_queue_push (s_queue_t *queue, s_item_t item)
{
    if (queue->count == queue->cap) {
        size_t cap = queue->cap? queue->cap * 2: 64;
        s_item_t *items = malloc (cap * sizeof *items);
        if (!items)
            return false;
        for (size_t i = 0; i < queue->count; i++)
            items [i] = queue->items [(queue->head + i) % queue->cap];
        free (queue->items);
        queue->items = items;
        queue->head = 0;
        queue->cap = cap;
    }
    queue->items [(queue->head + queue->count++) % queue->cap] = item;
    return true;
}

static s_item_t *
s_queue_first (s_queue_t *queue)
{
    return queue->count? &queue->items [queue->head]: NULL;
}

static s_item_t *
s_queue_last (s_queue_t *queue)
{
    return queue->count? &queue->items [(queue->head + queue->count - 1) % queue->cap]: NULL;
}

//  Detaches the first item (the queue must not be empty): its bytes are the caller's.
static s_item_t
s_queue_pop (s_queue_t *queue)
{
    s_item_t item = queue->items [queue->head];
    queue->head = (queue->head + 1) % queue->cap;
    queue->count--;
    return item;
}

static void
s_queue_fini (s_queue_t *queue)
{
    while (queue->count)
        free (s_queue_pop (queue).data);
    free (queue->items);
    *queue = (s_queue_t) { 0 };
}

//  A catch-up page asked for ahead: its seq range, to inclusive
typedef struct {
    hub_call_t *call;
    uint64_t from, to;
} s_ahead_t;

struct _hub_subscriber_t {
    hub_connect_options_t options;  //  copy; strings below are ours
    char *api_endpoint;
    char *events_endpoint;
    hub_secure_t secure;            //  CURVE keys, or the PLAIN org-id
    hub_client_t *client;           //  history and status queries
    s_ahead_t ahead [S_AHEAD_PAGES];    //  catch-up pages asked for ahead, in seq order
    size_t nahead;
    size_t ahead_max;               //  pages asked for ahead, at most (fewer after OVERLOADED)
    zsock_t *sub;                   //  the events SUB socket
    zlistx_t *topics;               //  char *, ZeroMQ prefixes
    char *commission;               //  library filters, or NULL
    char *type;
    char *agency_filter;
    char *cursor_path;              //  cursor file, or NULL
    uint64_t from;                  //  first seq wanted
    bool from_file;                 //  from came from the cursor file
    uint64_t file_cursor;           //  the cursor the file held then (0: none)
    bool started;
    int live_max;                   //  live events held before dropping
    uint64_t scanned;               //  every seq <= scanned is processed
    uint64_t known_last;            //  highest seq known to be stored
    bool syncing;                   //  initial catch-up not at its end yet
    bool unacked;                   //  an event was returned, not yet acknowledged
    uint64_t acked;                 //  cursor value acknowledged (maybe not yet saved)
    uint64_t saved;                 //  cursor value in the file
    int64_t saved_at;               //  s_tick_ms of the last save
    int64_t drained_at;             //  s_tick_ms of the last drain
    s_queue_t ready;                //  matching events, in seq order
    s_queue_t live;                 //  live events, seq > scanned, in seq order
    uint8_t *lent;                  //  bytes hub_subscriber_recv_packed handed out
    hub_subscriber_stats_t stats;
    char why [400];                 //  HUB_EBEHIND's sentence, or ""
};

static int
    s_save (hub_subscriber_t *self, uint64_t cursor);

//  The monotonic clock to the kernel's tick (1-4 ms), for what is done
//  "every so often" per delivered event: the drain, the cursor's sync. It
//  costs a seventh of zclock_mono's full-resolution read, which was a
//  tenth of the client's time in a catch-up on this VM.
static int64_t
s_tick_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC_COARSE, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void
    s_ahead_cancel (hub_subscriber_t *self);

static void
s_string_free (void **item)
{
    free (*item);
    *item = NULL;
}

static char *
s_dup (const char *s)
{
    return s && *s? strdup (s): NULL;
}

hub_subscriber_t *
hub_subscriber_new (const hub_connect_options_t *options)
{
    hub_connect_options_t defaults;
    hub_connect_options_default (&defaults);
    if (!options)
        options = &defaults;
    hub_subscriber_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (hub_secure_init (&self->secure, options)) {
        free (self);
        return NULL;
    }
    self->options = *options;
    self->api_endpoint = strdup (options->api_endpoint? options->api_endpoint: defaults.api_endpoint);
    self->events_endpoint = strdup (options->events_endpoint? options->events_endpoint:
                                    defaults.events_endpoint);
    self->options.api_endpoint = self->api_endpoint;
    self->options.events_endpoint = self->events_endpoint;
    //  The history client reads the same files again: the paths stay the caller's
    self->options.agency = self->secure.agency;
    self->live_max = options->live_max > 0? options->live_max:
                     options->rcvhwm > 0? options->rcvhwm: S_LIVE_DEFAULT;
    self->topics = zlistx_new ();
    self->syncing = true;
    self->ahead_max = S_AHEAD_PAGES;
    if (!self->api_endpoint || !self->events_endpoint || !self->topics) {
        hub_subscriber_destroy (&self);
        return NULL;
    }
    zlistx_set_destructor (self->topics, s_string_free);
    return self;
}

void
hub_subscriber_destroy (hub_subscriber_t **self_p)
{
    hub_subscriber_t *self = *self_p;
    if (!self)
        return;
    //  The event in the application's hands was not acknowledged: the
    //  cursor acknowledged before it was handed out is saved (it is
    //  delivered again)
    if (self->started && !self->unacked)
        hub_subscriber_save (self);
    else
    if (self->started)
        s_save (self, self->acked);
    zsock_destroy (&self->sub);
    s_ahead_cancel (self);
    hub_client_destroy (&self->client);
    zlistx_destroy (&self->topics);
    s_queue_fini (&self->ready);
    s_queue_fini (&self->live);
    free (self->lent);
    free (self->api_endpoint);
    free (self->events_endpoint);
    hub_secure_fini (&self->secure);
    free (self->commission);
    free (self->type);
    free (self->agency_filter);
    free (self->cursor_path);
    free (self);
    *self_p = NULL;
}

int
hub_subscriber_add_topic (hub_subscriber_t *self, const char *prefix)
{
    char *copy = strdup (prefix? prefix: "");
    if (!copy)
        return -1;
    zlistx_add_end (self->topics, copy);
    return 0;
}

static int
s_set (char **field, const char *value)
{
    free (*field);
    *field = s_dup (value);
    return value && *value && !*field? -1: 0;
}

int
hub_subscriber_set_commission (hub_subscriber_t *self, const char *commission_id)
{
    return s_set (&self->commission, commission_id);
}

int
hub_subscriber_set_type (hub_subscriber_t *self, const char *type_name)
{
    return s_set (&self->type, type_name);
}

int
hub_subscriber_set_agency (hub_subscriber_t *self, const char *agency)
{
    return s_set (&self->agency_filter, agency);
}

void
hub_subscriber_set_from (hub_subscriber_t *self, uint64_t seq)
{
    if (!self->from_file)
        self->from = seq;
}

int
hub_subscriber_set_cursor_file (hub_subscriber_t *self, const char *path)
{
    free (self->cursor_path);
    self->cursor_path = strdup (path);
    if (!self->cursor_path)
        return HUB_ENOMEM;
    FILE *file = fopen (path, "r");
    if (!file)
        return errno == ENOENT? HUB_OK: HUB_EIO;
    char line [64] = "";
    bool ok = fgets (line, sizeof line, file) != NULL;
    fclose (file);
    char *end = NULL;
    errno = 0;
    unsigned long long cursor = ok? strtoull (line, &end, 10): 0;
    if (!ok || end == line || errno || (*end && *end != '\n'))
        return HUB_EIO;
    self->from = (uint64_t) cursor + 1;
    self->from_file = true;
    self->saved = cursor;
    //  Seqs up to the cursor were stored once: a log that ends before it
    //  is not the one the cursor was saved from (s_fetch)
    self->file_cursor = cursor;
    return HUB_OK;
}

//  The cursor: everything at or below it has been handled by the application.
static uint64_t
s_cursor (hub_subscriber_t *self)
{
    s_item_t *first = s_queue_first (&self->ready);
    return first? first->seq - 1: self->scanned;
}

uint64_t
hub_subscriber_cursor (hub_subscriber_t *self)
{
    return s_cursor (self);
}

const char *
hub_subscriber_why (hub_subscriber_t *self)
{
    return *self->why? self->why: self->client? hub_client_why (self->client): "";
}

//  Writes cursor to the cursor file atomically (a temporary file, fsync,
//  rename). Returns 0, HUB_EIO or HUB_ENOMEM.
static int
s_save (hub_subscriber_t *self, uint64_t cursor)
{
    if (!self->cursor_path || cursor == self->saved)
        return HUB_OK;
    size_t size = strlen (self->cursor_path) + 8;
    char *tmp = malloc (size);
    if (!tmp)
        return HUB_ENOMEM;
    snprintf (tmp, size, "%s.tmp", self->cursor_path);
    int rc = HUB_EIO;
    int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        char line [32];
        int len = snprintf (line, sizeof line, "%" PRIu64 "\n", cursor);
        bool ok = write (fd, line, (size_t) len) == len && fsync (fd) == 0;
        ok = close (fd) == 0 && ok;
        if (ok && rename (tmp, self->cursor_path) == 0) {
            self->saved = cursor;
            self->saved_at = s_tick_ms ();
            rc = HUB_OK;
        }
        else
            unlink (tmp);
    }
    if (rc != HUB_OK)
        zsys_warning ("subscriber: cannot save cursor path=%s: %s",
                      self->cursor_path, strerror (errno));
    free (tmp);
    return rc;
}

//  Saves the acknowledged cursor if it is due: S_SYNC_EVENTS seqs or
//  S_SYNC_MS behind, or now (before the subscriber waits: an idle one
//  has its file up to date). An fsync per event held catch-up to about
//  2,000 events/s; after a crash at most one group is delivered again.
static int
s_sync (hub_subscriber_t *self, bool now)
{
    if (!self->cursor_path || self->acked == self->saved)
        return HUB_OK;
    if (now || self->acked - self->saved >= S_SYNC_EVENTS
    ||  s_tick_ms () - self->saved_at >= S_SYNC_MS)
        return s_save (self, self->acked);
    return HUB_OK;
}

int
hub_subscriber_save (hub_subscriber_t *self)
{
    self->acked = s_cursor (self);
    return s_save (self, self->acked);
}

void
hub_subscriber_stats (hub_subscriber_t *self, hub_subscriber_stats_t *stats)
{
    *stats = self->stats;
}

int
hub_subscriber_start (hub_subscriber_t *self)
{
    if (self->started)
        return HUB_OK;
    //  Outward mode redacts at delivery (hub_subscriber_recv), history
    //  included: the history client need not unpack every event twice
    hub_connect_options_t history_options = self->options;
    history_options.outward = false;
    self->client = hub_client_new (&history_options);
    if (!self->client)
        return HUB_EINVAL;
    zsock_t *sub = zsock_new (ZMQ_SUB);
    if (!sub)
        return HUB_ENOMEM;
    zsock_set_linger (sub, 0);
    if (self->options.rcvhwm > 0)
        zsock_set_rcvhwm (sub, self->options.rcvhwm);
    hub_secure_apply (&self->secure, sub);
    //  Subscribe before connecting, and before asking for history: any event
    //  stored from here on reaches us live, or shows as a gap
    if (zlistx_size (self->topics) == 0)
        zsock_set_subscribe (sub, "");
    else {
        for (char *topic = zlistx_first (self->topics); topic; topic = zlistx_next (self->topics))
            zsock_set_subscribe (sub, topic);
        zsock_set_subscribe (sub, "$heartbeat");
    }
    if (zsock_connect (sub, "%s", self->events_endpoint) < 0) {
        zsock_destroy (&sub);
        return HUB_EINVAL;
    }
    self->sub = sub;
    if (self->from == HUB_FROM_NOW) {
        Cyclehub__V1__Reply *reply = NULL;
        int rc = hub_client_status (self->client, &reply, NULL);
        if (rc != HUB_OK)
            return rc;
        self->scanned = self->known_last = reply->status->last_seq;
        self->syncing = false;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    }
    else
        self->scanned = self->from > 0? self->from - 1: 0;
    if (!self->from_file)
        self->saved = self->scanned;
    self->acked = self->saved;
    self->saved_at = s_tick_ms ();
    self->started = true;
    return HUB_OK;
}

//  The filter, over an event's fields read in place (from a live message
//  or a history page). Returns false if the bytes cannot be read.
static bool
s_is (const char *want, const char *text, size_t len)
{
    return !want || (strlen (want) == len && memcmp (want, text, len) == 0);
}

static bool
s_read (hub_subscriber_t *self, const uint8_t *data, size_t size,
        hub_event_fields_t *fields, bool *wanted)
{
    const char *commission;
    size_t commission_len;
    if (!hub_event_read (data, size, fields)
    ||  !hub_event_commission (fields, &commission, &commission_len))
        return false;
    *wanted = s_is (self->commission, commission, commission_len)
           && s_is (self->type, fields->type, fields->type_len)
           && s_is (self->agency_filter, fields->sender, fields->sender_len);
    if (!*wanted || zlistx_size (self->topics) == 0)
        return true;
    char topic [512], commission_id [512], type [512];
    snprintf (commission_id, sizeof commission_id, "%.*s", (int) commission_len, commission);
    snprintf (type, sizeof type, "%.*s", (int) fields->type_len, fields->type);
    *wanted = false;
    if (hub_proto_topic (topic, sizeof topic, (Cyclehub__V1__Stage) fields->stage,
                         commission_id, type) < 0)
        return true;
    for (char *prefix = zlistx_first (self->topics); prefix; prefix = zlistx_next (self->topics))
        if (strncmp (topic, prefix, strlen (prefix)) == 0) {
            *wanted = true;
            break;
        }
    return true;
}

//  Reads what is waiting on the SUB socket, without blocking.
static void
s_drain (hub_subscriber_t *self)
{
    void *handle = zsock_resolve (self->sub);
    self->drained_at = s_tick_ms ();
    for (int count = 0; count < S_DRAIN_MAX; count++) {
        zmq_msg_t topic, body;
        zmq_msg_init (&topic);
        if (zmq_msg_recv (&topic, handle, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&topic);
            break;
        }
        zmq_msg_init (&body);
        bool two = zmq_msg_more (&topic) && zmq_msg_recv (&body, handle, 0) >= 0;
        while (two && zmq_msg_more (&body)) {   //  more than two frames: skip the rest
            zmq_msg_t extra;
            zmq_msg_init (&extra);
            bool more = zmq_msg_recv (&extra, handle, 0) >= 0 && zmq_msg_more (&extra);
            zmq_msg_close (&extra);
            if (!more)
                break;
        }
        bool heartbeat = zmq_msg_size (&topic) == 10
                      && memcmp (zmq_msg_data (&topic), "$heartbeat", 10) == 0;
        hub_event_fields_t fields;
        bool wanted = false;
        bool readable = two && s_read (self, zmq_msg_data (&body), zmq_msg_size (&body),
                                       &fields, &wanted);
        s_item_t item = { .seq = readable? fields.seq: 0 };
        if (item.seq > self->known_last)
            self->known_last = item.seq;
        s_item_t *last = s_queue_last (&self->live);
        if (!readable)
            ;       //  not the broker's: whatever it hid shows as a gap
        else
        if (heartbeat)
            self->stats.heartbeats++;
        else
        if (item.seq <= self->scanned || (last && item.seq <= last->seq))
            self->stats.live_duplicates++;
        else
        if (self->live.count >= (size_t) self->live_max)
            //  As a PUB past its HWM would: drop it; history fills it in
            self->stats.live_dropped++;
        else {
            item.size = zmq_msg_size (&body);
            item.data = wanted? malloc (item.size? item.size: 1): NULL;
            if (item.data)
                memcpy (item.data, zmq_msg_data (&body), item.size);
            //  Out of memory: dropped, as past live_max
            if ((wanted && !item.data) || !s_queue_push (&self->live, item)) {
                free (item.data);
                self->stats.live_dropped++;
            }
        }
        zmq_msg_close (&topic);
        zmq_msg_close (&body);
    }
}

//  Moves live events that continue the processed range into ready.
//  Returns HUB_ENOMEM if ready cannot grow (the event stays live).
static int
s_take_live (hub_subscriber_t *self)
{
    s_item_t *item;
    while ((item = s_queue_first (&self->live))) {
        if (item->seq > self->scanned + 1)
            break;
        if (item->seq <= self->scanned)
            self->stats.live_duplicates++;
        else
        if (item->data) {
            if (!s_queue_push (&self->ready, *item))
                return HUB_ENOMEM;
            item->data = NULL;      //  ready's now
            self->stats.from_live++;
        }
        self->scanned = item->seq;
        free (s_queue_pop (&self->live).data);
    }
    return HUB_OK;
}

//  The stage every topic prefix names in full ("do/..."), or 0.
static Cyclehub__V1__Stage
s_topic_stage (hub_subscriber_t *self)
{
    Cyclehub__V1__Stage stage = CYCLEHUB__V1__STAGE__STAGE_UNSPECIFIED;
    for (char *prefix = zlistx_first (self->topics); prefix; prefix = zlistx_next (self->topics)) {
        const char *slash = strchr (prefix, '/');
        if (!slash)
            return CYCLEHUB__V1__STAGE__STAGE_UNSPECIFIED;
        char name [32];
        snprintf (name, sizeof name, "%.*s", (int) (slash - prefix), prefix);
        Cyclehub__V1__Stage this = hub_proto_stage_from_name (name);
        if (!this || (stage && this != stage))
            return CYCLEHUB__V1__STAGE__STAGE_UNSPECIFIED;
        stage = this;
    }
    return stage;
}

//  Processes a history page's events after scanned. Each event's fields
//  are read in place and the filter applied to them: the bytes of those
//  the application gets are taken from the reply (no copy); no event is
//  unpacked. Sets *last_event to the last seq taken. Returns HUB_OK, or
//  HUB_ENOMEM (scanned then stops before the event that did not fit).
static int
s_take_page (hub_subscriber_t *self, Cyclehub__V1__HistoryPage *page, uint64_t *last_event)
{
    *last_event = 0;
    for (size_t i = 0; i < page->n_events; i++) {
        ProtobufCBinaryData *bytes = &page->events [i];
        hub_event_fields_t fields;
        bool wanted;
        if (!s_read (self, bytes->data, bytes->len, &fields, &wanted)) {
            zsys_warning ("subscriber: unreadable event in a history page");
            continue;
        }
        if (fields.seq <= self->scanned)
            continue;
        if (wanted) {
            //  The reply's bytes are malloc'd (hub_client unpacks with the
            //  default allocator), and not NULL (an event with a seq is not
            //  empty): the queue takes them over
            s_item_t item = { fields.seq, bytes->data, bytes->len };
            if (!s_queue_push (&self->ready, item))
                return HUB_ENOMEM;
            bytes->data = NULL;
            bytes->len = 0;
            self->stats.from_history++;
        }
        *last_event = self->scanned = fields.seq;
    }
    return HUB_OK;
}

//  The history query of the subscriber's filter, from a seq on.
static void
s_query (hub_subscriber_t *self, Cyclehub__V1__HistoryQuery *query, uint64_t from)
{
    Cyclehub__V1__HistoryQuery init = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    *query = init;
    query->from_seq = from;
    query->limit = S_PAGE_LIMIT;
    query->commission_id = self->commission? self->commission: "";
    query->type = self->type? self->type: "";
    query->agency = self->agency_filter? self->agency_filter: "";
    query->stage = s_topic_stage (self);
}

//  Cancels the catch-up pages asked for ahead (their late replies are
//  discarded by request id).
static void
s_ahead_cancel (hub_subscriber_t *self)
{
    for (size_t i = 0; i < self->nahead; i++)
        hub_client_call_cancel (self->client, &self->ahead [i].call);
    self->nahead = 0;
}

//  Asks for the catch-up's seqs from..to, after the pages asked for ahead,
//  or before them (front). Returns false if the request could not be sent.
static bool
s_ahead_send (hub_subscriber_t *self, uint64_t from, uint64_t to, bool front)
{
    if (self->nahead == S_AHEAD_PAGES)
        return false;
    Cyclehub__V1__HistoryQuery query;
    s_query (self, &query, from);
    query.to_seq = to;
    hub_call_t *call = NULL;
    if (hub_client_history_send (self->client, &query, &call) != HUB_OK)
        return false;
    size_t at = front? 0: self->nahead;
    memmove (&self->ahead [at + 1], &self->ahead [at], (self->nahead - at) * sizeof self->ahead [0]);
    self->ahead [at] = (s_ahead_t) { call, from, to };
    self->nahead++;
    return true;
}

//  Gets query's page: during the catch-up, the page asked for ahead if it
//  starts at query's from_seq (query->to_seq is then set to its range's
//  end), else a fresh request (pages asked for ahead and no longer wanted
//  are cancelled).
//
//  Then, during the catch-up, asks for the next pages before this one is
//  worked through. A page's trip (the broker's thread for the api socket,
//  its reader thread, the I/O threads, the client) is several times as
//  long as the work on it at either end, so one page ahead left both ends
//  idle most of the time. The next page can only start where this one
//  ends, so the pages after it are asked for by seq range (from_seq to
//  to_seq), each spanning as many seqs as held S_PAGE_BYTES of matching
//  events so far (S_PAGE_LIMIT events at most): a trip costs the same for
//  a page of any size, and pages of a thousand small events spent more on
//  their trips than on their events. A page cut short (by the limit or
//  the broker's page size) is followed by the rest of its range, asked for
//  first. Up to S_AHEAD_PAGES are in flight, and past the first only while
//  that many pages of this one's size stay under S_AHEAD_BYTES, half the
//  reply budget (8 MiB by default). A broker configured with a budget smaller
//  than that refuses a page OVERLOADED: the pages still ahead are read and
//  dropped, the page is asked for again, and at most one page is asked for
//  ahead from then on (none after a second refusal).
static int
s_page (hub_subscriber_t *self, Cyclehub__V1__HistoryQuery *query,
        Cyclehub__V1__Reply **reply_p)
{
    int rc = HUB_OK;
    bool fresh = true;
    if (self->syncing && self->nahead && self->ahead [0].from == query->from_seq) {
        hub_call_t *call = self->ahead [0].call;
        uint64_t to = self->ahead [0].to;
        memmove (&self->ahead [0], &self->ahead [1], --self->nahead * sizeof self->ahead [0]);
        hub_result_t result;
        rc = hub_client_history_wait (self->client, &call, reply_p, &result);
        if (rc == HUB_OK)
            query->to_seq = to;
        fresh = rc == HUB_REJECTED
             && result.code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_OVERLOADED;
        if (fresh) {
            //  A broker whose reply budget is smaller than the pages ahead:
            //  fewer from now on; the others are read first (until they
            //  are, the broker would refuse this one again)
            self->ahead_max = self->ahead_max > 1? 1: 0;
            for (size_t i = 0; i < self->nahead; i++) {
                Cyclehub__V1__Reply *late = NULL;
                if (hub_client_history_wait (self->client, &self->ahead [i].call, &late, NULL) == HUB_OK)
                    cyclehub__v1__reply__free_unpacked (late, NULL);
            }
            self->nahead = 0;
        }
    }
    if (fresh) {
        s_ahead_cancel (self);
        rc = hub_client_history (self->client, query, reply_p, NULL);
    }
    if (rc != HUB_OK || !self->syncing)
        return rc;
    const Cyclehub__V1__HistoryPage *page = (*reply_p)->page;
    uint64_t to = query->to_seq;
    if ((page->end && (!to || to >= page->last_seq)) || page->next_seq <= query->from_seq) {
        s_ahead_cancel (self);          //  caught up (or stuck: nothing to ask for)
        return HUB_OK;
    }
    //  The seqs that held S_PAGE_BYTES of matching events in this page,
    //  and no more than S_PAGE_LIMIT events
    uint64_t covered = page->next_seq - query->from_seq;
    size_t bytes = 0;
    for (size_t i = 0; i < page->n_events; i++)
        bytes += page->events [i].len;
    uint64_t span = covered * 2;
    if (page->n_events) {
        uint64_t by_bytes = covered * S_PAGE_BYTES / (bytes? bytes: 1);
        uint64_t by_count = covered * S_PAGE_LIMIT / page->n_events;
        span = by_bytes < by_count? by_bytes: by_count;
    }
    span = span < 1? 1: span > S_SPAN_MAX? S_SPAN_MAX: span;
    if (to && !page->end && page->next_seq <= to
    &&  !s_ahead_send (self, page->next_seq, to, true))
        return HUB_OK;
    while (self->nahead < self->ahead_max
       &&  (self->nahead == 0 || (self->nahead + 1) * bytes <= S_AHEAD_BYTES)) {
        uint64_t from = self->nahead? self->ahead [self->nahead - 1].to + 1: page->next_seq;
        //  Past the store's end: asked for once the catch-up gets there
        if (from > page->last_seq || !s_ahead_send (self, from, from + span - 1, false))
            break;
    }
    return HUB_OK;
}

//  Fetches one history page after scanned, up to what is known to exist.
static int
s_fetch (hub_subscriber_t *self, bool *progress)
{
    Cyclehub__V1__HistoryQuery query;
    s_query (self, &query, self->scanned + 1);
    bool gap = !self->syncing;
    if (gap) {
        s_item_t *last = s_queue_last (&self->live);
        query.to_seq = last && last->seq > self->known_last? last->seq: self->known_last;
    }
    Cyclehub__V1__Reply *reply = NULL;
    int rc = s_page (self, &query, &reply);
    if (rc != HUB_OK)
        return rc;
    Cyclehub__V1__HistoryPage *page = reply->page;
    //  (Against the file's cursor, not known_last: a page read before a
    //  commit can arrive after that commit's live event)
    if (page->last_seq < self->file_cursor) {
        //  Delivering from here would skip the seqs the hub hands out again
        //  up to the cursor: refused, every call, until the cursor is fixed
        snprintf (self->why, sizeof self->why, "the hub's log ends at seq %" PRIu64 ", before "
                  "this subscriber's cursor %" PRIu64 " (saved in %s): the hub was restored "
                  "from an older backup, or the file is another hub's cursor; set the cursor "
                  "back to %" PRIu64 " (or remove the file) to receive the events stored "
                  "from now on", page->last_seq, self->file_cursor, self->cursor_path,
                  page->last_seq);
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        return HUB_EBEHIND;
    }
    uint64_t before = self->scanned;
    uint64_t last_event;
    rc = s_take_page (self, page, &last_event);
    if (rc != HUB_OK) {
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        return rc;
    }
    if (page->last_seq > self->known_last)
        self->known_last = page->last_seq;
    //  Every seq below next_seq was scanned by this page, matched or not
    uint64_t upto = page->next_seq? page->next_seq - 1: last_event;
    if (!page->next_seq && page->end)
        upto = query.to_seq && query.to_seq < page->last_seq? query.to_seq: page->last_seq;
    if (upto > page->last_seq)
        upto = page->last_seq;
    if (upto > self->scanned)
        self->scanned = upto;
    //  A page of the catch-up asked for ahead ends it only if its range
    //  reached the store's end
    if (page->end && (!query.to_seq || query.to_seq >= page->last_seq))
        self->syncing = false;
    self->stats.pages++;
    if (gap)
        self->stats.gaps++;
    *progress = self->scanned > before || page->end;
    cyclehub__v1__reply__free_unpacked (reply, NULL);
    //  Live events now covered by history are duplicates
    s_item_t *item;
    while ((item = s_queue_first (&self->live)) && item->seq <= self->scanned) {
        self->stats.live_duplicates++;
        free (s_queue_pop (&self->live).data);
    }
    return HUB_OK;
}

//  Waits up to timeout_ms until an event is ready: the loop behind both
//  receives. Returns HUB_OK with the event first in ready, or an error as
//  hub_subscriber_recv says.
static int
s_wait_ready (hub_subscriber_t *self, int timeout_ms)
{
    if (!self->started) {
        int rc = hub_subscriber_start (self);
        if (rc != HUB_OK)
            return rc;
    }
    free (self->lent);
    self->lent = NULL;
    if (self->unacked) {
        self->unacked = false;
        self->acked = s_cursor (self);
    }
    if (s_sync (self, false) != HUB_OK)
        return HUB_EIO;
    //  Keep the socket flowing even while the application works through
    //  ready events: what does not fit in live_max is dropped here (and
    //  fetched from history when its turn comes), so memory stays bounded
    //  however slow the application is. Once a tick is enough for that;
    //  once per event, the drain's empty read (a poll and a getpid inside
    //  libzmq) cost more than the delivery of a history event.
    if (s_tick_ms () - self->drained_at >= S_DRAIN_MS)
        s_drain (self);
    if (self->ready.count && !zsys_interrupted)
        return HUB_OK;
    int64_t deadline = timeout_ms < 0? INT64_MAX: zclock_mono () + timeout_ms;
    while (true) {
        //  czmq's handler sets the flag on SIGINT/SIGTERM: a signal that
        //  came while no poll was waiting (catching up, or in the
        //  application) must stop us too
        if (zsys_interrupted)
            return HUB_EINTR;
        if (self->ready.count)
            return HUB_OK;
        s_drain (self);
        int rc = s_take_live (self);
        if (rc != HUB_OK || self->ready.count)
            return rc;
        int64_t now = zclock_mono ();
        long wait = deadline - now > 1000? 1000: (long) (deadline - now);
        if (self->syncing || self->live.count || self->known_last > self->scanned) {
            bool progress = false;
            rc = s_fetch (self, &progress);
            if (rc != HUB_OK)
                return rc;
            if (progress || self->ready.count)
                continue;
            //  No progress (should not happen): don't hammer the broker
            if (wait > 100)
                wait = 100;
        }
        if (s_sync (self, true) != HUB_OK)
            return HUB_EIO;
        if (now >= deadline)
            return HUB_TIMEOUT;
        zmq_pollitem_t item = { zsock_resolve (self->sub), 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, wait) < 0 && zmq_errno () == EINTR)
            return HUB_EINTR;
    }
}

//  Hands the first ready event out: it leaves the queue and counts as
//  delivered, not yet acknowledged.
static s_item_t
s_deliver (hub_subscriber_t *self)
{
    self->stats.delivered++;
    self->unacked = true;
    return s_queue_pop (&self->ready);
}

int
hub_subscriber_recv (hub_subscriber_t *self, int timeout_ms, Cyclehub__V1__Event **event_p)
{
    *event_p = NULL;
    while (true) {
        int rc = s_wait_ready (self, timeout_ms);
        if (rc != HUB_OK)
            return rc;
        s_item_t *item = s_queue_first (&self->ready);
        Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (NULL, item->size, item->data);
        if (!event) {
            //  Its top-level fields read, yet it does not unpack: not
            //  something the broker sends. Skipped, as an unreadable one is
            zsys_warning ("subscriber: seq %" PRIu64 " cannot be unpacked; skipped", item->seq);
            free (s_queue_pop (&self->ready).data);
            continue;
        }
        //  Outward mode: here every event passes, live, from history or
        //  filling a gap; one that cannot be redacted stays queued
        if (self->options.outward && hub_proto_outward_event (event) < 0) {
            cyclehub__v1__event__free_unpacked (event, NULL);
            return HUB_ENOMEM;
        }
        free (s_deliver (self).data);
        *event_p = event;
        return HUB_OK;
    }
}

int
hub_subscriber_recv_packed (hub_subscriber_t *self, int timeout_ms, hub_packed_event_t *event)
{
    *event = (hub_packed_event_t) { 0 };
    while (true) {
        int rc = s_wait_ready (self, timeout_ms);
        if (rc != HUB_OK)
            return rc;
        s_item_t *item = s_queue_first (&self->ready);
        //  Outward mode: through the one outward point, as recv's are
        int redacted = self->options.outward? hub_proto_outward_bytes (&item->data, &item->size): 0;
        if (redacted == -1) {
            //  Skipped, as recv skips an event that does not unpack
            zsys_warning ("subscriber: seq %" PRIu64 " cannot be unpacked; skipped", item->seq);
            free (s_queue_pop (&self->ready).data);
            continue;
        }
        if (redacted < 0)
            return HUB_ENOMEM;          //  it stays queued, unredacted
        s_item_t lent = s_deliver (self);
        self->lent = lent.data;
        *event = (hub_packed_event_t) { lent.seq, lent.data, lent.size };
        return HUB_OK;
    }
}
