/*  hub_http: the HTTP front end's server. See hub_http.h for the design;
    this file holds the listening socket and its limits, the route table,
    a request's life (route, token, body, handler) and the call to the
    broker over inproc.
*/
#include "hub_http.h"
#include "hub_http_handler.h"
#include "hub_http_auth.h"
#include "hub_http_problem.h"
#include "hub_http_routes.h"
#include "hub_token.h"
#include "hub_validate.h"
#include "hub_json.h"
#include "hub_proto.h"
#include "hub_access.h"
#include <netdb.h>
#include <arpa/inet.h>
#include <stdatomic.h>

#define S_DEV_AGENCY "GB-LAE-E09000033"     //  the README tour's council
#define S_PUBLIC_READER "public"            //  --http-public-ocds: not an org-id, so
                                            //  no agency's (never a commission's owner)

struct _hub_http_t {
    const hub_http_config_t *config;
    struct MHD_Daemon *daemon;
    char *inproc;                   //  the broker's HTTP ROUTER
    char *events;                   //  the broker's events socket, on inproc
    hub_http_auth_t *auth;
    hub_registry_t *registry;       //  borrowed; NULL in development mode
    char url [400];
    char dev_token [HUB_TOKEN_LEN + 1];  //  --plain: the development token
    char *cert_pem, *key_pem;       //  TLS, read at start
    atomic_bool stopping;
    atomic_size_t streams;          //  GET /v1/events answers open now
};

//  Per connection (MHD's socket context): its DEALER to the broker, made by
//  the connection's thread on its first call, closed when it ends.
typedef struct {
    zsock_t *dealer;
    uint64_t next_request_id;
} s_conn_t;

//  Per request (MHD's con_cls).
typedef struct {
    hub_http_req_t req;
    const hub_http_route_t *route;
    char *body;
    size_t size, capacity;
} s_request_t;

//  ---------------------------------------------------------------------------
//  The route table: one row per endpoint. A new endpoint is a handler in a
//  file of its own (declared in hub_http_routes.h) and a row here; the first
//  row whose path matches wins, so a prefix row goes after exact ones.

static const hub_http_route_t s_routes [] = {
    { "GET",  "/v1/status",          false, hub_http_read_status },
    { "GET",  "/v1/commissions",     false, hub_http_read_commissions },
    { "GET",  "/v1/commissions/",    true,  hub_http_read_commission },
    { "GET",  "/v1/history",         false, hub_http_read_history },
    { "POST", "/v1/messages/",       true,  hub_http_publish },
    { "GET",  "/v1/openapi.json",    false, hub_http_openapi },
    { "GET",  "/v1/events",          false, hub_http_events },
    { "GET",  "/v1/ocds/",           true,  hub_http_ocds },
    //  The dashboard's pages (not under /v1/: a viewer without a session
    //  is sent to /signin rather than answered 401)
    { "GET",  "/",                   false, hub_http_dash_commissions },
    { "GET",  "/commissions/",       true,  hub_http_dash_commission },
    { "GET",  "/hub",                false, hub_http_dash_hub },
    { "GET",  "/signin",             false, hub_http_dash_signin_form },
    { "POST", "/signin",             false, hub_http_dash_signin },
    { "GET",  "/sign-in",            false, hub_http_dash_signin_form },
    { "POST", "/sign-in",            false, hub_http_dash_signin },
};

void
hub_http_config_default (hub_http_config_t *config)
{
    memset (config, 0, sizeof *config);
    config->connection_limit = 256;
    config->idle_timeout_s = 30;
    config->header_max = 16 * 1024;
    config->body_max = 1024 * 1024;
    config->rate = 50;
    config->reply_timeout_ms = 30000;
}

