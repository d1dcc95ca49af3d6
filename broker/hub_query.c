/*  hub_query: builds the replies of the api socket. History pages and
    commission states are assembled from the stored bytes as they are (each
    event is copied once, never decoded or re-encoded): the Reply wire format
    is written by hand around them.
*/
#include "hub_query.h"
#include "hub_proto.h"
#include "hub_event_reader.h"
#include "hub_commission.h"
#include "hub_access.h"
#include "hub_queries.h"

int
hub_buf_reserve (hub_buf_t *self, size_t more)
{
    if (self->capacity - self->size >= more)
        return 0;
    size_t capacity = self->capacity? self->capacity: 256;
    while (capacity - self->size < more)
        capacity *= 2;
    uint8_t *data = realloc (self->data, capacity);
    if (!data)
        return -1;
    self->data = data;
    self->capacity = capacity;
    return 0;
}

void
hub_buf_free (hub_buf_t *self)
{
    free (self->data);
    memset (self, 0, sizeof *self);
}

//  Appends a varint-typed field (skipped when zero, as protobuf does).
static void
s_put_varint_field (hub_buf_t *buf, uint32_t number, uint64_t value)
{
    if (value == 0 || hub_buf_reserve (buf, 20))
        return;
    buf->size += hub_proto_varint (buf->data + buf->size, (uint64_t) number << 3);
    buf->size += hub_proto_varint (buf->data + buf->size, value);
}

//  Appends a length-delimited field holding size bytes of data.
static int
s_put_bytes_field (hub_buf_t *buf, uint32_t number, const void *data, size_t size)
{
    if (hub_buf_reserve (buf, 20 + size))
        return -1;
    buf->size += hub_proto_varint (buf->data + buf->size, ((uint64_t) number << 3) | 2);
    buf->size += hub_proto_varint (buf->data + buf->size, size);
    memcpy (buf->data + buf->size, data, size);
    buf->size += size;
    return 0;
}

static void
s_pack_reply (const Cyclehub__V1__Reply *reply, hub_buf_t *out)
{
    out->size = 0;
    size_t size = cyclehub__v1__reply__get_packed_size (reply);
    if (hub_buf_reserve (out, size) == 0)
        out->size = cyclehub__v1__reply__pack (reply, out->data);
}

void
hub_query_ack (uint64_t request_id, uint64_t seq, bool duplicate, hub_buf_t *out)
{
    Cyclehub__V1__Ack ack = CYCLEHUB__V1__ACK__INIT;
    ack.seq = seq;
    ack.duplicate = duplicate;
    Cyclehub__V1__Reply reply = CYCLEHUB__V1__REPLY__INIT;
    reply.request_id = request_id;
    reply.body_case = CYCLEHUB__V1__REPLY__BODY_ACK;
    reply.ack = &ack;
    s_pack_reply (&reply, out);
}

void
hub_query_reject (uint64_t request_id, const hub_verdict_t *verdict, hub_buf_t *out)
{
    Cyclehub__V1__Reject reject = CYCLEHUB__V1__REJECT__INIT;
    reject.code = verdict->code;
    reject.reason = (char *) verdict->reason;
    reject.field = (char *) verdict->field;
    Cyclehub__V1__Reply reply = CYCLEHUB__V1__REPLY__INIT;
    reply.request_id = request_id;
    reply.body_case = CYCLEHUB__V1__REPLY__BODY_REJECT;
    reply.reject = &reject;
    s_pack_reply (&reply, out);
}

void
hub_query_ack_batch (uint64_t request_id, Cyclehub__V1__PublishResult **results,
                     size_t count, hub_buf_t *out)
{
    //  Written directly: protobuf-c's walk of the descriptors cost 900
    //  instructions per publish here (docs/performance.md)
    out->size = 0;
    size_t size = hub_proto_ack_batch_size (request_id, results, count);
    if (hub_buf_reserve (out, size) == 0) {
        hub_proto_ack_batch (out->data, request_id, results, count);
        out->size = size;
    }
}

static void
s_reject (uint64_t request_id, Cyclehub__V1__RejectCode code, const char *field,
          const char *reason, hub_buf_t *out)
{
    hub_verdict_t verdict;
    hub_verdict_set (&verdict, code, field, "%s", reason);
    hub_query_reject (request_id, &verdict, out);
}

