/*  hub_wire: the schema check of protobuf bytes before they are unpacked
    (see hub_wire.h for why). The field lookup is protoc-c's own table, the
    descriptor's field_ranges, resolved when the code was generated; the
    walk keeps its state on the stack (a bitmap of the singular fields seen
    and a count of each repeated field's elements, per message), so it
    allocates nothing and reads each byte once. The
    field path is worked out only when a check fails.
*/
#include "hub_wire.h"
#include "hub_proto.h"
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define S_SEEN_WORDS (HUB_WIRE_MAX_FIELDS / 64)
#define S_MAX_ONEOFS 8              //  oneofs one message may have

//  One message being read, for the field path of a failure
typedef struct {
    const uint8_t *start;                       //  the message's first byte
    const uint8_t *tag;                         //  the tag of the field being read
    const ProtobufCFieldDescriptor *field;      //  that field, NULL before it is known
} s_level_t;

typedef struct {
    s_level_t levels [HUB_PROTO_MAX_DEPTH + 2];
    int depth;                      //  levels in use
    uint64_t unknown;               //  the number of an unknown field
    size_t offset;                  //  the bad byte's offset in a string
    bool too_deep;                  //  TOO_LARGE by nesting, not by a string's size
    bool too_many;                  //  TOO_LARGE by a list's length
    int64_t enum_value;             //  an unknown enum value
} s_walk_t;

//  --------------------------------------------------------------------------
//  Text: UTF-8 (RFC 3629) with no NUL

bool
hub_wire_text_ok (const void *str, size_t len, size_t *at, bool *nul)
{
    const uint8_t *s = str;
    size_t i = 0;
    if (nul)
        *nul = false;
    while (i < len) {
        //  Eight bytes at a time while they are ASCII and none is zero
        //  (the zero test has no false negatives; a false positive only
        //  sends the word to the byte loop)
        if (len - i >= 8) {
            uint64_t word;
            memcpy (&word, s + i, 8);
            uint64_t zero = (word - UINT64_C (0x0101010101010101)) & ~word;
            if (((word | zero) & UINT64_C (0x8080808080808080)) == 0) {
                i += 8;
                continue;
            }
        }
        uint8_t c = s [i];
        if (c == 0) {
            if (nul)
                *nul = true;
            break;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF)      { need = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 0x07; }
        else
            break;
        if (len - i <= need)
            break;
        size_t k;
        for (k = 1; k <= need && (s [i + k] & 0xC0) == 0x80; k++)
            cp = (cp << 6) | (s [i + k] & 0x3F);
        if (k <= need
        ||  (need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF))
        ||  (cp >= 0xD800 && cp <= 0xDFFF))
            break;
        i += need + 1;
    }
    if (at)
        *at = i;
    return i == len;
}

//  --------------------------------------------------------------------------
//  The walk

static int
s_varint (const uint8_t **at, const uint8_t *end, uint64_t *value)
{
    uint64_t result = 0;
    for (int shift = 0; shift < 64 && *at < end; shift += 7) {
        uint8_t byte = *(*at)++;
        result |= (uint64_t) (byte & 0x7F) << shift;
        if (!(byte & 0x80)) {
            *value = result;
            return 0;
        }
    }
    return -1;
}

//  The wire type a field of this type is sent with
static unsigned
s_wire_type (ProtobufCType type)
{
    switch (type) {
        case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_FIXED64:
        case PROTOBUF_C_TYPE_DOUBLE:
            return 1;
        case PROTOBUF_C_TYPE_SFIXED32:
        case PROTOBUF_C_TYPE_FIXED32:
        case PROTOBUF_C_TYPE_FLOAT:
            return 5;
        case PROTOBUF_C_TYPE_STRING:
        case PROTOBUF_C_TYPE_BYTES:
        case PROTOBUF_C_TYPE_MESSAGE:
            return 2;
        default:
            return 0;               //  the varints: ints, bool, enum
    }
}

