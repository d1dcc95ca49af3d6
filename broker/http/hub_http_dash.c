/*  hub_http_dash: the dashboard's pages, served (docs/dashboard.md).

      GET  /                    the commissions
      GET  /commissions/{id}    one commission
      GET  /hub                 the hub's status
      GET  /signin, /sign-in    the sign-in form
      POST /signin, /sign-in    token=...: sets the session cookie, 303 to /

    The pages are hub_dash's renderers fed by the broker's own queries
    (commission list, commission state, history), asked as the viewer's
    agency exactly as /v1/ asks them. Who the viewer is: hub_http.c reads
    the Authorization header, or on a GET the chub_session cookie this
    file sets; a page asked without either (or with a bad one) answers 303
    to /signin. Every event is made outward (hub_proto_outward_event, in
    hub_http_ask_events) before it reaches a renderer, whoever the viewer
    is. Each page carries hub_dash_csp() and opens /v1/events for its live
    updates.
*/
#include "hub_http_routes.h"
#include "hub_http_problem.h"
#include "hub_dash.h"
#include "hub_proto.h"

#define S_LIST_MAX      200     //  commissions on the list page
#define S_EVENTS_MAX    5000    //  events read for one commission's page

//  ---------------------------------------------------------------------------
//  Sending a page

//  Agency names for the renderers: kept until the render ends.
typedef struct {
    hub_http_req_t *req;
    zhashx_t *names;
} s_names_t;

static const char *
s_name_of (const char *org_id, void *arg)
{
    s_names_t *self = arg;
    const char *name = zhashx_lookup (self->names, org_id);
    if (!name) {
        char buf [256];
        hub_http_agency_name (self->req, org_id, buf, sizeof buf);
        zhashx_insert (self->names, org_id, buf);
        name = zhashx_lookup (self->names, org_id);
    }
    return name && *name? name: NULL;
}

static void
s_ctx (hub_http_req_t *req, hub_dash_ctx_t *ctx, s_names_t *names)
{
    memset (ctx, 0, sizeof *ctx);
    names->req = req;
    names->names = zhashx_new ();
    zhashx_set_destructor (names->names, (zhashx_destructor_fn *) zstr_free);
    zhashx_set_duplicator (names->names, (zhashx_duplicator_fn *) strdup);
    ctx->now_ms = zclock_time ();
    ctx->root = "";
    ctx->name_of = s_name_of;
    ctx->name_arg = names;
    ctx->viewer = req->who.agency;
    ctx->events_url = "/v1/events";
}

static void
s_send_page (hub_http_req_t *req, unsigned status, char *html, s_names_t *names,
             const char *const *headers)
{
    zhashx_destroy (&names->names);
    if (!html) {
        hub_http_problem (req, 500, "INTERNAL", NULL, NULL, "the page could not be made; retry");
        return;
    }
    char csp [HUB_DASH_CSP_MAX];
    hub_dash_csp (csp, sizeof csp);
    const char *all [12] = { "Content-Security-Policy", csp, "Referrer-Policy", "no-referrer",
                             "X-Frame-Options", "DENY", NULL };
    for (int i = 0; headers && headers [i] && i < 4; i++)
        all [6 + i] = headers [i];
    hub_http_send (req, status, "text/html; charset=utf-8", html, strlen (html), all);
    free (html);
}

//  ---------------------------------------------------------------------------
//  The broker's answers

//  ---------------------------------------------------------------------------
//  The pages

