/*  hub_proto: type names, topics, and descriptor walks (deep check and
    personal-data redaction) over the generated cyclehub.v1 code.
    The walks are generic: adding a message or field to the .proto needs no
    change here, and a field moved into PersonalData becomes personal.
*/
#include "hub_proto.h"
#include "hub_types.h"
#include "hub_wire.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The names come from the type table, hub_types.def (hub_types.c)
const char *
hub_proto_type_name (Cyclehub__V1__Envelope__BodyCase body_case)
{
    const hub_type_t *type = hub_types_of (body_case);
    return type? type->name: NULL;
}

Cyclehub__V1__Envelope__BodyCase
hub_proto_type_case (const char *type_name)
{
    const hub_type_t *type = hub_types_named (type_name);
    return type? type->body_case: CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET;
}

Cyclehub__V1__Envelope__BodyCase
hub_proto_type_at (size_t i)
{
    const hub_type_t *type = hub_types_at (i);
    return type? type->body_case: CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET;
}

static const char *s_stage_names [] = {
    "unspecified", "analyse", "plan", "do", "review", "closed"
};

const char *
hub_proto_stage_name (Cyclehub__V1__Stage stage)
{
    if ((int) stage < 0 || (size_t) stage >= sizeof (s_stage_names) / sizeof (s_stage_names [0]))
        return "unspecified";
    return s_stage_names [stage];
}

Cyclehub__V1__Stage
hub_proto_stage_from_name (const char *name)
{
    if (name)
        for (int i = 1; i < (int) (sizeof (s_stage_names) / sizeof (s_stage_names [0])); i++)
            if (strcmp (s_stage_names [i], name) == 0)
                return (Cyclehub__V1__Stage) i;
    return CYCLEHUB__V1__STAGE__STAGE_UNSPECIFIED;
}

const char *
hub_proto_reject_name (Cyclehub__V1__RejectCode code)
{
    const ProtobufCEnumValue *value = protobuf_c_enum_descriptor_get_value (
        &cyclehub__v1__reject_code__descriptor, (int) code);
    //  Enum value names are REJECT_CODE_<NAME>; the stable name drops the prefix
    if (value && strncmp (value->name, "REJECT_CODE_", 12) == 0)
        return value->name + 12;
    return "UNSPECIFIED";
}

int
hub_proto_topic (char *buf, size_t size, Cyclehub__V1__Stage stage,
                 const char *commission_id, const char *type_name)
{
    //  One per published event: copies, no printf
    const char *parts [3] = { hub_proto_stage_name (stage), commission_id? commission_id: "",
                              type_name? type_name: "" };
    size_t len = 0;
    for (int i = 0; i < 3; i++) {
        size_t n = strlen (parts [i]);
        if (len + n + (i < 2) >= size) {
            if (size)
                buf [0] = 0;
            return -1;
        }
        memcpy (buf + len, parts [i], n);
        len += n;
        if (i < 2)
            buf [len++] = '/';
    }
    buf [len] = 0;
    return (int) len;
}

//  --------------------------------------------------------------------------
//  Wire format

size_t
hub_proto_varint (uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out [n++] = (uint8_t) (v | 0x80);
        v >>= 7;
    }
    out [n++] = (uint8_t) v;
    return n;
}

size_t
hub_proto_event_head_max (const hub_proto_event_head_t *head)
{
    //  Six tags, five varints of up to 10 bytes, two lengths, the change's
    //  own length and two varints, and the strings
    return 6 + 5 * 10 + 2 * 10 + 1 + 2 * 11 + (head->sender? strlen (head->sender): 0)
         + (head->type? strlen (head->type): 0);
}

static size_t
s_put_varint_field (uint8_t *out, uint8_t tag, uint64_t v)
{
    if (v == 0)
        return 0;
    out [0] = tag;
    return 1 + hub_proto_varint (out + 1, v);
}