hub_http_config_t *
hub_http_config_dup (const hub_http_config_t *config)
{
    if (!config)
        return NULL;
    hub_http_config_t *copy = malloc (sizeof *copy);
    if (!copy)
        return NULL;
    *copy = *config;
    copy->endpoint = config->endpoint? strdup (config->endpoint): NULL;
    copy->cert_file = config->cert_file? strdup (config->cert_file): NULL;
    copy->key_file = config->key_file? strdup (config->key_file): NULL;
    copy->dev_agency = strdup (config->dev_agency? config->dev_agency: S_DEV_AGENCY);
    return copy;
}

void
hub_http_config_free (hub_http_config_t **config_p)
{
    hub_http_config_t *config = *config_p;
    if (!config)
        return;
    free ((char *) config->endpoint);
    free ((char *) config->cert_file);
    free ((char *) config->key_file);
    free ((char *) config->dev_agency);
    free (config);
    *config_p = NULL;
}

//  ---------------------------------------------------------------------------
//  Answers

void
hub_http_send (hub_http_req_t *req, unsigned status, const char *content_type,
               const char *body, size_t size, const char *const *extra_headers)
{
    if (req->responded)
        return;
    struct MHD_Response *response = MHD_create_response_from_buffer (
        size, (void *) body, MHD_RESPMEM_MUST_COPY);
    if (!response)
        return;
    MHD_add_response_header (response, "Content-Type", content_type);
    MHD_add_response_header (response, "Cache-Control", "no-store");
    MHD_add_response_header (response, "X-Content-Type-Options", "nosniff");
    for (int i = 0; extra_headers && extra_headers [i] && extra_headers [i + 1]; i += 2)
        MHD_add_response_header (response, extra_headers [i], extra_headers [i + 1]);
    if (MHD_queue_response (req->connection, status, response) == MHD_YES)
        req->responded = true;
    MHD_destroy_response (response);
}

void
hub_http_send_json (hub_http_req_t *req, unsigned status, json_t *json)
{
    //  One line, ended: what a terminal or a line-reading client expects
    char *text = hub_json_dumps (json, 0);
    json_decref (json);
    char *line = text? zsys_sprintf ("%s\n", text): NULL;
    free (text);
    if (!line) {
        hub_http_problem (req, 500, "INTERNAL", NULL, NULL,
                          "the answer could not be written as JSON; retry later");
        return;
    }
    hub_http_send (req, status, "application/json", line, strlen (line), NULL);
    zstr_free (&line);
}

typedef struct {
    const char *name;
    const char *first;
    unsigned count;
    const char **values;            //  hub_http_args: where to put each value
    size_t max;
} s_arg_t;

static enum MHD_Result
s_arg_visit (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void) kind;
    s_arg_t *arg = cls;
    if (key && streq (key, arg->name)) {
        if (arg->values && arg->count < arg->max)
            arg->values [arg->count] = value? value: "";
        if (!arg->count++)
            arg->first = value? value: "";
    }
    return MHD_YES;
}

unsigned
hub_http_args (hub_http_req_t *req, const char *name, const char **values, size_t max)
{
    s_arg_t arg = { name, NULL, 0, values, max };
    MHD_get_connection_values (req->connection, MHD_GET_ARGUMENT_KIND, s_arg_visit, &arg);
    return arg.count;
}

const char *
hub_http_arg (hub_http_req_t *req, const char *name)
{
    s_arg_t arg = { name, NULL, 0, NULL, 0 };
    MHD_get_connection_values (req->connection, MHD_GET_ARGUMENT_KIND, s_arg_visit, &arg);
    return arg.first;
}

unsigned
hub_http_arg_count (hub_http_req_t *req, const char *name)
{
    s_arg_t arg = { name, NULL, 0, NULL, 0 };
    MHD_get_connection_values (req->connection, MHD_GET_ARGUMENT_KIND, s_arg_visit, &arg);
    return arg.count;
}

const char *
hub_http_agency_name (hub_http_req_t *req, const char *org_id, char *buf, size_t size)
{
    unsigned roles;
    buf [0] = 0;
    if (req->server->registry && org_id
    &&  hub_registry_agency (req->server->registry, org_id, &roles, buf, size))
        buf [0] = 0;
    return buf;
}

