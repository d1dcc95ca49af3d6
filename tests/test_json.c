/*  Tests of the JSON codec: every message round-trips to the same packed
    bytes, the output is the exact canonical text other systems rely on,
    and every kind of bad input gets an error that names the field path.
*/
#include "hub_json.h"
#include "hub_proto.h"
#include "hub_test.h"

#include <math.h>
#include <stdbool.h>

#define ENVELOPE_DESC   (&cyclehub__v1__envelope__descriptor)

//  ----------------------------------------------------------------------
//  A generic filler: every field of a message set to a non-default value

static bool
s_is_time (const ProtobufCFieldDescriptor *field)
{
    size_t len = strlen (field->name);
    return field->type == PROTOBUF_C_TYPE_INT64
        && len > 3 && strcmp (field->name + len - 3, "_ms") == 0;
}

static size_t
s_elt_size (ProtobufCType type)
{
    switch (type) {
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_FIXED64:
        case PROTOBUF_C_TYPE_DOUBLE:  return 8;
        case PROTOBUF_C_TYPE_STRING:  return sizeof (char *);
        case PROTOBUF_C_TYPE_MESSAGE: return sizeof (void *);
        case PROTOBUF_C_TYPE_BYTES:   return sizeof (ProtobufCBinaryData);
        default:                      return 4;
    }
}

static ProtobufCMessage *s_new_filled (const ProtobufCMessageDescriptor *desc, int pick);

//  Sets one value; f and k make values differ between fields and elements
static void
s_fill_value (const ProtobufCFieldDescriptor *field, void *slot, unsigned f, unsigned k)
{
    switch (field->type) {
        case PROTOBUF_C_TYPE_STRING: {
            char buf [64];
            snprintf (buf, sizeof buf, "v%u.%u é \"q\" \\ \t\n £ \xF0\x9F\x98\x80 \x01", f, k);
            *(char **) slot = strdup (buf);
            break;
        }
        case PROTOBUF_C_TYPE_BYTES: {
            ProtobufCBinaryData *bin = slot;
            bin->len = 1 + (f + k) % 5;
            bin->data = malloc (bin->len);
            for (size_t i = 0; i < bin->len; i++)
                bin->data [i] = (uint8_t) (0xF8 + i + k);
            break;
        }
        case PROTOBUF_C_TYPE_INT64:
            *(int64_t *) slot = s_is_time (field)
                ? 1795987770123LL + f * 1000 + k: -INT64_MAX + f + k;
            break;
        case PROTOBUF_C_TYPE_UINT64: *(uint64_t *) slot = UINT64_MAX - f - k; break;
        case PROTOBUF_C_TYPE_UINT32: *(uint32_t *) slot = UINT32_MAX - f - k; break;
        case PROTOBUF_C_TYPE_INT32:  *(int32_t *) slot = INT32_MIN + (int) (f + k); break;
        case PROTOBUF_C_TYPE_BOOL:   *(protobuf_c_boolean *) slot = 1; break;
        case PROTOBUF_C_TYPE_DOUBLE: *(double *) slot = (f + k + 1) / 3.0; break;
        case PROTOBUF_C_TYPE_ENUM: {
            const ProtobufCEnumDescriptor *ed = field->descriptor;
            *(int *) slot = ed->values [(f + k) % (ed->n_values - 1) + 1].value;
            break;
        }
        case PROTOBUF_C_TYPE_MESSAGE:
            *(ProtobufCMessage **) slot = s_new_filled (field->descriptor, -1);
            break;
        default:
            REQUIRE (!"field type not covered by the filler");
    }
}

//  Returns a message with every field set, malloc'd throughout. pick is the
//  oneof member to set (a field id), or -1 for the first member.
static ProtobufCMessage *
s_new_filled (const ProtobufCMessageDescriptor *desc, int pick)
{
    ProtobufCMessage *msg = malloc (desc->sizeof_message);
    REQUIRE (msg);
    desc->message_init (msg);
    if (desc == &cyclehub__v1__money__descriptor) {
        //  Money at the edges is ISO 4217 in major units: only valid money
        //  round-trips, so it rotates through currencies of 2, 0 and 3 places
        static const char *currencies [] = { "GBP", "JPY", "BHD" };
        static unsigned turn = 0;
        Cyclehub__V1__Money *money = (Cyclehub__V1__Money *) msg;
        money->amount = INT64_MAX - turn;
        money->currency = strdup (currencies [turn++ % 3]);
        return msg;
    }
    char *base = (char *) msg;
    for (unsigned f = 0; f < desc->n_fields; f++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [f];
        void *slot = base + field->offset;
        if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t *which = (uint32_t *) (base + field->quantifier_offset);
            if (pick == -1? *which != 0: (int) field->id != pick)
                continue;
            s_fill_value (field, slot, f, 0);
            *which = field->id;
        }
        else
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t size = s_elt_size (field->type);
            char *array = calloc (3, size);
            for (unsigned k = 0; k < 3; k++)
                s_fill_value (field, array + k * size, f, k);
            *(void **) slot = array;
            *(size_t *) (base + field->quantifier_offset) = 3;
        }
        else
            s_fill_value (field, slot, f, 0);
    }
    return msg;
}

//  ----------------------------------------------------------------------
//  Helpers

//  Returns the packed bytes of msg (caller frees) and their length
static uint8_t *
s_pack (const ProtobufCMessage *msg, size_t *len)
{
    *len = protobuf_c_message_get_packed_size (msg);
    uint8_t *buf = malloc (*len + 1);
    REQUIRE (buf);
    REQUIRE (protobuf_c_message_pack (msg, buf) == *len);
    return buf;
}

static bool
s_same_bytes (const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    size_t alen, blen;
    uint8_t *abuf = s_pack (a, &alen);
    uint8_t *bbuf = s_pack (b, &blen);
    bool same = alen == blen && memcmp (abuf, bbuf, alen) == 0;
    free (abuf);
    free (bbuf);
    return same;
}

//  The JSON name the codec must use (written here from the spec, to check it)
static void
s_expected_name (const ProtobufCFieldDescriptor *field, char *buf, size_t size)
{
    size_t len = strlen (field->name) - (s_is_time (field)? 3: 0);
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < size; i++) {
        if (field->name [i] == '_' && i + 1 < len) {
            char c = field->name [++i];
            buf [o++] = (char) (c >= 'a' && c <= 'z'? c - 32: c);
        }
        else
            buf [o++] = field->name [i];
    }
    buf [o] = '\0';
}

