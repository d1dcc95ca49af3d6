/*  hub_http_read: the read endpoints. Each sends the broker the query the
    api socket takes (so the broker decides, as there, what the token's
    agency may see: personal data is redacted for anyone but a commission's
    owner) and writes the reply as the canonical JSON of proto/hub_json.

      GET /v1/status               Status
      GET /v1/commissions          CommissionList (?stage=&agency=&after=&limit=)
      GET /v1/commissions/{id}     CommissionState
      GET /v1/history              HistoryPage (?commission=&type=&agency=&stage=
                                   &since=&until=&after_seq=&limit=), with a next link;
                                   a repeated commission, type, agency or stage is
                                   OR'ed (any of its values), as the CLI's filters
*/
#include "hub_http_routes.h"
#include "hub_http_problem.h"
#include "hub_json.h"
#include "hub_proto.h"
#include "hub_time.h"
#include "hub_types.h"

//  Answers the reply's body of the expected case as JSON, or its problem.
static void
s_answer (hub_http_req_t *req, Cyclehub__V1__Reply *reply, Cyclehub__V1__Reply__BodyCase expected,
          const ProtobufCMessage *body)
{
    if (reply->body_case == expected)
        hub_http_send_json (req, 200, hub_json_from_message (body));
    else
        hub_http_problem_unexpected (req, reply);
}

void
hub_http_read_status (hub_http_req_t *req)
{
    Cyclehub__V1__Reply *reply = hub_http_ask_status (req);
    if (!reply)
        return;
    s_answer (req, reply, CYCLEHUB__V1__REPLY__BODY_STATUS, &reply->status->base);
    cyclehub__v1__reply__free_unpacked (reply, NULL);
}

void
hub_http_read_commission (hub_http_req_t *req)
{
    if (strchr (req->rest, '/')) {
        hub_http_problem (req, 404, "NOT_FOUND", NULL, NULL,
                          "there is no %s; a commission is /v1/commissions/OCID", req->path);
        return;
    }
    Cyclehub__V1__Reply *reply = hub_http_ask_commission (req, req->rest);
    if (!reply)
        return;
    s_answer (req, reply, CYCLEHUB__V1__REPLY__BODY_COMMISSION, &reply->commission->base);
    cyclehub__v1__reply__free_unpacked (reply, NULL);
}

//  ---------------------------------------------------------------------------
//  Query arguments

//  A bad query argument: 400, naming it.
static void
s_bad_arg (hub_http_req_t *req, const char *code, const char *name, const char *format,
           const char *value)
{
    hub_http_problem (req, 400, code, name, NULL, format, value);
}

//  The one value of an argument, or NULL. An argument the query takes
//  once (the commission list's filters, times, numbers) is refused when
//  repeated rather than half applied. Returns -1 when refused (answered).
static int
s_single (hub_http_req_t *req, const char *name, const char **value)
{
    *value = hub_http_arg (req, name);
    if (hub_http_arg_count (req, name) > 1) {
        s_bad_arg (req, "MALFORMED", name, "give %s once: it takes one value (ask once per "
                   "value to combine several)", name);
        return -1;
    }
    if (*value && !**value)
        *value = NULL;
    return 0;
}

static int
s_number (hub_http_req_t *req, const char *name, uint64_t max, uint64_t *number)
{
    const char *text;
    if (s_single (req, name, &text))
        return -1;
    if (!text)
        return 0;
    char *end;
    errno = 0;
    unsigned long long value = strtoull (text, &end, 10);
    if (*end || errno || text [0] == '-' || value > max) {
        char sentence [160];
        snprintf (sentence, sizeof sentence, "%s takes a whole number from 0 to %" PRIu64
                  ", not \"%%.40s\"", name, max);
        s_bad_arg (req, "MALFORMED", name, sentence, text);
        return -1;
    }
    *number = value;
    return 0;
}

static int
s_stage (hub_http_req_t *req, Cyclehub__V1__Stage *stage)
{
    const char *text;
    if (s_single (req, "stage", &text))
        return -1;
    if (text && !(*stage = hub_proto_stage_from_name (text))) {
        s_bad_arg (req, "MALFORMED", "stage", "there is no stage \"%.40s\"; the stages are "
                   "analyse, plan, do, review and closed", text);
        return -1;
    }
    return 0;
}

static int
s_time (hub_http_req_t *req, const char *name, int64_t *ms)
{
    const char *text;
    if (s_single (req, name, &text))
        return -1;
    char why [200];
    if (text && hub_time_parse (text, ms, why, sizeof why)) {
        char sentence [400];
        snprintf (sentence, sizeof sentence, "%s takes an RFC 3339 time such as "
                  "2026-03-01T09:00:00Z: %s (got \"%%.60s\")", name, why);
        s_bad_arg (req, "MALFORMED", name, sentence, text);
        return -1;
    }
    return 0;
}