int
hub_http_agency (hub_http_req_t *req, const char *org_id, unsigned *roles, char *buf, size_t size)
{
    buf [0] = 0;
    *roles = 0;
    if (!req->server->registry || !org_id
    ||  hub_registry_agency (req->server->registry, org_id, roles, buf, size)) {
        buf [0] = 0;
        return -1;
    }
    return 0;
}

const char *
hub_http_header (hub_http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value (req->connection, MHD_HEADER_KIND, name);
}

int
hub_http_check_token (hub_http_req_t *req, const char *token, hub_http_identity_t *who)
{
    char authorization [300], why [400];
    unsigned retry_after = 0;
    if (snprintf (authorization, sizeof authorization, "Bearer %s", token)
        >= (int) sizeof authorization)
        return -1;
    return hub_http_auth_check (req->server->auth, authorization, who, &retry_after,
                                why, sizeof why) == 0? 0: -1;
}

//  ---------------------------------------------------------------------------
//  The call to the broker

static void
s_unavailable (hub_http_req_t *req, const char *format, unsigned wait_s)
{
    char retry [16];
    snprintf (retry, sizeof retry, "%u", wait_s);
    const char *headers [] = { "Retry-After", retry, NULL };
    hub_http_problem (req, 503, "UNAVAILABLE", NULL, headers, format, wait_s);
}

