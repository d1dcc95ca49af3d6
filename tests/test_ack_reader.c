/*  test_ack_reader: libcyclehub reads an AckBatch reply in place
    (clients/lib/hub_ack_reader.c) instead of unpacking it. What a publisher
    is told must not depend on that: every reply the reader takes, protobuf-c
    must unpack to the same request id and acks, and every reply it cannot
    vouch for (a rejection, another body, an unknown field, cut or damaged
    bytes) it must decline, so the client unpacks it in full.
*/
#include "hub_test.h"
#include "hub_ack_reader.h"
#include "cyclehub.pb-c.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ACKS 64

//  A packed Reply: an AckBatch of n results, result `reject_at` a rejection
//  (n: none), with msg_ids; the caller frees it
static uint8_t *
s_pack_batch (uint64_t request_id, size_t n, size_t reject_at, size_t *size)
{
    Cyclehub__V1__PublishResult results [MAX_ACKS], *pointers [MAX_ACKS];
    Cyclehub__V1__Ack acks [MAX_ACKS];
    Cyclehub__V1__Reject reject = CYCLEHUB__V1__REJECT__INIT;
    reject.code = CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INVALID_VALUE;
    reject.reason = "the amount is negative";
    char ids [MAX_ACKS][24];
    for (size_t i = 0; i < n; i++) {
        cyclehub__v1__publish_result__init (&results [i]);
        cyclehub__v1__ack__init (&acks [i]);
        acks [i].seq = (uint64_t) 1 << (i % 64) | i;        //  short and long varints
        acks [i].duplicate = i % 3 == 0;
        snprintf (ids [i], sizeof ids [i], "m-%zu", i);
        results [i].msg_id = ids [i];
        if (i == reject_at) {
            results [i].result_case = CYCLEHUB__V1__PUBLISH_RESULT__RESULT_REJECT;
            results [i].reject = &reject;
        }
        else {
            results [i].result_case = CYCLEHUB__V1__PUBLISH_RESULT__RESULT_ACK;
            results [i].ack = &acks [i];
        }
        pointers [i] = &results [i];
    }
    Cyclehub__V1__AckBatch batch = CYCLEHUB__V1__ACK_BATCH__INIT;
    batch.n_results = n;
    batch.results = pointers;
    Cyclehub__V1__Reply reply = CYCLEHUB__V1__REPLY__INIT;
    reply.request_id = request_id;
    reply.body_case = CYCLEHUB__V1__REPLY__BODY_ACK_BATCH;
    reply.ack_batch = &batch;
    *size = cyclehub__v1__reply__get_packed_size (&reply);
    uint8_t *data = malloc (*size + 16);
    cyclehub__v1__reply__pack (&reply, data);
    return data;
}

//  The reader's verdict on bytes, checked against protobuf-c's: when it
//  takes them, protobuf-c reads the same; returns what the reader returned
static int
s_agree (const uint8_t *data, size_t size, size_t max)
{
    hub_ack_t acks [MAX_ACKS];
    uint64_t request_id;
    int n = hub_ack_reader_read (data, size, &request_id, acks, max);
    if (n < 0)
        return n;
    Cyclehub__V1__Reply *reply = cyclehub__v1__reply__unpack (NULL, size, data);
    CHECK_MSG (reply, "the reader took %zu bytes protobuf-c cannot unpack", size);
    if (!reply)
        return n;
    CHECK (reply->request_id == request_id);
    CHECK (reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK_BATCH);
    if (reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK_BATCH) {
        CHECK_MSG (reply->ack_batch->n_results == (size_t) n, "%zu results, reader %d",
                   reply->ack_batch->n_results, n);
        for (size_t i = 0; i < reply->ack_batch->n_results && i < (size_t) n; i++) {
            const Cyclehub__V1__PublishResult *r = reply->ack_batch->results [i];
            CHECK (r->result_case == CYCLEHUB__V1__PUBLISH_RESULT__RESULT_ACK);
            if (r->result_case == CYCLEHUB__V1__PUBLISH_RESULT__RESULT_ACK)
                CHECK (r->ack->seq == acks [i].seq && r->ack->duplicate == acks [i].duplicate);
        }
    }
    cyclehub__v1__reply__free_unpacked (reply, NULL);
    return n;
}