static size_t
s_put_string_field (uint8_t *out, uint8_t tag, const char *text)
{
    size_t len = text? strlen (text): 0;
    if (len == 0)
        return 0;
    out [0] = tag;
    size_t at = 1 + hub_proto_varint (out + 1, len);
    memcpy (out + at, text, len);
    return at + len;
}

//  Enums are int32 on the wire: a negative one is ten bytes, sign-extended
static inline uint64_t
s_enum_wire (int value)
{
    return (uint64_t) (int64_t) value;
}

size_t
hub_proto_event_head (uint8_t *out, const hub_proto_event_head_t *head)
{
    size_t at = s_put_varint_field (out, 1 << 3, head->seq);
    at += s_put_varint_field (out + at, 2 << 3, (uint64_t) head->recorded_at_ms);
    at += s_put_string_field (out + at, 3 << 3 | 2, head->sender);
    at += s_put_varint_field (out + at, 4 << 3, s_enum_wire (head->stage));
    if (head->changed) {
        uint8_t change [22];
        size_t len = s_put_varint_field (change, 1 << 3, s_enum_wire (head->from));
        len += s_put_varint_field (change + len, 2 << 3, s_enum_wire (head->to));
        out [at++] = 5 << 3 | 2;
        out [at++] = (uint8_t) len;         //  at most 22: one byte
        memcpy (out + at, change, len);
        at += len;
    }
    at += s_put_string_field (out + at, 6 << 3 | 2, head->type);
    return at;
}