//  Renames every key of an encoded message to its proto field name, in
//  place through the tree. Returns the number of keys that matched no field.
static int
s_to_field_names (const ProtobufCMessageDescriptor *desc, json_t *object)
{
    int missing = 0;
    json_t *renamed = json_object ();
    const char *key;
    json_t *value;
    json_object_foreach (object, key, value) {
        const ProtobufCFieldDescriptor *found = NULL;
        for (unsigned f = 0; f < desc->n_fields; f++) {
            char name [128];
            s_expected_name (&desc->fields [f], name, sizeof name);
            if (strcmp (name, key) == 0)
                found = &desc->fields [f];
        }
        if (!found) {
            fprintf (stderr, "no field of %s has JSON name %s\n", desc->name, key);
            missing++;
            continue;
        }
        if (found->type == PROTOBUF_C_TYPE_MESSAGE) {
            if (json_is_array (value)) {
                size_t i;
                json_t *item;
                json_array_foreach (value, i, item)
                    missing += s_to_field_names (found->descriptor, item);
            }
            else
                missing += s_to_field_names (found->descriptor, value);
        }
        json_object_set (renamed, found->name, value);
    }
    json_object_clear (object);
    json_object_update (object, renamed);
    json_decref (renamed);
    return missing;
}

//  Encodes, decodes and compares packed bytes, four ways: compact text,
//  pretty text, json_t, and json_t with snake_case field names
static void
s_roundtrip (const ProtobufCMessage *msg, const char *label)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    char err [256];
    char *text = hub_json_encode (msg, 0);
    REQUIRE (text);
    CHECK_MSG (strchr (text, '\n') == NULL, "%s: compact output on one line", label);

    ProtobufCMessage *back = hub_json_decode (desc, text, strlen (text), err, sizeof err);
    CHECK_MSG (back, "%s: %s\n%s", label, err, text);
    if (back) {
        CHECK_MSG (s_same_bytes (msg, back), "%s: packed bytes differ\n%s", label, text);
        char *again = hub_json_encode (back, 0);
        CHECK_MSG (again && strcmp (again, text) == 0, "%s: re-encoding differs", label);
        free (again);
        protobuf_c_message_free_unpacked (back, NULL);
    }

    char *pretty = hub_json_encode (msg, HUB_JSON_PRETTY);
    REQUIRE (pretty);
    CHECK_MSG (strstr (pretty, "\n  \""), "%s: pretty output indented", label);
    back = hub_json_decode (desc, pretty, strlen (pretty), err, sizeof err);
    CHECK_MSG (back && s_same_bytes (msg, back), "%s: pretty: %s", label, err);
    if (back)
        protobuf_c_message_free_unpacked (back, NULL);

    json_t *json = hub_json_from_message (msg);
    REQUIRE (json);
    back = hub_json_to_message (desc, json, err, sizeof err);
    CHECK_MSG (back && s_same_bytes (msg, back), "%s: json_t: %s", label, err);
    CHECK (back == NULL || err [0] == '\0');
    if (back)
        protobuf_c_message_free_unpacked (back, NULL);

    CHECK_MSG (s_to_field_names (desc, json) == 0, "%s: JSON names as specified", label);
    back = hub_json_to_message (desc, json, err, sizeof err);
    CHECK_MSG (back && s_same_bytes (msg, back), "%s: snake_case names: %s", label, err);
    if (back)
        protobuf_c_message_free_unpacked (back, NULL);
    json_decref (json);
    free (pretty);
    free (text);
}

