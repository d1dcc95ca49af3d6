/*  fuzz_request: one api frame through the broker's checks, in memory.
    The input is a Request frame, checked as hub_ingest does (size, unpack,
    hub_wire_check_request, hub_proto_check, one publish field,
    hub_validate_envelope), then applied
    by hub_cycle_apply to a copy of a commission from the prelude (one per
    stage, holding consultations, procurements, awards and contracts in
    every state). A PublishBatch's envelopes each go the same way, as
    hub_ingest checks a batch member (hub_wire_check of its bytes, unpack,
    hub_proto_check, then as a publish). Aborts when an invariant breaks: a rejection that changed
    the state, a state that does not survive encode/decode, an envelope that
    differs from its own raw bytes, personal data left after redaction.
*/
#include "hub_proto.h"
#include "hub_wire.h"
#include "hub_validate.h"
#include "hub_cycle.h"
#include "hub_commission.h"
#include "fuzz_build.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  The broker's default request_max (hub_broker.c)
#define S_REQUEST_MAX (1024 * 1024)

//  Fuzz harness state (the accepted exception to "no mutable globals"):
//  the prelude's commissions, built once by LLVMFuzzerInitialize and never
//  changed afterwards; each input works on its own copy, so a replay of an
//  input gives the same result in any order.
static hub_commission_t *s_states [FB_COMMISSIONS];

//  Senders an input can pick with request_id: owner, partner, supplier, stranger
static const char *const s_senders [] = {
    FB_BUYER, FB_PARTNER, FB_SUPPLIER, "GB-CHC-1234567"
};

static void
s_fail (const char *what)
{
    fprintf (stderr, "fuzz_request: invariant broken: %s\n", what);
    abort ();
}

//  Encodes a state, aborting on failure (out of memory does not happen here)
static void
s_encode (const hub_commission_t *state, uint8_t **data, size_t *size)
{
    if (hub_commission_encode (state, data, size) || !*data)
        s_fail ("hub_commission_encode failed");
}

//  decode (encode (s)) must encode to the same bytes
static void
s_round_trip (const hub_commission_t *state)
{
    uint8_t *first, *second;
    size_t first_size, second_size;
    s_encode (state, &first, &first_size);
    hub_commission_t *copy = hub_commission_decode (first, first_size);
    if (!copy)
        s_fail ("hub_commission_decode refused an encoded state");
    s_encode (copy, &second, &second_size);
    if (first_size != second_size || memcmp (first, second, first_size) != 0)
        s_fail ("decode (encode (state)) encodes to other bytes");
    hub_commission_destroy (&copy);
    free (first);
    free (second);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    fb_spec_t spec;
    Cyclehub__V1__Envelope__BodyCase type;
    int64_t now;
    for (size_t i = 0; fb_prelude_step (i, &spec, &type, &now) == 0; i++) {
        uint8_t *data;
        size_t size;
        char msg_id [32];
        snprintf (msg_id, sizeof msg_id, "prelude-%zu", i);
        spec.msg_id = msg_id;
        if (fb_envelope (type, &spec, &data, &size))
            s_fail ("prelude: cannot build an envelope");
        Cyclehub__V1__Envelope *env = cyclehub__v1__envelope__unpack (NULL, size, data);
        hub_verdict_t v;
        if (!env || hub_validate_envelope (env, &v)) {
            fprintf (stderr, "prelude step %zu: %s %s\n", i, v.field, v.reason);
            s_fail ("prelude: an envelope does not validate");
        }
        size_t c = 0;
        while (strcmp (fb_commissions [c], spec.commission_id))
            c++;
        if (hub_cycle_apply (&s_states [c], env, FB_BUYER, now, NULL, &v)) {
            fprintf (stderr, "prelude step %zu (%s): %s\n", i, spec.commission_id, v.reason);
            s_fail ("prelude: a step was rejected");
        }
        cyclehub__v1__envelope__free_unpacked (env, NULL);
        free (data);
    }
    static const Cyclehub__V1__Stage stages [FB_COMMISSIONS] = {
        CYCLEHUB__V1__STAGE__STAGE_ANALYSE, CYCLEHUB__V1__STAGE__STAGE_PLAN,
        CYCLEHUB__V1__STAGE__STAGE_DO, CYCLEHUB__V1__STAGE__STAGE_REVIEW,
        CYCLEHUB__V1__STAGE__STAGE_CLOSED
    };
    for (size_t c = 0; c < FB_COMMISSIONS; c++) {
        if (!s_states [c] || hub_commission_stage (s_states [c]) != stages [c])
            s_fail ("prelude: a commission is not in its stage");
        s_round_trip (s_states [c]);
    }
    return 0;
}

//  The state machine on a copy of the named commission's state (or on none)
static void
s_apply (const Cyclehub__V1__Envelope *env, uint64_t request_id)
{
    hub_commission_t *state = NULL;
    for (size_t c = 0; c < FB_COMMISSIONS; c++)
        if (strcmp (env->commission_id, fb_commissions [c]) == 0) {
            state = hub_commission_dup (s_states [c]);
            if (!state)
                s_fail ("hub_commission_dup failed");
        }
    //  request_id picks the sender and moves the clock (deadlines, standstills)
    const char *sender = s_senders [request_id % 4];
    int64_t now = FB_NOW_MS + (int64_t) ((request_id / 4) % 20000) * 3600000;
    uint8_t *before = NULL;
    size_t before_size = 0;
    if (state)
        s_encode (state, &before, &before_size);
    hub_commission_t *original = state;
    hub_cycle_outcome_t out;
    hub_verdict_t v;
    int rc = hub_cycle_apply (&state, env, sender, now, &out, &v);
    if (rc == 0) {
        if (v.code != 0)
            s_fail ("accepted with a reject code");
        if (!state)
            s_fail ("accepted without a state");
        if (original && state != original)
            s_fail ("an existing state was replaced");
        if (out.to != hub_commission_stage (state) || out.changed != (out.from != out.to))
            s_fail ("the outcome does not match the state");
        if (out.changed && !hub_cycle_transition_legal (out.from, out.to)
        &&  env->body_case != CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED)
            s_fail ("the stage moved along an edge the graph does not have");
        s_round_trip (state);
    }
    else {
        if (v.code == 0 || !*v.reason)
            s_fail ("rejected without a code or a reason");
        if (state != original)
            s_fail ("a rejection replaced the state");
        if (out.from != out.to || out.changed)
            s_fail ("a rejection reported a stage change");
        if (state) {
            uint8_t *after;
            size_t after_size;
            s_encode (state, &after, &after_size);
            if (after_size != before_size || memcmp (after, before, after_size) != 0)
                s_fail ("a rejection changed the state");
            free (after);
        }
    }
    free (before);
    hub_commission_destroy (&state);
}