//  Skips the value of wire type `wire` at *at; -1 if it runs past end.
static int
s_skip (const uint8_t **at, const uint8_t *end, unsigned wire, uint64_t *len)
{
    uint64_t value;
    switch (wire) {
        case 0:
            return s_varint (at, end, &value);
        case 1:
        case 5:
            if ((size_t) (end - *at) < (wire == 1? 8u: 4u))
                return -1;
            *at += wire == 1? 8: 4;
            return 0;
        case 2:
            if (s_varint (at, end, len) || *len > (uint64_t) (end - *at))
                return -1;
            *at += *len;
            return 0;
        default:
            return -1;              //  groups (3, 4) are not proto3; 6 and 7 do not exist
    }
}

//  A singular field may be seen once, and one member of each oneof
static hub_wire_rc_t
s_once (const ProtobufCMessageDescriptor *desc, const ProtobufCFieldDescriptor *field,
        uint64_t *seen, unsigned *oneofs, size_t *n_oneofs)
{
    if (field->label == PROTOBUF_C_LABEL_REPEATED)
        return HUB_WIRE_OK;
    size_t index = (size_t) (field - desc->fields);
    uint64_t bit = UINT64_C (1) << (index % 64);
    if (seen [index / 64] & bit)
        return HUB_WIRE_REPEATED;
    seen [index / 64] |= bit;
    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        //  The members of one oneof share its case word
        for (size_t i = 0; i < *n_oneofs; i++)
            if (oneofs [i] == field->quantifier_offset)
                return HUB_WIRE_ONEOF;
        if (*n_oneofs == S_MAX_ONEOFS)
            return HUB_WIRE_SCHEMA;
        oneofs [(*n_oneofs)++] = field->quantifier_offset;
    }
    return HUB_WIRE_OK;
}

//  The scalar values of a field between at and end (one, or a packed
//  list's), encoded as wire type `wire`: their number in *count, each
//  enum value checked against the field's enum.
static hub_wire_rc_t
s_scalars (s_walk_t *walk, const ProtobufCFieldDescriptor *field, unsigned wire,
           const uint8_t *at, const uint8_t *end, size_t *count)
{
    *count = 0;
    while (at < end) {
        uint64_t value = 0;
        if (wire == 0) {
            if (s_varint (&at, end, &value))
                return HUB_WIRE_MALFORMED;
        }
        else {
            size_t width = wire == 1? 8: 4;
            if ((size_t) (end - at) < width)
                return HUB_WIRE_MALFORMED;
            at += width;
        }
        //  protobuf-c keeps an enum as an int32, as it reads it here
        if (field->type == PROTOBUF_C_TYPE_ENUM
        &&  !protobuf_c_enum_descriptor_get_value (field->descriptor, (int32_t) value)) {
            walk->enum_value = (int32_t) value;
            return HUB_WIRE_UNKNOWN_ENUM;
        }
        (*count)++;
    }
    return HUB_WIRE_OK;
}

static hub_wire_rc_t
s_message (s_walk_t *walk, const ProtobufCMessageDescriptor *desc,
           const uint8_t *at, const uint8_t *end)
{
    if (walk->depth > HUB_PROTO_MAX_DEPTH) {
        walk->too_deep = true;
        return HUB_WIRE_TOO_LARGE;
    }
    if (desc->n_fields > HUB_WIRE_MAX_FIELDS)
        return HUB_WIRE_SCHEMA;
    s_level_t *level = &walk->levels [walk->depth++];
    level->start = at;
    level->field = NULL;
    uint64_t seen [S_SEEN_WORDS] = { 0 };
    uint32_t elements [HUB_WIRE_MAX_FIELDS] = { 0 };   //  of each repeated field so far
    unsigned oneofs [S_MAX_ONEOFS];
    size_t n_oneofs = 0;
    while (at < end) {
        level->tag = at;
        level->field = NULL;
        uint64_t key;
        if (s_varint (&at, end, &key) || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
            return HUB_WIRE_MALFORMED;
        unsigned wire = (unsigned) (key & 7);
        const ProtobufCFieldDescriptor *field =
            protobuf_c_message_descriptor_get_field (desc, (unsigned) (key >> 3));
        if (!field) {
            walk->unknown = key >> 3;
            return HUB_WIRE_UNKNOWN_FIELD;
        }
        level->field = field;
        unsigned want = s_wire_type (field->type);
        bool packed = wire == 2 && want != 2 && field->label == PROTOBUF_C_LABEL_REPEATED;
        if (wire != want && !packed)
            return HUB_WIRE_WIRE_TYPE;
        hub_wire_rc_t rc = s_once (desc, field, seen, oneofs, &n_oneofs);
        if (rc != HUB_WIRE_OK)
            return rc;
        uint64_t len = 0;
        const uint8_t *value = at;
        if (s_skip (&at, end, wire, &len))
            return HUB_WIRE_MALFORMED;
        size_t count = 1;
        if (wire != 2 || packed) {
            rc = s_scalars (walk, field, want, packed? at - len: value, at, &count);
            if (rc != HUB_WIRE_OK)
                return rc;
        }
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            uint32_t *so_far = &elements [field - desc->fields];
            if (count > HUB_PROTO_MAX_REPEATED - *so_far) {
                walk->too_many = true;
                return HUB_WIRE_TOO_LARGE;
            }
            *so_far += (uint32_t) count;
        }
        if (wire != 2 || packed)
            continue;
        value = at - len;
        if ((field->type == PROTOBUF_C_TYPE_STRING || field->type == PROTOBUF_C_TYPE_BYTES)
        &&  len > HUB_PROTO_MAX_STRING)
            return HUB_WIRE_TOO_LARGE;
        if (field->type == PROTOBUF_C_TYPE_STRING) {
            bool nul;
            if (!hub_wire_text_ok (value, (size_t) len, &walk->offset, &nul))
                return nul? HUB_WIRE_NUL: HUB_WIRE_BAD_UTF8;
        }
        else
        if (field->type == PROTOBUF_C_TYPE_MESSAGE) {
            rc = s_message (walk, field->descriptor, value, at);
            if (rc != HUB_WIRE_OK)
                return rc;
        }
    }
    walk->depth--;
    return HUB_WIRE_OK;
}

