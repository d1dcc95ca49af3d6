/*  Tests of the in-place Event reader: it reads what protobuf-c's own
    unpacker reads (every field it serves, on whole, merged, truncated and
    damaged bytes), follows the descriptors' field numbers, and refuses
    malformed wire format instead of reading past it.
*/
#include "hub_event_reader.h"
#include "hub_proto.h"
#include "hub_test.h"

//  A consultation response as the broker stores it
static uint8_t *
s_response (uint64_t seq, const char *commission, const char *response_id, size_t *size)
{
    Cyclehub__V1__PersonalData pd = CYCLEHUB__V1__PERSONAL_DATA__INIT;
    pd.full_name = "A Resident";
    pd.email = "resident@example.org";
    Cyclehub__V1__ResponseSubmitted response = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
    response.consultation_id = "cons-7";
    response.response_id = (char *) response_id;
    response.personal = &pd;
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = "m-1";
    env.commission_id = (char *) commission;
    env.sent_at_ms = 1764000000000LL;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED;
    env.response_submitted = &response;
    Cyclehub__V1__StageChange change = CYCLEHUB__V1__STAGE_CHANGE__INIT;
    change.from = CYCLEHUB__V1__STAGE__STAGE_ANALYSE;
    change.to = CYCLEHUB__V1__STAGE__STAGE_PLAN;
    Cyclehub__V1__Event ev = CYCLEHUB__V1__EVENT__INIT;
    ev.seq = seq;
    ev.recorded_at_ms = 1764000000123LL;
    ev.sender = "GB-LAE-LDS";
    ev.stage = CYCLEHUB__V1__STAGE__STAGE_PLAN;
    ev.change = &change;
    ev.type = (char *) hub_proto_type_name (CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED);
    ev.envelope = &env;
    *size = cyclehub__v1__event__get_packed_size (&ev);
    uint8_t *buf = malloc (*size);
    cyclehub__v1__event__pack (&ev, buf);
    return buf;
}

static bool
s_eq (const char *s, size_t len, const char *want)
{
    return s && len == strlen (want) && memcmp (s, want, len) == 0;
}

//  The reader agrees with protobuf-c's unpack on every field it serves
static void
s_check_agrees (const uint8_t *data, size_t size, const char *what)
{
    Cyclehub__V1__Event *ev = cyclehub__v1__event__unpack (NULL, size, data);
    hub_event_fields_t f;
    bool ok = hub_event_read (data, size, &f);
    if (!ev)
        return;             //  the unpacker refuses more (bad UTF-8, ...); no claim
    CHECK_MSG (ok, "%s: unpack reads it, the reader does not", what);
    if (ok) {
        CHECK_MSG (f.seq == ev->seq && f.recorded_at_ms == ev->recorded_at_ms
                   && f.stage == (int) ev->stage, "%s: numbers differ", what);
        CHECK_MSG (f.type_len == strlen (ev->type)
                   && memcmp (f.type? f.type: "", ev->type, f.type_len) == 0, "%s: type", what);
        CHECK_MSG (f.sender_len == strlen (ev->sender)
                   && memcmp (f.sender? f.sender: "", ev->sender, f.sender_len) == 0,
                   "%s: sender", what);
        const char *id;
        size_t len;
        CHECK_MSG ((ev->envelope != NULL) == (f.envelope != NULL), "%s: envelope", what);
        if (ev->envelope && hub_event_commission (&f, &id, &len))
            CHECK_MSG (len == strlen (ev->envelope->commission_id)
                       && memcmp (id, ev->envelope->commission_id, len) == 0,
                       "%s: commission", what);
    }
    cyclehub__v1__event__free_unpacked (ev, NULL);
}