int
main (void)
{
    //  The common reply: every result an ack
    size_t size;
    uint8_t *data = s_pack_batch (77, 40, 40, &size);
    hub_ack_t acks [MAX_ACKS];
    uint64_t request_id = 0;
    CHECK (hub_ack_reader_read (data, size, &request_id, acks, MAX_ACKS) == 40);
    CHECK (request_id == 77);
    CHECK (acks [0].seq == 1 && acks [0].duplicate);
    CHECK (acks [38].seq == ((uint64_t) 1 << 38 | 38) && !acks [38].duplicate);
    CHECK (s_agree (data, size, MAX_ACKS) == 40);
    //  More results than the caller has room for: declined, not cut short
    CHECK (hub_ack_reader_read (data, size, &request_id, acks, 39) == -1);
    //  Every cut of it is declined (a reply is one frame: a cut one is damaged)
    for (size_t cut = 0; cut < size; cut++)
        CHECK_MSG (hub_ack_reader_read (data, cut, &request_id, acks, MAX_ACKS) == -1,
                   "a reply cut at %zu of %zu bytes was taken", cut, size);
    //  Damaged bytes: taken only where protobuf-c reads the same
    srand (16);
    int taken = 0;
    for (int trial = 0; trial < 20000; trial++) {
        uint8_t copy [4096];
        memcpy (copy, data, size);
        for (int flips = 1 + rand () % 3; flips > 0; flips--)
            copy [rand () % size] ^= (uint8_t) (1 + rand () % 255);
        taken += s_agree (copy, size, MAX_ACKS) >= 0;
    }
    printf ("damaged replies taken (and agreed with protobuf-c): %d of 20000\n", taken);
    free (data);

    //  A rejection among the results: declined (the client unpacks it for
    //  the reason and field)
    data = s_pack_batch (78, 10, 4, &size);
    CHECK (hub_ack_reader_read (data, size, &request_id, acks, MAX_ACKS) == -1);
    free (data);
    //  An empty AckBatch: no acks (each publish then reports HUB_EPROTO)
    data = s_pack_batch (79, 0, 0, &size);
    CHECK (s_agree (data, size, MAX_ACKS) == 0);
    free (data);

    //  Another body: a single publish's Ack
    Cyclehub__V1__Ack ack = CYCLEHUB__V1__ACK__INIT;
    ack.seq = 5;
    Cyclehub__V1__Reply reply = CYCLEHUB__V1__REPLY__INIT;
    reply.request_id = 80;
    reply.body_case = CYCLEHUB__V1__REPLY__BODY_ACK;
    reply.ack = &ack;
    uint8_t buf [256];
    size = cyclehub__v1__reply__pack (&reply, buf);
    CHECK (hub_ack_reader_read (buf, size, &request_id, acks, MAX_ACKS) == -1);

    //  Fields the reader does not know, at each level: declined
    const uint8_t unknown [][16] = {
        //  Reply { request_id 1, field 9 varint 1, ack_batch { } }
        { 0x08, 0x01, 0x48, 0x01, 0x82, 0x01, 0x00 },
        //  Reply { ack_batch { field 2 varint 1 } }
        { 0x82, 0x01, 0x02, 0x10, 0x01 },
        //  Reply { ack_batch { results { ack { }, field 4 varint 1 } } }
        { 0x82, 0x01, 0x06, 0x0a, 0x04, 0x12, 0x00, 0x20, 0x01 },
        //  Reply { ack_batch { results { ack { seq 1, field 3 varint 1 } } } }
        { 0x82, 0x01, 0x08, 0x0a, 0x06, 0x12, 0x04, 0x08, 0x01, 0x18, 0x01 },
    };
    const size_t unknown_size [] = { 7, 5, 9, 11 };
    for (size_t i = 0; i < sizeof unknown_size / sizeof unknown_size [0]; i++)
        CHECK_MSG (hub_ack_reader_read (unknown [i], unknown_size [i], &request_id, acks,
                                        MAX_ACKS) == -1, "unknown field case %zu taken", i);
    //  And the smallest it takes: Reply { ack_batch { results { ack { } } } }
    const uint8_t smallest [] = { 0x82, 0x01, 0x04, 0x0a, 0x02, 0x12, 0x00 };
    CHECK (s_agree (smallest, sizeof smallest, MAX_ACKS) == 1);
    HUB_TEST_DONE ();
}
