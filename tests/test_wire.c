/*  test_wire: the wire check (proto/hub_wire) on hand-made bytes. Walks
    the schema's descriptors from Request, so every string field, every
    singular field and every oneof of the schema is tried, at every nesting
    level, and each PersonalData field with the values that used to hide a
    resident's data (a leading NUL, text after a NUL). Clean messages of
    every shape must pass, and whatever passes must unpack.
*/
#include "hub_test.h"
#include "hub_proto.h"
#include "hub_wire.h"
#include "hub_wire_kit.h"

#ifndef streq
#define streq(a, b) (strcmp ((a), (b)) == 0)
#endif

#define S_MAX_PATH 8
#define S_LIT(s) s, sizeof (s) - 1      //  a literal and its length, NULs included

//  A path of fields from Request down to one field
typedef struct {
    const ProtobufCFieldDescriptor *fields [S_MAX_PATH];
    int depth;
} s_path_t;

//  The path as the check names it: "publish.x.y", "[0]" after a list
static void
s_path_name (const s_path_t *path, bool from_envelope, char *out, size_t size)
{
    size_t at = 0;
    out [0] = 0;
    int first = from_envelope && path->depth > 1
             && streq (path->fields [0]->name, "publish")? 1: 0;
    for (int i = first; i < path->depth; i++)
        at += (size_t) snprintf (out + at, size - at, "%s%s%s", i > first? ".": "",
                                 path->fields [i]->name,
                                 path->fields [i]->label == PROTOBUF_C_LABEL_REPEATED? "[0]": "");
}

//  Wraps the innermost field's bytes (inner) in every message of the path
static void
s_wrap (const s_path_t *path, const hub_kit_buf_t *inner, hub_kit_buf_t *out)
{
    hub_kit_buf_t a = { 0 }, b = { 0 };
    hub_kit_put (&a, inner->data, inner->size);
    for (int i = path->depth - 2; i >= 0; i--) {
        b.size = 0;
        hub_kit_field (&b, path->fields [i]->id, a.data, a.size);
        hub_kit_buf_t swap = a;
        a = b;
        b = swap;
    }
    out->size = 0;
    hub_kit_put (out, a.data, a.size);
    hub_kit_free (&a);
    hub_kit_free (&b);
}

//  The smallest valid value of a field, with its tag
static void
s_minimal (hub_kit_buf_t *buf, const ProtobufCFieldDescriptor *field)
{
    static const uint8_t zeros [8] = { 0 };
    switch (field->type) {
        case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
            hub_kit_varint (buf, ((uint64_t) field->id << 3) | 1);
            hub_kit_put (buf, zeros, 8);
            break;
        case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_FLOAT:
            hub_kit_varint (buf, ((uint64_t) field->id << 3) | 5);
            hub_kit_put (buf, zeros, 4);
            break;
        case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_BYTES: case PROTOBUF_C_TYPE_MESSAGE:
            hub_kit_field (buf, field->id, "", 0);
            break;
        default:
            hub_kit_varint (buf, (uint64_t) field->id << 3);
            hub_kit_varint (buf, 0);
    }
}

//  Expects the bytes refused with rc and the path; what names the case
static void
s_expect (const ProtobufCMessageDescriptor *root, const hub_kit_buf_t *buf,
          hub_wire_rc_t rc, const char *field, const char *what)
{
    hub_wire_fault_t fault;
    memset (&fault, 0, sizeof fault);
    int result = root? hub_wire_check (root, buf->data, buf->size, &fault)
                     : hub_wire_check_request (buf->data, buf->size, &fault);
    CHECK_MSG (result == -1 && fault.rc == rc, "%s: rc %d, expected %d (%s)", what,
               (int) fault.rc, (int) rc, fault.reason);
    if (field)
        CHECK_MSG (streq (fault.field, field), "%s: field '%s', expected '%s'", what,
                   fault.field, field);
    CHECK_MSG (strlen (fault.reason) > 20, "%s: no reason", what);
}

//  Counts of the schema cases tried, for the summary line
static int s_strings, s_singulars, s_oneofs;