static void
test_whole (void)
{
    size_t size;
    uint8_t *data = s_response (42, "ocds-h6vhtk-000001", "r-9", &size);
    hub_event_fields_t f;
    CHECK (hub_event_read (data, size, &f));
    CHECK (f.seq == 42 && f.recorded_at_ms == 1764000000123LL);
    CHECK (f.stage == CYCLEHUB__V1__STAGE__STAGE_PLAN);
    CHECK (s_eq (f.sender, f.sender_len, "GB-LAE-LDS"));
    CHECK (s_eq (f.type, f.type_len, "consultation.response"));
    CHECK (f.envelope && f.envelope_len > 0);
    const char *id, *consultation, *response;
    size_t len, consultation_len, response_len;
    CHECK (hub_event_commission (&f, &id, &len) && s_eq (id, len, "ocds-h6vhtk-000001"));
    CHECK (hub_event_response (&f, &consultation, &consultation_len, &response, &response_len));
    CHECK (s_eq (consultation, consultation_len, "cons-7"));
    CHECK (s_eq (response, response_len, "r-9"));
    s_check_agrees (data, size, "whole");

    //  Two Events back to back merge, the last scalar winning (protobuf's rule)
    size_t size2;
    uint8_t *data2 = s_response (43, "ocds-h6vhtk-000002", "r-10", &size2);
    uint8_t *both = malloc (size + size2);
    memcpy (both, data, size);
    memcpy (both + size, data2, size2);
    CHECK (hub_event_read (both, size + size2, &f) && f.seq == 43);
    s_check_agrees (both, size + size2, "merged");

    //  Unknown fields of every wire type are skipped
    uint8_t *extended = malloc (size + 32);
    memcpy (extended, data, size);
    size_t at = size;
    extended [at++] = (12 << 3) | 1;                    //  fixed64
    memset (extended + at, 7, 8);
    at += 8;
    extended [at++] = (13 << 3) | 5;                    //  fixed32
    memset (extended + at, 7, 4);
    at += 4;
    extended [at++] = (14 << 3) | 0;                    //  varint
    extended [at++] = 0x81;
    extended [at++] = 0x01;
    CHECK (hub_event_read (extended, at, &f) && f.seq == 42);
    CHECK (hub_event_commission (&f, &id, &len) && s_eq (id, len, "ocds-h6vhtk-000001"));
    //  A group (wire type 3) is not proto3: malformed
    extended [size] = (15 << 3) | 3;
    CHECK (!hub_event_read (extended, size + 1, &f));
    free (extended);
    free (both);
    free (data2);
    free (data);
}

//  Cut anywhere, the reader never reads past the bytes, and agrees with
//  the unpacker whenever that one accepts the prefix
static void
test_truncated (void)
{
    size_t size;
    uint8_t *data = s_response (1ULL << 40, "ocds-h6vhtk-000001", "r-1", &size);
    size_t refused = 0;
    for (size_t cut = 0; cut < size; cut++) {
        uint8_t *copy = malloc (cut? cut: 1);           //  exact size: ASan sees overreads
        memcpy (copy, data, cut);
        hub_event_fields_t f;
        if (!hub_event_read (copy, cut, &f))
            refused++;
        else {
            const char *a, *b;
            size_t alen, blen;
            hub_event_commission (&f, &a, &alen);
            hub_event_response (&f, &a, &alen, &b, &blen);
        }
        char what [32];
        snprintf (what, sizeof what, "cut at %zu", cut);
        s_check_agrees (copy, cut, what);
        free (copy);
    }
    CHECK (refused > 0);
    free (data);
}

static void
test_not_a_response (void)
{
    //  An Event without envelope: no commission, no response
    Cyclehub__V1__Event ev = CYCLEHUB__V1__EVENT__INIT;
    ev.seq = 5;
    ev.type = "partner.update";
    uint8_t buf [64];
    size_t size = cyclehub__v1__event__pack (&ev, buf);
    hub_event_fields_t f;
    CHECK (hub_event_read (buf, size, &f) && !f.envelope && !f.sender && f.sender_len == 0);
    const char *id, *r;
    size_t len, rlen;
    CHECK (hub_event_commission (&f, &id, &len) && len == 0 && strcmp (id, "") == 0);
    CHECK (!hub_event_response (&f, &id, &len, &r, &rlen));

    //  A partner update: a commission, no response body
    Cyclehub__V1__PartnerUpdatePosted update = CYCLEHUB__V1__PARTNER_UPDATE_POSTED__INIT;
    update.title = "t";
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.commission_id = "ocds-h6vhtk-000003";
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &update;
    ev.envelope = &env;
    uint8_t big [256];
    size = cyclehub__v1__event__pack (&ev, big);
    CHECK (hub_event_read (big, size, &f));
    CHECK (hub_event_commission (&f, &id, &len) && s_eq (id, len, "ocds-h6vhtk-000003"));
    CHECK (!hub_event_response (&f, &id, &len, &r, &rlen));
    //  Empty bytes: a well-formed empty Event
    CHECK (hub_event_read (NULL, 0, &f) && f.seq == 0 && !f.type);
}

int
main (void)
{
    test_whole ();
    test_truncated ();
    test_not_a_response ();
    HUB_TEST_DONE ();
}
