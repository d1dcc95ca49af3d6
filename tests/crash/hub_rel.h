/*  hub_rel: the shared kit of the reliability tests (crash harness, hostile
    input, slow consumers, full store, soak): a broker start with extra
    flags, the broker's memory from /proc, a whole-history scan, and the
    check that every commission's stored state equals a replay of the log
    through the domain's hub_cycle_apply. Include after hub_test.h,
    hub_proc.h and cyclehub.h.
*/
#ifndef HUB_REL_H
#define HUB_REL_H

#include "hub_cycle.h"
#include "hub_commission.h"

//  Sanitizer builds run 2-3x slower: tests scale their counts down
#if defined(__SANITIZE_ADDRESS__)
#   define HUB_REL_ASAN 1
#elif defined(__has_feature)
#   if __has_feature(address_sanitizer)
#       define HUB_REL_ASAN 1
#   endif
#endif
#ifndef HUB_REL_ASAN
#   define HUB_REL_ASAN 0
#endif

/* A field of /proc/<pid>/status in KiB ("VmRSS", "RssAnon", "VmHWM"), or
   -1 if there is no such process or field. */
static inline long
hub_rel_proc_kb (pid_t pid, const char *field)
{
    char path [64];
    snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
    FILE *file = fopen (path, "r");
    if (!file)
        return -1;
    char line [256];
    long kb = -1;
    size_t len = strlen (field);
    while (fgets (line, sizeof line, file))
        if (strncmp (line, field, len) == 0 && line [len] == ':') {
            kb = strtol (line + len + 1, NULL, 10);
            break;
        }
    fclose (file);
    return kb;
}

/* Connect options for a test client of broker b speaking for agency. */
static inline void
hub_rel_options (hub_connect_options_t *o, const hub_broker_proc_t *b, const char *agency)
{
    hub_connect_options_default (o);
    o->api_endpoint = b->api;
    o->events_endpoint = b->events;
    o->agency = agency;
}

/* Called for each event of a history scan; return -1 to stop. */
typedef int (hub_rel_event_fn) (const Cyclehub__V1__Event *event, void *arg);

/* Pages through the whole history (from seq 1) with client, calling fn
   for each event; sets *last_seq_p to the last seq the store reported.
   Returns 0, or the hub_rc_t of a failed page (or -1 if fn stopped, or a
   page would not decode). */
static inline int
hub_rel_scan (hub_client_t *client, hub_rel_event_fn *fn, void *arg, uint64_t *last_seq_p)
{
    Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    query.from_seq = 1;
    query.limit = 1000;
    while (true) {
        Cyclehub__V1__Reply *reply = NULL;
        hub_result_t result;
        int rc = HUB_TIMEOUT;
        for (int attempt = 0; attempt < 5 && rc != HUB_OK; attempt++)
            rc = hub_client_history (client, &query, &reply, &result);
        if (rc != HUB_OK)
            return rc;
        Cyclehub__V1__HistoryPage *page = reply->page;
        if (!page) {
            cyclehub__v1__reply__free_unpacked (reply, NULL);
            return -1;
        }
        if (last_seq_p)
            *last_seq_p = page->last_seq;
        for (size_t i = 0; i < page->n_events; i++) {
            Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (
                NULL, page->events [i].len, page->events [i].data);
            int stop = !event || fn (event, arg);
            if (event)
                cyclehub__v1__event__free_unpacked (event, NULL);
            if (stop) {
                cyclehub__v1__reply__free_unpacked (reply, NULL);
                return -1;
            }
        }
        bool end = page->end || page->n_events == 0;
        query.from_seq = page->next_seq;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        if (end)
            return 0;
    }
}

//  The replay of the log: every commission's state rebuilt from its events
typedef struct {
    zhashx_t *states;               //  commission id -> hub_commission_t
    uint64_t events;                //  events applied
    uint64_t refused;               //  events the replay refused (must stay 0)
    char first_refusal [600];       //  why, for the first one
} hub_rel_replay_t;

