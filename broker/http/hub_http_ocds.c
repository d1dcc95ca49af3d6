/*  hub_http_ocds: GET /v1/ocds/{commission}, the commission's OCDS 1.1
    release package (open data), as `cyclehub export ocds --commission ID`
    writes it: the same converter (broker/domain/ocds), fed the same events
    (the commission's whole history, each made outward first by
    hub_http_ask_events, so no personal data reaches it), the parties named
    from the registry as `--agencies agencies.cfg` names them. A read like
    any other (a token), unless cyclehubd --http-public-ocds lets it be
    read without one (hub_http.c).
*/
#include "hub_http_routes.h"
#include "hub_http_problem.h"
#include "hub_access.h"
#include "hub_ocds.h"

//  Feeds every event to ocds. 0, or -1 with the converter's reason in ocds.
static int
s_feed (hub_ocds_t *ocds, zlistx_t *events)
{
    for (void *event = zlistx_first (events); event; event = zlistx_next (events))
        if (hub_ocds_add (ocds, event))
            return -1;
    return 0;
}

//  Names in `to` each party `from` left unnamed that the registry knows
//  (none in development mode). Returns how many it named.
static size_t
s_names (hub_http_req_t *req, hub_ocds_t *from, hub_ocds_t *to)
{
    size_t named = 0;
    const char *org_id;
    for (size_t i = 0; (org_id = hub_ocds_unnamed (from, i)); i++) {
        char name [256];
        unsigned roles;
        if (hub_http_agency (req, org_id, &roles, name, sizeof name) == 0 && *name
        &&  hub_ocds_agency (to, org_id, name, roles & HUB_ROLE_COMMISSIONER) == 0)
            named++;
    }
    return named;
}

//  The package of the events: converted once to learn the parties, and
//  again with their names when the registry has any (names must be known
//  before the events are fed). Returns the text (caller frees), or NULL
//  with the problem answered.
static char *
s_package (hub_http_req_t *req, zlistx_t *events)
{
    hub_ocds_t *ocds = hub_ocds_new (NULL);
    hub_ocds_t *named = hub_ocds_new (NULL);
    char *text = NULL;
    if (ocds && named && s_feed (ocds, events) == 0) {
        hub_ocds_t *best = ocds;
        if (s_names (req, ocds, named) && s_feed (named, events) == 0)
            best = named;
        text = hub_ocds_package (best, 0);
        if (!text)
            hub_http_problem (req, 500, "INTERNAL", NULL, NULL, "out of memory; retry later");
    }
    else
    if (ocds && named)
        //  A history the domain's rules refuse now (stored under older rules)
        hub_http_problem (req, 500, "INTERNAL", NULL, NULL, "the history of %s cannot be "
                          "converted to OCDS: %s", req->rest, hub_ocds_error (ocds));
    else
        hub_http_problem (req, 500, "INTERNAL", NULL, NULL, "out of memory; retry later");
    hub_ocds_destroy (&named);
    hub_ocds_destroy (&ocds);
    return text;
}

void
hub_http_ocds (hub_http_req_t *req)
{
    if (strchr (req->rest, '/')) {
        hub_http_problem (req, 404, "NOT_FOUND", NULL, NULL,
                          "there is no %s; a commission's package is /v1/ocds/OCID", req->path);
        return;
    }
    //  An unknown commission is a 404, not an empty package
    Cyclehub__V1__Reply *state = hub_http_ask_state (req, req->rest);
    if (!state)
        return;
    cyclehub__v1__reply__free_unpacked (state, NULL);
    zlistx_t *events = hub_http_ask_events (req, req->rest, 0);
    char *text = events? s_package (req, events): NULL;
    zlistx_destroy (&events);
    if (text) {
        //  One line, ended, as the export writes it
        char *line = zsys_sprintf ("%s\n", text);
        if (line)
            hub_http_send (req, 200, "application/json", line, strlen (line), NULL);
        else
            hub_http_problem (req, 500, "INTERNAL", NULL, NULL, "out of memory; retry later");
        zstr_free (&line);
    }
    free (text);
}