Cyclehub__V1__Reply *
hub_http_call (hub_http_req_t *req, Cyclehub__V1__Request *request)
{
    hub_http_t *self = req->server;
    if (atomic_load (&self->stopping)) {
        s_unavailable (req, "the hub is shutting down; retry in %u s", 5);
        return NULL;
    }
    const union MHD_ConnectionInfo *info = MHD_get_connection_info (
        req->connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    s_conn_t *conn = info? info->socket_context: NULL;
    if (conn && !conn->dealer) {
        conn->dealer = zsock_new (ZMQ_DEALER);
        if (conn->dealer) {
            zsock_set_linger (conn->dealer, 0);
            zsock_set_rcvtimeo (conn->dealer, 100);
            zsock_set_sndtimeo (conn->dealer, (int) self->config->reply_timeout_ms);
            if (zsock_connect (conn->dealer, "%s", self->inproc) < 0)
                zsock_destroy (&conn->dealer);
        }
    }
    if (!conn || !conn->dealer) {
        s_unavailable (req, "the hub cannot take this request now; retry in %u s", 1);
        return NULL;
    }
    request->request_id = ++conn->next_request_id;
    size_t size = cyclehub__v1__request__get_packed_size (request);
    uint8_t *packed = malloc (size? size: 1);
    char identity [128];
    snprintf (identity, sizeof identity, "%s %u %s", req->who.agency, req->who.roles,
              req->who.read_only? "ro": "rw");
    void *dealer = zsock_resolve (conn->dealer);
    if (!packed
    ||  zmq_send (dealer, identity, strlen (identity), ZMQ_SNDMORE) < 0
    ||  zmq_send (dealer, packed, cyclehub__v1__request__pack (request, packed), 0) < 0) {
        free (packed);
        s_unavailable (req, "the hub is too busy to take this request; retry in %u s", 1);
        return NULL;
    }
    free (packed);
    //  Wait in short steps: a reply of an earlier request that timed out is
    //  dropped by its id, and shutting down is noticed
    int64_t deadline = zclock_mono () + self->config->reply_timeout_ms;
    int64_t stop_deadline = 0;
    while (zclock_mono () < deadline) {
        zframe_t *frame = zframe_recv (conn->dealer);
        if (frame) {
            Cyclehub__V1__Reply *reply = cyclehub__v1__reply__unpack (
                NULL, zframe_size (frame), zframe_data (frame));
            zframe_destroy (&frame);
            if (reply && reply->request_id == request->request_id)
                return reply;
            if (reply)
                cyclehub__v1__reply__free_unpacked (reply, NULL);
            continue;
        }
        //  At shutdown the broker answers what it received within its
        //  flush; a request still queued then is never read
        if (atomic_load (&self->stopping) && !stop_deadline)
            stop_deadline = zclock_mono () + 2000;
        if (stop_deadline && zclock_mono () >= stop_deadline) {
            s_unavailable (req, "the hub is shutting down; retry in %u s with the same "
                           "Idempotency-Key", 5);
            return NULL;
        }
    }
    s_unavailable (req, "the hub did not answer in time (it is overloaded); retry in %u s "
                   "with the same Idempotency-Key", 2);
    return NULL;
}

Cyclehub__V1__Reply *
hub_http_ask_status (hub_http_req_t *req)
{
    Cyclehub__V1__StatusQuery query = CYCLEHUB__V1__STATUS_QUERY__INIT;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_STATUS;
    request.status = &query;
    return hub_http_call (req, &request);
}

Cyclehub__V1__Reply *
hub_http_ask_commission (hub_http_req_t *req, const char *id)
{
    Cyclehub__V1__CommissionQuery query = CYCLEHUB__V1__COMMISSION_QUERY__INIT;
    query.commission_id = (char *) id;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_COMMISSION;
    request.commission = &query;
    return hub_http_call (req, &request);
}

Cyclehub__V1__Reply *
hub_http_ask_state (hub_http_req_t *req, const char *id)
{
    Cyclehub__V1__Reply *reply = hub_http_ask_commission (req, id);
    if (reply && reply->body_case != CYCLEHUB__V1__REPLY__BODY_COMMISSION) {
        hub_http_problem_unexpected (req, reply);
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        reply = NULL;
    }
    return reply;
}

//  The Event destructor of hub_http_ask_events' list
static void
s_event_free (void **item)
{
    if (*item)
        cyclehub__v1__event__free_unpacked (*item, NULL);
    *item = NULL;
}

zlistx_t *
hub_http_ask_events (hub_http_req_t *req, const char *id, size_t max)
{
    zlistx_t *events = zlistx_new ();
    if (!events) {
        hub_http_problem (req, 500, "INTERNAL", NULL, NULL, "out of memory; retry later");
        return NULL;
    }
    zlistx_set_destructor (events, s_event_free);
    uint64_t from = 1;
    while (from && (!max || zlistx_size (events) < max)) {
        Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
        query.commission_id = (char *) id;
        query.from_seq = from;
        Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
        request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
        request.history = &query;
        Cyclehub__V1__Reply *reply = hub_http_call (req, &request);
        bool failed = !reply || reply->body_case != CYCLEHUB__V1__REPLY__BODY_PAGE;
        if (reply && failed)
            hub_http_problem_unexpected (req, reply);
        for (size_t i = 0; !failed && i < reply->page->n_events; i++) {
            Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (
                NULL, reply->page->events [i].len, reply->page->events [i].data);
            //  The one outward point, whoever reads: an event that cannot
            //  pass it is not shown half redacted, nor silently left out
            if (!event || hub_proto_outward_event (event) < 0 || !zlistx_add_end (events, event)) {
                if (event)
                    cyclehub__v1__event__free_unpacked (event, NULL);
                hub_http_problem (req, 500, "INTERNAL", NULL, NULL, "an event of %s could not "
                                  "be read or made outward; retry later", id);
                failed = true;
            }
        }
        if (failed) {
            if (reply)
                cyclehub__v1__reply__free_unpacked (reply, NULL);
            zlistx_destroy (&events);
            return NULL;
        }
        bool end = reply->page->end || !reply->page->n_events;
        from = end? 0: reply->page->next_seq;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    }
    return events;
}

//  ---------------------------------------------------------------------------
//  A request's life

//  The route for method and path: *allowed set when the path is known but
//  not with this method.
static const hub_http_route_t *
s_route (const char *method, const char *path, const char **rest, bool *allowed)
{
    *allowed = true;
    bool path_known = false;
    for (size_t i = 0; i < sizeof s_routes / sizeof s_routes [0]; i++) {
        const hub_http_route_t *route = &s_routes [i];
        size_t len = strlen (route->path);
        bool match = route->prefix? strncmp (path, route->path, len) == 0 && path [len]
                                  : streq (path, route->path);
        if (!match)
            continue;
        path_known = true;
        if (streq (method, route->method)) {
            *rest = route->prefix? path + len: "";
            return route;
        }
    }
    *allowed = !path_known;
    return NULL;
}

//  The first call of a request (its headers read, its body not yet): picks
//  the route, checks the token and the announced body size. Answers (and
//  so ends the request) on any refusal.
static void
s_begin (hub_http_t *self, s_request_t *request)
{
    hub_http_req_t *req = &request->req;
    bool unknown_path;
    request->route = s_route (req->method, req->path, &req->rest, &unknown_path);
    if (!request->route) {
        if (unknown_path)
            hub_http_problem (req, 404, "NOT_FOUND", NULL, NULL,
                              "there is no %s; the API's paths start with /v1/ "
                              "(docs/http.md)", req->path);
        else
            hub_http_problem (req, 405, "METHOD_NOT_ALLOWED", NULL, NULL,
                              "%s does not take %s", req->path, req->method);
        return;
    }
    //  The API's description holds no data: anyone may read it. The
    //  dashboard's sign-in needs no token, and its pages send a viewer
    //  without one to the sign-in
    bool page = strncmp (req->path, "/v1/", 4) != 0;
    if (request->route->handler == hub_http_openapi
    ||  (page && (streq (req->path, "/signin") || streq (req->path, "/sign-in"))))
        return;
    //  cyclehubd --http-public-ocds: the OCDS packages are open data, read
    //  without a token (none is looked at) by a public reader: no agency,
    //  an observer, read-only, so the broker redacts as for any non-owner
    if (request->route->handler == hub_http_ocds && self->config->public_ocds) {
        snprintf (req->who.agency, sizeof req->who.agency, "%s", S_PUBLIC_READER);
        req->who.roles = HUB_ROLE_OBSERVER;
        req->who.read_only = true;
        return;
    }
    unsigned retry_after = 0;
    char why [400], cookie [300];
    const char *authorization = hub_http_header (req, "Authorization");
    //  The session cookie stands for the header on GETs only (pages and
    //  the page's EventSource), never for a publish
    const char *session = MHD_lookup_connection_value (req->connection, MHD_COOKIE_KIND,
                                                       "chub_session");
    if (!authorization && session && streq (req->method, "GET")
    &&  snprintf (cookie, sizeof cookie, "Bearer %s", session) < (int) sizeof cookie)
        authorization = cookie;
    unsigned status = hub_http_auth_check (self->auth, authorization,
                                           &req->who, &retry_after, why, sizeof why);
    if (status == 401 && page) {
        const char *headers [] = { "Location", "/signin", NULL };
        hub_http_send (req, 303, "text/plain; charset=utf-8", "Sign in at /signin\n", 19,
                       headers);
        return;
    }
    if (status == 401) {
        const char *headers [] = { "WWW-Authenticate", "Bearer realm=\"cyclehub\"", NULL };
        hub_http_problem (req, 401, "UNAUTHENTICATED", NULL, headers, "%s", why);
        return;
    }
    if (status == 429) {
        char retry [16];
        snprintf (retry, sizeof retry, "%u", retry_after);
        const char *headers [] = { "Retry-After", retry, NULL };
        hub_http_problem (req, 429, "RATE_LIMITED", NULL, headers, "%s", why);
        return;
    }
    //  A body announced over the limit is refused before any of it is read
    //  (libmicrohttpd then closes the connection rather than read it)
    const char *length = hub_http_header (req, "Content-Length");
    if (length && strtoull (length, NULL, 10) > self->config->body_max)
        hub_http_problem (req, 413, "TOO_LARGE", NULL, NULL,
                          "the body is %s bytes; the limit is %zu", length, self->config->body_max);
}

//  A piece of the body: kept while under the limit. Returns false when the
//  body (sent chunked, so its size was not announced) passed the limit:
//  libmicrohttpd cannot answer in the middle of a body, so the connection
//  is closed.
static bool
s_take_body (hub_http_t *self, s_request_t *request, const char *data, size_t size)
{
    if (request->size + size > self->config->body_max) {
        zsys_warning ("http: a chunked body passed %zu bytes; connection closed",
                      self->config->body_max);
        return false;
    }
    if (request->size + size + 1 > request->capacity) {
        size_t capacity = request->capacity? request->capacity: 4096;
        while (capacity < request->size + size + 1)
            capacity *= 2;
        char *grown = realloc (request->body, capacity);
        if (!grown)
            return false;
        request->body = grown;
        request->capacity = capacity;
    }
    memcpy (request->body + request->size, data, size);
    request->size += size;
    request->body [request->size] = 0;
    return true;
}

static enum MHD_Result
s_access (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
          const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void) version;
    hub_http_t *self = cls;
    s_request_t *request = *con_cls;
    if (!request) {
        request = calloc (1, sizeof *request);
        if (!request)
            return MHD_NO;
        *con_cls = request;
        request->req.connection = connection;
        request->req.server = self;
        request->req.method = method;
        request->req.path = url;
        s_begin (self, request);
        return MHD_YES;
    }
    if (request->req.responded) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        bool kept = s_take_body (self, request, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return kept? MHD_YES: MHD_NO;
    }
    request->req.body = request->body;
    request->req.body_size = request->size;
    request->route->handler (&request->req);
    if (!request->req.responded)
        hub_http_problem (&request->req, 500, "INTERNAL", NULL, NULL,
                          "the request could not be answered; retry later");
    return request->req.responded? MHD_YES: MHD_NO;
}