//  Appends name=value, percent-encoded, to a query string.
static void
s_put_arg (char *buf, size_t size, const char *name, const char *value)
{
    size_t used = strlen (buf);
    if (!value || used + strlen (name) + 3 >= size)
        return;
    used += (size_t) snprintf (buf + used, size - used, "%s%s=", strchr (buf, '?')? "&": "?", name);
    for (const unsigned char *c = (const unsigned char *) value; *c && used + 4 < size; c++) {
        if (isalnum (*c) || *c == '-' || *c == '.' || *c == '_' || *c == '~')
            buf [used++] = (char) *c;
        else
            used += (size_t) snprintf (buf + used, size - used, "%%%02X", *c);
    }
    buf [used] = 0;
}

//  ---------------------------------------------------------------------------
//  GET /v1/commissions

//  The list as JSON: each summary with its lead agency's name, and the
//  next page's link.
static json_t *
s_list_json (hub_http_req_t *req, const Cyclehub__V1__CommissionList *list,
             const char *stage, const char *agency, uint64_t limit)
{
    json_t *items = json_array ();
    for (size_t i = 0; items && i < list->n_commissions; i++) {
        json_t *item = hub_json_from_message (&list->commissions [i]->base);
        char name [256];
        if (item)
            json_object_set_new (item, "ownerName", json_string (
                hub_http_agency_name (req, list->commissions [i]->owner, name, sizeof name)));
        json_array_append_new (items, item? item: json_null ());
    }
    json_t *next = json_null ();
    if (list->next_after_id && *list->next_after_id) {
        char link [1024] = "/v1/commissions";
        char limit_text [24];
        snprintf (limit_text, sizeof limit_text, "%" PRIu64, limit);
        s_put_arg (link, sizeof link, "stage", stage);
        s_put_arg (link, sizeof link, "agency", agency);
        s_put_arg (link, sizeof link, "limit", limit? limit_text: NULL);
        s_put_arg (link, sizeof link, "after", list->next_after_id);
        next = json_string (link);
    }
    return json_pack ("{s:o, s:o}", "commissions", items, "next", next);
}

void
hub_http_read_commissions (hub_http_req_t *req)
{
    Cyclehub__V1__CommissionListQuery query = CYCLEHUB__V1__COMMISSION_LIST_QUERY__INIT;
    const char *agency = NULL, *after = NULL, *stage_text = NULL;
    uint64_t limit = 0;
    if (s_stage (req, &query.stage) || s_single (req, "agency", &agency)
    ||  s_single (req, "after", &after) || s_number (req, "limit", 1000, &limit))
        return;
    s_single (req, "stage", &stage_text);
    query.agency = (char *) agency;
    query.after_id = (char *) after;
    query.limit = (uint32_t) limit;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_COMMISSIONS;
    request.commissions = &query;
    Cyclehub__V1__Reply *reply = hub_http_call (req, &request);
    if (!reply)
        return;
    if (reply->body_case == CYCLEHUB__V1__REPLY__BODY_COMMISSIONS)
        hub_http_send_json (req, 200, s_list_json (req, reply->commissions, stage_text, agency,
                                                   limit));
    else
        hub_http_problem_unexpected (req, reply);
    cyclehub__v1__reply__free_unpacked (reply, NULL);
}

//  ---------------------------------------------------------------------------
//  GET /v1/history

#define S_ANY_MAX   32      //  values of one filter, as the broker takes them
#define S_LINK_MAX  24576   //  a next link: the request line's 16 KiB, re-encoded

//  One filter's values: a repeated argument's are OR'ed, as the CLI's
typedef struct {
    const char *values [S_ANY_MAX];
    size_t count;
} s_many_t;

typedef struct {
    s_many_t commission, type, agency, stage;
    Cyclehub__V1__Stage stages [S_ANY_MAX];
    const char *since, *until;
    uint64_t after_seq, limit;
} s_history_args_t;

//  Every non-empty value of a filter into many. -1 when refused (answered).
static int
s_many (hub_http_req_t *req, const char *name, s_many_t *many)
{
    unsigned given = hub_http_args (req, name, many->values, S_ANY_MAX);
    if (given > S_ANY_MAX) {
        s_bad_arg (req, "MALFORMED", name, "give %s at most 32 times (its values are OR'ed); "
                   "ask again for the rest", name);
        return -1;
    }
    many->count = 0;
    for (unsigned i = 0; i < given; i++)
        if (*many->values [i])
            many->values [many->count++] = many->values [i];
    return 0;
}

//  An unknown type would match nothing: refused, so a typo is not
//  mistaken for an empty history. 0, or -1 (answered).
static int
s_known_type (hub_http_req_t *req, const char *type)
{
    if (hub_proto_type_case (type))
        return 0;
    char types [2048] = "";
    size_t used = 0;
    for (size_t i = 0; hub_types_at (i) && used < sizeof types; i++)
        used += (size_t) snprintf (types + used, sizeof types - used, "%s%s", used? ", ": "",
                                   hub_types_at (i)->name);
    char sentence [2400];
    snprintf (sentence, sizeof sentence, "there is no message type \"%%.64s\"; the types "
              "are: %s", types);
    s_bad_arg (req, "UNKNOWN_TYPE", "type", sentence, type);
    return -1;
}