//  Tries every field below the path's last message (desc)
static void
s_walk (s_path_t *path, const ProtobufCMessageDescriptor *desc)
{
    REQUIRE (desc->n_fields <= HUB_WIRE_MAX_FIELDS);
    if (path->depth >= S_MAX_PATH)
        return;
    hub_kit_buf_t inner = { 0 }, bytes = { 0 };
    char name [256], what [300];
    const ProtobufCFieldDescriptor *first_member = NULL;
    for (unsigned f = 0; f < desc->n_fields; f++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [f];
        path->fields [path->depth++] = field;
        s_path_name (path, false, name, sizeof name);
        //  Text with a NUL and text that is not UTF-8, and clean text
        if (field->type == PROTOBUF_C_TYPE_STRING) {
            inner.size = 0;
            hub_kit_field (&inner, field->id, "ok\0\xff", 4);
            s_wrap (path, &inner, &bytes);
            snprintf (what, sizeof what, "NUL in %s", name);
            s_expect (&cyclehub__v1__request__descriptor, &bytes, HUB_WIRE_NUL, name, what);
            inner.size = 0;
            hub_kit_field (&inner, field->id, "ok \xc3\x28", 5);
            s_wrap (path, &inner, &bytes);
            snprintf (what, sizeof what, "bad UTF-8 in %s", name);
            s_expect (&cyclehub__v1__request__descriptor, &bytes, HUB_WIRE_BAD_UTF8, name, what);
            inner.size = 0;
            hub_kit_field (&inner, field->id, S_LIT ("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\xb2"));
            s_wrap (path, &inner, &bytes);
            CHECK_MSG (hub_wire_check (&cyclehub__v1__request__descriptor, bytes.data,
                                       bytes.size, NULL) == 0, "clean text in %s refused", name);
            s_strings++;
        }
        //  A singular field twice; a list's element any number of times
        inner.size = 0;
        s_minimal (&inner, field);
        s_minimal (&inner, field);
        s_wrap (path, &inner, &bytes);
        if (field->label == PROTOBUF_C_LABEL_REPEATED)
            CHECK_MSG (hub_wire_check (&cyclehub__v1__request__descriptor, bytes.data,
                                       bytes.size, NULL) == 0, "two elements of %s refused", name);
        else {
            snprintf (what, sizeof what, "%s twice", name);
            s_expect (&cyclehub__v1__request__descriptor, &bytes, HUB_WIRE_REPEATED, name, what);
            s_singulars++;
        }
        //  Another member of the oneof the first member of this message is in
        if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            if (!first_member)
                first_member = field;
            else
            if (first_member->quantifier_offset == field->quantifier_offset) {
                inner.size = 0;
                s_minimal (&inner, first_member);
                s_minimal (&inner, field);
                s_wrap (path, &inner, &bytes);
                snprintf (what, sizeof what, "%s after %s", name, first_member->name);
                s_expect (&cyclehub__v1__request__descriptor, &bytes, HUB_WIRE_ONEOF, name, what);
                s_oneofs++;
            }
        }
        if (field->type == PROTOBUF_C_TYPE_MESSAGE)
            s_walk (path, field->descriptor);
        path->depth--;
    }
    hub_kit_free (&inner);
    hub_kit_free (&bytes);
}

//  A response with a PersonalData field holding value: refused with rc
static void
s_personal (const ProtobufCFieldDescriptor *field, const char *value, size_t size,
            hub_wire_rc_t rc, size_t offset)
{
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = "resp-1";
    env.commission_id = "ocds-wire00-1";
    Cyclehub__V1__ResponseSubmitted response = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
    response.consultation_id = "c-1";
    response.response_id = "r-1";
    response.respondent_type = CYCLEHUB__V1__RESPONDENT_TYPE__RESPONDENT_TYPE_RESIDENT;
    hub_kit_buf_t request = { 0 };
    hub_kit_response (&request, 7, &env, &response, field, value, size);
    char path [128], what [200];
    snprintf (path, sizeof path, "response_submitted.personal.%s%s", field->name,
              field->label == PROTOBUF_C_LABEL_REPEATED? "[0]": "");
    snprintf (what, sizeof what, "personal %s = %zu bytes", field->name, size);
    s_expect (NULL, &request, rc, path, what);
    hub_wire_fault_t fault;
    hub_wire_check_request (request.data, request.size, &fault);
    CHECK_MSG (fault.code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_MALFORMED,
               "%s: code %d", what, (int) fault.code);
    char at [32];
    snprintf (at, sizeof at, "at byte %zu", offset);
    CHECK_MSG (strstr (fault.reason, at), "%s: reason '%s' does not say %s", what,
               fault.reason, at);
    hub_kit_free (&request);
}