static void
s_hub_rel_state_destroy (void **item)
{
    hub_commission_destroy ((hub_commission_t **) item);
}

static inline void
hub_rel_replay_init (hub_rel_replay_t *r)
{
    memset (r, 0, sizeof *r);
    r->states = zhashx_new ();
    zhashx_set_destructor (r->states, s_hub_rel_state_destroy);
}

static inline void
hub_rel_replay_fini (hub_rel_replay_t *r)
{
    zhashx_destroy (&r->states);
}

/* Applies one stored event as the broker did: hub_cycle_apply at the
   event's recorded time by its sender, then the commission's last seq. */
static inline void
hub_rel_replay_apply (hub_rel_replay_t *r, const Cyclehub__V1__Event *event)
{
    const Cyclehub__V1__Envelope *env = event->envelope;
    if (!env || !env->commission_id || !*env->commission_id
    ||  env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_ERASURE_RECORDED)
        return;                     //  broker-written audit events leave states alone
    hub_commission_t *state = zhashx_lookup (r->states, env->commission_id);
    hub_commission_t *before = state;
    hub_verdict_t verdict;
    hub_verdict_clear (&verdict);
    if (hub_cycle_apply (&state, env, event->sender, event->recorded_at_ms, NULL, &verdict)) {
        if (r->refused++ == 0)
            snprintf (r->first_refusal, sizeof r->first_refusal,
                      "seq %" PRIu64 " %s: code %d %s", event->seq, event->type,
                      (int) verdict.code, verdict.reason);
        return;
    }
    hub_commission_set_last_seq (state, event->seq, event->recorded_at_ms);
    if (state != before)
        zhashx_update (r->states, env->commission_id, state);
    r->events++;
}

/* Compares every replayed commission with the broker's state (asked over
   the api): stage, cycle, last_seq and the whole encoded state. Returns the
   number of commissions that differ (each said on stderr). */
static inline int
hub_rel_replay_compare (hub_rel_replay_t *r, hub_client_t *client, int *compared)
{
    int differ = 0;
    *compared = 0;
    for (hub_commission_t *state = zhashx_first (r->states); state; state = zhashx_next (r->states)) {
        const char *id = zhashx_cursor (r->states);
        Cyclehub__V1__Reply *reply = NULL;
        hub_result_t result;
        int rc = hub_client_commission (client, id, &reply, &result);
        if (rc != HUB_OK || !reply->commission) {
            fprintf (stderr, "replay: no state for %s from the broker (rc %d %s)\n",
                     id, rc, result.reason);
            differ++;
            if (reply)
                cyclehub__v1__reply__free_unpacked (reply, NULL);
            continue;
        }
        (*compared)++;
        const Cyclehub__V1__CommissionState *got = reply->commission;
        uint8_t *mine = NULL;
        size_t mine_size = 0;
        hub_commission_encode (state, &mine, &mine_size);
        size_t got_size = cyclehub__v1__commission_state__get_packed_size (got);
        uint8_t *theirs = malloc (got_size + 1);
        cyclehub__v1__commission_state__pack (got, theirs);
        bool same_bytes = mine && mine_size == got_size && memcmp (mine, theirs, got_size) == 0;
        if (got->stage != hub_commission_stage (state) || got->cycle != hub_commission_cycle (state)
        ||  got->last_seq != hub_commission_last_seq (state) || !same_bytes) {
            fprintf (stderr, "replay: %s differs: broker stage %d cycle %u last_seq %" PRIu64
                     " (%zu bytes), replay stage %d cycle %u last_seq %" PRIu64 " (%zu bytes)\n",
                     id, (int) got->stage, got->cycle, got->last_seq, got_size,
                     (int) hub_commission_stage (state), hub_commission_cycle (state),
                     hub_commission_last_seq (state), mine_size);
            differ++;
        }
        free (mine);
        free (theirs);
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    }
    return differ;
}

#endif