//  Round-trips msg once per member of its oneof (or once if it has none)
static int
s_roundtrip_each_member (const ProtobufCMessageDescriptor *desc)
{
    int members = 0;
    for (unsigned f = 0; f < desc->n_fields; f++) {
        if (!(desc->fields [f].flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        ProtobufCMessage *msg = s_new_filled (desc, (int) desc->fields [f].id);
        char label [128];
        snprintf (label, sizeof label, "%s.%s", desc->short_name, desc->fields [f].name);
        s_roundtrip (msg, label);
        protobuf_c_message_free_unpacked (msg, NULL);
        members++;
    }
    if (members == 0) {
        ProtobufCMessage *msg = s_new_filled (desc, -1);
        s_roundtrip (msg, desc->short_name);
        protobuf_c_message_free_unpacked (msg, NULL);
    }
    return members;
}

//  Decodes text expecting failure; checks the error contains want
static void
s_expect_error (const ProtobufCMessageDescriptor *desc, const char *text, const char *want,
                int line)
{
    char err [512];
    ProtobufCMessage *msg = hub_json_decode (desc, text, strlen (text), err, sizeof err);
    CHECK_MSG (msg == NULL, "line %d: decoded, expected error \"%s\"", line, want);
    if (msg)
        protobuf_c_message_free_unpacked (msg, NULL);
    else
        CHECK_MSG (strstr (err, want) != NULL,
                   "line %d: error \"%s\" lacks \"%s\"", line, err, want);
}
#define EXPECT_ERROR(desc, text, want) s_expect_error (desc, text, want, __LINE__)

//  Decodes text expecting success (caller frees)
static ProtobufCMessage *
s_expect_ok (const ProtobufCMessageDescriptor *desc, const char *text, int line)
{
    char err [512];
    ProtobufCMessage *msg = hub_json_decode (desc, text, strlen (text), err, sizeof err);
    CHECK_MSG (msg != NULL, "line %d: %s", line, err);
    return msg;
}
#define EXPECT_OK(desc, text) s_expect_ok (desc, text, __LINE__)

//  Encodes msg compactly and compares with the exact expected text
static void
s_expect_json (const ProtobufCMessage *msg, const char *want, int line)
{
    char *text = hub_json_encode (msg, 0);
    CHECK_MSG (text && strcmp (text, want) == 0, "line %d:\n got  %s\n want %s",
               line, text? text: "(null)", want);
    free (text);
}
#define EXPECT_JSON(msg, want) s_expect_json ((const ProtobufCMessage *) (msg), want, __LINE__)

//  Decodes an Envelope with one time in sentAt; returns its ms, or INT64_MIN
static int64_t
s_sent_at (const char *time)
{
    char text [256], err [256];
    snprintf (text, sizeof text, "{\"sentAt\": \"%s\"}", time);
    Cyclehub__V1__Envelope *env = (Cyclehub__V1__Envelope *)
        hub_json_decode (ENVELOPE_DESC, text, strlen (text), err, sizeof err);
    if (!env)
        return INT64_MIN;
    int64_t ms = env->sent_at_ms;
    protobuf_c_message_free_unpacked (&env->base, NULL);
    return ms;
}

//  ----------------------------------------------------------------------
//  The golden message

#define GOLDEN_TENDER \
    "{\"msgId\":\"m-1\",\"commissionId\":\"ocds-h6vhtk-056931\"," \
    "\"sentAt\":\"2026-11-29T21:29:30.123Z\",\"tenderPublished\":{" \
    "\"procurementId\":\"p-1\",\"title\":\"Home care\"," \
    "\"value\":{\"amount\":\"250000.00\",\"currency\":\"GBP\"}," \
    "\"procedure\":\"PROCEDURE_OPEN\"," \
    "\"tenderPeriod\":{\"start\":\"2026-12-01T09:00:00.000Z\",\"end\":\"2027-01-15T12:00:00.000Z\"}," \
    "\"socialValueWeightPct\":20}}"

static void
s_test_golden (void)
{
    Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
    value.amount = 25000000;
    value.currency = "GBP";
    Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
    period.start_ms = 1796115600000LL;
    period.end_ms = 1800014400000LL;
    Cyclehub__V1__TenderPublished tender = CYCLEHUB__V1__TENDER_PUBLISHED__INIT;
    tender.procurement_id = "p-1";
    tender.title = "Home care";
    tender.value = &value;
    tender.procedure = CYCLEHUB__V1__PROCEDURE__PROCEDURE_OPEN;
    tender.tender_period = &period;
    tender.social_value_weight_pct = 20;
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = "m-1";
    env.commission_id = "ocds-h6vhtk-056931";
    env.sent_at_ms = 1795987770123LL;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED;
    env.tender_published = &tender;
    EXPECT_JSON (&env,  GOLDEN_TENDER);

    char *pretty = hub_json_encode (&env.base, HUB_JSON_PRETTY);
    CHECK (pretty && strncmp (pretty, "{\n  \"msgId\": \"m-1\",\n  \"commissionId\"", 35) == 0);
    CHECK (pretty && strstr (pretty, "\n    \"value\": {\n      \"amount\": \"250000.00\","));
    free (pretty);

    //  The hand-written fixture (snake_case, offsets, nulls, numbers for
    //  int64) reads back to the same message
    char path [512];
    snprintf (path, sizeof path, "%s/tender_published.json", HUB_JSON_TEST_DATA);
    FILE *file = fopen (path, "rb");
    REQUIRE (file);
    char text [4096];
    size_t len = fread (text, 1, sizeof text - 1, file);
    fclose (file);
    text [len] = '\0';
    ProtobufCMessage *msg = EXPECT_OK (ENVELOPE_DESC, text);
    if (msg) {
        CHECK (s_same_bytes (msg, &env.base));
        EXPECT_JSON (msg, GOLDEN_TENDER);
        protobuf_c_message_free_unpacked (msg, NULL);
    }

    //  Defaults omitted: a message with nothing set is {}
    Cyclehub__V1__Envelope empty = CYCLEHUB__V1__ENVELOPE__INIT;
    EXPECT_JSON (&empty, "{}");
    //  A set oneof member is written even when empty
    Cyclehub__V1__StatusQuery status_query = CYCLEHUB__V1__STATUS_QUERY__INIT;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.request_id = 18446744073709551615ULL;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_STATUS;
    request.status = &status_query;
    EXPECT_JSON (&request, "{\"requestId\":\"18446744073709551615\",\"status\":{}}");

    //  Event: enums by name, uint64 as a string, nested envelope
    Cyclehub__V1__StageChange change = CYCLEHUB__V1__STAGE_CHANGE__INIT;
    change.from = CYCLEHUB__V1__STAGE__STAGE_PLAN;
    change.to = CYCLEHUB__V1__STAGE__STAGE_DO;
    Cyclehub__V1__Event event = CYCLEHUB__V1__EVENT__INIT;
    event.seq = 7;
    event.recorded_at_ms = -1;
    event.sender = "GB-LAE-E08000019";
    event.stage = CYCLEHUB__V1__STAGE__STAGE_DO;
    event.change = &change;
    event.type = "tender.published";
    event.envelope = &empty;
    EXPECT_JSON (&event, "{\"seq\":\"7\",\"recordedAt\":\"1969-12-31T23:59:59.999Z\","
                 "\"sender\":\"GB-LAE-E08000019\",\"stage\":\"STAGE_DO\","
                 "\"change\":{\"from\":\"STAGE_PLAN\",\"to\":\"STAGE_DO\"},"
                 "\"type\":\"tender.published\",\"envelope\":{}}");
    //  An enum value the schema lacks is written as its number
    event.stage = 9;
    event.change = NULL;
    event.envelope = NULL;
    event.recorded_at_ms = 0;
    EXPECT_JSON (&event, "{\"seq\":\"7\",\"sender\":\"GB-LAE-E08000019\",\"stage\":9,"
                 "\"type\":\"tender.published\"}");

    //  Status: uptime_ms is a uint64, not a time; doubles shortest exact
    Cyclehub__V1__Count count = CYCLEHUB__V1__COUNT__INIT;
    count.key = "do";
    count.count = 3;
    Cyclehub__V1__Count *counts [] = { &count };
    Cyclehub__V1__Status status = CYCLEHUB__V1__STATUS__INIT;
    status.uptime_ms = 5000;
    status.n_per_stage = 1;
    status.per_stage = counts;
    status.publish_rate = 0.1;
    status.hub_id = "hub-1";
    EXPECT_JSON (&status, "{\"uptimeMs\":\"5000\",\"perStage\":[{\"key\":\"do\",\"count\":\"3\"}],"
                 "\"publishRate\":0.1,\"hubId\":\"hub-1\"}");
    status.publish_rate = 2;
    EXPECT_JSON (&status, "{\"uptimeMs\":\"5000\",\"perStage\":[{\"key\":\"do\",\"count\":\"3\"}],"
                 "\"publishRate\":2.0,\"hubId\":\"hub-1\"}");
    status.publish_rate = -0.0;
    status.n_per_stage = 0;
    EXPECT_JSON (&status, "{\"uptimeMs\":\"5000\",\"publishRate\":-0.0,\"hubId\":\"hub-1\"}");
    status.publish_rate = NAN;
    EXPECT_JSON (&status, "{\"uptimeMs\":\"5000\",\"publishRate\":\"NaN\",\"hubId\":\"hub-1\"}");
    status.publish_rate = -INFINITY;
    EXPECT_JSON (&status, "{\"uptimeMs\":\"5000\",\"publishRate\":\"-Infinity\",\"hubId\":\"hub-1\"}");
    status.publish_rate = 1.0 / 3;
    EXPECT_JSON (&status, "{\"uptimeMs\":\"5000\",\"publishRate\":0.3333333333333333,"
                 "\"hubId\":\"hub-1\"}");

    //  HistoryPage: bytes as standard base64 with padding
    uint8_t raw1 [] = { 0xFB, 0xFF }, raw2 [] = { 0x00, 0xFF, 0xFE }, raw3 [] = { 'a' };
    ProtobufCBinaryData events [] = { { 2, raw1 }, { 3, raw2 }, { 1, raw3 } };
    Cyclehub__V1__HistoryPage page = CYCLEHUB__V1__HISTORY_PAGE__INIT;
    page.n_events = 3;
    page.events = events;
    page.next_seq = 4;
    page.end = 1;
    EXPECT_JSON (&page, "{\"events\":[\"+/8=\",\"AP/+\",\"YQ==\"],\"nextSeq\":\"4\",\"end\":true}");
}

//  ----------------------------------------------------------------------
//  Times

static void
s_test_times (void)
{
    //  Output: edges of the range, leap day, before the epoch
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.sent_at_ms = 1709164800000LL;
    EXPECT_JSON (&env, "{\"sentAt\":\"2024-02-29T00:00:00.000Z\"}");
    env.sent_at_ms = 253402300799999LL;
    EXPECT_JSON (&env, "{\"sentAt\":\"9999-12-31T23:59:59.999Z\"}");
    env.sent_at_ms = -62167219200000LL;
    EXPECT_JSON (&env, "{\"sentAt\":\"0000-01-01T00:00:00.000Z\"}");
    env.sent_at_ms = -86400001LL;
    EXPECT_JSON (&env, "{\"sentAt\":\"1969-12-30T23:59:59.999Z\"}");
    //  Outside years 0000..9999 there is no RFC 3339 form: encoding fails
    env.sent_at_ms = 253402300800000LL;
    CHECK (hub_json_encode (&env.base, 0) == NULL);
    env.sent_at_ms = INT64_MIN;
    CHECK (hub_json_from_message (&env.base) == NULL);

    //  Every day of 1900..2100 round-trips through text
    int failures = 0;
    for (int64_t ms = -2208988800000LL; ms < 4102444800000LL; ms += 86400000LL + 1234) {
        env.sent_at_ms = ms;
        char *text = hub_json_encode (&env.base, 0);
        char err [128];
        Cyclehub__V1__Envelope *back = (Cyclehub__V1__Envelope *)
            hub_json_decode (ENVELOPE_DESC, text, strlen (text), err, sizeof err);
        if (!back || back->sent_at_ms != ms)
            failures++;
        if (back)
            protobuf_c_message_free_unpacked (&back->base, NULL);
        free (text);
    }
    CHECK_MSG (failures == 0, "%d days failed to round-trip", failures);

    //  Input: offsets, fractions, lower case
    int64_t want = 1795987770123LL;
    CHECK (s_sent_at ("2026-11-29T21:29:30.123Z") == want);
    CHECK (s_sent_at ("2026-11-29T22:29:30.123+01:00") == want);
    CHECK (s_sent_at ("2026-11-29T16:29:30.123-05:00") == want);
    CHECK (s_sent_at ("2026-11-30T02:59:30.123+05:30") == want);
    CHECK (s_sent_at ("2026-11-29t21:29:30.123z") == want);
    CHECK (s_sent_at ("2026-11-29T21:29:30.123000000Z") == want);
    CHECK (s_sent_at ("2026-11-29T21:29:30.1Z") == want - 23);
    CHECK (s_sent_at ("2026-11-29T21:29:30Z") == want - 123);
    CHECK (s_sent_at ("2024-02-29T00:00:00Z") == 1709164800000LL);
    CHECK (s_sent_at ("2000-02-29T00:00:00Z") == 951782400000LL);
    CHECK (s_sent_at ("1970-01-01T00:00:00Z") == 0);
    CHECK (s_sent_at ("0000-01-01T00:00:00Z") == -62167219200000LL);

    //  Malformed dates are errors naming the field
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-13-01T00:00:00Z\"}",
                  "sentAt: \"2026-13-01T00:00:00Z\" is not a valid RFC 3339 time: month 13 is out of range");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-02-30T00:00:00Z\"}",
                  "sentAt: \"2026-02-30T00:00:00Z\" is not a valid RFC 3339 time: day 30 is out of range for 2026-02");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-02-29T00:00:00Z\"}", "day 29 is out of range");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"1900-02-29T00:00:00Z\"}", "day 29 is out of range");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-04-31T00:00:00Z\"}", "day 31");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-04-00T00:00:00Z\"}", "day 0");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-00-10T00:00:00Z\"}", "month 0");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-11-29T24:00:00Z\"}", "hour 24");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-11-29T21:60:00Z\"}", "minute 60");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-11-29T21:29:60Z\"}", "second 60");
    //  the same rules as every other edge (hub_time): a date alone and a leap second are refused
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-11-29\"}",
                  "sentAt: \"2026-11-29\" is not a valid RFC 3339 time: a date alone is not a moment");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-11-29T21:29:60Z\"}",
                  "(a leap second cannot be stored: write :59.999)");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-11-29T21:29:30+24:00\"}", "offset");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-11-29T21:29:30.1234Z\"}",
                  "sentAt: \"2026-11-29T21:29:30.1234Z\" is not a valid RFC 3339 time: it is finer than a millisecond");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-11-29 21:29:30Z\"}", "sentAt: ");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-11-29T21:29:30\"}", "not of the form");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-11-29T21:29:30.Z\"}", "not of the form");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-11-29T21:29:30Zjunk\"}", "not of the form");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-1-29T21:29:30Z\"}", "not of the form");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"2026-11-29T21:29:30+0100\"}", "not of the form");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"\"}", "sentAt: ");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": \"0000-01-01T00:00:00+00:01\"}", "outside years");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAt\": 1795987770123}",
                  "sentAt: expected an RFC 3339 time string, got a number 1795987770123");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"tenderPeriod\": {\"end\": \"2027-02-29T00:00:00Z\"}}}",
                  "tenderPublished.tenderPeriod.end: ");
    //  The field name itself works too, with the same RFC 3339 value
    ProtobufCMessage *msg = EXPECT_OK (ENVELOPE_DESC, "{\"sent_at_ms\": \"2026-11-29T21:29:30.123Z\"}");
    CHECK (msg && ((Cyclehub__V1__Envelope *) msg)->sent_at_ms == want);
    if (msg)
        protobuf_c_message_free_unpacked (msg, NULL);
}