static void
s_completed (void *cls, struct MHD_Connection *connection, void **con_cls,
             enum MHD_RequestTerminationCode code)
{
    (void) cls;
    (void) connection;
    (void) code;
    s_request_t *request = *con_cls;
    if (request) {
        free (request->body);
        free (request);
    }
    *con_cls = NULL;
}

static void
s_connection (void *cls, struct MHD_Connection *connection, void **socket_context,
              enum MHD_ConnectionNotificationCode code)
{
    (void) cls;
    (void) connection;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        *socket_context = calloc (1, sizeof (s_conn_t));
    else {
        s_conn_t *conn = *socket_context;
        if (conn)
            zsock_destroy (&conn->dealer);
        free (conn);
        *socket_context = NULL;
    }
}

static void
s_log (void *cls, const char *format, va_list args)
{
    (void) cls;
    char text [512];
    vsnprintf (text, sizeof text, format, args);
    text [strcspn (text, "\n")] = 0;
    zsys_warning ("http: %s", text);
}

//  ---------------------------------------------------------------------------
//  Start and stop

//  HOST:PORT, tcp://HOST:PORT or [V6]:PORT into addr; *loopback when every
//  address the host names is a loopback one. 0 or -1.
static int
s_address (const char *endpoint, struct sockaddr_storage *addr, socklen_t *addrlen,
           bool *loopback, char *host_out, size_t host_size)
{
    if (strncmp (endpoint, "tcp://", 6) == 0)
        endpoint += 6;
    char host [256];
    const char *colon = strrchr (endpoint, ':');
    if (!colon || colon == endpoint || !colon [1] || (size_t) (colon - endpoint) >= sizeof host)
        return -1;
    memcpy (host, endpoint, (size_t) (colon - endpoint));
    host [colon - endpoint] = 0;
    if (host [0] == '[') {
        size_t len = strlen (host);
        if (len < 3 || host [len - 1] != ']')
            return -1;
        memmove (host, host + 1, len - 2);
        host [len - 2] = 0;
    }
    char *end;
    long port = strtol (colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return -1;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICSERV | AI_PASSIVE };
    struct addrinfo *found = NULL;
    if (getaddrinfo (host, colon + 1, &hints, &found) != 0 || !found)
        return -1;
    memcpy (addr, found->ai_addr, found->ai_addrlen);
    *addrlen = found->ai_addrlen;
    freeaddrinfo (found);
    if (addr->ss_family == AF_INET)
        *loopback = (ntohl (((struct sockaddr_in *) addr)->sin_addr.s_addr) >> 24) == 127;
    else
        *loopback = IN6_IS_ADDR_LOOPBACK (&((struct sockaddr_in6 *) addr)->sin6_addr);
    snprintf (host_out, host_size, addr->ss_family == AF_INET6? "[%s]": "%s", host);
    return 0;
}

