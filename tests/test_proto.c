/*  Tests of the wire format: every message type round-trips through pack
    and unpack, bad bytes fail cleanly, and the descriptor walks (deep check,
    personal-data redaction) find what they must.
*/
#include "hub_proto.h"
#include "hub_test.h"

//  Builds an Envelope with the given body case, every field of the body set
//  to a non-default value by a generic descriptor walk.
static void
s_fill (ProtobufCMessage *msg, int depth)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    char *base = (char *) msg;
    for (unsigned f = 0; f < desc->n_fields; f++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [f];
        if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            continue;
        void *slot = base + field->offset;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            //  Two elements of strings only; other repeated kinds left empty
            if (field->type == PROTOBUF_C_TYPE_STRING) {
                char **arr = calloc (2, sizeof (char *));
                arr [0] = strdup ("one");
                arr [1] = strdup ("two £");
                *(char ***) slot = arr;
                *(size_t *) (base + field->quantifier_offset) = 2;
            }
            else
            if (field->type == PROTOBUF_C_TYPE_MESSAGE && depth < 3) {
                ProtobufCMessage **arr = calloc (1, sizeof (void *));
                const ProtobufCMessageDescriptor *sd = field->descriptor;
                arr [0] = calloc (1, sd->sizeof_message);
                sd->message_init (arr [0]);
                s_fill (arr [0], depth + 1);
                *(ProtobufCMessage ***) slot = arr;
                *(size_t *) (base + field->quantifier_offset) = 1;
            }
            continue;
        }
        switch (field->type) {
            case PROTOBUF_C_TYPE_STRING: *(char **) slot = strdup ("value é"); break;
            case PROTOBUF_C_TYPE_INT64: *(int64_t *) slot = 1764000000000LL + f; break;
            case PROTOBUF_C_TYPE_UINT64: *(uint64_t *) slot = 1ULL << 40; break;
            case PROTOBUF_C_TYPE_UINT32: *(uint32_t *) slot = 42; break;
            case PROTOBUF_C_TYPE_BOOL: *(protobuf_c_boolean *) slot = 1; break;
            case PROTOBUF_C_TYPE_DOUBLE: *(double *) slot = 2.5; break;
            case PROTOBUF_C_TYPE_ENUM: {
                const ProtobufCEnumDescriptor *ed = field->descriptor;
                *(int *) slot = ed->values [ed->n_values - 1].value;
                break;
            }
            case PROTOBUF_C_TYPE_MESSAGE:
                if (depth < 3) {
                    const ProtobufCMessageDescriptor *sd = field->descriptor;
                    ProtobufCMessage *sub = calloc (1, sd->sizeof_message);
                    sd->message_init (sub);
                    s_fill (sub, depth + 1);
                    *(ProtobufCMessage **) slot = sub;
                }
                break;
            default:
                break;
        }
    }
}

//  Frees a message built by s_fill (all malloc'd, like an unpacked one).
static void
s_free (ProtobufCMessage *msg)
{
    protobuf_c_message_free_unpacked (msg, NULL);
}

static Cyclehub__V1__Envelope *
s_envelope (Cyclehub__V1__Envelope__BodyCase body_case)
{
    Cyclehub__V1__Envelope *env = calloc (1, sizeof *env);
    cyclehub__v1__envelope__init (env);
    env->msg_id = strdup ("m-1");
    env->commission_id = strdup ("ocds-h6vhtk-056931");
    env->sent_at_ms = 1764000000000LL;
    const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field (
        &cyclehub__v1__envelope__descriptor, body_case);
    REQUIRE (field);
    const ProtobufCMessageDescriptor *sd = field->descriptor;
    ProtobufCMessage *body = calloc (1, sd->sizeof_message);
    sd->message_init (body);
    s_fill (body, 0);
    *(ProtobufCMessage **) ((char *) env + field->offset) = body;
    env->body_case = body_case;
    return env;
}