typedef struct {
    hub_store_t *store;
    hub_store_txn_t *snapshot;
    const char *reader;         //  who reads: sees personal data of its own commissions
    const char *personal [8];   //  type names whose body may hold personal data
    size_t npersonal;
    zhashx_t *sees;             //  commission id -> (void *) 1 if reader is its owner, 2 if not
    hub_buf_t *out;             //  the reply: the HistoryPage's repeated events, as written
    bool out_of_memory;         //  an event did not fit: no page, a refusal
    size_t count;
} s_page_t;

//  Does the page's reader see the personal data of this stored event?
static bool
s_reader_sees (s_page_t *page, const uint8_t *data, size_t size)
{
    hub_event_fields_t fields;
    const char *commission;
    size_t commission_len;
    if (!hub_event_read (data, size, &fields) || !fields.type)
        return true;        //  no type: nothing personal to hide
    bool personal = false;
    for (size_t i = 0; i < page->npersonal && !personal; i++)
        personal = strlen (page->personal [i]) == fields.type_len
                && memcmp (page->personal [i], fields.type, fields.type_len) == 0;
    if (!personal)
        return true;
    if (!fields.envelope
    ||  !hub_event_commission (&fields, &commission, &commission_len)
    ||  commission_len == 0 || commission_len >= 128)
        return false;
    char id [128];
    memcpy (id, commission, commission_len);
    id [commission_len] = 0;
    uintptr_t known = (uintptr_t) zhashx_lookup (page->sees, id);
    if (!known) {
        void *state_bytes;
        size_t state_size;
        hub_commission_t *state = NULL;
        if (hub_store_commission_get (page->store, page->snapshot, id, &state_bytes, &state_size) == 0) {
            state = hub_commission_decode (state_bytes, state_size);
            free (state_bytes);
        }
        known = hub_access_sees_personal (state, page->reader)? 1: 2;
        hub_commission_destroy (&state);
        zhashx_insert (page->sees, id, (void *) known);
    }
    return known == 1;
}

static int
s_page_visit (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    s_page_t *page = arg;
    int rc;
    if (s_reader_sees (page, data, size))
        rc = s_put_bytes_field (page->out, 1, data, size);
    else {
        uint8_t *redacted;
        size_t redacted_size;
        rc = hub_proto_redact_event (data, size, &redacted, &redacted_size) < 0? -1
           : s_put_bytes_field (page->out, 1, redacted, redacted_size);
        free (redacted);                //  NULL if it failed
    }
    //  The scan counts this event as visited: the page must not go out
    //  without it (nor unredacted), so there is no page at all
    page->out_of_memory = rc != 0;
    if (rc)
        return 1;
    page->count++;
    return 0;
}

//  A filter of one value and any of a list, as the store's: the single
//  value alone (indexed), or the list with the single value added (OR'ed).
//  Returns -1 if the list is too long.
#define S_ANY_MAX 32

static int
s_any_of (const char *one, char **many, size_t n, const char **single,
          const char **list, size_t *n_list)
{
    if (n > S_ANY_MAX)
        return -1;
    *single = one;
    *n_list = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        list [(*n_list)++] = many [i];
    if (one && *one)
        list [(*n_list)++] = one;
    *single = NULL;
    return 0;
}

//  Room before a page's events for the Reply's request_id and the page's
//  tag and length: tags of one byte, varints of ten at most
#define S_PAGE_HEAD 24

//  Writes the Reply's head (request_id, the page's tag and length) just
//  before the page built at out->data + S_PAGE_HEAD; returns where it starts
static size_t
s_page_head (uint64_t request_id, hub_buf_t *out)
{
    uint8_t head [S_PAGE_HEAD];
    size_t n = 0;
    if (request_id) {
        n += hub_proto_varint (head + n, 1 << 3);
        n += hub_proto_varint (head + n, request_id);
    }
    n += hub_proto_varint (head + n, (CYCLEHUB__V1__REPLY__BODY_PAGE << 3) | 2);
    n += hub_proto_varint (head + n, out->size - S_PAGE_HEAD);
    memcpy (out->data + S_PAGE_HEAD - n, head, n);
    return S_PAGE_HEAD - n;
}