//  The filters' values, each type and stage checked. -1 when refused (answered).
static int
s_history_filters (hub_http_req_t *req, s_history_args_t *args)
{
    if (s_many (req, "commission", &args->commission) || s_many (req, "type", &args->type)
    ||  s_many (req, "agency", &args->agency) || s_many (req, "stage", &args->stage))
        return -1;
    for (size_t i = 0; i < args->type.count; i++)
        if (s_known_type (req, args->type.values [i]))
            return -1;
    for (size_t i = 0; i < args->stage.count; i++)
        if (!(args->stages [i] = hub_proto_stage_from_name (args->stage.values [i]))) {
            s_bad_arg (req, "MALFORMED", "stage", "there is no stage \"%.40s\"; the stages "
                       "are analyse, plan, do, review and closed", args->stage.values [i]);
            return -1;
        }
    return 0;
}

//  A filter into the query: one value in its single field (indexed, and
//  any broker knows it), several in its list, as the CLI asks
static void
s_put_filter (const s_many_t *many, char **single, char ***list, size_t *n_list)
{
    if (many->count == 1)
        *single = (char *) many->values [0];
    else
    if (many->count > 1) {
        *list = (char **) many->values;
        *n_list = many->count;
    }
}

//  Reads and checks the arguments into query. -1 when refused (answered).
static int
s_history_query (hub_http_req_t *req, s_history_args_t *args, Cyclehub__V1__HistoryQuery *query)
{
    if (s_history_filters (req, args)
    ||  s_time (req, "since", &query->since_ms) || s_time (req, "until", &query->until_ms)
    ||  s_number (req, "after_seq", UINT64_MAX - 1, &args->after_seq)
    ||  s_number (req, "limit", 1000, &args->limit))
        return -1;
    s_single (req, "since", &args->since);
    s_single (req, "until", &args->until);
    s_put_filter (&args->commission, &query->commission_id, &query->commission_ids,
                  &query->n_commission_ids);
    s_put_filter (&args->type, &query->type, &query->types, &query->n_types);
    s_put_filter (&args->agency, &query->agency, &query->agencies, &query->n_agencies);
    if (args->stage.count == 1)
        query->stage = args->stages [0];
    else
    if (args->stage.count > 1) {
        query->stages = args->stages;
        query->n_stages = args->stage.count;
    }
    query->from_seq = args->after_seq + 1;
    query->limit = (uint32_t) args->limit;
    return 0;
}

//  Appends every value of a filter to the link
static void
s_put_many (char *link, size_t size, const char *name, const s_many_t *many)
{
    for (size_t i = 0; i < many->count; i++)
        s_put_arg (link, size, name, many->values [i]);
}

static json_t *
s_page_json (const Cyclehub__V1__HistoryPage *page, const s_history_args_t *args)
{
    json_t *events = json_array ();
    for (size_t i = 0; events && i < page->n_events; i++) {
        Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (
            NULL, page->events [i].len, page->events [i].data);
        json_t *item = event? hub_json_from_message (&event->base): NULL;
        json_array_append_new (events, item? item: json_null ());
        if (event)
            cyclehub__v1__event__free_unpacked (event, NULL);
    }
    char *link = calloc (1, S_LINK_MAX), number [24];
    if (!link) {
        json_decref (events);
        return NULL;
    }
    strcpy (link, "/v1/history");
    s_put_many (link, S_LINK_MAX, "commission", &args->commission);
    s_put_many (link, S_LINK_MAX, "type", &args->type);
    s_put_many (link, S_LINK_MAX, "agency", &args->agency);
    s_put_many (link, S_LINK_MAX, "stage", &args->stage);
    s_put_arg (link, S_LINK_MAX, "since", args->since);
    s_put_arg (link, S_LINK_MAX, "until", args->until);
    snprintf (number, sizeof number, "%" PRIu64, args->limit);
    s_put_arg (link, S_LINK_MAX, "limit", args->limit? number: NULL);
    snprintf (number, sizeof number, "%" PRIu64, page->next_seq? page->next_seq - 1: 0);
    s_put_arg (link, S_LINK_MAX, "after_seq", number);
    //  lastSeq as a string, as the codec writes every 64-bit integer
    snprintf (number, sizeof number, "%" PRIu64, page->last_seq);
    json_t *json = json_pack ("{s:o, s:s, s:b, s:s}", "events", events, "next", link,
                              "end", page->end, "lastSeq", number);
    free (link);
    return json;
}

void
hub_http_read_history (hub_http_req_t *req)
{
    Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    s_history_args_t args = { 0 };
    if (s_history_query (req, &args, &query))
        return;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
    request.history = &query;
    Cyclehub__V1__Reply *reply = hub_http_call (req, &request);
    if (!reply)
        return;
    if (reply->body_case == CYCLEHUB__V1__REPLY__BODY_PAGE)
        hub_http_send_json (req, 200, s_page_json (reply->page, &args));
    else
        hub_http_problem_unexpected (req, reply);
    cyclehub__v1__reply__free_unpacked (reply, NULL);
}