static int
s_start (hub_http_t *self, const struct sockaddr_storage *addr, char *err, size_t errsize)
{
    const hub_http_config_t *config = self->config;
    bool tls = self->cert_pem != NULL;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD
                   | MHD_USE_ERROR_LOG | (tls? MHD_USE_TLS: 0)
                   | (addr->ss_family == AF_INET6? MHD_USE_IPv6: 0);
    struct MHD_OptionItem options [] = {
        { MHD_OPTION_EXTERNAL_LOGGER, (intptr_t) s_log, self },
        { MHD_OPTION_SOCK_ADDR, 0, (void *) addr },
        { MHD_OPTION_CONNECTION_LIMIT, config->connection_limit, NULL },
        { MHD_OPTION_CONNECTION_TIMEOUT, config->idle_timeout_s, NULL },
        { MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t) config->header_max, NULL },
        { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) s_completed, self },
        { MHD_OPTION_NOTIFY_CONNECTION, (intptr_t) s_connection, self },
        { tls? MHD_OPTION_HTTPS_MEM_CERT: MHD_OPTION_END, 0, self->cert_pem },
        { tls? MHD_OPTION_HTTPS_MEM_KEY: MHD_OPTION_END, 0, self->key_pem },
        { MHD_OPTION_END, 0, NULL }
    };
    self->daemon = MHD_start_daemon (flags, 0, NULL, NULL, s_access, self,
                                     MHD_OPTION_ARRAY, options, MHD_OPTION_END);
    if (!self->daemon) {
        snprintf (err, errsize, "cannot serve HTTP on %s (%s%s)", config->endpoint,
                  tls? "check --http-cert and --http-key, or ": "", strerror (errno));
        return -1;
    }
    return 0;
}