static void
s_personal_fields (void)
{
    const ProtobufCMessageDescriptor *desc = &cyclehub__v1__personal_data__descriptor;
    int tried = 0;
    for (unsigned f = 0; f < desc->n_fields; f++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [f];
        if (field->type != PROTOBUF_C_TYPE_STRING)
            continue;
        s_personal (field, "\0Alice Example", 14, HUB_WIRE_NUL, 0);
        s_personal (field, "ok\0\xff\xfe Alice", 11, HUB_WIRE_NUL, 2);
        s_personal (field, "Alice Example, 1 High Street\0", 29, HUB_WIRE_NUL, 28);
        s_personal (field, "ok\xff", 3, HUB_WIRE_BAD_UTF8, 2);
        tried++;
    }
    CHECK (tried >= 5);         //  full_name, email, phone, postal_address, free_text
}

//  The attacks of issue 17, as they were sent
static void
s_attacks (void)
{
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    Cyclehub__V1__PartnerUpdatePosted update = CYCLEHUB__V1__PARTNER_UPDATE_POSTED__INIT;
    update.title = "Quarterly update";
    env.msg_id = "upd-1";
    env.commission_id = "ocds-wire00-1";
    env.sent_at_ms = INT64_C (1767225600000);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &update;
    hub_kit_buf_t request = { 0 };

    //  The clean update passes
    hub_kit_request (&request, 1, &env, 0, NULL, 0);
    CHECK (hub_wire_check_request (request.data, request.size, NULL) == 0);

    //  msg_id twice, the first copy not UTF-8 (protobuf-c keeps the last)
    request.size = 0;
    hub_kit_varint (&request, 1 << 3);
    hub_kit_varint (&request, 2);
    {
        hub_kit_buf_t envelope = { 0 };
        hub_kit_field (&envelope, 1, "\xff\xfe", 2);
        hub_kit_message (&envelope, &env.base);
        hub_kit_field (&request, CYCLEHUB__V1__REQUEST__BODY_PUBLISH, envelope.data, envelope.size);
        hub_kit_free (&envelope);
    }
    s_expect (NULL, &request, HUB_WIRE_BAD_UTF8, "msg_id", "invalid msg_id, then a valid one");
    //  The same with a valid first copy: still refused, as a repeat
    request.size = 0;
    hub_kit_request (&request, 3, &env, 1, "other-id", 8);
    s_expect (NULL, &request, HUB_WIRE_REPEATED, "msg_id", "msg_id twice");

    //  A partner.update carrying a response_submitted member with PersonalData
    Cyclehub__V1__PersonalData personal = CYCLEHUB__V1__PERSONAL_DATA__INIT;
    personal.full_name = "Alice Example";
    Cyclehub__V1__ResponseSubmitted response = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
    response.consultation_id = "c-1";
    response.response_id = "r-1";
    response.personal = &personal;
    hub_kit_buf_t body = { 0 };
    hub_kit_message (&body, &response.base);
    request.size = 0;
    hub_kit_request (&request, 4, &env, CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED,
                     body.data, body.size);
    s_expect (NULL, &request, HUB_WIRE_ONEOF, "response_submitted",
              "partner.update with a response_submitted member");
    //  ... and protobuf-c would have taken the response (the attack is real)
    Cyclehub__V1__Request *unpacked = cyclehub__v1__request__unpack (NULL, request.size, request.data);
    CHECK (unpacked && unpacked->publish
           && unpacked->publish->body_case == CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED);
    if (unpacked)
        cyclehub__v1__request__free_unpacked (unpacked, NULL);
    //  A PersonalData inside a partner update: a field it does not have
    hub_kit_buf_t update_bytes = { 0 }, personal_bytes = { 0 };
    hub_kit_message (&update_bytes, &update.base);
    hub_kit_message (&personal_bytes, &personal.base);
    hub_kit_field (&update_bytes, 8, personal_bytes.data, personal_bytes.size);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET;
    request.size = 0;
    hub_kit_request (&request, 5, &env, CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE,
                     update_bytes.data, update_bytes.size);
    s_expect (NULL, &request, HUB_WIRE_UNKNOWN_FIELD, "partner_update.#8",
              "PersonalData as field 8 of a partner update");
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;

    //  Two bodies of a Request; the paths of non-publish bodies keep their root
    request.size = 0;
    hub_kit_request (&request, 6, &env, 0, NULL, 0);
    hub_kit_field (&request, CYCLEHUB__V1__REQUEST__BODY_STATUS, "", 0);
    s_expect (NULL, &request, HUB_WIRE_ONEOF, "status", "publish and status");
    request.size = 0;
    hub_kit_field (&request, CYCLEHUB__V1__REQUEST__BODY_ERASE, "\x12\x03r\x00" "1", 5);
    s_expect (NULL, &request, HUB_WIRE_NUL, "erase.response_id", "erase of \"r\\0\" \"1\"");

    //  A list element's index is in the path
    char *links [] = { "https://a.example", "https://b.example" };
    update.links = links;
    update.n_links = 2;
    request.size = 0;
    hub_kit_buf_t bad = { 0 };
    hub_kit_message (&bad, &update.base);
    hub_kit_field (&bad, 3, "https://c.example/\0", 19);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET;
    hub_kit_request (&request, 8, &env, CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE,
                     bad.data, bad.size);
    s_expect (NULL, &request, HUB_WIRE_NUL, "partner_update.links[2]", "third link with a NUL");

    hub_kit_free (&bad);
    hub_kit_free (&update_bytes);
    hub_kit_free (&personal_bytes);
    hub_kit_free (&body);
    hub_kit_free (&request);
}