void
hub_http_dash_commissions (hub_http_req_t *req)
{
    Cyclehub__V1__CommissionListQuery query = CYCLEHUB__V1__COMMISSION_LIST_QUERY__INIT;
    query.limit = S_LIST_MAX;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_COMMISSIONS;
    request.commissions = &query;
    Cyclehub__V1__Reply *list = hub_http_call (req, &request);
    if (!list)
        return;
    if (list->body_case != CYCLEHUB__V1__REPLY__BODY_COMMISSIONS) {
        hub_http_problem_unexpected (req, list);
        cyclehub__v1__reply__free_unpacked (list, NULL);
        return;
    }
    size_t n = list->commissions->n_commissions;
    Cyclehub__V1__Reply **states = calloc (n + 1, sizeof *states);
    hub_dash_commission_t *items = calloc (n + 1, sizeof *items);
    size_t found = 0;
    for (size_t i = 0; states && items && i < n; i++) {
        Cyclehub__V1__Reply *reply = hub_http_ask_commission (
            req, list->commissions->commissions [i]->commission_id);
        if (!reply)
            break;
        if (reply->body_case == CYCLEHUB__V1__REPLY__BODY_COMMISSION) {
            states [found] = reply;
            items [found++].state = reply->commission;
        }
        else
            cyclehub__v1__reply__free_unpacked (reply, NULL);
    }
    if (!req->responded) {
        hub_dash_ctx_t ctx;
        s_names_t names;
        s_ctx (req, &ctx, &names);
        s_send_page (req, 200, hub_dash_render_commissions (&ctx, items, found), &names, NULL);
    }
    for (size_t i = 0; states && i < found; i++)
        cyclehub__v1__reply__free_unpacked (states [i], NULL);
    free (states);
    free (items);
    cyclehub__v1__reply__free_unpacked (list, NULL);
}

void
hub_http_dash_commission (hub_http_req_t *req)
{
    if (!*req->rest || strchr (req->rest, '/')) {
        hub_http_problem (req, 404, "NOT_FOUND", NULL, NULL, "there is no page %s; a "
                          "commission's page is /commissions/OCID", req->path);
        return;
    }
    Cyclehub__V1__Reply *state = hub_http_ask_state (req, req->rest);
    if (!state)
        return;
    //  Each made outward there, whoever the viewer is
    zlistx_t *events = hub_http_ask_events (req, req->rest, S_EVENTS_MAX);
    if (events) {
        size_t n = zlistx_size (events), i = 0;
        const Cyclehub__V1__Event **array = calloc (n + 1, sizeof *array);
        for (void *event = zlistx_first (events); array && event; event = zlistx_next (events))
            array [i++] = event;
        hub_dash_commission_t c = { state->commission,
                                    (const Cyclehub__V1__Event *const *) array, i };
        hub_dash_ctx_t ctx;
        s_names_t names;
        s_ctx (req, &ctx, &names);
        s_send_page (req, 200, array? hub_dash_render_commission (&ctx, &c): NULL, &names, NULL);
        free (array);
    }
    zlistx_destroy (&events);
    cyclehub__v1__reply__free_unpacked (state, NULL);
}

//  Every commission's stage, from the commission list a page at a time,
//  as states holding only their stage (all hub_dash_render_hub reads).
//  Returns the count, or -1 (answered); *states is the caller's to free.
static ssize_t
s_stages (hub_http_req_t *req, Cyclehub__V1__CommissionState **states)
{
    size_t n = 0;
    *states = NULL;
    char *after = strdup ("");
    while (after) {
        Cyclehub__V1__CommissionListQuery query = CYCLEHUB__V1__COMMISSION_LIST_QUERY__INIT;
        query.limit = 1000;
        query.after_id = after;
        Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
        request.body_case = CYCLEHUB__V1__REQUEST__BODY_COMMISSIONS;
        request.commissions = &query;
        Cyclehub__V1__Reply *list = hub_http_call (req, &request);
        zstr_free (&after);
        if (!list)
            return -1;
        if (list->body_case != CYCLEHUB__V1__REPLY__BODY_COMMISSIONS) {
            hub_http_problem_unexpected (req, list);
            cyclehub__v1__reply__free_unpacked (list, NULL);
            return -1;
        }
        size_t page = list->commissions->n_commissions;
        Cyclehub__V1__CommissionState *grown = page? realloc (*states, (n + page) * sizeof **states)
                                                   : *states;
        if (grown) {
            *states = grown;
            for (size_t i = 0; i < page; i++) {
                cyclehub__v1__commission_state__init (&grown [n]);
                grown [n++].stage = list->commissions->commissions [i]->stage;
            }
            const char *next = list->commissions->next_after_id;
            if (next && *next)
                after = strdup (next);
        }
        cyclehub__v1__reply__free_unpacked (list, NULL);
    }
    return (ssize_t) n;
}