//  --------------------------------------------------------------------------
//  The fault: path and sentence, worked out only on failure

//  Which element of its list the field at level->tag is (the bytes before
//  it were read once already, so they are well-formed)
static size_t
s_index (const s_level_t *level)
{
    size_t index = 0;
    const uint8_t *at = level->start;
    while (at < level->tag) {
        uint64_t key, len;
        if (s_varint (&at, level->tag, &key) || s_skip (&at, level->tag, key & 7, &len))
            break;
        index += (key >> 3) == level->field->id;
    }
    return index;
}

static void
s_path (const s_walk_t *walk, const char *skip, char *out, size_t size)
{
    size_t at = 0;
    out [0] = 0;
    for (int i = 0; i < walk->depth && at < size; i++) {
        const s_level_t *level = &walk->levels [i];
        const char *dot = at? ".": "";
        int n;
        if (!level->field)
            n = i + 1 == walk->depth && walk->unknown
              ? snprintf (out + at, size - at, "%s#%" PRIu64, dot, walk->unknown): 0;
        else
        if (i == 0 && skip && walk->depth > 1 && level->field->name
        &&  strcmp (level->field->name, skip) == 0)
            n = 0;                  //  a publish's paths start at its envelope
        else
        if (level->field->label == PROTOBUF_C_LABEL_REPEATED)
            n = snprintf (out + at, size - at, "%s%s[%zu]", dot, level->field->name,
                          s_index (level));
        else
            n = snprintf (out + at, size - at, "%s%s", dot, level->field->name);
        if (n < 0)
            break;
        at += (size_t) n;
    }
    if (at >= size)
        out [size - 1] = 0;
}