//  ----------------------------------------------------------------------
//  Input forms the codec accepts

static void
s_test_accepts (void)
{
    //  Integers as numbers, strings, integral reals; enums by number; nulls
    ProtobufCMessage *msg = EXPECT_OK (ENVELOPE_DESC,
        "{\"msg_id\": \"m-1\", \"commissionId\": null, \"sentAt\": null,"
        " \"tender_published\": {\"value\": {\"amount\": 250000, \"currency\": \"GBP\"},"
        "   \"procedure\": 2, \"social_value_weight_pct\": \"20\", \"tenderPeriod\": null}}");
    if (msg) {
        Cyclehub__V1__Envelope *env = (Cyclehub__V1__Envelope *) msg;
        CHECK (strcmp (env->msg_id, "m-1") == 0);
        CHECK (strcmp (env->commission_id, "") == 0);
        CHECK (env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED);
        CHECK (env->tender_published->value->amount == 25000000);
        CHECK (env->tender_published->procedure == CYCLEHUB__V1__PROCEDURE__PROCEDURE_COMPETITIVE_FLEXIBLE);
        CHECK (env->tender_published->social_value_weight_pct == 20);
        CHECK (env->tender_published->tender_period == NULL);
        protobuf_c_message_free_unpacked (msg, NULL);
    }
    //  Money: the amount in the currency's major unit, a string or an
    //  integer; the currency may come first or last
    static const struct { const char *json; int64_t minor; } money [] = {
        { "{\"amount\": \"450000.00\", \"currency\": \"GBP\"}", 45000000 },
        { "{\"currency\": \"GBP\", \"amount\": \"450000.5\"}", 45000050 },
        { "{\"amount\": \"0.07\", \"currency\": \"GBP\"}", 7 },
        { "{\"amount\": 450000, \"currency\": \"GBP\"}", 45000000 },
        { "{\"amount\": \"1000\", \"currency\": \"JPY\"}", 1000 },
        { "{\"amount\": 1000, \"currency\": \"JPY\"}", 1000 },
        { "{\"amount\": \"12.345\", \"currency\": \"BHD\"}", 12345 },
        { "{\"amount\": \"92233720368547758.07\", \"currency\": \"GBP\"}", INT64_MAX },
        { "{\"amount\": null, \"currency\": \"GBP\"}", 0 },
        { "{\"currency\": \"GBP\"}", 0 },
        { "{}", 0 },
    };
    for (size_t i = 0; i < sizeof money / sizeof money [0]; i++) {
        char err [512] = "";
        msg = hub_json_decode (&cyclehub__v1__money__descriptor, money [i].json,
                               strlen (money [i].json), err, sizeof err);
        CHECK_MSG (msg && ((Cyclehub__V1__Money *) msg)->amount == money [i].minor,
                   "%s: %s", money [i].json, err);
        if (msg)
            protobuf_c_message_free_unpacked (msg, NULL);
    }

    //  A null oneof member is not set, so another member may be
    msg = EXPECT_OK (ENVELOPE_DESC, "{\"tenderPublished\": null, \"awardMade\": {}}");
    CHECK (msg && ((Cyclehub__V1__Envelope *) msg)->body_case == CYCLEHUB__V1__ENVELOPE__BODY_AWARD_MADE);
    if (msg)
        protobuf_c_message_free_unpacked (msg, NULL);

    //  64-bit extremes as strings
    msg = EXPECT_OK (&cyclehub__v1__request__descriptor,
        "{\"requestId\": \"18446744073709551615\","
        " \"publish\": {\"tenderPublished\": {\"value\": {\"amount\": \"92233720368547758.07\","
        " \"currency\": \"GBP\"}}}}");
    if (msg) {
        Cyclehub__V1__Request *req = (Cyclehub__V1__Request *) msg;
        CHECK (req->request_id == UINT64_MAX);
        CHECK (req->publish->tender_published->value->amount == INT64_MAX);
        protobuf_c_message_free_unpacked (msg, NULL);
    }
    //  Doubles: numbers, integers, and the non-finite strings
    msg = EXPECT_OK (&cyclehub__v1__kpi_reported__descriptor,
                     "{\"value\": \"NaN\", \"target\": \"-Infinity\"}");
    CHECK (msg && isnan (((Cyclehub__V1__KpiReported *) msg)->value));
    CHECK (msg && isinf (((Cyclehub__V1__KpiReported *) msg)->target));
    if (msg)
        protobuf_c_message_free_unpacked (msg, NULL);
    msg = EXPECT_OK (&cyclehub__v1__kpi_reported__descriptor, "{\"value\": 3, \"target\": 0.25}");
    CHECK (msg && ((Cyclehub__V1__KpiReported *) msg)->value == 3.0);
    CHECK (msg && ((Cyclehub__V1__KpiReported *) msg)->target == 0.25);
    if (msg)
        protobuf_c_message_free_unpacked (msg, NULL);

    //  Bytes: URL-safe, unpadded, empty
    msg = EXPECT_OK (&cyclehub__v1__history_page__descriptor,
                     "{\"events\": [\"-_8\", \"+/8=\", \"AP_-\", \"\"]}");
    if (msg) {
        Cyclehub__V1__HistoryPage *page = (Cyclehub__V1__HistoryPage *) msg;
        CHECK (page->n_events == 4);
        CHECK (page->events [0].len == 2 && page->events [0].data [0] == 0xFB
               && page->events [0].data [1] == 0xFF);
        CHECK (page->events [1].len == 2 && memcmp (page->events [1].data, "\xFB\xFF", 2) == 0);
        CHECK (page->events [2].len == 3 && memcmp (page->events [2].data, "\x00\xFF\xFE", 3) == 0);
        CHECK (page->events [3].len == 0);
        protobuf_c_message_free_unpacked (msg, NULL);
    }

    //  A real packed Event inside a HistoryPage survives the trip
    ProtobufCMessage *event = s_new_filled (&cyclehub__v1__event__descriptor, -1);
    size_t len;
    uint8_t *packed = s_pack (event, &len);
    ProtobufCBinaryData entry = { len, packed };
    Cyclehub__V1__HistoryPage page = CYCLEHUB__V1__HISTORY_PAGE__INIT;
    page.n_events = 1;
    page.events = &entry;
    char *text = hub_json_encode (&page.base, 0);
    char err [256];
    Cyclehub__V1__HistoryPage *back = (Cyclehub__V1__HistoryPage *)
        hub_json_decode (&cyclehub__v1__history_page__descriptor, text, strlen (text), err, sizeof err);
    CHECK (back && back->n_events == 1);
    if (back && back->n_events == 1) {
        ProtobufCMessage *inner = protobuf_c_message_unpack (&cyclehub__v1__event__descriptor, NULL,
                                                             back->events [0].len, back->events [0].data);
        CHECK (inner && s_same_bytes (inner, event));
        if (inner)
            protobuf_c_message_free_unpacked (inner, NULL);
    }
    if (back)
        protobuf_c_message_free_unpacked (&back->base, NULL);
    free (text);
    free (packed);
    protobuf_c_message_free_unpacked (event, NULL);

    //  Exactly HUB_JSON_MAX_ARRAY elements are fine
    json_t *partners = json_array ();
    json_t *org = json_string ("GB-LAE-E08000019");
    for (int i = 0; i < HUB_JSON_MAX_ARRAY; i++)
        json_array_append (partners, org);
    json_t *root = json_pack ("{s:{s:o}}", "commissionOpened", "partners", partners);
    msg = hub_json_to_message (ENVELOPE_DESC, root, err, sizeof err);
    CHECK_MSG (msg && ((Cyclehub__V1__Envelope *) msg)->commission_opened->n_partners
               == HUB_JSON_MAX_ARRAY, "%s", err);
    if (msg)
        protobuf_c_message_free_unpacked (msg, NULL);
    //  ... one more is an error
    json_array_append (partners, org);
    msg = hub_json_to_message (ENVELOPE_DESC, root, err, sizeof err);
    CHECK (msg == NULL);
    CHECK_MSG (strstr (err, "commissionOpened.partners: 100001 elements are more than the limit of 100000"),
               "%s", err);
    json_decref (root);
    json_decref (org);
}

