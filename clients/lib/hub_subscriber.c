/*  hub_subscriber: live events plus history catch-up, exactly once and in
    order. See hub_subscriber.h. The state is one number, `scanned`: every
    seq at or below it has been processed (queued for the application or
    skipped by the filter). Live events extend it when they are the next
    seq; anything else (a jump, a heartbeat ahead, dropped live events, the
    first catch-up) is filled in from history pages with the same filter.
*/
#include "hub_subscriber.h"
#include "hub_event_reader.h"
#include "hub_secure.h"
#include <czmq.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>

#define S_PAGE_LIMIT    1000        //  events per history page asked for
#define S_DRAIN_MAX     10000       //  live messages read per drain
#define S_LIVE_DEFAULT  10000       //  live events held, by default
#define S_SYNC_EVENTS   1000        //  acknowledged seqs before the cursor is synced
#define S_SYNC_MS       200         //  ... or this long since the last sync
#define S_DRAIN_MS      1           //  while events are ready, drain this often

struct _hub_subscriber_t {
    hub_connect_options_t options;  //  copy; strings below are ours
    char *api_endpoint;
    char *events_endpoint;
    hub_secure_t secure;            //  CURVE keys, or the PLAIN org-id
    hub_client_t *client;           //  history and status queries
    hub_call_t *prefetch;           //  the next catch-up page, asked for, or NULL
    uint64_t prefetch_from;         //  ... its from_seq
    zsock_t *sub;                   //  the events SUB socket
    zlistx_t *topics;               //  char *, ZeroMQ prefixes
    char *commission;               //  library filters, or NULL
    char *type;
    char *agency_filter;
    char *cursor_path;              //  cursor file, or NULL
    uint64_t from;                  //  first seq wanted
    bool from_file;                 //  from came from the cursor file
    bool started;
    int live_max;                   //  live events held before dropping
    uint64_t scanned;               //  every seq <= scanned is processed
    uint64_t known_last;            //  highest seq known to be stored
    bool syncing;                   //  initial catch-up not at its end yet
    bool unacked;                   //  an event was returned, not yet acknowledged
    uint64_t acked;                 //  cursor value acknowledged (maybe not yet saved)
    uint64_t saved;                 //  cursor value in the file
    int64_t saved_at;               //  zclock_mono of the last save
    int64_t drained_at;             //  zclock_mono of the last drain
    zlistx_t *ready;                //  Event *, matching, in seq order
    zlistx_t *live;                 //  Event *, seq > scanned, in seq order
    hub_subscriber_stats_t stats;
};

static int
    s_save (hub_subscriber_t *self, uint64_t cursor);

static void
s_event_free (void **item)
{
    if (*item) {
        cyclehub__v1__event__free_unpacked (*item, NULL);
        *item = NULL;
    }
}

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
    self->ready = zlistx_new ();
    self->live = zlistx_new ();
    self->syncing = true;
    if (!self->api_endpoint || !self->events_endpoint
    ||  !self->topics || !self->ready || !self->live) {
        hub_subscriber_destroy (&self);
        return NULL;
    }
    zlistx_set_destructor (self->topics, s_string_free);
    zlistx_set_destructor (self->ready, s_event_free);
    zlistx_set_destructor (self->live, s_event_free);
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
    hub_client_call_cancel (self->client, &self->prefetch);
    hub_client_destroy (&self->client);
    zlistx_destroy (&self->topics);
    zlistx_destroy (&self->ready);
    zlistx_destroy (&self->live);
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
    return HUB_OK;
}

//  The cursor: everything at or below it has been handled by the application.
static uint64_t
s_cursor (hub_subscriber_t *self)
{
    Cyclehub__V1__Event *first = zlistx_first (self->ready);
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
    return self->client? hub_client_why (self->client): "";
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
            self->saved_at = zclock_mono ();
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
    ||  zclock_mono () - self->saved_at >= S_SYNC_MS)
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
    self->saved_at = zclock_mono ();
    self->started = true;
    return HUB_OK;
}

//  The filter, over an event's fields wherever they were read from (an
//  unpacked live event, or a history page's bytes in place)
typedef struct {
    int stage;
    const char *commission, *type, *sender;
    size_t commission_len, type_len, sender_len;
} s_fields_t;

static bool
s_is (const char *want, const char *text, size_t len)
{
    return !want || (strlen (want) == len && memcmp (want, text, len) == 0);
}

static bool
s_matches_fields (hub_subscriber_t *self, const s_fields_t *f)
{
    if (!s_is (self->commission, f->commission, f->commission_len)
    ||  !s_is (self->type, f->type, f->type_len)
    ||  !s_is (self->agency_filter, f->sender, f->sender_len))
        return false;
    if (zlistx_size (self->topics) == 0)
        return true;
    char topic [512], commission [512], type [512];
    snprintf (commission, sizeof commission, "%.*s", (int) f->commission_len, f->commission);
    snprintf (type, sizeof type, "%.*s", (int) f->type_len, f->type);
    if (hub_proto_topic (topic, sizeof topic, (Cyclehub__V1__Stage) f->stage, commission, type) < 0)
        return false;
    for (char *prefix = zlistx_first (self->topics); prefix; prefix = zlistx_next (self->topics))
        if (strncmp (topic, prefix, strlen (prefix)) == 0)
            return true;
    return false;
}