size_t
hub_query_history (hub_store_t *store, const hub_broker_config_t *config,
                   uint64_t request_id, const Cyclehub__V1__HistoryQuery *query,
                   const char *reader, hub_buf_t *out)
{
    hub_verdict_t verdict;
    if (hub_queries_check_history (query, &verdict)) {
        hub_query_reject (request_id, &verdict, out);
        return 0;
    }
    //  No limit asked for: pages of 1000 events, as a person or a web page
    //  reads them; a program catching up asks for more per page
    size_t limit = query->limit? query->limit: 1000;
    if (limit > config->page_max)
        limit = config->page_max;
    hub_store_filter_t filter = {
        .stage = query->stage,
        .since_ms = query->since_ms,
        .until_ms = query->until_ms,
        .to_seq = query->to_seq
    };
    const char *ids [S_ANY_MAX + 1], *agencies [S_ANY_MAX + 1], *types [S_ANY_MAX + 1];
    int stages [S_ANY_MAX + 1];
    if (s_any_of (query->commission_id, query->commission_ids, query->n_commission_ids,
                  &filter.commission_id, ids, &filter.n_commission_ids)
    ||  s_any_of (query->agency, query->agencies, query->n_agencies, &filter.agency,
                  agencies, &filter.n_agencies)
    ||  s_any_of (query->type, query->types, query->n_types, &filter.type, types,
                  &filter.n_types)
    ||  query->n_stages > S_ANY_MAX) {
        s_reject (request_id, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INVALID_VALUE, "history",
                  "at most 32 values of each filter (commission_ids, agencies, types, stages)",
                  out);
        return 0;
    }
    for (size_t i = 0; i < query->n_stages; i++)
        stages [filter.n_stages++] = (int) query->stages [i];
    if (query->n_stages && query->stage) {
        stages [filter.n_stages++] = (int) query->stage;
        filter.stage = 0;
    }
    filter.commission_ids = ids;
    filter.agencies = agencies;
    filter.types = types;
    filter.stages = stages;
    //  The page is built where it is sent from, after room for its head
    out->size = 0;
    if (hub_buf_reserve (out, S_PAGE_HEAD)) {
        s_reject (request_id, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INTERNAL, "",
                  "the broker is out of memory; retry later", out);
        return 0;
    }
    out->size = S_PAGE_HEAD;
    hub_store_txn_t *snapshot;
    if (hub_store_read_begin (store, &snapshot)) {
        s_reject (request_id, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INTERNAL, "",
                  "the store cannot be read just now; retry later", out);
        return 0;
    }
    uint64_t last_seq = 0, next_seq = 0;
    bool end = false;
    s_page_t page = { .store = store, .snapshot = snapshot, .reader = reader, .out = out };
    for (size_t i = 0; hub_proto_type_at (i); i++)
        if (hub_proto_type_may_be_personal (hub_proto_type_at (i)) && page.npersonal < 8)
            page.personal [page.npersonal++] = hub_proto_type_name (hub_proto_type_at (i));
    page.sees = zhashx_new ();
    int rc = hub_store_last_seq (store, snapshot, &last_seq);
    if (rc == 0)
        rc = hub_store_scan (store, snapshot, &filter, query->from_seq? query->from_seq: 1,
                             limit, config->page_max_bytes, s_page_visit, &page, &next_seq, &end);
    hub_store_read_end (&snapshot);
    zhashx_destroy (&page.sees);
    if (rc != 0) {
        s_reject (request_id, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INTERNAL, "",
                  "the history could not be read; retry later", out);
        return 0;
    }
    //  HistoryPage: events (1), next_seq (2), end (3), last_seq (4)
    if (page.out_of_memory || hub_buf_reserve (out, 3 * 20)) {
        s_reject (request_id, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INTERNAL, "",
                  "the broker is out of memory; ask for a smaller page", out);
        return 0;
    }
    s_put_varint_field (out, 2, next_seq);
    s_put_varint_field (out, 3, end);
    s_put_varint_field (out, 4, last_seq);
    return s_page_head (request_id, out);
}

