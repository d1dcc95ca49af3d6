/*  hub_http_handler: what an endpoint's handler sees. The server
    (hub_http.c) has authenticated the request, read its body within the
    limit and picked the route; the handler reads the request, calls the
    broker with hub_http_call, and answers with one of the hub_http_send
    functions (or hub_http_problem*, hub_http_problem.h). A handler that
    answers nothing gets a 500.
*/
#ifndef HUB_HTTP_HANDLER_H
#define HUB_HTTP_HANDLER_H

#include <microhttpd.h>
#include <jansson.h>
#include <czmq.h>
#include "hub_http.h"
#include "cyclehub.pb-c.h"

typedef struct {
    char agency [64];               /* the token's agency (org-id) */
    char name [256];                /* its name in the registry ("" if none) */
    unsigned roles;                 /* its roles (hub_access.h) */
    bool read_only;                 /* a read-only token */
    char token_id [24];             /* the token's id */
} hub_http_identity_t;

typedef struct {
    struct MHD_Connection *connection;
    hub_http_t *server;
    const char *method;
    const char *path;               /* the URL's path, decoded */
    const char *rest;               /* the path past the route's prefix ("" for exact routes) */
    const char *body;               /* the request body (NUL-terminated), or NULL */
    size_t body_size;
    hub_http_identity_t who;
    bool responded;                 /* a response was queued */
} hub_http_req_t;

typedef void (hub_http_handler_fn) (hub_http_req_t *req);

/* A row of the route table: method, path, and whether path is a prefix
   (the rest of the URL goes to the handler in req->rest). */
typedef struct {
    const char *method;
    const char *path;
    bool prefix;
    hub_http_handler_fn *handler;
} hub_http_route_t;

/* Sends request to the broker as the request's agency and waits for the
   reply (request_id is set here). Returns the reply (free with
   cyclehub__v1__reply__free_unpacked), or NULL with a 503 problem already
   answered (the broker is shutting down or did not answer in time). */
Cyclehub__V1__Reply *
    hub_http_call (hub_http_req_t *req, Cyclehub__V1__Request *request);

/* hub_http_call with a status query, or a commission query for id: the
   reads the JSON API and the dashboard share. Same returns. */
Cyclehub__V1__Reply *
    hub_http_ask_status (hub_http_req_t *req);
Cyclehub__V1__Reply *
    hub_http_ask_commission (hub_http_req_t *req, const char *id);

/* hub_http_ask_commission when only a commission's state will do: any
   other answer (a refusal: unknown commission, not authorised) is answered
   as its problem and NULL returned. */
Cyclehub__V1__Reply *
    hub_http_ask_state (hub_http_req_t *req, const char *id);

/* The events of commission id, oldest first, paged from its history as
   the request's agency asks it, each passed through the one outward point
   (hub_proto_outward_event) whoever asks: what a page or a package is made
   from holds no personal data. At most max events (0: all). Returns a list
   of Event* (destroying it frees them), or NULL with a problem answered
   (the broker refused, did not answer, or an event could not be made
   outward). An unknown commission gives an empty list: ask for the
   commission first where that matters. */
zlistx_t *
    hub_http_ask_events (hub_http_req_t *req, const char *id, size_t max);

/* Answers with status and body (copied). extra_headers: NULL, or
   name, value pairs ending in NULL. */
void
    hub_http_send (hub_http_req_t *req, unsigned status, const char *content_type,
                   const char *body, size_t size, const char *const *extra_headers);

/* Answers with status and json as application/json; takes the reference. */
void
    hub_http_send_json (hub_http_req_t *req, unsigned status, json_t *json);

/* A query argument of the URL (the first if repeated), or NULL; and how
   many times it was given. */
const char *
    hub_http_arg (hub_http_req_t *req, const char *name);
unsigned
    hub_http_arg_count (hub_http_req_t *req, const char *name);

/* Every value of a repeated query argument, in the URL's order: the first
   max into values (borrowed, valid for the request). Returns how many were
   given (more than max when some did not fit). */
unsigned
    hub_http_args (hub_http_req_t *req, const char *name, const char **values, size_t max);

/* The registry's name of an agency into buf ("" if unknown, or in
   development mode); returns buf. */
const char *
    hub_http_agency_name (hub_http_req_t *req, const char *org_id, char *buf, size_t size);

/* The registry's entry of an agency: its name into buf ("" if it has
   none) and its roles. 0, or -1 if it is not registered (always in
   development mode). */
int
    hub_http_agency (hub_http_req_t *req, const char *org_id, unsigned *roles, char *buf,
                     size_t size);

/* The broker's events socket on inproc (for a SUB), and whether the
   server is stopping (a long-lived answer ends then). */
const char *
    hub_http_events_endpoint (hub_http_t *server);
bool
    hub_http_is_stopping (hub_http_t *server);
/* An event stream begins (+1) or ends (-1): hub_http_streams counts them. */
void
    hub_http_stream_count (hub_http_t *server, int change);

/* Checks a token as a request's Authorization would be (the rate limit
   included); 0 with who filled in, or -1. */
int
    hub_http_check_token (hub_http_req_t *req, const char *token, hub_http_identity_t *who);

/* A request header, or NULL. */
const char *
    hub_http_header (hub_http_req_t *req, const char *name);

#endif