//  Not protobuf, the wrong wire type, sizes
static void
s_shapes (void)
{
    hub_kit_buf_t buf = { 0 };
    const ProtobufCMessageDescriptor *request = &cyclehub__v1__request__descriptor;
    hub_kit_put (&buf, "\x08", 1);
    s_expect (request, &buf, HUB_WIRE_MALFORMED, "request_id", "a truncated varint");
    buf.size = 0;
    hub_kit_put (&buf, "\x52\x05" "ab", 4);
    s_expect (request, &buf, HUB_WIRE_MALFORMED, "publish", "a length past the end");
    buf.size = 0;
    hub_kit_put (&buf, "\x00\x01", 2);
    s_expect (request, &buf, HUB_WIRE_MALFORMED, "", "field number 0");
    buf.size = 0;
    hub_kit_put (&buf, "\x0b\x0c", 2);
    s_expect (request, &buf, HUB_WIRE_WIRE_TYPE, "request_id", "request_id as a group");
    buf.size = 0;
    hub_kit_put (&buf, "\x0a\x01" "a", 3);
    s_expect (request, &buf, HUB_WIRE_WIRE_TYPE, "request_id", "request_id as a string");
    buf.size = 0;
    hub_kit_put (&buf, "\x52\x02\x08\x01", 4);
    s_expect (request, &buf, HUB_WIRE_WIRE_TYPE, "publish.msg_id", "msg_id as a varint");
    buf.size = 0;
    hub_kit_put (&buf, "\x98\x06\x01", 3);
    s_expect (request, &buf, HUB_WIRE_UNKNOWN_FIELD, "#99", "unknown field 99");
    buf.size = 0;
    hub_kit_put (&buf, "\x08\x01", 2);
    CHECK (hub_wire_check (request, buf.data, buf.size, NULL) == 0);
    CHECK (hub_wire_check (request, buf.data, 0, NULL) == 0);
    //  An empty batch envelope, as protobuf-c hands it over (found by fuzz_request)
    CHECK (hub_wire_check (&cyclehub__v1__envelope__descriptor, NULL, 0, NULL) == 0);
    //  A string at the limit passes, one byte over is TOO_LARGE
    char *text = malloc (HUB_PROTO_MAX_STRING + 1);
    memset (text, 'a', HUB_PROTO_MAX_STRING + 1);
    hub_kit_buf_t envelope = { 0 };
    hub_kit_field (&envelope, 1, text, HUB_PROTO_MAX_STRING);
    buf.size = 0;
    hub_kit_field (&buf, 10, envelope.data, envelope.size);
    CHECK (hub_wire_check (request, buf.data, buf.size, NULL) == 0);
    envelope.size = 0;
    hub_kit_field (&envelope, 1, text, HUB_PROTO_MAX_STRING + 1);
    buf.size = 0;
    hub_kit_field (&buf, 10, envelope.data, envelope.size);
    hub_wire_fault_t fault;
    CHECK (hub_wire_check_request (buf.data, buf.size, &fault) == -1
           && fault.rc == HUB_WIRE_TOO_LARGE
           && fault.code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_TOO_LARGE
           && streq (fault.field, "msg_id"));
    //  ... and bytes the same (a batch's envelope)
    const ProtobufCMessageDescriptor *batch = &cyclehub__v1__publish_batch__descriptor;
    buf.size = 0;
    hub_kit_field (&buf, 1, text, HUB_PROTO_MAX_STRING);
    CHECK (hub_wire_check (batch, buf.data, buf.size, NULL) == 0);
    buf.size = 0;
    hub_kit_field (&buf, 1, text, HUB_PROTO_MAX_STRING + 1);
    s_expect (batch, &buf, HUB_WIRE_TOO_LARGE, "envelopes[0]", "an envelope over the limit");
    free (text);

    //  An enum holds a value of its type, alone or in a packed list
    const ProtobufCMessageDescriptor *query = &cyclehub__v1__history_query__descriptor;
    buf.size = 0;
    hub_kit_put (&buf, "\x30\x05", 2);                   //  stage = CLOSED
    hub_kit_put (&buf, "\x6a\x03\x01\x02\x05", 5);       //  stages = [ANALYSE, PLAN, CLOSED]
    CHECK (hub_wire_check (query, buf.data, buf.size, NULL) == 0);
    buf.size = 0;
    hub_kit_put (&buf, "\x30\x63", 2);                   //  stage = 99
    s_expect (query, &buf, HUB_WIRE_UNKNOWN_ENUM, "stage", "stage 99");
    buf.size = 0;
    hub_kit_put (&buf, "\x6a\x03\x01\x63\x05", 5);       //  stages = [ANALYSE, 99, CLOSED]
    s_expect (query, &buf, HUB_WIRE_UNKNOWN_ENUM, "stages[0]", "99 in a packed list");
    buf.size = 0;
    hub_kit_put (&buf, "\x30\xff\xff\xff\xff\x0f", 6);   //  stage = -1 as protobuf-c reads it
    s_expect (query, &buf, HUB_WIRE_UNKNOWN_ENUM, "stage", "stage -1");
    hub_wire_fault_t refused;
    CHECK (hub_wire_check (query, buf.data, buf.size, &refused) == -1
           && refused.code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INVALID_VALUE);

    //  A list may hold HUB_PROTO_MAX_REPEATED elements, sent one by one or
    //  packed, and no more; the fault names the list, not an element
    buf.size = 0;
    for (int i = 0; i < HUB_PROTO_MAX_REPEATED; i++)
        hub_kit_field (&buf, 11, "GB-LAE-E09000033", 16);    //  agencies
    CHECK (hub_wire_check (query, buf.data, buf.size, NULL) == 0);
    hub_kit_field (&buf, 11, "GB-LAE-E09000033", 16);
    s_expect (query, &buf, HUB_WIRE_TOO_LARGE, "agencies", "one agency too many");
    CHECK (hub_wire_check (query, buf.data, buf.size, &refused) == -1
           && refused.code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_TOO_LARGE
           && strstr (refused.reason, "elements"));
    uint8_t stages [HUB_PROTO_MAX_REPEATED + 1];
    memset (stages, 1, sizeof stages);
    buf.size = 0;
    hub_kit_field (&buf, 13, stages, HUB_PROTO_MAX_REPEATED);
    CHECK (hub_wire_check (query, buf.data, buf.size, NULL) == 0);
    hub_kit_field (&buf, 13, stages, 1);                    //  a second packed run
    s_expect (query, &buf, HUB_WIRE_TOO_LARGE, "stages", "a packed list one too long");
    hub_kit_free (&envelope);
    hub_kit_free (&buf);
}