static char *
s_read_pem (const char *path, const char *what, char *err, size_t errsize)
{
    zchunk_t *chunk = NULL;
    zfile_t *file = zfile_new (NULL, path);
    if (file && zfile_input (file) == 0)
        chunk = zfile_read (file, zfile_cursize (file), 0);
    zfile_destroy (&file);
    char *text = chunk? zchunk_strdup (chunk): NULL;
    zchunk_destroy (&chunk);
    if (!text || !strstr (text, "-----BEGIN "))
        snprintf (err, errsize, "cannot read the %s %s (a PEM file)", what, path);
    if (text && !strstr (text, "-----BEGIN "))
        zstr_free (&text);
    return text;
}

hub_http_t *
hub_http_new (const hub_http_config_t *config, const char *inproc, const char *events,
              struct _hub_registry_t *registry, const char *auth_dir, bool plain,
              char *err, size_t errsize)
{
    struct sockaddr_storage addr;
    socklen_t addrlen;
    bool loopback = false;
    char host [280];
    if (s_address (config->endpoint, &addr, &addrlen, &loopback, host, sizeof host)) {
        snprintf (err, errsize, "--http takes HOST:PORT or tcp://HOST:PORT (e.g. 127.0.0.1:7480), "
                  "not '%s'", config->endpoint);
        return NULL;
    }
    if (!config->cert_file != !config->key_file) {
        snprintf (err, errsize, "TLS needs both --http-cert FILE and --http-key FILE");
        return NULL;
    }
    if (!loopback && (plain || !config->cert_file)) {
        snprintf (err, errsize, "refusing to serve %s on %s: %s", plain? "HTTP in --plain mode"
                  : "plain HTTP", config->endpoint, plain
                  ? "development mode is for loopback addresses only"
                  : "give --http-cert FILE --http-key FILE for TLS, or listen on 127.0.0.1 "
                    "behind a TLS reverse proxy on the same host");
        return NULL;
    }
    if (plain && !hub_validate_org_id (config->dev_agency)) {
        snprintf (err, errsize, "--http-dev-agency takes an org-id such as GB-LAE-E09000033, "
                  "not '%.80s'", config->dev_agency);
        return NULL;
    }
    if (config->cert_file && !MHD_is_feature_supported (MHD_FEATURE_TLS)) {
        snprintf (err, errsize, "this libmicrohttpd has no TLS support");
        return NULL;
    }
    hub_http_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    self->registry = plain? NULL: registry;
    self->inproc = strdup (inproc);
    self->events = strdup (events);
    atomic_init (&self->stopping, false);
    atomic_init (&self->streams, 0);
    if (config->cert_file
    &&  (!(self->cert_pem = s_read_pem (config->cert_file, "certificate", err, errsize))
      || !(self->key_pem = s_read_pem (config->key_file, "private key", err, errsize))))
        goto fail;
    self->auth = hub_http_auth_new (plain? NULL: auth_dir, plain? NULL: registry,
                                    config->dev_agency, config->rate, self->dev_token, err, errsize);
    if (!self->auth || s_start (self, &addr, err, errsize))
        goto fail;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info (self->daemon,
                                                            MHD_DAEMON_INFO_BIND_PORT);
    snprintf (self->url, sizeof self->url, "%s://%s:%u", config->cert_file? "https": "http",
              host, info? info->port: 0);
    zsys_info ("http: serving %s (%u connections at most, bodies to %zu bytes)", self->url,
               config->connection_limit, config->body_max);
    if (*self->dev_token)
        zsys_notice ("http: development token of %s: %s", config->dev_agency, self->dev_token);
    return self;
fail:
    hub_http_destroy (&self);
    return NULL;
}

