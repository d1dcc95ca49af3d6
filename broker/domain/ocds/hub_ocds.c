/*  hub_ocds: OCDS 1.1 release and record packages from stored events
    (hub_ocds.h). This file holds the converter's state: per commission the
    domain's state (hub_commission_t, moved on by hub_cycle_apply, the
    broker's own rules) and the OCDS bookkeeping (hub_ocds_priv.h); the
    agencies' names; the releases made. Each event is built by the builder
    its type's row names (hub_ocds_build.c), then applied to the domain
    state; either failing leaves the converter as it was.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hub_ocds_priv.h"
#include "hub_cycle.h"
#include "hub_validate.h"
#include "hub_time.h"

static const char *s_role_names [] = {
    "buyer", "procuringEntity", "supplier", "payer", "payee", "interestedParty"
};
#define S_NROLES (sizeof s_role_names / sizeof s_role_names [0])

struct _hub_ocds_t {
    char *publisher_name;        //  publisher.name
    char *publisher_uri;         //  publisher.uri, or NULL
    char *uri;                   //  package uri, or NULL for the default
    char *published_date;        //  publishedDate, or NULL for the default
    bool record;                 //  record package rather than release package
    json_t *agencies;            //  org-id -> {"name", "commissioner"}
    json_t *commissions;         //  ocid -> bookkeeping (its "slot" indexes states)
    hub_commission_t **states;   //  the domain state of each commission
    size_t n_states;
    size_t max_states;
    json_t *ocids;               //  every ocid in use -> the commission it belongs to
    json_t *releases;            //  every release made, in seq order
    json_t *unnamed;             //  org-ids of parties with no name, first seen first
    json_t *unnamed_set;         //  the same, as a set
    uint64_t last_seq;           //  seq of the last event taken
    int64_t last_recorded_ms;    //  recorded_at of the last event taken
    bool have_event;             //  any event taken yet
    char error [512];            //  why the last add failed, or ""
};

int
hub_ocds_fail (hub_ocds_t *self, uint64_t seq, const char *format, ...)
{
    int n = snprintf (self->error, sizeof self->error, "event %llu: ", (unsigned long long) seq);
    va_list args;
    va_start (args, format);
    vsnprintf (self->error + n, sizeof self->error - (size_t) n, format, args);
    va_end (args);
    return -1;
}

//  --------------------------------------------------------------------------
//  Processes and parties (called by the builders)

json_t *
hub_ocds_process (hub_ocds_ctx_t *ctx, const char *procurement_id)
{
    json_t *processes = hub_ocds_child (ctx->book, "processes");
    json_t *process = json_object_get (processes, procurement_id);
    if (!process) {
        //  "<commission ocid>-<procurement id>": stable, and unique unless
        //  another commission's ocid is exactly that (refused, not merged)
        char ocid [256];
        snprintf (ocid, sizeof ocid, "%s-%s", ctx->ocid, procurement_id);
        const char *owner = json_string_value (json_object_get (ctx->ocds->ocids, ocid));
        if (owner && strcmp (owner, ctx->ocid)) {
            hub_ocds_fail (ctx->ocds, ctx->event->seq, "procurement %.64s of %.80s would have "
                           "the ocid %.150s, which is commission %.80s's: export the two "
                           "commissions separately", procurement_id, ctx->ocid, ocid, owner);
            return NULL;
        }
        process = json_object ();
        json_object_set_new (process, "ocid", json_string (ocid));
        json_object_set_new (process, "parties", json_object ());
        json_object_set_new (processes, procurement_id, process);
    }
    ctx->process = process;
    return process;
}

void
hub_ocds_role (hub_ocds_ctx_t *ctx, json_t *process, const char *org_id, int role)
{
    json_t *parties = hub_ocds_child (process? process: ctx->book, "parties");
    json_t *bits = json_object_get (parties, org_id);
    json_int_t value = (bits? json_integer_value (bits): 0) | role;
    json_object_set_new (parties, org_id, json_integer (value));
}

void
hub_ocds_partner (hub_ocds_ctx_t *ctx, const char *org_id)
{
    json_t *agency = json_object_get (ctx->ocds->agencies, org_id);
    bool joint = json_is_true (json_object_get (agency, "commissioner"));
    hub_ocds_role (ctx, NULL, org_id, joint? HUB_OCDS_BUYER: HUB_OCDS_INTERESTED);
}

//  One OCDS party: id, name if known, identifier from the org-id, roles
static json_t *
s_party (hub_ocds_t *self, const char *org_id, json_int_t bits)
{
    json_t *party = json_object ();
    json_object_set_new (party, "id", json_string (org_id));
    const char *name = json_string_value (json_object_get (json_object_get (self->agencies, org_id), "name"));
    if (name)
        json_object_set_new (party, "name", json_string (name));
    else
    if (!json_object_get (self->unnamed_set, org_id)) {
        json_object_set_new (self->unnamed_set, org_id, json_true ());
        json_array_append_new (self->unnamed, json_string (org_id));
    }
    //  org-id SCHEME-id: the local id has no '-', so the scheme ends at the last one
    const char *dash = strrchr (org_id, '-');
    if (dash && dash > org_id && dash [1]) {
        json_t *identifier = json_object ();
        json_object_set_new (identifier, "scheme", json_stringn (org_id, (size_t) (dash - org_id)));
        json_object_set_new (identifier, "id", json_string (dash + 1));
        json_object_set_new (party, "identifier", identifier);
    }
    json_t *roles = json_array ();
    for (size_t i = 0; i < S_NROLES; i++)
        if (bits & (1 << i))
            json_array_append_new (roles, json_string (s_role_names [i]));
    json_object_set_new (party, "roles", roles);
    return party;
}

//  Finishes a release: the commission's parties and those of its process,
//  the buyer, and for a contracting process the link to the planning one
static void
s_finish (hub_ocds_ctx_t *ctx)
{
    hub_ocds_t *self = ctx->ocds;
    json_t *roles = json_deep_copy (json_object_get (ctx->book, "parties"));
    const char *org_id;
    json_t *bits;
    json_object_foreach (json_object_get (ctx->process, "parties"), org_id, bits) {
        json_t *have = json_object_get (roles, org_id);
        json_int_t value = json_integer_value (bits) | (have? json_integer_value (have): 0);
        json_object_set_new (roles, org_id, json_integer (value));
    }
    json_t *parties = json_array ();
    json_object_foreach (roles, org_id, bits)
        json_array_append_new (parties, s_party (self, org_id, json_integer_value (bits)));
    json_decref (roles);
    json_object_set_new (ctx->release, "parties", parties);
    const char *buyer = hub_ocds_buyer (ctx);
    json_t *ref = hub_ocds_org_ref (buyer);
    hub_ocds_set_str (ref, "name", json_string_value (
        json_object_get (json_object_get (self->agencies, buyer), "name")));
    json_object_set_new (ctx->release, "buyer", ref);
    if (ctx->process) {
        json_t *link = json_pack ("{s:s, s:[s], s:s, s:s, s:s}", "id", "planning",
                                  "relationship", "planning", "title",
                                  json_string_value (json_object_get (ctx->book, "title")),
                                  "scheme", "ocid", "identifier", ctx->ocid);
        hub_ocds_append (ctx->release, "relatedProcesses", link);
    }
}

//  --------------------------------------------------------------------------
//  Taking one event

//  Checks what every event needs before it can be built. Returns 0 or -1.
static int
s_check_event (hub_ocds_t *self, const Cyclehub__V1__Event *event)
{
    if (!event)
        return hub_ocds_fail (self, 0, "no event");
    if (self->have_event && event->seq <= self->last_seq)
        return hub_ocds_fail (self, event->seq, "is not after the last event taken (seq %llu): "
                              "feed events in seq order, each once",
                              (unsigned long long) self->last_seq);
    const Cyclehub__V1__Envelope *env = event->envelope;
    if (!env || env->body_case == CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET)
        return hub_ocds_fail (self, event->seq, "has no envelope body");
    char date [HUB_TIME_TEXT_MAX];
    if (hub_time_format (event->recorded_at_ms, date, sizeof date) < 0)
        return hub_ocds_fail (self, event->seq, "recorded_at %lld ms is outside years 0000..9999",
                              (long long) event->recorded_at_ms);
    if (env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_ERASURE_RECORDED)
        return 0;               //  the broker's audit record: no fields to check
    hub_verdict_t v;
    if (hub_validate_envelope (env, &v))
        return hub_ocds_fail (self, event->seq, "the domain's field checks refuse it: %s: %s%s%s",
                              hub_proto_reject_name (v.code), v.reason,
                              *v.field? " at ": "", v.field);
    bool opened = env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED;
    if (!opened && !json_object_get (self->commissions, env->commission_id))
        return hub_ocds_fail (self, event->seq, "%s comes before commission %.80s was opened: "
                              "feed the commission's history from its commission.opened",
                              event->type && *event->type? event->type: "the event",
                              env->commission_id);
    const char *owner = json_string_value (json_object_get (self->ocids, env->commission_id));
    if (opened && owner && strcmp (owner, env->commission_id))
        return hub_ocds_fail (self, event->seq, "commission %.80s has the ocid of a procurement "
                              "of commission %.80s: export the two commissions separately",
                              env->commission_id, owner);
    return 0;
}

//  Applies the event to the commission's domain state, as the broker did
//  when it took it: at its recorded time, from its sender. Returns 0 or -1.
static int
s_apply (hub_ocds_t *self, const Cyclehub__V1__Event *event, hub_commission_t **state_p)
{
    hub_verdict_t v;
    if (hub_cycle_apply (state_p, event->envelope, event->sender? event->sender: "",
                         event->recorded_at_ms, NULL, &v) == 0)
        return 0;
    return hub_ocds_fail (self, event->seq, "the domain's rules refuse this %s at its recorded "
                          "time (%s: %s): the history is incomplete, or was stored under other "
                          "rules", event->type && *event->type? event->type: "event",
                          hub_proto_reject_name (v.code), v.reason);
}

//  Makes room for one more commission, so that keeping a taken event
//  cannot fail. Returns 0 or -1.
static int
s_reserve (hub_ocds_t *self)
{
    if (self->n_states < self->max_states)
        return 0;
    size_t max = self->max_states? 2 * self->max_states: 16;
    hub_commission_t **states = realloc (self->states, max * sizeof *states);
    if (!states)
        return -1;
    self->states = states;
    self->max_states = max;
    return 0;
}

//  Keeps the commission's state, bookkeeping and release after a taken
//  event, and registers its ocids (room was reserved)
static void
s_commit (hub_ocds_t *self, hub_ocds_ctx_t *ctx, hub_commission_t *state)
{
    json_t *slot = json_object_get (json_object_get (self->commissions, ctx->ocid), "slot");
    size_t i = slot? (size_t) json_integer_value (slot): self->n_states++;
    self->states [i] = state;
    json_object_set_new (ctx->book, "slot", json_integer ((json_int_t) i));
    json_object_set_new (self->ocids, ctx->ocid, json_string (ctx->ocid));
    const char *procurement_id;
    json_t *process;
    json_object_foreach (json_object_get (ctx->book, "processes"), procurement_id, process)
        json_object_set_new (self->ocids, json_string_value (json_object_get (process, "ocid")),
                             json_string (ctx->ocid));
    json_object_set (self->commissions, ctx->ocid, ctx->book);
    if (ctx->release)
        json_array_append (self->releases, ctx->release);
}

int
hub_ocds_add (hub_ocds_t *self, const Cyclehub__V1__Event *event)
{
    self->error [0] = 0;
    if (s_check_event (self, event))
        return -1;
    const Cyclehub__V1__Envelope *env = event->envelope;
    if (env->body_case != CYCLEHUB__V1__ENVELOPE__BODY_ERASURE_RECORDED) {
        json_t *current = json_object_get (self->commissions, env->commission_id);
        hub_commission_t *state = current?
            self->states [json_integer_value (json_object_get (current, "slot"))]: NULL;
        hub_ocds_ctx_t ctx = { self, event, env, state,
                               current? json_deep_copy (current): json_object (),
                               env->commission_id, NULL, NULL };
        hub_ocds_builder_fn *build = hub_ocds_builder (env->body_case);
        int rc = ctx.book && s_reserve (self) == 0? 0: hub_ocds_fail (self, event->seq, "out of memory");
        if (rc == 0 && build)
            rc = build (&ctx);
        if (rc == 0)
            rc = s_apply (self, event, &state);
        if (rc == 0 && ctx.release)
            s_finish (&ctx);
        if (rc == 0)
            s_commit (self, &ctx, state);
        json_decref (ctx.release);
        json_decref (ctx.book);
        if (rc)
            return -1;
    }
    self->last_seq = event->seq;
    self->last_recorded_ms = event->recorded_at_ms;
    self->have_event = true;
    return 0;
}

int
hub_ocds_add_packed (hub_ocds_t *self, const uint8_t *data, size_t size)
{
    self->error [0] = 0;
    Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (NULL, size, data);
    if (!event)
        return hub_ocds_fail (self, 0, "not a packed cyclehub.v1.Event");
    int rc = hub_ocds_add (self, event);
    cyclehub__v1__event__free_unpacked (event, NULL);
    return rc;
}

//  --------------------------------------------------------------------------
//  Life cycle and queries

static char *
s_strdup_or (const char *s, const char *fallback)
{
    const char *v = s? s: fallback;
    return v? strdup (v): NULL;
}

hub_ocds_t *
hub_ocds_new (const hub_ocds_options_t *options)
{
    hub_ocds_options_t none = { 0 };
    if (!options)
        options = &none;
    hub_ocds_t *self = (hub_ocds_t *) calloc (1, sizeof (hub_ocds_t));
    if (!self)
        return NULL;
    self->publisher_name = s_strdup_or (options->publisher_name, "cyclehub");
    self->publisher_uri = s_strdup_or (options->publisher_uri, NULL);
    self->uri = s_strdup_or (options->uri, NULL);
    self->published_date = s_strdup_or (options->published_date, NULL);
    self->record = options->record;
    self->agencies = json_object ();
    self->commissions = json_object ();
    self->ocids = json_object ();
    self->releases = json_array ();
    self->unnamed = json_array ();
    self->unnamed_set = json_object ();
    if (!self->publisher_name || !self->agencies || !self->commissions || !self->ocids
    ||  !self->releases || !self->unnamed || !self->unnamed_set
    || (options->publisher_uri && !self->publisher_uri)
    || (options->uri && !self->uri)
    || (options->published_date && !self->published_date))
        hub_ocds_destroy (&self);
    return self;
}

void
hub_ocds_destroy (hub_ocds_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hub_ocds_t *self = *self_p;
    free (self->publisher_name);
    free (self->publisher_uri);
    free (self->uri);
    free (self->published_date);
    for (size_t i = 0; i < self->n_states; i++)
        hub_commission_destroy (&self->states [i]);
    free (self->states);
    json_decref (self->agencies);
    json_decref (self->commissions);
    json_decref (self->ocids);
    json_decref (self->releases);
    json_decref (self->unnamed);
    json_decref (self->unnamed_set);
    free (self);
    *self_p = NULL;
}

int
hub_ocds_agency (hub_ocds_t *self, const char *org_id, const char *name, bool commissioner)
{
    if (!org_id || !*org_id || !name || !*name)
        return -1;
    json_t *agency = json_pack ("{s:s, s:b}", "name", name, "commissioner", commissioner);
    return agency? json_object_set_new (self->agencies, org_id, agency): -1;
}

const char *
hub_ocds_error (hub_ocds_t *self)
{
    return self->error;
}

size_t
hub_ocds_release_count (hub_ocds_t *self)
{
    return json_array_size (self->releases);
}

const char *
hub_ocds_unnamed (hub_ocds_t *self, size_t i)
{
    return json_string_value (json_array_get (self->unnamed, i));
}

//  --------------------------------------------------------------------------
//  The package

//  The package uri: the caller's, else a URN naming the one commission
static char *
s_package_uri (hub_ocds_t *self)
{
    if (self->uri)
        return strdup (self->uri);
    if (json_object_size (self->commissions) != 1)
        return strdup ("urn:cyclehub:ocds");
    const char *ocid = json_object_iter_key (json_object_iter (self->commissions));
    const char *prefix = "urn:cyclehub:ocds:";
    char *uri = (char *) malloc (strlen (prefix) + 3 * strlen (ocid) + 1);
    if (uri) {
        char *out = uri + sprintf (uri, "%s", prefix);
        for (const unsigned char *c = (const unsigned char *) ocid; *c; c++)
            if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
            ||  (*c >= '0' && *c <= '9') || strchr ("-._~", *c))
                *out++ = (char) *c;
            else
                out += sprintf (out, "%%%02X", *c);
        *out = 0;
    }
    return uri;
}

//  One record per ocid, in the order of each ocid's first release
static json_t *
s_records (hub_ocds_t *self)
{
    json_t *by_ocid = json_object ();
    json_t *order = json_array ();
    size_t i;
    json_t *rel;
    json_array_foreach (self->releases, i, rel) {
        const char *ocid = json_string_value (json_object_get (rel, "ocid"));
        json_t *mine = json_object_get (by_ocid, ocid);
        if (!mine) {
            mine = json_array ();
            json_object_set_new (by_ocid, ocid, mine);
            json_array_append_new (order, json_string (ocid));
        }
        json_array_append (mine, rel);
    }
    json_t *records = json_array ();
    json_t *name;
    json_array_foreach (order, i, name) {
        const char *ocid = json_string_value (name);
        json_t *mine = json_object_get (by_ocid, ocid);
        json_t *record = json_object ();
        json_object_set_new (record, "ocid", json_string (ocid));
        json_object_set (record, "releases", mine);
        json_object_set_new (record, "compiledRelease", hub_ocds_compiled (ocid, mine));
        json_array_append_new (records, record);
    }
    json_decref (order);
    json_decref (by_ocid);
    return records;
}

char *
hub_ocds_package (hub_ocds_t *self, int flags)
{
    json_t *root = json_object ();
    char *uri = s_package_uri (self);
    if (!root || !uri) {
        json_decref (root);
        free (uri);
        return NULL;
    }
    char date [HUB_TIME_TEXT_MAX] = "1970-01-01T00:00:00.000Z";
    if (self->have_event)
        hub_time_format (self->last_recorded_ms, date, sizeof date);
    json_t *publisher = json_object ();
    json_object_set_new (publisher, "name", json_string (self->publisher_name));
    hub_ocds_set_str (publisher, "uri", self->publisher_uri);
    json_object_set_new (root, "uri", json_string (uri));
    json_object_set_new (root, "version", json_string ("1.1"));
    json_object_set_new (root, "publisher", publisher);
    json_object_set_new (root, "publishedDate",
                         json_string (self->published_date? self->published_date: date));
    free (uri);
    if (self->record)
        json_object_set_new (root, "records", s_records (self));
    else
        json_object_set (root, "releases", self->releases);
    size_t dump_flags = JSON_PRESERVE_ORDER
                      | ((flags & HUB_OCDS_PRETTY)? JSON_INDENT (2): JSON_COMPACT);
    char *text = json_dumps (root, dump_flags);
    json_decref (root);
    if (text)
        hub_ocds_unmark (text);
    return text;
}