static void
test_type_table (void)
{
    //  Every oneof member of Envelope has a type name and back
    const ProtobufCMessageDescriptor *desc = &cyclehub__v1__envelope__descriptor;
    int members = 0;
    for (unsigned f = 0; f < desc->n_fields; f++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [f];
        if (!(field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        members++;
        const char *name = hub_proto_type_name ((Cyclehub__V1__Envelope__BodyCase) field->id);
        CHECK_MSG (name != NULL, "field %s has no type name", field->name);
        if (name)
            CHECK ((unsigned) hub_proto_type_case (name) == field->id);
    }
    size_t listed = 0;
    while (hub_proto_type_at (listed))
        listed++;
    CHECK ((int) listed == members);
    CHECK (hub_proto_type_case ("no.such.type") == 0);
    CHECK (hub_proto_type_case (NULL) == 0);
    CHECK (hub_proto_type_name (CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET) == NULL);
    CHECK (strcmp (hub_proto_stage_name (CYCLEHUB__V1__STAGE__STAGE_DO), "do") == 0);
    CHECK (hub_proto_stage_from_name ("review") == CYCLEHUB__V1__STAGE__STAGE_REVIEW);
    CHECK (hub_proto_stage_from_name ("later") == 0);
    CHECK (strcmp (hub_proto_reject_name (CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_ILLEGAL_TRANSITION),
                   "ILLEGAL_TRANSITION") == 0);
    char topic [64];
    CHECK (hub_proto_topic (topic, sizeof topic, CYCLEHUB__V1__STAGE__STAGE_DO,
                            "ocds-h6vhtk-056931", "tender.published") > 0);
    CHECK (strcmp (topic, "do/ocds-h6vhtk-056931/tender.published") == 0);
    CHECK (hub_proto_topic (topic, 8, CYCLEHUB__V1__STAGE__STAGE_DO, "ocds-h6vhtk-056931", "x") == -1);
    CHECK (topic [0] == 0);
}

static void
test_round_trip (void)
{
    for (size_t i = 0; hub_proto_type_at (i); i++) {
        Cyclehub__V1__Envelope__BodyCase bc = hub_proto_type_at (i);
        Cyclehub__V1__Envelope *env = s_envelope (bc);
        size_t size = cyclehub__v1__envelope__get_packed_size (env);
        uint8_t *buf = malloc (size);
        CHECK (cyclehub__v1__envelope__pack (env, buf) == size);
        Cyclehub__V1__Envelope *back = cyclehub__v1__envelope__unpack (NULL, size, buf);
        CHECK_MSG (back != NULL, "%s does not unpack", hub_proto_type_name (bc));
        if (back) {
            CHECK (back->body_case == bc);
            //  Packing the copy again gives the same bytes: nothing lost
            size_t size2 = cyclehub__v1__envelope__get_packed_size (back);
            uint8_t *buf2 = malloc (size2);
            cyclehub__v1__envelope__pack (back, buf2);
            CHECK_MSG (size2 == size && memcmp (buf, buf2, size) == 0,
                       "%s changes in a round trip", hub_proto_type_name (bc));
            char path [128];
            CHECK (hub_proto_check (&back->base, path, sizeof path) == HUB_CHECK_OK);
            free (buf2);
            cyclehub__v1__envelope__free_unpacked (back, NULL);
        }
        //  Every truncation fails cleanly or yields a message (never a crash)
        for (size_t cut = 0; cut < size; cut++) {
            Cyclehub__V1__Envelope *part = cyclehub__v1__envelope__unpack (NULL, cut, buf);
            if (part)
                cyclehub__v1__envelope__free_unpacked (part, NULL);
        }
        free (buf);
        s_free (&env->base);
    }
}

static void
test_bad_bytes (void)
{
    //  Random bytes: unpack fails or gives a message; no crash, no leak
    srand (7);
    int failed = 0;
    for (int i = 0; i < 20000; i++) {
        uint8_t buf [64];
        size_t size = (size_t) (rand () % (int) sizeof buf);
        for (size_t k = 0; k < size; k++)
            buf [k] = (uint8_t) rand ();
        Cyclehub__V1__Request *req = cyclehub__v1__request__unpack (NULL, size, buf);
        if (req) {
            char path [128];
            (void) hub_proto_check (&req->base, path, sizeof path);
            cyclehub__v1__request__free_unpacked (req, NULL);
        }
        else
            failed++;
    }
    CHECK (failed > 0);
    //  A truncated length-delimited field is rejected
    uint8_t trunc [] = { 0x52, 0x10, 'a', 'b' };
    CHECK (cyclehub__v1__request__unpack (NULL, sizeof trunc, trunc) == NULL);
}

static void
test_check (void)
{
    //  An unknown field (number 99, varint) is found and named
    uint8_t unknown [] = { 0x08, 0x01, 0x98, 0x06, 0x05 };
    Cyclehub__V1__Request *req = cyclehub__v1__request__unpack (NULL, sizeof unknown, unknown);
    REQUIRE (req);
    char path [128];
    CHECK (hub_proto_check (&req->base, path, sizeof path) == HUB_CHECK_UNKNOWN_FIELD);
    CHECK (strstr (path, "99") != NULL);
    cyclehub__v1__request__free_unpacked (req, NULL);

    //  Invalid UTF-8 in a nested string is found with its path
    Cyclehub__V1__Envelope *env = s_envelope (CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED);
    free (env->tender_published->title);
    env->tender_published->title = strdup ("bad \xC3\x28 byte");
    CHECK (hub_proto_check (&env->base, path, sizeof path) == HUB_CHECK_BAD_UTF8);
    CHECK (strcmp (path, "tender_published.title") == 0);
    free (env->tender_published->title);
    env->tender_published->title = strdup ("ok");

    //  An enum value outside the schema
    env->tender_published->procedure = (Cyclehub__V1__Procedure) 77;
    CHECK (hub_proto_check (&env->base, path, sizeof path) == HUB_CHECK_UNKNOWN_ENUM);
    CHECK (strcmp (path, "tender_published.procedure") == 0);
    env->tender_published->procedure = CYCLEHUB__V1__PROCEDURE__PROCEDURE_OPEN;
    CHECK (hub_proto_check (&env->base, path, sizeof path) == HUB_CHECK_OK);
    s_free (&env->base);

    CHECK (hub_proto_utf8_valid ("plain", 5));
    CHECK (hub_proto_utf8_valid ("\xE2\x82\xAC", 3));           //  euro sign
    CHECK (!hub_proto_utf8_valid ("\xE2\x82", 2));              //  truncated
    CHECK (!hub_proto_utf8_valid ("\xC0\xAF", 2));              //  overlong
    CHECK (!hub_proto_utf8_valid ("\xED\xA0\x80", 3));          //  surrogate
    CHECK (!hub_proto_utf8_valid ("\xF4\x90\x80\x80", 4));      //  > U+10FFFF
}

static void
test_redact (void)
{
    Cyclehub__V1__Envelope *env = s_envelope (CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED);
    CHECK (hub_proto_has_personal (&env->base));
    //  Pack, unpack (the broker's path), redact, pack: no personal bytes remain
    size_t size = cyclehub__v1__envelope__get_packed_size (env);
    uint8_t *buf = malloc (size);
    cyclehub__v1__envelope__pack (env, buf);
    Cyclehub__V1__Envelope *back = cyclehub__v1__envelope__unpack (NULL, size, buf);
    REQUIRE (back);
    CHECK (hub_proto_redact (&back->base) == 1);
    CHECK (!hub_proto_has_personal (&back->base));
    CHECK (back->response_submitted->personal->redacted);
    CHECK (strcmp (back->response_submitted->response_id, "value é") == 0);
    size_t rsize = cyclehub__v1__envelope__get_packed_size (back);
    uint8_t *rbuf = malloc (rsize);
    cyclehub__v1__envelope__pack (back, rbuf);
    CHECK (rsize < size);
    CHECK (memmem (rbuf, rsize, "two \xC2\xA3", 6) == NULL);
    //  Redacting twice finds nothing more
    CHECK (hub_proto_redact (&back->base) == 0);
    free (rbuf);
    free (buf);
    cyclehub__v1__envelope__free_unpacked (back, NULL);
    s_free (&env->base);

    //  A message with no personal data is untouched
    env = s_envelope (CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED);
    CHECK (!hub_proto_has_personal (&env->base));
    s_free (&env->base);
}

//  Packs env into an Event (seq, sender, type as the broker sets them),
//  unpacks it as a consumer would: the input of the outward point.
static Cyclehub__V1__Event *
s_event_of (Cyclehub__V1__Envelope *env, uint8_t **packed, size_t *size)
{
    Cyclehub__V1__Event event = CYCLEHUB__V1__EVENT__INIT;
    event.seq = 42;
    event.sender = "GB-LAE-E09000033";
    event.type = (char *) hub_proto_type_name (env->body_case);
    event.stage = CYCLEHUB__V1__STAGE__STAGE_ANALYSE;
    event.envelope = env;
    *size = cyclehub__v1__event__get_packed_size (&event);
    *packed = malloc (*size);
    cyclehub__v1__event__pack (&event, *packed);
    return cyclehub__v1__event__unpack (NULL, *size, *packed);
}

static uint8_t *
s_pack_event (const Cyclehub__V1__Event *event, size_t *size)
{
    *size = cyclehub__v1__event__get_packed_size (event);
    uint8_t *buf = malloc (*size? *size: 1);
    cyclehub__v1__event__pack (event, buf);
    return buf;
}

//  hub_proto_outward_event, the one outward point (docs/design.md): no
//  personal value survives it, the redacted flag is set, nothing else of
//  the event changes, and the packed form does exactly the same.
static void
test_outward (void)
{
    static const char *secrets [] = { "Ada Outward-Person", "ada@outward.example",
                                      "+44 20 7946 0001", "1 Outward Lane, E1 6AN",
                                      "my neighbour at number 3" };
    Cyclehub__V1__Envelope *env = s_envelope (CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED);
    Cyclehub__V1__PersonalData *pd = env->response_submitted->personal;
    char **fields [] = { &pd->full_name, &pd->email, &pd->phone, &pd->postal_address,
                         &pd->free_text [1] };
    for (size_t i = 0; i < 5; i++) {
        free (*fields [i]);
        *fields [i] = strdup (secrets [i]);
    }
    pd->redacted = false;
    uint8_t *packed;
    size_t size;
    Cyclehub__V1__Event *event = s_event_of (env, &packed, &size);
    REQUIRE (event);
    CHECK (hub_proto_outward_event (event) == 1);
    size_t out_size;
    uint8_t *out = s_pack_event (event, &out_size);
    for (size_t i = 0; i < 5; i++)
        CHECK_MSG (!memmem (out, out_size, secrets [i], strlen (secrets [i])),
                   "%s left", secrets [i]);
    CHECK (event->envelope->response_submitted->personal->redacted);
    CHECK (!hub_proto_has_personal (&event->base));
    //  The rest is the event as it was: the same bytes as the original with
    //  an empty, flagged PersonalData put in by hand
    Cyclehub__V1__PersonalData empty = CYCLEHUB__V1__PERSONAL_DATA__INIT;
    empty.redacted = true;
    env->response_submitted->personal = &empty;
    uint8_t *want;
    size_t want_size;
    Cyclehub__V1__Event *expected = s_event_of (env, &want, &want_size);
    env->response_submitted->personal = pd;
    CHECK (expected && out_size == want_size && memcmp (out, want, out_size) == 0);
    cyclehub__v1__event__free_unpacked (expected, NULL);
    //  Twice changes nothing more
    CHECK (hub_proto_outward_event (event) == 0);
    free (out);
    out = s_pack_event (event, &out_size);
    CHECK (out_size == want_size && memcmp (out, want, out_size) == 0);
    //  The packed form (the broker's) gives the same bytes
    uint8_t *redacted;
    size_t redacted_size;
    CHECK (hub_proto_redact_event (packed, size, &redacted, &redacted_size) == 1);
    CHECK (redacted_size == want_size && memcmp (redacted, want, want_size) == 0);
    free (redacted);
    CHECK (hub_proto_redact_event ("\xff\xff", 2, &redacted, &redacted_size) == -1);
    //  In place (libcyclehub's): replaced by the same bytes; then, with
    //  nothing left to take out, left as they are, the very same memory
    uint8_t *held = malloc (size);
    memcpy (held, packed, size);
    size_t held_size = size;
    CHECK (hub_proto_outward_bytes (&held, &held_size) == 1);
    CHECK (held_size == want_size && memcmp (held, want, want_size) == 0);
    uint8_t *before = held;
    CHECK (hub_proto_outward_bytes (&held, &held_size) == 0 && held == before
           && held_size == want_size);
    free (held);
    held = (uint8_t *) strdup ("\xff\xff");
    held_size = 2;
    before = held;
    CHECK (hub_proto_outward_bytes (&held, &held_size) == -1 && held == before && held_size == 2);
    free (held);
    free (out);
    free (want);
    free (packed);
    cyclehub__v1__event__free_unpacked (event, NULL);

    //  An empty PersonalData leaves flagged: a reader never has to guess
    for (size_t i = 0; i < 5; i++) {
        free (*fields [i]);
        *fields [i] = strdup ("");
    }
    pd->n_free_text = 0;
    event = s_event_of (env, &packed, &size);
    REQUIRE (event);
    CHECK (hub_proto_outward_event (event) == 0);
    CHECK (event->envelope->response_submitted->personal->redacted);
    cyclehub__v1__event__free_unpacked (event, NULL);
    free (packed);
    pd->n_free_text = 2;
    s_free (&env->base);

    //  Every message type, every field set: nothing personal leaves, and a
    //  type that cannot hold personal data goes out byte for byte
    Cyclehub__V1__Envelope__BodyCase body_case;
    for (size_t i = 0; (body_case = hub_proto_type_at (i)); i++) {
        env = s_envelope (body_case);
        event = s_event_of (env, &packed, &size);
        REQUIRE (event);
        int redacted_count = hub_proto_outward_event (event);
        CHECK_MSG (redacted_count >= 0, "%s", hub_proto_type_name (body_case));
        CHECK_MSG (!hub_proto_has_personal (&event->base), "%s", hub_proto_type_name (body_case));
        CHECK_MSG ((redacted_count > 0) == hub_proto_type_may_be_personal (body_case), "%s",
                   hub_proto_type_name (body_case));
        out = s_pack_event (event, &out_size);
        if (!hub_proto_type_may_be_personal (body_case))
            CHECK_MSG (out_size == size && memcmp (out, packed, size) == 0, "%s",
                       hub_proto_type_name (body_case));
        free (out);
        free (packed);
        cyclehub__v1__event__free_unpacked (event, NULL);
        s_free (&env->base);
    }
}

//  The stored Event's head written by hand (the broker's publish path) is
//  what protobuf-c packs, for every field at its zero, small and extreme
//  values, and each string empty, absent and long
static void
test_event_head (void)
{
    static char long_text [400];
    memset (long_text, 'x', sizeof long_text - 1);
    const uint64_t seqs [] = { 0, 1, 127, 128, 300, UINT64_MAX };
    const int64_t times [] = { 0, 1, -1, 1764000000000LL, INT64_MAX, INT64_MIN };
    const char *texts [] = { NULL, "", "GB-LAE-LDS", long_text };
    const int stages [] = { 0, 1, 5, 127, 128, -1 };
    size_t compared = 0;
    for (size_t a = 0; a < sizeof seqs / sizeof seqs [0]; a++)
    for (size_t b = 0; b < sizeof times / sizeof times [0]; b++)
    for (size_t c = 0; c < sizeof texts / sizeof texts [0]; c++)
    for (size_t d = 0; d < sizeof stages / sizeof stages [0]; d++)
    for (int change = 0; change < 4; change++)
    for (size_t t = 0; t < sizeof texts / sizeof texts [0]; t++) {
        //  change 0: none; 1: from 0 to 0; 2: to the stage; 3: from the stage
        int from = change == 3? stages [d]: 0, to = change == 2? stages [d]: 0;
        Cyclehub__V1__Event event = CYCLEHUB__V1__EVENT__INIT;
        Cyclehub__V1__StageChange stage_change = CYCLEHUB__V1__STAGE_CHANGE__INIT;
        event.seq = seqs [a];
        event.recorded_at_ms = times [b];
        event.sender = (char *) texts [c];
        event.stage = (Cyclehub__V1__Stage) stages [d];
        event.type = (char *) texts [t];
        if (change) {
            stage_change.from = (Cyclehub__V1__Stage) from;
            stage_change.to = (Cyclehub__V1__Stage) to;
            event.change = &stage_change;
        }
        //  protobuf-c reads a NULL string as empty only where it may: give it ""
        if (!event.sender)
            event.sender = "";
        if (!event.type)
            event.type = "";
        uint8_t want [1024], got [1024];
        size_t want_size = cyclehub__v1__event__pack (&event, want);
        hub_proto_event_head_t head = {
            .seq = seqs [a], .recorded_at_ms = times [b], .sender = texts [c],
            .stage = stages [d], .changed = change != 0, .from = from, .to = to,
            .type = texts [t] };
        size_t max = hub_proto_event_head_max (&head);
        size_t got_size = hub_proto_event_head (got, &head);
        CHECK_MSG (got_size <= max, "head %zu bytes over its max %zu", got_size, max);
        CHECK_MSG (got_size == want_size && memcmp (got, want, got_size) == 0,
                   "event head differs from protobuf-c's: seq %zu time %zu sender %zu "
                   "stage %zu change %d type %zu", a, b, c, d, change, t);
        compared++;
    }
    CHECK (compared == 6 * 6 * 4 * 6 * 4 * 4);
}

//  The broker's AckBatch reply written by hand is what protobuf-c packs:
//  acks at each seq's varint boundaries, duplicates, rejects, an ack case
//  without its Ack, no result at all; msg_ids absent, empty and long;
//  batches empty, of one and of 500 (a length of three bytes)
static void
test_ack_batch (void)
{
    static char long_id [300];
    memset (long_id, 'm', sizeof long_id - 1);
    const char *ids [] = { NULL, "", "m-1", long_id };
    const uint64_t seqs [] = { 0, 1, 127, 128, UINT64_MAX };
    const uint64_t request_ids [] = { 0, 1, 300, UINT64_MAX };
    enum { KINDS = 5 * 2 + 3, NIDS = 4, ELEMENTS = KINDS * NIDS, BIG = 500 };
    static Cyclehub__V1__PublishResult results [ELEMENTS];
    static Cyclehub__V1__Ack acks [ELEMENTS];
    static Cyclehub__V1__Reject rejects [ELEMENTS];
    for (size_t i = 0; i < ELEMENTS; i++) {
        size_t kind = i % KINDS;
        Cyclehub__V1__PublishResult *r = &results [i];
        cyclehub__v1__publish_result__init (r);
        r->msg_id = (char *) ids [i / KINDS];
        if (kind < 10) {
            cyclehub__v1__ack__init (&acks [i]);
            acks [i].seq = seqs [kind / 2];
            acks [i].duplicate = kind % 2;
            r->result_case = CYCLEHUB__V1__PUBLISH_RESULT__RESULT_ACK;
            r->ack = &acks [i];
        }
        else if (kind == 10) {
            cyclehub__v1__reject__init (&rejects [i]);
            rejects [i].code = CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_ILLEGAL_TRANSITION;
            rejects [i].field = "stage";
            rejects [i].reason = "a commission in plan cannot move to review";
            r->result_case = CYCLEHUB__V1__PUBLISH_RESULT__RESULT_REJECT;
            r->reject = &rejects [i];
        }
        else if (kind == 11)
            r->result_case = CYCLEHUB__V1__PUBLISH_RESULT__RESULT_ACK;     //  no Ack
    }
    static Cyclehub__V1__PublishResult *big [BIG];
    for (size_t i = 0; i < BIG; i++)
        big [i] = &results [(i * 7) % ELEMENTS];
    static uint8_t want [BIG * 400], got [BIG * 400];
    size_t compared = 0, wrong = 0;
    for (size_t q = 0; q < sizeof request_ids / sizeof request_ids [0]; q++)
        for (size_t first = 0; first <= ELEMENTS + 1; first++) {
            //  first < ELEMENTS: that result alone; ELEMENTS: none; then all 500
            size_t count = first < ELEMENTS? 1: first == ELEMENTS? 0: BIG;
            Cyclehub__V1__PublishResult *one [1] = { &results [first % ELEMENTS] };
            Cyclehub__V1__PublishResult **list = count == BIG? big: one;
            Cyclehub__V1__AckBatch batch = CYCLEHUB__V1__ACK_BATCH__INIT;
            batch.results = list;
            batch.n_results = count;
            Cyclehub__V1__Reply reply = CYCLEHUB__V1__REPLY__INIT;
            reply.request_id = request_ids [q];
            reply.body_case = CYCLEHUB__V1__REPLY__BODY_ACK_BATCH;
            reply.ack_batch = &batch;
            size_t want_size = cyclehub__v1__reply__pack (&reply, want);
            size_t got_size = hub_proto_ack_batch_size (request_ids [q], list, count);
            memset (got, 0xee, got_size + 1);
            hub_proto_ack_batch (got, request_ids [q], list, count);
            if (got_size != want_size || memcmp (got, want, got_size) || got [got_size] != 0xee) {
                wrong++;
                CHECK_MSG (false, "ack batch differs from protobuf-c's: request %zu, "
                           "result %zu, %zu results, %zu bytes against %zu",
                           q, first, count, got_size, want_size);
            }
            compared++;
        }
    CHECK_MSG (wrong == 0, "%zu of %zu ack batches differ", wrong, compared);
}

int
main (void)
{
    test_type_table ();
    test_round_trip ();
    test_bad_bytes ();
    test_check ();
    test_redact ();
    test_outward ();
    test_event_head ();
    test_ack_batch ();
    HUB_TEST_DONE ();
}