//  ----------------------------------------------------------------------
//  Errors

static void
s_test_errors (void)
{
    const ProtobufCMessageDescriptor *request = &cyclehub__v1__request__descriptor;
    const ProtobufCMessageDescriptor *reply = &cyclehub__v1__reply__descriptor;

    //  Syntax, with line and column
    EXPECT_ERROR (ENVELOPE_DESC, "{\"msgId\": \"m-1\",\n \"x\": }", "invalid JSON at line 2, column");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"msgId\": \"m-1\"} trailing", "invalid JSON at line 1");
    EXPECT_ERROR (ENVELOPE_DESC, "", "invalid JSON");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"msgId\": \"a\", \"msgId\": \"b\"}", "duplicate");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"msgId\": \"\\u0000\"}", "invalid JSON");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"msgId\": \"\xC3\x28\"}", "invalid JSON");
    //  an integer beyond int64 as a JSON number: jansson refuses it whole
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"value\": {\"amount\": 9223372036854775808,"
                  " \"currency\": \"JPY\"}}}", "invalid JSON at line 1");

    //  Top level must be an object
    EXPECT_ERROR (ENVELOPE_DESC, "[1, 2]",
                  "expected a JSON object for cyclehub.v1.Envelope, got an array");
    EXPECT_ERROR (ENVELOPE_DESC, "5", "expected a JSON object for cyclehub.v1.Envelope, got a number 5");
    EXPECT_ERROR (ENVELOPE_DESC, "\"x\"", "got a string \"x\"");
    EXPECT_ERROR (ENVELOPE_DESC, "null", "got null");

    //  Unknown fields, at the top and nested
    EXPECT_ERROR (ENVELOPE_DESC, "{\"msgid\": \"m-1\"}", "msgid: unknown field");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"valeu\": {}}}",
                  "tenderPublished.valeu: unknown field");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"contractSigned\": {\"kpis\": [{}, {\"code\": \"a\", \"goal\": 1}]}}",
                  "contractSigned.kpis[1].goal: unknown field");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"sentAtMs\": \"2026-11-29T21:29:30Z\"}", "sentAtMs: unknown field");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"msgId\": \"a\", \"msg_id\": \"b\"}",
                  "\"msgId\" and \"msg_id\" are the same field msgId");

    //  Wrong types
    EXPECT_ERROR (ENVELOPE_DESC, "{\"msgId\": 5}", "msgId: expected a string, got a number 5");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"msgId\": [\"m\"]}", "msgId: expected a string, got an array");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"value\": {\"amount\": true, \"currency\": \"GBP\"}}}",
                  "tenderPublished.value.amount: expected an amount as a decimal string such as "
                  "\"450000.00\", got true");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"value\": {\"amount\": [], \"currency\": \"GBP\"}}}",
                  "tenderPublished.value.amount: expected an amount as a decimal string");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"socialValueWeightPct\": {}}}",
                  "tenderPublished.socialValueWeightPct: expected an integer, got an object");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"procedure\": true}}",
                  "tenderPublished.procedure: expected an enum value name (string) or number, got true");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"value\": \"GBP 5\"}}",
                  "tenderPublished.value: expected an object, got a string \"GBP 5\"");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": []}",
                  "tenderPublished: expected an object, got an array");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"commissionOpened\": {\"partners\": \"GB-LAE-E08000019\"}}",
                  "commissionOpened.partners: expected an array, got a string \"GB-LAE-E08000019\"");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"commissionOpened\": {\"partners\": [\"GB-LAE-1\", 2]}}",
                  "commissionOpened.partners[1]: expected a string, got a number 2");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"commissionOpened\": {\"partners\": [\"GB-LAE-1\", null]}}",
                  "commissionOpened.partners[1]: null is not allowed in a list");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"contractSigned\": {\"kpis\": [{\"code\": \"a\"}, {\"target\": \"x\"}]}}",
                  "contractSigned.kpis[1].target: expected a number (or \"NaN\", \"Infinity\", \"-Infinity\"), got a string \"x\"");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"kpiReported\": {\"breach\": 1}}",
                  "kpiReported.breach: expected true or false, got a number 1");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"kpiReported\": {\"breach\": \"true\"}}",
                  "kpiReported.breach: expected true or false, got a string \"true\"");
    EXPECT_ERROR (reply, "{\"page\": {\"events\": [\"AAAA\", \"@@@@\"]}}",
                  "page.events[1]: the string is not valid base64");
    EXPECT_ERROR (reply, "{\"page\": {\"events\": [\"AAAAA\"]}}", "page.events[0]: the string is not valid base64");
    EXPECT_ERROR (reply, "{\"page\": {\"events\": [\"AA=A\"]}}", "not valid base64");
    EXPECT_ERROR (reply, "{\"page\": {\"events\": [\"A===\"]}}", "not valid base64");
    EXPECT_ERROR (reply, "{\"page\": {\"events\": [5]}}", "page.events[0]: expected a base64 string, got a number 5");

    //  Range and form of numbers
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"procedure\": 2147483648}}",
                  "tenderPublished.procedure: 2147483648 is out of range for int32 (-2147483648..2147483647)");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"procedure\": -2147483649}}",
                  "tenderPublished.procedure: -2147483649 is out of range for int32");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"socialValueWeightPct\": 4294967296}}",
                  "tenderPublished.socialValueWeightPct: 4294967296 is out of range for uint32 (0..4294967295)");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"socialValueWeightPct\": -1}}",
                  "tenderPublished.socialValueWeightPct: -1 is out of range for uint32, which cannot be negative");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"socialValueWeightPct\": 12.5}}",
                  "tenderPublished.socialValueWeightPct: expected an integer, got a number with a fraction 12.5");
    //  Money: major units of an ISO 4217 currency, exactly; every refusal says why