//  A checked envelope: validated, applied, then redacted
static void
s_publish (Cyclehub__V1__Envelope *env, uint64_t request_id)
{
    hub_verdict_t v;
    if (hub_validate_envelope (env, &v) == 0) {
        if (v.code != 0)
            s_fail ("validated with a reject code");
        s_apply (env, request_id);
    }
    else
    if (v.code == 0 || !*v.reason)
        s_fail ("invalid without a code or a reason");
    //  Redaction leaves no personal data anywhere in the envelope
    if (hub_proto_redact (&env->base) < 0)
        s_fail ("hub_proto_redact ran out of memory");
    if (hub_proto_has_personal (&env->base))
        s_fail ("personal data left after hub_proto_redact");
}

//  Each envelope of a PublishBatch, as hub_ingest checks a batch member
static void
s_batch (const Cyclehub__V1__PublishBatch *batch, uint64_t request_id)
{
    if (batch->n_envelopes > HUB_PROTO_MAX_BATCH)
        return;
    for (size_t i = 0; i < batch->n_envelopes; i++) {
        const ProtobufCBinaryData *bytes = &batch->envelopes [i];
        if (hub_wire_check (&cyclehub__v1__envelope__descriptor, bytes->data, bytes->len, NULL))
            continue;
        Cyclehub__V1__Envelope *env = cyclehub__v1__envelope__unpack (NULL, bytes->len, bytes->data);
        if (!env)
            continue;               //  e.g. a bad element in a packed list
        char path [128];
        if (hub_proto_check (&env->base, path, sizeof path) != HUB_CHECK_OK)
            s_fail ("the unpacked check found what the wire check passed (batch)");
        s_publish (env, request_id + i);
        cyclehub__v1__envelope__free_unpacked (env, NULL);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size == 0 || size > S_REQUEST_MAX)
        return 0;
    Cyclehub__V1__Request *request = cyclehub__v1__request__unpack (NULL, size, data);
    if (!request)
        return 0;
    //  As hub_ingest: the raw bytes are all it checks of a request's form;
    //  what passes holds nothing the unpacked check (hub_proto_check) finds
    if (hub_wire_check_request (data, size, NULL)) {
        cyclehub__v1__request__free_unpacked (request, NULL);
        return 0;
    }
    if (request->body_case == CYCLEHUB__V1__REQUEST__BODY_PUBLISH_BATCH) {
        //  The broker checks a batch per envelope, not as a whole
        s_batch (request->publish_batch, request->request_id);
        cyclehub__v1__request__free_unpacked (request, NULL);
        return 0;
    }
    char path [128];
    if (hub_proto_check (&request->base, path, sizeof path) != HUB_CHECK_OK)
        s_fail ("the unpacked check found what the wire check passed");
    if (request->body_case != CYCLEHUB__V1__REQUEST__BODY_PUBLISH) {
        cyclehub__v1__request__free_unpacked (request, NULL);
        return 0;
    }
    Cyclehub__V1__Envelope *env = request->publish;
    const uint8_t *raw;
    size_t raw_size;
    int found = hub_proto_wire_field (data, size, CYCLEHUB__V1__REQUEST__BODY_PUBLISH,
                                      &raw, &raw_size);
    if (found == 0)
        s_fail ("a publish request without a publish field on the wire");
    if (found == 1) {
        //  The broker stores these bytes and validates the unpacked request:
        //  they must be the same message
        Cyclehub__V1__Envelope *alone = cyclehub__v1__envelope__unpack (NULL, raw_size, raw);
        if (!alone)
            s_fail ("the raw publish bytes do not unpack alone");
        size_t a_size = cyclehub__v1__envelope__get_packed_size (env);
        size_t b_size = cyclehub__v1__envelope__get_packed_size (alone);
        uint8_t *a = malloc (a_size + 1), *b = malloc (b_size + 1);
        if (!a || !b)
            s_fail ("out of memory");
        cyclehub__v1__envelope__pack (env, a);
        cyclehub__v1__envelope__pack (alone, b);
        if (a_size != b_size || memcmp (a, b, a_size) != 0)
            s_fail ("the raw publish bytes differ from the validated envelope");
        free (a);
        free (b);
        cyclehub__v1__envelope__free_unpacked (alone, NULL);

        s_publish (env, request->request_id);
    }
    else {
        //  Redaction leaves no personal data anywhere in the envelope
        if (hub_proto_redact (&env->base) < 0)
            s_fail ("hub_proto_redact ran out of memory");
        if (hub_proto_has_personal (&env->base))
            s_fail ("personal data left after hub_proto_redact");
    }
    cyclehub__v1__request__free_unpacked (request, NULL);
    return 0;
}