static bool
s_matches (hub_subscriber_t *self, const Cyclehub__V1__Event *event)
{
    s_fields_t f = { .stage = (int) event->stage,
        .commission = event->envelope && event->envelope->commission_id?
                      event->envelope->commission_id: "",
        .type = event->type? event->type: "",
        .sender = event->sender? event->sender: "" };
    f.commission_len = strlen (f.commission);
    f.type_len = strlen (f.type);
    f.sender_len = strlen (f.sender);
    return s_matches_fields (self, &f);
}

//  Processes one event at scanned + 1: queued if it matches, else skipped.
static void
s_advance (hub_subscriber_t *self, Cyclehub__V1__Event *event)
{
    self->scanned = event->seq;
    if (s_matches (self, event))
        zlistx_add_end (self->ready, event);
    else
        cyclehub__v1__event__free_unpacked (event, NULL);
}

//  Reads what is waiting on the SUB socket, without blocking.
static void
s_drain (hub_subscriber_t *self)
{
    void *handle = zsock_resolve (self->sub);
    self->drained_at = zclock_mono ();
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
        Cyclehub__V1__Event *event = two? cyclehub__v1__event__unpack (
            NULL, zmq_msg_size (&body), zmq_msg_data (&body)): NULL;
        bool heartbeat = zmq_msg_size (&topic) == 10
                      && memcmp (zmq_msg_data (&topic), "$heartbeat", 10) == 0;
        zmq_msg_close (&topic);
        zmq_msg_close (&body);
        if (!event)
            continue;
        if (event->seq > self->known_last)
            self->known_last = event->seq;
        Cyclehub__V1__Event *last = zlistx_last (self->live);
        if (heartbeat) {
            self->stats.heartbeats++;
            cyclehub__v1__event__free_unpacked (event, NULL);
        }
        else
        if (event->seq <= self->scanned || (last && event->seq <= last->seq)) {
            self->stats.live_duplicates++;
            cyclehub__v1__event__free_unpacked (event, NULL);
        }
        else
        if (zlistx_size (self->live) >= (size_t) self->live_max) {
            //  As a PUB past its HWM would: drop it; history fills it in
            self->stats.live_dropped++;
            cyclehub__v1__event__free_unpacked (event, NULL);
        }
        else
            zlistx_add_end (self->live, event);
    }
}