const char *
hub_http_url (hub_http_t *self)
{
    return self->url;
}

const char *
hub_http_dev_token (hub_http_t *self)
{
    return self->dev_token;
}

const char *
hub_http_events_endpoint (hub_http_t *self)
{
    return self->events;
}

bool
hub_http_is_stopping (hub_http_t *self)
{
    return atomic_load (&self->stopping);
}

size_t
hub_http_streams (hub_http_t *self)
{
    return self? atomic_load (&self->streams): 0;
}

void
hub_http_stream_count (hub_http_t *server, int change)
{
    if (change > 0)
        atomic_fetch_add (&server->streams, 1);
    else
        atomic_fetch_sub (&server->streams, 1);
}

void
hub_http_stopping (hub_http_t *self)
{
    if (self)
        atomic_store (&self->stopping, true);
}

void
hub_http_destroy (hub_http_t **self_p)
{
    hub_http_t *self = *self_p;
    if (!self)
        return;
    atomic_store (&self->stopping, true);
    if (self->daemon)
        MHD_stop_daemon (self->daemon);
    hub_http_auth_destroy (&self->auth);
    free (self->inproc);
    free (self->events);
    zstr_free (&self->cert_pem);
    zstr_free (&self->key_pem);
    free (self);
    *self_p = NULL;
}