void
hub_query_commission (hub_store_t *store, uint64_t request_id,
                      const Cyclehub__V1__CommissionQuery *query, hub_buf_t *out)
{
    hub_verdict_t verdict;
    if (hub_queries_check_commission (query, &verdict)) {
        hub_query_reject (request_id, &verdict, out);
        return;
    }
    void *data = NULL;
    size_t size = 0;
    int rc = hub_store_commission_get (store, NULL, query->commission_id, &data, &size);
    if (rc == HUB_STORE_NOTFOUND) {
        char reason [300];
        snprintf (reason, sizeof reason, "there is no commission %.200s; check the ocid",
                  query->commission_id);
        s_reject (request_id, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_UNKNOWN_COMMISSION,
                  "commission.commission_id", reason, out);
        return;
    }
    if (rc != 0) {
        s_reject (request_id, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INTERNAL, "",
                  "the store cannot be read just now; retry later", out);
        return;
    }
    out->size = 0;
    s_put_varint_field (out, 1, request_id);
    s_put_bytes_field (out, CYCLEHUB__V1__REPLY__BODY_COMMISSION, data, size);
    free (data);
}

typedef struct {
    Cyclehub__V1__Count *counts;        //  storage for every count
    Cyclehub__V1__Count **stage;        //  pointers into counts
    Cyclehub__V1__Count **type;
    size_t nstage, ntype, used, capacity;
} s_counts_t;

static void
s_count_visit (const char *key, uint64_t count, void *arg)
{
    s_counts_t *counts = arg;
    if (counts->used == counts->capacity)
        return;
    Cyclehub__V1__Count *item = &counts->counts [counts->used++];
    cyclehub__v1__count__init (item);
    if (strncmp (key, "stage:", 6) == 0) {
        item->key = (char *) key + 6;
        counts->stage [counts->nstage++] = item;
    }
    else {
        item->key = (char *) key + (strncmp (key, "type:", 5) == 0? 5: 0);
        counts->type [counts->ntype++] = item;
    }
    item->key = strdup (item->key);
    item->count = count;
}

void
hub_query_status (hub_store_t *store, uint64_t request_id,
                  const hub_query_figures_t *figures, hub_buf_t *out)
{
    hub_store_stat_t stat;
    if (hub_store_stat (store, NULL, &stat)) {
        s_reject (request_id, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INTERNAL, "",
                  "the store cannot be read just now; retry later", out);
        return;
    }
    s_counts_t counts = { 0 };
    counts.capacity = 256;
    counts.counts = calloc (counts.capacity, sizeof (Cyclehub__V1__Count));
    counts.stage = calloc (counts.capacity, sizeof (void *));
    counts.type = calloc (counts.capacity, sizeof (void *));
    if (counts.counts && counts.stage && counts.type)
        hub_store_counts (store, NULL, s_count_visit, &counts);

    Cyclehub__V1__Status status = CYCLEHUB__V1__STATUS__INIT;
    status.last_seq = stat.last_seq;
    status.uptime_ms = (uint64_t) (zclock_time () - figures->started_ms);
    status.store_bytes = stat.used_bytes;
    status.commissions = stat.commissions;
    status.per_stage = counts.stage;
    status.n_per_stage = counts.nstage;
    status.per_type = counts.type;
    status.n_per_type = counts.ntype;
    status.publish_rate = figures->publish_rate;
    status.hub_id = (char *) hub_store_hub_id (store);
    status.store_max_bytes = stat.map_size_max;
    status.subscribers = figures->subscribers;
    status.last_commit_ms = figures->last_commit_ms;
    if (figures->latency)
        hub_latency_fill (figures->latency, &status);
    status.batches = figures->batches;
    status.batch_requests = figures->batch_requests;
    Cyclehub__V1__Reply reply = CYCLEHUB__V1__REPLY__INIT;
    reply.request_id = request_id;
    reply.body_case = CYCLEHUB__V1__REPLY__BODY_STATUS;
    reply.status = &status;
    s_pack_reply (&reply, out);
    for (size_t i = 0; i < counts.used; i++)
        free (counts.counts [i].key);
    free (counts.counts);
    free (counts.stage);
    free (counts.type);
}