//  Moves live events that continue the processed range into ready.
static void
s_take_live (hub_subscriber_t *self)
{
    Cyclehub__V1__Event *event;
    while ((event = zlistx_first (self->live))) {
        if (event->seq > self->scanned + 1)
            break;
        zlistx_detach_cur (self->live);
        if (event->seq <= self->scanned) {
            self->stats.live_duplicates++;
            cyclehub__v1__event__free_unpacked (event, NULL);
        }
        else {
            size_t before = zlistx_size (self->ready);
            s_advance (self, event);
            if (zlistx_size (self->ready) > before)
                self->stats.from_live++;
        }
    }
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
//  are read in place and the filter applied to them: only the events the
//  application gets are unpacked (a topic filter the broker's query cannot
//  express, "plan/OCID/", would otherwise unpack every event of its stage).
//  Returns the last seq seen.
static uint64_t
s_take_page (hub_subscriber_t *self, const Cyclehub__V1__HistoryPage *page)
{
    uint64_t last_event = 0;
    for (size_t i = 0; i < page->n_events; i++) {
        const ProtobufCBinaryData *bytes = &page->events [i];
        hub_event_fields_t fields;
        if (!hub_event_read (bytes->data, bytes->len, &fields)) {
            zsys_warning ("subscriber: unreadable event in a history page");
            continue;
        }
        if (fields.seq <= self->scanned)
            continue;
        s_fields_t f = { .stage = fields.stage, .type = fields.type, .type_len = fields.type_len,
                         .sender = fields.sender, .sender_len = fields.sender_len };
        bool wanted = hub_event_commission (&fields, &f.commission, &f.commission_len)
                   && s_matches_fields (self, &f);
        Cyclehub__V1__Event *event = wanted?
            cyclehub__v1__event__unpack (NULL, bytes->len, bytes->data): NULL;
        if (wanted && !event) {
            zsys_warning ("subscriber: unreadable event in a history page");
            continue;
        }
        last_event = self->scanned = fields.seq;
        if (event) {
            zlistx_add_end (self->ready, event);
            self->stats.from_history++;
        }
    }
    return last_event;
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

//  Gets query's page: the page asked for ahead if it is this very query
//  (the catch-up's, to_seq 0), else a fresh request (a prefetch no longer
//  wanted is dropped: its reply is discarded by its request id). During
//  the catch-up, asks for the page after it before it is worked through,
//  so the broker reads it meanwhile. At most one page is unread at any
//  time either way (the next is asked for once this one has arrived), so
//  the broker's reply budget sees what it saw without the prefetch.
static int
s_page (hub_subscriber_t *self, const Cyclehub__V1__HistoryQuery *query,
        Cyclehub__V1__Reply **reply_p)
{
    int rc;
    if (self->prefetch && !query->to_seq && self->prefetch_from == query->from_seq)
        rc = hub_client_history_wait (self->client, &self->prefetch, reply_p, NULL);
    else {
        hub_client_call_cancel (self->client, &self->prefetch);
        rc = hub_client_history (self->client, query, reply_p, NULL);
    }
    if (rc != HUB_OK)
        return rc;
    const Cyclehub__V1__HistoryPage *page = (*reply_p)->page;
    if (self->syncing && !query->to_seq && !page->end && page->next_seq > query->from_seq) {
        Cyclehub__V1__HistoryQuery next;
        s_query (self, &next, page->next_seq);
        if (hub_client_history_send (self->client, &next, &self->prefetch) == HUB_OK)
            self->prefetch_from = page->next_seq;
    }
    return HUB_OK;
}

//  Fetches one history page after scanned, up to what is known to exist.
static int
s_fetch (hub_subscriber_t *self, bool *progress)
{
    Cyclehub__V1__HistoryQuery query;
    s_query (self, &query, self->scanned + 1);
    if (!self->syncing) {
        Cyclehub__V1__Event *last = zlistx_last (self->live);
        query.to_seq = last && last->seq > self->known_last? last->seq: self->known_last;
    }
    Cyclehub__V1__Reply *reply = NULL;
    int rc = s_page (self, &query, &reply);
    if (rc != HUB_OK)
        return rc;
    Cyclehub__V1__HistoryPage *page = reply->page;
    uint64_t before = self->scanned;
    uint64_t last_event = s_take_page (self, page);
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
    if (page->end)
        self->syncing = false;
    self->stats.pages++;
    if (query.to_seq)
        self->stats.gaps++;
    *progress = self->scanned > before || page->end;
    cyclehub__v1__reply__free_unpacked (reply, NULL);
    //  Live events now covered by history are duplicates
    Cyclehub__V1__Event *event;
    while ((event = zlistx_first (self->live)) && event->seq <= self->scanned) {
        zlistx_detach_cur (self->live);
        self->stats.live_duplicates++;
        cyclehub__v1__event__free_unpacked (event, NULL);
    }
    return HUB_OK;
}

int
hub_subscriber_recv (hub_subscriber_t *self, int timeout_ms, Cyclehub__V1__Event **event_p)
{
    *event_p = NULL;
    if (!self->started) {
        int rc = hub_subscriber_start (self);
        if (rc != HUB_OK)
            return rc;
    }
    if (self->unacked) {
        self->unacked = false;
        self->acked = s_cursor (self);
    }
    if (s_sync (self, false) != HUB_OK)
        return HUB_EIO;
    int64_t start = zclock_mono ();
    int64_t deadline = timeout_ms < 0? INT64_MAX: start + timeout_ms;
    //  Keep the socket flowing even while the application works through
    //  ready events: what does not fit in live_max is dropped here (and
    //  fetched from history when its turn comes), so memory stays bounded
    //  however slow the application is. Once a millisecond is enough for
    //  that; once per event, the drain's empty read (a poll and a getpid
    //  inside libzmq) cost more than the delivery of a history event.
    if (start - self->drained_at >= S_DRAIN_MS)
        s_drain (self);
    while (true) {
        //  czmq's handler sets the flag on SIGINT/SIGTERM: a signal that
        //  came while no poll was waiting (catching up, or in the
        //  application) must stop us too
        if (zsys_interrupted)
            return HUB_EINTR;
        Cyclehub__V1__Event *event = zlistx_first (self->ready);
        if (event) {
            //  Outward mode: here every event passes, live, from history
            //  or filling a gap; one that cannot be redacted stays queued
            if (self->options.outward && hub_proto_outward_event (event) < 0)
                return HUB_ENOMEM;
            zlistx_detach_cur (self->ready);
            self->stats.delivered++;
            self->unacked = true;
            *event_p = event;
            return HUB_OK;
        }
        s_drain (self);
        s_take_live (self);
        if (zlistx_size (self->ready))
            continue;
        int64_t now = zclock_mono ();
        long wait = deadline - now > 1000? 1000: (long) (deadline - now);
        if (self->syncing || zlistx_size (self->live) || self->known_last > self->scanned) {
            bool progress = false;
            int rc = s_fetch (self, &progress);
            if (rc != HUB_OK)
                return rc;
            if (progress || zlistx_size (self->ready))
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