#define S_VALUE(amount, currency) \
    "{\"tenderPublished\": {\"value\": {\"amount\": " amount ", \"currency\": " currency "}}}"
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("\"12.345\"", "\"GBP\""),
                  "tenderPublished.value.amount: GBP has 2 decimal places; \"12.345\" has 3");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("\"1000.5\"", "\"JPY\""),
                  "tenderPublished.value.amount: JPY has no decimal places: write a whole number");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("\"ten\"", "\"GBP\""),
                  "tenderPublished.value.amount: \"ten\" is not an amount");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("\"\"", "\"GBP\""),
                  "tenderPublished.value.amount: an amount is required");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("\"12 \"", "\"GBP\""), "it contains a space");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("\"1e5\"", "\"GBP\""), "it has an exponent");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("\"-5.00\"", "\"GBP\""), "is negative");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("-5", "\"GBP\""), "\"-5\" is negative");
    {
        //  jansson's text parser refuses NUL, but a json_t built in code may hold one
        json_t *money = json_pack ("{s:s%,s:s}", "amount", "1\0002", (size_t) 3, "currency", "GBP");
        char err [256] = "";
        ProtobufCMessage *bad = hub_json_to_message (&cyclehub__v1__money__descriptor, money,
                                                     err, sizeof err);
        CHECK (!bad && strcmp (err, "amount: the string contains a NUL character") == 0);
        json_decref (money);
    }
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("\"92233720368547758.08\"", "\"GBP\""),
                  "tenderPublished.value.amount: \"92233720368547758.08\" is too large: the most "
                  "is 92233720368547758.07 GBP");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("92233720368547759", "\"GBP\""), "is too large");
    //  a JSON number with a fraction is refused, and the sentence shows the string form
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("450000.00", "\"GBP\""),
                  "tenderPublished.value.amount: 450000 is a JSON number with a fraction or an "
                  "exponent, which cannot carry every decimal exactly: write the amount as a "
                  "string, \"450000.00\"");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("0.1", "\"GBP\""), "write the amount as a string, \"0.10\"");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("1000.0", "\"JPY\""), "write the amount as a string, \"1000\"");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("2.5e7", "\"GBP\""), "\"25000000.00\"");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("1e30", "\"GBP\""), "write the amount as a string");
    //  the currency: ISO 4217 List one, given with any amount
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("\"5\"", "\"XYZ\""),
                  "tenderPublished.value.currency: \"XYZ\" is not an ISO 4217 currency code");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("\"5\"", "\"gbp\""), "\"gbp\" is not an ISO 4217");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("\"5\"", "\"XAU\""),
                  "tenderPublished.value.currency: XAU (Gold) has no minor unit in ISO 4217");
    EXPECT_ERROR (ENVELOPE_DESC, S_VALUE ("\"5\"", "5"),
                  "tenderPublished.value.currency: expected a string, got a number 5");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"value\": {\"amount\": \"5\"}}}",
                  "tenderPublished.value.currency: a currency is required: give an ISO 4217 code "
                  "such as GBP");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"value\": {\"amount\": \"5\", "
                  "\"currency\": \"GBP\", \"pence\": 1}}}",
                  "tenderPublished.value.pence: unknown field: money is {\"amount\": "
                  "\"450000.00\", \"currency\": \"GBP\"}, the amount in the currency's major unit");
    //  what the encoder writes for stored minor units with no known currency
    //  is not taken back: the amount's unit is unknown
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"value\": {\"amountMinorUnits\": \"5\", "
                  "\"currency\": \"XYZ\"}}}", "tenderPublished.value.amountMinorUnits: unknown field");