void
hub_http_dash_hub (hub_http_req_t *req)
{
    Cyclehub__V1__Reply *reply = hub_http_ask_status (req);
    if (!reply)
        return;
    Cyclehub__V1__CommissionState *states = NULL;
    ssize_t n = reply->body_case == CYCLEHUB__V1__REPLY__BODY_STATUS? s_stages (req, &states): -1;
    const Cyclehub__V1__CommissionState **pointers = n >= 0? calloc ((size_t) n + 1, sizeof *pointers)
                                                           : NULL;
    if (pointers) {
        for (ssize_t i = 0; i < n; i++)
            pointers [i] = &states [i];
        const Cyclehub__V1__Status *st = reply->status;
        hub_dash_hub_t hub = { .status = st, .store_max_bytes = st->store_max_bytes,
                               .subscribers = (int64_t) st->subscribers,
                               .last_commit_ms = st->last_commit_ms,
                               .commissions = pointers, .n_commissions = (size_t) n };
        hub_dash_ctx_t ctx;
        s_names_t names;
        s_ctx (req, &ctx, &names);
        s_send_page (req, 200, hub_dash_render_hub (&ctx, &hub), &names, NULL);
    }
    else
    if (reply->body_case != CYCLEHUB__V1__REPLY__BODY_STATUS)
        hub_http_problem_unexpected (req, reply);
    else
    if (n >= 0)
        hub_http_problem (req, 500, "INTERNAL", NULL, NULL, "the page could not be made; retry");
    free (pointers);
    free (states);
    cyclehub__v1__reply__free_unpacked (reply, NULL);
}

//  ---------------------------------------------------------------------------
//  Sign-in

void
hub_http_dash_signin_form (hub_http_req_t *req)
{
    hub_dash_ctx_t ctx;
    s_names_t names;
    s_ctx (req, &ctx, &names);
    ctx.viewer = NULL;
    ctx.events_url = NULL;
    s_send_page (req, 200, hub_dash_render_signin (&ctx, NULL), &names, NULL);
}

//  The form's token= value, decoded, into token. 0 or -1.
static int
s_form_token (const char *body, char *token, size_t size)
{
    for (const char *at = body; at && *at; at = strchr (at, '&'), at = at? at + 1: NULL) {
        if (strncmp (at, "token=", 6))
            continue;
        size_t used = 0;
        for (at += 6; *at && *at != '&' && used + 1 < size; at++) {
            if (*at == '%' && isxdigit ((unsigned char) at [1]) && isxdigit ((unsigned char) at [2])) {
                char hex [3] = { at [1], at [2], 0 };
                token [used++] = (char) strtol (hex, NULL, 16);
                at += 2;
            }
            else
                token [used++] = *at == '+'? ' ': *at;
        }
        token [used] = 0;
        //  Pasted with spaces around it: the token itself has none
        char *start = token;
        while (*start == ' ')
            start++;
        memmove (token, start, strlen (start) + 1);
        token [strcspn (token, " \r\n")] = 0;
        return *token? 0: -1;
    }
    return -1;
}

void
hub_http_dash_signin (hub_http_req_t *req)
{
    char token [256];
    hub_http_identity_t who;
    const char *why = "Enter the token your hub administrator gave you";
    if (req->body && s_form_token (req->body, token, sizeof token) == 0) {
        why = "The token is not valid or was revoked";
        if (hub_http_check_token (req, token, &who) == 0) {
            //  Secure is left out only on plain http, which the server
            //  serves on loopback alone (a browser drops a Secure cookie
            //  sent over http)
            char cookie [400];
            snprintf (cookie, sizeof cookie, "chub_session=%s; HttpOnly;%s SameSite=Strict; "
                      "Path=/", token, strncmp (hub_http_url (req->server), "https:", 6)
                      ? "": " Secure;");
            const char *headers [] = { "Set-Cookie", cookie, "Location", "/", NULL };
            hub_http_send (req, 303, "text/plain; charset=utf-8", "Signed in\n", 10, headers);
            return;
        }
    }
    hub_dash_ctx_t ctx;
    s_names_t names;
    s_ctx (req, &ctx, &names);
    ctx.viewer = NULL;
    ctx.events_url = NULL;
    s_send_page (req, 401, hub_dash_render_signin (&ctx, why), &names, NULL);
}