static size_t
s_varint_size (uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

//  A PublishResult's size; an ack's Ack size in *ack_size
static size_t
s_result_size (const Cyclehub__V1__PublishResult *result, size_t *ack_size)
{
    if (result->result_case != CYCLEHUB__V1__PUBLISH_RESULT__RESULT_ACK || !result->ack)
        return cyclehub__v1__publish_result__get_packed_size (result);
    const Cyclehub__V1__Ack *ack = result->ack;
    *ack_size = (ack->seq? 1 + s_varint_size (ack->seq): 0) + (ack->duplicate? 2: 0);
    size_t msg_len = result->msg_id? strlen (result->msg_id): 0;
    return (msg_len? 1 + s_varint_size (msg_len) + msg_len: 0) + 2 + *ack_size;
}

//  Reply fields: request_id = 1 (varint), ack_batch = 16 (two-byte tag);
//  AckBatch: results = 1; PublishResult: msg_id = 1, ack = 2; Ack: seq = 1,
//  duplicate = 2. A oneof's message is written even when empty.
#define S_REPLY_ACK_BATCH_TAG_SIZE 2

size_t
hub_proto_ack_batch_size (uint64_t request_id,
                          Cyclehub__V1__PublishResult *const *results, size_t count)
{
    size_t batch = 0, ack_size;
    for (size_t i = 0; i < count; i++) {
        size_t size = s_result_size (results [i], &ack_size);
        batch += 1 + s_varint_size (size) + size;
    }
    return (request_id? 1 + s_varint_size (request_id): 0)
         + S_REPLY_ACK_BATCH_TAG_SIZE + s_varint_size (batch) + batch;
}

void
hub_proto_ack_batch (uint8_t *out, uint64_t request_id,
                     Cyclehub__V1__PublishResult *const *results, size_t count)
{
    size_t batch = 0, ack_size;
    for (size_t i = 0; i < count; i++) {
        size_t size = s_result_size (results [i], &ack_size);
        batch += 1 + s_varint_size (size) + size;
    }
    size_t at = s_put_varint_field (out, 1 << 3, request_id);
    out [at++] = (uint8_t) (16 << 3 | 2 | 0x80);
    out [at++] = (uint8_t) ((16 << 3) >> 7);
    at += hub_proto_varint (out + at, batch);
    for (size_t i = 0; i < count; i++) {
        const Cyclehub__V1__PublishResult *result = results [i];
        size_t size = s_result_size (result, &ack_size);
        out [at++] = 1 << 3 | 2;
        at += hub_proto_varint (out + at, size);
        if (result->result_case != CYCLEHUB__V1__PUBLISH_RESULT__RESULT_ACK || !result->ack) {
            at += cyclehub__v1__publish_result__pack (result, out + at);
            continue;
        }
        at += s_put_string_field (out + at, 1 << 3 | 2, result->msg_id);
        out [at++] = 2 << 3 | 2;
        out [at++] = (uint8_t) ack_size;        //  at most 13: one byte
        at += s_put_varint_field (out + at, 1 << 3, result->ack->seq);
        if (result->ack->duplicate) {
            out [at++] = 2 << 3;
            out [at++] = 1;
        }
    }
}

static int
s_read_varint (const uint8_t *buf, size_t size, size_t *at, uint64_t *v)
{
    uint64_t result = 0;
    for (int shift = 0; shift < 64 && *at < size; shift += 7) {
        uint8_t byte = buf [(*at)++];
        result |= (uint64_t) (byte & 0x7F) << shift;
        if (!(byte & 0x80)) {
            *v = result;
            return 0;
        }
    }
    return -1;
}

int
hub_proto_wire_field (const uint8_t *buf, size_t size, uint32_t number,
                      const uint8_t **data, size_t *len)
{
    size_t at = 0;
    int found = 0;
    while (at < size) {
        uint64_t key, value;
        if (s_read_varint (buf, size, &at, &key))
            return -1;
        switch (key & 7) {
            case 0:                         //  varint
                if (s_read_varint (buf, size, &at, &value))
                    return -1;
                break;
            case 1:                         //  64-bit
                if (size - at < 8)
                    return -1;
                at += 8;
                break;
            case 2:                         //  length-delimited
                if (s_read_varint (buf, size, &at, &value) || value > size - at)
                    return -1;
                if ((key >> 3) == number) {
                    if (found++ == 0) {
                        *data = buf + at;
                        *len = (size_t) value;
                    }
                }
                at += (size_t) value;
                break;
            case 5:                         //  32-bit
                if (size - at < 4)
                    return -1;
                at += 4;
                break;
            default:                        //  groups are not proto3
                return -1;
        }
    }
    return found;
}

//  --------------------------------------------------------------------------
//  UTF-8 validation: one validator, hub_wire_text_ok, which refuses NUL;
//  here U+0000 is a character like any other

bool
hub_proto_utf8_valid (const char *str, size_t len)
{
    size_t at;
    bool nul;
    while (!hub_wire_text_ok (str, len, &at, &nul)) {
        if (!nul)
            return false;
        str += at + 1;
        len -= at + 1;
    }
    return true;
}

//  --------------------------------------------------------------------------
//  Descriptor walks

//  Is this field present in msg? Repeated fields report their count.
static size_t
s_field_count (const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field)
{
    const char *base = (const char *) msg;
    if (field->label == PROTOBUF_C_LABEL_REPEATED)
        return *(const size_t *) (base + field->quantifier_offset);
    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *) (base + field->quantifier_offset) == field->id;
    if (field->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(void * const *) (base + field->offset) != NULL;
    return 1;       //  proto3 scalars are always "there"
}

//  The field names from the top message down to the one being checked:
//  written out as a dotted path only when a check fails.
typedef struct {
    const char *names [HUB_PROTO_MAX_DEPTH + 2];
    int depth;
    char unknown [32];          //  "#<number>" of an unknown field
} s_path_t;

static void
s_path_write (const s_path_t *path, char *out, size_t size)
{
    size_t at = 0;
    out [0] = 0;
    for (int i = 0; i < path->depth && at < size; i++) {
        int n = snprintf (out + at, size - at, "%s%s", i? ".": "", path->names [i]);
        if (n < 0)
            break;
        at += (size_t) n;
    }
}

static hub_check_t
s_check (const ProtobufCMessage *msg, s_path_t *path)
{
    if (path->depth > HUB_PROTO_MAX_DEPTH)
        return HUB_CHECK_TOO_LARGE;
    if (msg->n_unknown_fields > 0) {
        snprintf (path->unknown, sizeof path->unknown, "#%u", msg->unknown_fields [0].tag);
        path->names [path->depth++] = path->unknown;
        return HUB_CHECK_UNKNOWN_FIELD;
    }
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    const char *base = (const char *) msg;
    for (unsigned f = 0; f < desc->n_fields; f++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [f];
        size_t count = s_field_count (msg, field);
        if (count == 0)
            continue;
        path->names [path->depth++] = field->name;
        bool repeated = field->label == PROTOBUF_C_LABEL_REPEATED;
        if (repeated && count > HUB_PROTO_MAX_REPEATED)
            return HUB_CHECK_TOO_LARGE;
        for (size_t i = 0; i < count; i++) {
            const void *slot = repeated
                ? *(void * const *) (base + field->offset)
                : (const void *) (base + field->offset);
            if (field->type == PROTOBUF_C_TYPE_STRING) {
                const char *str = ((const char * const *) slot) [repeated? i: 0];
                size_t len = str? strlen (str): 0;
                if (len > HUB_PROTO_MAX_STRING)
                    return HUB_CHECK_TOO_LARGE;
                if (!hub_proto_utf8_valid (str, len))
                    return HUB_CHECK_BAD_UTF8;
            }
            else
            if (field->type == PROTOBUF_C_TYPE_BYTES) {
                const ProtobufCBinaryData *bin = &((const ProtobufCBinaryData *) slot) [repeated? i: 0];
                if (bin->len > HUB_PROTO_MAX_STRING)
                    return HUB_CHECK_TOO_LARGE;
            }
            else
            if (field->type == PROTOBUF_C_TYPE_ENUM) {
                int value = ((const int *) slot) [repeated? i: 0];
                if (!protobuf_c_enum_descriptor_get_value (field->descriptor, value))
                    return HUB_CHECK_UNKNOWN_ENUM;
            }
            else
            if (field->type == PROTOBUF_C_TYPE_MESSAGE) {
                const ProtobufCMessage *sub = ((const ProtobufCMessage * const *) slot) [repeated? i: 0];
                if (sub) {
                    hub_check_t rc = s_check (sub, path);
                    if (rc != HUB_CHECK_OK)
                        return rc;
                }
            }
        }
        path->depth--;
    }
    return HUB_CHECK_OK;
}

hub_check_t
hub_proto_check (const ProtobufCMessage *msg, char *path, size_t size)
{
    s_path_t trail;
    trail.depth = 0;
    hub_check_t rc = s_check (msg, &trail);
    if (path && size) {
        if (rc == HUB_CHECK_OK)
            path [0] = 0;
        else
            s_path_write (&trail, path, size);
    }
    return rc;
}

static bool
s_personal_has_data (const Cyclehub__V1__PersonalData *pd)
{
    return (pd->full_name && *pd->full_name) || (pd->email && *pd->email)
        || (pd->phone && *pd->phone) || (pd->postal_address && *pd->postal_address)
        || pd->n_free_text > 0;
}

//  Calls fn on every PersonalData slot (a pointer to the field) below msg.
typedef int (s_personal_fn) (ProtobufCMessage **slot, void *arg);

static int
s_walk_personal (ProtobufCMessage *msg, s_personal_fn *fn, void *arg, int depth)
{
    if (depth > HUB_PROTO_MAX_DEPTH)
        return 0;
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    char *base = (char *) msg;
    int total = 0;
    for (unsigned f = 0; f < desc->n_fields; f++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [f];
        if (field->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        size_t count = s_field_count (msg, field);
        bool repeated = field->label == PROTOBUF_C_LABEL_REPEATED;
        ProtobufCMessage **slots = repeated
            ? *(ProtobufCMessage ***) (base + field->offset)
            : (ProtobufCMessage **) (base + field->offset);
        for (size_t i = 0; i < count; i++) {
            if (!slots [i])
                continue;
            int rc = field->descriptor == &cyclehub__v1__personal_data__descriptor
                   ? fn (&slots [i], arg)
                   : s_walk_personal (slots [i], fn, arg, depth + 1);
            if (rc < 0)
                return -1;
            total += rc;
        }
    }
    return total;
}

static int
s_redact_one (ProtobufCMessage **slot, void *arg)
{
    (void) arg;
    Cyclehub__V1__PersonalData *old = (Cyclehub__V1__PersonalData *) *slot;
    int had_data = s_personal_has_data (old);
    if (!had_data && old->redacted)
        return 0;
    Cyclehub__V1__PersonalData *fresh = malloc (sizeof *fresh);
    if (!fresh)
        return -1;
    cyclehub__v1__personal_data__init (fresh);
    fresh->redacted = true;
    protobuf_c_message_free_unpacked (*slot, NULL);
    *slot = &fresh->base;
    return had_data;
}

int
hub_proto_redact (ProtobufCMessage *msg)
{
    return s_walk_personal (msg, s_redact_one, NULL, 0);
}

static int
s_has_one (ProtobufCMessage **slot, void *arg)
{
    (void) arg;
    return s_personal_has_data ((const Cyclehub__V1__PersonalData *) *slot);
}

bool
hub_proto_has_personal (const ProtobufCMessage *msg)
{
    return s_walk_personal ((ProtobufCMessage *) msg, s_has_one, NULL, 0) > 0;
}

static bool
s_descriptor_personal (const ProtobufCMessageDescriptor *desc, int depth)
{
    if (desc == &cyclehub__v1__personal_data__descriptor)
        return true;
    if (depth > HUB_PROTO_MAX_DEPTH)
        return false;
    for (unsigned f = 0; f < desc->n_fields; f++)
        if (desc->fields [f].type == PROTOBUF_C_TYPE_MESSAGE
        &&  s_descriptor_personal (desc->fields [f].descriptor, depth + 1))
            return true;
    return false;
}

bool
hub_proto_type_may_be_personal (Cyclehub__V1__Envelope__BodyCase body_case)
{
    const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field (
        &cyclehub__v1__envelope__descriptor, (unsigned) body_case);
    return field && (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        && field->type == PROTOBUF_C_TYPE_MESSAGE
        && s_descriptor_personal (field->descriptor, 0);
}

int
hub_proto_outward_event (Cyclehub__V1__Event *event)
{
    //  The whole event is walked, not only the bodies hub_types marks as
    //  possibly personal: the walk is cheap, and this way no type, field
    //  or nesting added later can carry a PersonalData past it
    return hub_proto_redact (&event->base);
}

//  The packed forms' one body: unpacks, redacts, and packs into *out (a
//  fresh malloc) when `copy` is set or anything was taken out (else *out
//  stays NULL). Returns the count, -1 if data does not unpack, -2 if
//  memory ran out after the unpack.
static int
s_redact_packed (const void *data, size_t size, bool copy, uint8_t **out, size_t *out_size)
{
    *out = NULL;
    Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (NULL, size, data);
    if (!event)
        return -1;
    int redacted = hub_proto_outward_event (event);
    if (redacted < 0)
        redacted = -2;
    else
    if (copy || redacted > 0) {
        *out_size = cyclehub__v1__event__get_packed_size (event);
        *out = malloc (*out_size? *out_size: 1);
        if (*out)
            cyclehub__v1__event__pack (event, *out);
        else
            redacted = -2;
    }
    cyclehub__v1__event__free_unpacked (event, NULL);
    return redacted;
}

int
hub_proto_redact_event (const void *data, size_t size, uint8_t **out, size_t *out_size)
{
    int redacted = s_redact_packed (data, size, true, out, out_size);
    return redacted < 0? -1: redacted;
}

int
hub_proto_outward_bytes (uint8_t **data, size_t *size)
{
    uint8_t *out;
    size_t out_size;
    int redacted = s_redact_packed (*data, *size, false, &out, &out_size);
    if (out) {
        free (*data);
        *data = out;
        *size = out_size;
    }
    return redacted;
}