#undef S_VALUE
    EXPECT_ERROR (request, "{\"requestId\": -1}",
                  "requestId: -1 is out of range for uint64, which cannot be negative");
    EXPECT_ERROR (request, "{\"requestId\": \"-5\"}", "requestId: -5 is out of range for uint64");
    EXPECT_ERROR (request, "{\"requestId\": \"18446744073709551616\"}",
                  "requestId: 18446744073709551616 is out of range for uint64");
    EXPECT_ERROR (request, "{\"requestId\": \"0x10\"}", "requestId: expected an integer, got a string \"0x10\"");
    EXPECT_ERROR (request, "{\"history\": {\"limit\": \"1.5\"}}", "history.limit: expected an integer");

    //  Enums
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {\"procedure\": \"PROCEDURE_CLOSED\"}}",
                  "tenderPublished.procedure: unknown value \"PROCEDURE_CLOSED\" for cyclehub.v1.Procedure; "
                  "expected one of PROCEDURE_UNSPECIFIED, PROCEDURE_OPEN, PROCEDURE_COMPETITIVE_FLEXIBLE, "
                  "PROCEDURE_FRAMEWORK_CALL_OFF");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"stageChangeRequested\": {\"target\": \"plan\"}}",
                  "stageChangeRequested.target: unknown value \"plan\" for cyclehub.v1.Stage; expected one of "
                  "STAGE_UNSPECIFIED, STAGE_ANALYSE, STAGE_PLAN, STAGE_DO, STAGE_REVIEW, STAGE_CLOSED");
    EXPECT_ERROR (reply, "{\"reject\": {\"code\": \"MALFORMED\"}}", "REJECT_CODE_UNSPECIFIED, REJECT_CODE_MALFORMED");
    EXPECT_ERROR (reply, "{\"reject\": {\"code\": \"MALFORMED\"}}", ", ...");
    EXPECT_ERROR (reply, "{\"commission\": {\"consultations\": [{\"status\": \"OPEN\"}]}}",
                  "commission.consultations[0].status: unknown value \"OPEN\" for cyclehub.v1.ConsultationState.Status");

    //  Oneof: two members
    EXPECT_ERROR (ENVELOPE_DESC, "{\"tenderPublished\": {}, \"awardMade\": {}}",
                  "tenderPublished and awardMade are both set, but they are members of one oneof");
    EXPECT_ERROR (request, "{\"publish\": {\"needsAssessed\": {}, \"needs_assessed\": {}}}",
                  "publish: \"needsAssessed\" and \"needs_assessed\" are the same field");
    EXPECT_ERROR (request, "{\"publish\": {\"msgId\": \"m\", \"strategyApproved\": {}, \"partner_update\": {}}}",
                  "publish: strategyApproved and partnerUpdate are both set");

    //  Depth: 40 levels of arrays, and a hostile 200000
    char deep [256];
    snprintf (deep, sizeof deep, "{\"msgId\": %.*s1%.*s}", 40,
              "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 40,
              "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
    EXPECT_ERROR (ENVELOPE_DESC, deep, "JSON at line 1, column 42: nested deeper than 32 levels");
    size_t n = 200000;
    char *hostile = malloc (2 * n + 1);
    memset (hostile, '{', n);
    memset (hostile + n, '}', n);
    hostile [2 * n] = '\0';
    EXPECT_ERROR (ENVELOPE_DESC, hostile, "nested deeper than 32 levels");
    memset (hostile, '[', n);
    EXPECT_ERROR (ENVELOPE_DESC, hostile, "nested deeper than 32 levels");
    free (hostile);
    //  Brackets inside strings do not count
    char *wide = malloc (64 + 40);
    snprintf (wide, 64 + 40, "{\"msgId\": \"%.*s\\\"\"}", 40, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
    ProtobufCMessage *msg = EXPECT_OK (ENVELOPE_DESC, wide);
    if (msg)
        protobuf_c_message_free_unpacked (msg, NULL);
    free (wide);

    //  Errors after a partly built message free it (checked under ASan)
    EXPECT_ERROR (reply, "{\"requestId\": \"5\", \"commission\": {\"commissionId\": \"c\","
                  " \"partners\": [\"a\", \"b\"], \"consultations\": [{\"consultationId\": \"x\"},"
                  " {\"consultationId\": \"y\", \"opensAt\": \"2026-11-29T21:29:30Z\", \"bad\": 1}]}}",
                  "commission.consultations[1].bad: unknown field");
    EXPECT_ERROR (reply, "{\"page\": {\"events\": [\"AAAA\", \"AAAA\", 7]}}", "page.events[2]");
    EXPECT_ERROR (ENVELOPE_DESC, "{\"msgId\": \"m\", \"contractSigned\": {\"contractId\": \"c\","
                  " \"value\": {\"currency\": \"GBP\"}, \"kpis\": [{\"code\": \"a\"}, {\"target\": \"x\"}]}}",
                  "contractSigned.kpis[1].target");

    //  Strings built through the jansson API: NUL and bad UTF-8
    char err [256];
    json_t *root = json_object ();
    json_object_set_new (root, "msgId", json_stringn ("a\0b", 3));
    CHECK (hub_json_to_message (ENVELOPE_DESC, root, err, sizeof err) == NULL);
    CHECK_MSG (strcmp (err, "msgId: the string contains a NUL character") == 0, "%s", err);
    json_object_set_new (root, "msgId", json_stringn_nocheck ("\xED\xA0\x80", 3));
    CHECK (hub_json_to_message (ENVELOPE_DESC, root, err, sizeof err) == NULL);
    CHECK_MSG (strcmp (err, "msgId: the string is not valid UTF-8") == 0, "%s", err);
    json_object_del (root, "msgId");
    json_object_setn_new (root, "msgId\0x", 7, json_string ("m"));
    CHECK (hub_json_to_message (ENVELOPE_DESC, root, err, sizeof err) == NULL);
    CHECK_MSG (strstr (err, "unknown field"), "%s", err);
    json_decref (root);
    CHECK (hub_json_to_message (ENVELOPE_DESC, NULL, err, sizeof err) == NULL);
    CHECK (strcmp (err, "no JSON value") == 0);

    //  A small or missing error buffer is never overrun
    char small [12];
    memset (small, 'x', sizeof small);
    const char *bad = "{\"tenderPublished\": {\"valeu\": {}}}";
    CHECK (hub_json_decode (ENVELOPE_DESC, bad, strlen (bad), small, 8) == NULL);
    CHECK (strcmp (small, "tenderP") == 0 && small [8] == 'x');
    CHECK (hub_json_decode (ENVELOPE_DESC, bad, strlen (bad), NULL, 0) == NULL);
    ProtobufCMessage *fine = hub_json_decode (ENVELOPE_DESC, "{}", 2, NULL, 0);
    CHECK (fine != NULL);
    if (fine)
        protobuf_c_message_free_unpacked (fine, NULL);

    //  Long bad values are cut short in the error
    char longkey [300];
    snprintf (longkey, sizeof longkey, "{\"%0200d\": 1}", 7);
    EXPECT_ERROR (ENVELOPE_DESC, longkey, "...: unknown field");

    //  Encoding refuses invalid UTF-8 held in a message
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = "\xC3\x28";
    CHECK (hub_json_encode (&env.base, 0) == NULL);
    CHECK (hub_json_encode (NULL, 0) == NULL);
}

//  ----------------------------------------------------------------------
//  hub_json_dumps: what the HTTP API, its live events and the relay write

//  Dumps json (taken) with flags and compares with the expected text
static void
s_expect_dumps (json_t *json, int flags, const char *want, int line)
{
    char *text = hub_json_dumps (json, flags);
    CHECK_MSG (text && strcmp (text, want) == 0, "line %d:\n got  %s\n want %s",
               line, text? text: "(null)", want);
    free (text);
    json_decref (json);
}
#define EXPECT_DUMPS(json, flags, want) s_expect_dumps (json, flags, want, __LINE__)

static void
s_test_dumps (void)
{
    //  Every number as short as reads back exactly, however deep: jansson's
    //  own json_dumps writes 0.1 as 0.10000000000000001
    EXPECT_DUMPS (json_pack ("{s:[f,{s:f,s:i}],s:f}", "a", 0.1, "b", 92.4, "n", 3, "c", 2.0),
                  0, "{\"a\":[0.1,{\"b\":92.4,\"n\":3}],\"c\":2.0}");
    //  One precision for the text: the most any number needs
    EXPECT_DUMPS (json_pack ("[f,f]", 0.1, 1.0 / 3), 0, "[0.1,0.3333333333333333]");
    EXPECT_DUMPS (json_pack ("[f,f]", 0.1, 0.1 + 0.2), 0,
                  "[0.10000000000000001,0.30000000000000004]");
    EXPECT_DUMPS (json_pack ("{s:f}", "x", 0.3), HUB_JSON_PRETTY, "{\n  \"x\": 0.3\n}");
    CHECK (hub_json_dumps (NULL, 0) == NULL);
    //  A message's tree, dumped, is what hub_json_encode writes
    Cyclehub__V1__Status status = CYCLEHUB__V1__STATUS__INIT;
    status.publish_rate = 0.7;
    status.hub_id = "hub-1";
    char *encoded = hub_json_encode (&status.base, 0);
    CHECK (encoded && !strcmp (encoded, "{\"publishRate\":0.7,\"hubId\":\"hub-1\"}"));
    EXPECT_DUMPS (hub_json_from_message (&status.base), 0, encoded? encoded: "");
    free (encoded);
}

//  ----------------------------------------------------------------------

int
main (void)
{
    //  Every Envelope body type, and every Request and Reply body
    int bodies = s_roundtrip_each_member (ENVELOPE_DESC);
    CHECK_MSG (bodies == 28, "%d envelope bodies", bodies);
    CHECK (s_roundtrip_each_member (&cyclehub__v1__request__descriptor) == 7);
    CHECK (s_roundtrip_each_member (&cyclehub__v1__reply__descriptor) == 7);
    const ProtobufCMessageDescriptor *others [] = {
        &cyclehub__v1__event__descriptor,
        &cyclehub__v1__commission_state__descriptor,
        &cyclehub__v1__status__descriptor,
        &cyclehub__v1__history_page__descriptor,
        &cyclehub__v1__history_query__descriptor,
        &cyclehub__v1__erasure_recorded__descriptor,
    };
    for (size_t i = 0; i < sizeof others / sizeof others [0]; i++)
        s_roundtrip_each_member (others [i]);
    //  An Envelope with no body
    Cyclehub__V1__Envelope bare = CYCLEHUB__V1__ENVELOPE__INIT;
    bare.msg_id = "m";
    s_roundtrip (&bare.base, "bare envelope");

    s_test_golden ();
    s_test_times ();
    s_test_accepts ();
    s_test_errors ();
    s_test_dumps ();
    HUB_TEST_DONE ();
}