static void
s_fault (const s_walk_t *walk, hub_wire_rc_t rc, const ProtobufCMessageDescriptor *desc,
         const char *skip, hub_wire_fault_t *fault)
{
    fault->rc = rc;
    fault->code = rc == HUB_WIRE_TOO_LARGE? CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_TOO_LARGE
                : rc == HUB_WIRE_UNKNOWN_ENUM? CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INVALID_VALUE
                : rc == HUB_WIRE_SCHEMA? CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INTERNAL
                : CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_MALFORMED;
    s_path (walk, skip, fault->field, sizeof fault->field);
    //  A list too long is the list, not the element past its limit
    char *index = walk->too_many? strrchr (fault->field, '['): NULL;
    if (index)
        *index = 0;
    const char *f = fault->field;
    char *out = fault->reason;
    size_t size = sizeof fault->reason;
    switch (rc) {
        case HUB_WIRE_OK:
            snprintf (out, size, "clean");
            break;
        case HUB_WIRE_MALFORMED:
            snprintf (out, size, "the bytes are not a well-formed %s protobuf%s%s "
                      "(truncated, a bad length or varint, or a group)", desc->name,
                      *f? " at field ": "", f);
            break;
        case HUB_WIRE_UNKNOWN_FIELD:
            snprintf (out, size, "field %s is not in the cyclehub.v1 schema; upgrade the "
                      "client or drop the field", f);
            break;
        case HUB_WIRE_WIRE_TYPE:
            snprintf (out, size, "field %s is encoded with another wire type than its "
                      "declared type; the client's schema does not match cyclehub.v1", f);
            break;
        case HUB_WIRE_REPEATED:
            snprintf (out, size, "field %s appears more than once; send a singular field "
                      "once (protobuf would silently keep only the last copy)", f);
            break;
        case HUB_WIRE_ONEOF:
            snprintf (out, size, "field %s is a second member of a oneof; send exactly one "
                      "(protobuf would silently keep only the last)", f);
            break;
        case HUB_WIRE_NUL:
            snprintf (out, size, "field %s holds a NUL byte at byte %zu; text may not "
                      "contain NUL", f, walk->offset);
            break;
        case HUB_WIRE_BAD_UTF8:
            snprintf (out, size, "field %s is not valid UTF-8 (at byte %zu); send text "
                      "as UTF-8", f, walk->offset);
            break;
        case HUB_WIRE_TOO_LARGE:
            if (walk->too_deep)
                snprintf (out, size, "field %s is nested deeper than %d messages", f,
                          HUB_PROTO_MAX_DEPTH);
            else
            if (walk->too_many)
                snprintf (out, size, "field %s has more than %d elements; send at most %d",
                          f, HUB_PROTO_MAX_REPEATED, HUB_PROTO_MAX_REPEATED);
            else
                snprintf (out, size, "field %s is over its limit of %d bytes", f,
                          HUB_PROTO_MAX_STRING);
            break;
        case HUB_WIRE_UNKNOWN_ENUM:
            snprintf (out, size, "field %s holds %" PRId64 ", a value its enum does not "
                      "define; upgrade the hub or send a known value", f, walk->enum_value);
            break;
        case HUB_WIRE_SCHEMA:
            snprintf (out, size, "the wire check cannot track a message of field %s (over "
                      "%d fields or %d oneofs); report this to the hub operator", f,
                      HUB_WIRE_MAX_FIELDS, S_MAX_ONEOFS);
            break;
    }
}

static int
s_check (const ProtobufCMessageDescriptor *desc, const void *data, size_t size,
         const char *skip, hub_wire_fault_t *fault)
{
    s_walk_t walk;
    walk.depth = 0;
    walk.unknown = 0;
    walk.offset = 0;
    walk.too_deep = false;
    walk.too_many = false;
    walk.enum_value = 0;
    //  An empty message may come as NULL (protobuf-c's empty bytes field):
    //  no arithmetic on it
    const uint8_t *at = data;
    hub_wire_rc_t rc = size? s_message (&walk, desc, at, at + size): HUB_WIRE_OK;
    if (rc == HUB_WIRE_OK)
        return 0;
    if (fault)
        s_fault (&walk, rc, desc, skip, fault);
    return -1;
}

int
hub_wire_check (const ProtobufCMessageDescriptor *desc, const void *data, size_t size,
                hub_wire_fault_t *fault)
{
    return s_check (desc, data, size, NULL, fault);
}

int
hub_wire_check_request (const void *data, size_t size, hub_wire_fault_t *fault)
{
    return s_check (&cyclehub__v1__request__descriptor, data, size, "publish", fault);
}

uint64_t
hub_wire_request_id (const void *data, size_t size)
{
    const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field_by_name (
        &cyclehub__v1__request__descriptor, "request_id");
    assert (field);
    const uint64_t wanted = (uint64_t) field->id << 3;      //  a varint
    const uint8_t *at = data, *end = at + size;
    while (at < end) {
        uint64_t key, value, len;
        if (s_varint (&at, end, &key))
            break;
        if (key == wanted)
            return s_varint (&at, end, &value)? 0: value;
        if ((key >> 3) == 0 || s_skip (&at, end, (unsigned) (key & 7), &len))
            break;
    }
    return 0;
}