//  The reference: Unicode's table of well-formed byte sequences, byte by byte
static bool
s_reference (const char *str, size_t len, size_t *at, bool *nul)
{
    const uint8_t *s = (const uint8_t *) str;
    *nul = false;
    for (size_t i = 0; i < len; ) {
        *at = i;
        uint8_t c = s [i];
        size_t need = 0;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c == 0) {
            *nul = true;
            return false;
        }
        if (c < 0x80)       need = 0;
        else if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c == 0xE0) { need = 2; lo = 0xA0; }
        else if (c >= 0xE1 && c <= 0xEC) need = 2;
        else if (c == 0xED) { need = 2; hi = 0x9F; }
        else if (c >= 0xEE && c <= 0xEF) need = 2;
        else if (c == 0xF0) { need = 3; lo = 0x90; }
        else if (c >= 0xF1 && c <= 0xF3) need = 3;
        else if (c == 0xF4) { need = 3; hi = 0x8F; }
        else
            return false;
        if (i + need >= len + (need == 0))
            return false;
        for (size_t k = 1; k <= need; k++) {
            uint8_t b = s [i + k];
            if (b < (k == 1? lo: 0x80) || b > (k == 1? hi: 0xBF))
                return false;
        }
        i += need + 1;
    }
    *at = len;
    return true;
}

