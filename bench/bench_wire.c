/*  bench_wire: what the wire check (proto/hub_wire) costs per request,
    beside what the publish path already spends on the same bytes (protobuf-c
    unpack, hub_proto_check, free). Single thread, no sockets: the ratio is
    the figure that matters, the machine moves the absolute numbers.

    Usage: bench_wire [ROUNDS]      (default 200000 per request shape; each
                                     figure is the best of five runs)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hub_proto.h"
#include "hub_wire.h"

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t *
s_pack (const Cyclehub__V1__Envelope *env, size_t *size)
{
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.request_id = 123456;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH;
    request.publish = (Cyclehub__V1__Envelope *) env;
    *size = cyclehub__v1__request__get_packed_size (&request);
    uint8_t *data = malloc (*size);
    cyclehub__v1__request__pack (&request, data);
    return data;
}

static volatile int s_sink;

//  The publish path's work on one request's bytes: the wire check, or
//  protobuf-c's unpack with hub_proto_check and the free
static void
s_wire (const uint8_t *data, size_t size)
{
    s_sink += hub_wire_check_request (data, size, NULL);
}

static void
s_unpack (const uint8_t *data, size_t size)
{
    Cyclehub__V1__Request *request = cyclehub__v1__request__unpack (NULL, size, data);
    char path [128];
    s_sink += hub_proto_check (&request->base, path, sizeof path);
    cyclehub__v1__request__free_unpacked (request, NULL);
}

//  Nanoseconds per call: the best of five runs (the machine is shared)
static double
s_time (void (*fn) (const uint8_t *, size_t), const uint8_t *data, size_t size, long rounds)
{
    double best = 1e9;
    for (int run = 0; run < 5; run++) {
        double start = s_now ();
        for (long i = 0; i < rounds; i++)
            fn (data, size);
        double each = (s_now () - start) / rounds * 1e9;
        if (each < best)
            best = each;
    }
    return best;
}

static void
s_measure (const char *name, const uint8_t *data, size_t size, long rounds)
{
    double wire = s_time (s_wire, data, size, rounds);
    double unpack = s_time (s_unpack, data, size, rounds);
    printf ("%-32s %6zu B %9.0f ns %9.0f ns %9.0f ns %8.0f MB/s\n", name, size,
            wire, unpack, wire + unpack, size / wire * 1e3);
}

int
main (int argc, char *argv [])
{
    long rounds = argc > 1? atol (argv [1]): 200000;
    if (rounds <= 0)
        rounds = 200000;
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = "4f1c2a9e-7d7b-4b0e-9a52-6c1d1f0e8a11";
    env.commission_id = "ocds-h6vhtk-056931";
    env.sent_at_ms = INT64_C (1767225600000);

    //  A partner update of about 200 bytes (bench_hub's 200B publish)
    Cyclehub__V1__PartnerUpdatePosted update = CYCLEHUB__V1__PARTNER_UPDATE_POSTED__INIT;
    update.title = "Quarterly update from the falls prevention partnership";
    update.body = "Referrals rose by a fifth this quarter; classes run in six venues.";
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &update;
    size_t small_size, response_size, tender_size;
    uint8_t *small = s_pack (&env, &small_size);

    //  A consultation response with personal data and 2 KB of free text
    char *free_text [4];
    for (int i = 0; i < 4; i++) {
        free_text [i] = malloc (513);
        for (int b = 0; b < 512; b++)
            free_text [i][b] = "The classes helped my mother regain confidence. "[b % 48];
        free_text [i][512] = 0;
    }
    Cyclehub__V1__PersonalData personal = CYCLEHUB__V1__PERSONAL_DATA__INIT;
    personal.full_name = "Zo\xc3\xab Example";
    personal.email = "zoe@example.org";
    personal.postal_address = "1 High Street, London E1 1AA";
    personal.free_text = free_text;
    personal.n_free_text = 4;
    Cyclehub__V1__Answer answers [3] = {
        CYCLEHUB__V1__ANSWER__INIT, CYCLEHUB__V1__ANSWER__INIT, CYCLEHUB__V1__ANSWER__INIT };
    Cyclehub__V1__Answer *answer_list [3] = { &answers [0], &answers [1], &answers [2] };
    for (int i = 0; i < 3; i++) {
        answers [i].question_id = "q-1";
        answers [i].choice = "agree";
    }
    Cyclehub__V1__ResponseSubmitted response = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
    response.consultation_id = "c-1";
    response.response_id = "r-000123";
    response.respondent_type = CYCLEHUB__V1__RESPONDENT_TYPE__RESPONDENT_TYPE_CARER;
    response.answers = answer_list;
    response.n_answers = 3;
    response.retention_until_ms = INT64_C (1830297600000);
    response.personal = &personal;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED;
    env.response_submitted = &response;
    uint8_t *big = s_pack (&env, &response_size);

    //  A tender: nested messages, numbers, an enum
    Cyclehub__V1__TenderPublished tender = CYCLEHUB__V1__TENDER_PUBLISHED__INIT;
    Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
    Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
    value.amount = 45000000;
    value.currency = "GBP";
    period.start_ms = INT64_C (1767225600000);
    period.end_ms = period.start_ms + INT64_C (2592000000);
    tender.procurement_id = "p-1";
    tender.title = "Falls prevention service";
    tender.description = "Strength and balance classes across the borough";
    tender.value = &value;
    tender.procedure = CYCLEHUB__V1__PROCEDURE__PROCEDURE_OPEN;
    tender.tender_period = &period;
    tender.social_value_weight_pct = 10;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED;
    env.tender_published = &tender;
    uint8_t *nested = s_pack (&env, &tender_size);

    printf ("bench_wire: %ld rounds per request, one thread\n", rounds);
    printf ("%-32s %8s %12s %12s %12s %13s\n", "request", "size", "wire check",
            "unpack+check", "together", "wire check");
    s_measure ("publish partner.update", small, small_size, rounds);
    s_measure ("publish tender.published", nested, tender_size, rounds);
    s_measure ("publish consultation.response", big, response_size, rounds);
    free (small);
    free (big);
    free (nested);
    for (int i = 0; i < 4; i++)
        free (free_text [i]);
    return s_sink == -1? 1: 0;
}