static void
s_text (void)
{
    size_t at;
    bool nul;
    CHECK (hub_wire_text_ok ("", 0, &at, &nul) && at == 0);
    CHECK (hub_wire_text_ok ("plain ASCII text, longer than a word", 36, NULL, NULL));
    CHECK (hub_wire_text_ok (S_LIT ("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\xb2 \xf4\x8f\xbf\xbf"), NULL, NULL));
    CHECK (!hub_wire_text_ok ("abcdefghij\0lmnopq", 17, &at, &nul) && nul && at == 10);
    CHECK (!hub_wire_text_ok ("abcdefg\0", 8, &at, &nul) && nul && at == 7);
    CHECK (!hub_wire_text_ok ("\0", 1, &at, &nul) && nul && at == 0);
    CHECK (!hub_wire_text_ok ("abcdefgh\x80", 9, &at, &nul) && !nul && at == 8);
    CHECK (!hub_wire_text_ok ("\xc0\xaf", 2, &at, &nul) && !nul && at == 0);          //  overlong
    CHECK (!hub_wire_text_ok ("\xe0\x80\xaf", 3, &at, NULL));                         //  overlong
    CHECK (!hub_wire_text_ok ("ab\xed\xa0\x80", 5, &at, NULL) && at == 2);             //  surrogate
    CHECK (!hub_wire_text_ok ("\xf4\x90\x80\x80", 4, &at, NULL));                     //  > U+10FFFF
    CHECK (!hub_wire_text_ok ("abc\xe2\x82", 5, &at, NULL) && at == 3);                //  cut short
    CHECK (!hub_wire_text_ok ("\xe2\x28\xa1", 3, &at, NULL) && at == 0);
    //  Agrees with a byte-at-a-time reference decoder (Unicode 15, table 3-7)
    unsigned seed = 17;
    for (int i = 0; i < 50000; i++) {
        char buf [24];
        size_t len = (size_t) (rand_r (&seed) % (int) sizeof buf);
        for (size_t b = 0; b < len; b++) {
            int r = rand_r (&seed);
            buf [b] = (char) (r % 3 == 0? 0x20 + r % 90: r % 5 == 0? 0: r % 256);
        }
        bool nul;
        size_t at;
        bool ok = hub_wire_text_ok (buf, len, &at, &nul);
        size_t ref_at;
        bool ref_nul;
        bool ref_ok = s_reference (buf, len, &ref_at, &ref_nul);
        CHECK_MSG (ok == ref_ok && (ok || (at == ref_at && nul == ref_nul)),
                   "case %d: %d at %zu, reference %d at %zu", i, ok, at, ref_ok, ref_at);
        //  hub_proto_utf8_valid is the same validator with NUL allowed
        bool ref_valid = true;
        for (size_t from = 0; ref_valid && from <= len; ) {
            ref_valid = s_reference (buf + from, len - from, &ref_at, &ref_nul) || ref_nul;
            from += ref_at + 1;
        }
        CHECK_MSG (hub_proto_utf8_valid (buf, len) == ref_valid, "case %d: utf8_valid", i);
    }
}

//  Mutated requests: whatever the check passes, protobuf-c unpacks, and the
//  unpacked check finds no unknown field nor bad UTF-8
static void
s_mutations (void)
{
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    Cyclehub__V1__TenderPublished tender = CYCLEHUB__V1__TENDER_PUBLISHED__INIT;
    Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
    Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
    value.amount = 45000000;
    value.currency = "GBP";
    period.start_ms = INT64_C (1767225600000);
    period.end_ms = period.start_ms + 1000;
    tender.procurement_id = "p-1";
    tender.title = "Falls prevention service";
    tender.value = &value;
    tender.tender_period = &period;
    tender.social_value_weight_pct = 10;
    env.msg_id = "m-1";
    env.commission_id = "ocds-wire00-1";
    env.sent_at_ms = period.start_ms;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED;
    env.tender_published = &tender;
    hub_kit_buf_t clean = { 0 };
    hub_kit_request (&clean, 42, &env, 0, NULL, 0);
    CHECK (hub_wire_check_request (clean.data, clean.size, NULL) == 0);
    unsigned seed = 4242;
    int passed = 0, disagreed = 0;
    uint8_t *data = malloc (clean.size);
    for (int i = 0; i < 200000; i++) {
        memcpy (data, clean.data, clean.size);
        int flips = 1 + rand_r (&seed) % 3;
        for (int k = 0; k < flips; k++)
            data [rand_r (&seed) % clean.size] = (uint8_t) rand_r (&seed);
        size_t size = clean.size - (size_t) (rand_r (&seed) % 4 == 0? rand_r (&seed) % 8: 0);
        if (hub_wire_check_request (data, size, NULL) != 0)
            continue;
        passed++;
        Cyclehub__V1__Request *request = cyclehub__v1__request__unpack (NULL, size, data);
        char path [128];
        //  What passes the wire check needs no check once unpacked (the
        //  broker runs none): every kind of fault hub_proto_check finds
        hub_check_t check = request? hub_proto_check (&request->base, path, sizeof path)
                                   : HUB_CHECK_UNKNOWN_FIELD;
        if (check != HUB_CHECK_OK)
            disagreed++;
        if (request)
            cyclehub__v1__request__free_unpacked (request, NULL);
    }
    printf ("mutations: %d of 200000 passed the wire check, %d disagreed\n", passed, disagreed);
    CHECK (passed > 1000);
    CHECK (disagreed == 0);
    free (data);
    hub_kit_free (&clean);
}

int
main (void)
{
    s_text ();
    s_shapes ();
    s_attacks ();
    s_personal_fields ();
    s_path_t path = { .depth = 0 };
    s_walk (&path, &cyclehub__v1__request__descriptor);
    printf ("schema walk: %d string fields, %d singular fields, %d oneof pairs\n",
            s_strings, s_singulars, s_oneofs);
    CHECK (s_strings > 100 && s_singulars > 150 && s_oneofs > 30);
    s_mutations ();
    HUB_TEST_DONE ();
}
