/*  hub_event_reader: a small protobuf wire reader over packed Event bytes
    (see hub_event_reader.h). One loop reads a message's fields in order;
    each reader keeps the few it wants, by the descriptors' numbers.
*/
#include "hub_event_reader.h"
#include "cyclehub.pb-c.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>

//  The field numbers the readers look for, from the descriptors
typedef struct {
    uint32_t seq, recorded_at_ms, sender, stage, type, envelope;    //  Event
    uint32_t commission_id, response_submitted;                      //  Envelope
    uint32_t consultation_id, response_id;                           //  ResponseSubmitted
} s_numbers_t;

static s_numbers_t s_numbers;           //  written once, under s_once
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static uint32_t
s_number (const ProtobufCMessageDescriptor *desc, const char *name)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name (desc, name);
    assert (field);                     //  the .proto renamed a field read here
    return field? field->id: 0;         //  0: no field has it, reads as absent
}

static void
s_resolve (void)
{
    const ProtobufCMessageDescriptor *event = &cyclehub__v1__event__descriptor;
    const ProtobufCMessageDescriptor *env = &cyclehub__v1__envelope__descriptor;
    const ProtobufCMessageDescriptor *resp = &cyclehub__v1__response_submitted__descriptor;
    s_numbers.seq = s_number (event, "seq");
    s_numbers.recorded_at_ms = s_number (event, "recorded_at_ms");
    s_numbers.sender = s_number (event, "sender");
    s_numbers.stage = s_number (event, "stage");
    s_numbers.type = s_number (event, "type");
    s_numbers.envelope = s_number (event, "envelope");
    s_numbers.commission_id = s_number (env, "commission_id");
    s_numbers.response_submitted = s_number (env, "response_submitted");
    s_numbers.consultation_id = s_number (resp, "consultation_id");
    s_numbers.response_id = s_number (resp, "response_id");
}

static inline const s_numbers_t *
s_get_numbers (void)
{
    pthread_once (&s_once, s_resolve);
    return &s_numbers;
}

//  One field as read: a varint's value, or a length-delimited payload
typedef struct {
    uint32_t number;
    unsigned wire_type;
    uint64_t value;             //  wire type 0
    const uint8_t *bytes;       //  wire type 2
    size_t len;
} s_field_t;

static inline bool
s_varint (const uint8_t **p, const uint8_t *end, uint64_t *value)
{
    uint64_t v = 0;
    const uint8_t *q = *p;
    for (unsigned shift = 0; shift < 64 && q < end; shift += 7) {
        uint8_t byte = *q++;
        v |= (uint64_t) (byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *value = v;
            *p = q;
            return true;
        }
    }
    return false;
}

//  Reads the field at *p and moves past it; false on malformed input.
//  Fixed-size fields (wire types 1 and 5) are skipped, not returned.
static inline bool
s_next (const uint8_t **p, const uint8_t *end, s_field_t *f)
{
    uint64_t tag, v;
    if (!s_varint (p, end, &tag))
        return false;
    f->number = (uint32_t) (tag >> 3);
    f->wire_type = (unsigned) (tag & 7);
    switch (f->wire_type) {
        case 0:
            return s_varint (p, end, &f->value);
        case 1:
            if (end - *p < 8)
                return false;
            *p += 8;
            return true;
        case 2:
            if (!s_varint (p, end, &v) || v > (uint64_t) (end - *p))
                return false;
            f->bytes = *p;
            f->len = (size_t) v;
            *p += v;
            return true;
        case 5:
            if (end - *p < 4)
                return false;
            *p += 4;
            return true;
        default:
            return false;           //  groups are not proto3
    }
}

bool
hub_event_read (const void *data, size_t size, hub_event_fields_t *fields)
{
    assert (fields);
    const s_numbers_t *n = s_get_numbers ();
    memset (fields, 0, sizeof *fields);
    if (!data)
        return size == 0;
    const uint8_t *p = data;
    const uint8_t *end = p + size;
    while (p < end) {
        s_field_t f;
        if (!s_next (&p, end, &f))
            return false;
        if (f.wire_type == 0) {
            if (f.number == n->seq)
                fields->seq = f.value;
            else
            if (f.number == n->recorded_at_ms)
                fields->recorded_at_ms = (int64_t) f.value;
            else
            if (f.number == n->stage)
                fields->stage = (int) (int32_t) f.value;
        }
        else
        if (f.wire_type == 2) {
            if (f.number == n->sender) {
                fields->sender = (const char *) f.bytes;
                fields->sender_len = f.len;
            }
            else
            if (f.number == n->type) {
                fields->type = (const char *) f.bytes;
                fields->type_len = f.len;
            }
            else
            if (f.number == n->envelope) {
                fields->envelope = f.bytes;
                fields->envelope_len = f.len;
            }
        }
    }
    return true;
}

//  Finds the last length-delimited field `number` in bytes; *found (data,
//  len) stays as given when there is none. False if malformed.
static bool
s_find (const uint8_t *bytes, size_t size, uint32_t number, const uint8_t **data, size_t *len)
{
    if (!bytes)
        return true;
    const uint8_t *p = bytes;
    const uint8_t *end = p + size;
    while (p < end) {
        s_field_t f;
        if (!s_next (&p, end, &f))
            return false;
        if (f.wire_type == 2 && f.number == number) {
            *data = f.bytes;
            *len = f.len;
        }
    }
    return true;
}

bool
hub_event_commission (const hub_event_fields_t *fields, const char **id, size_t *len)
{
    assert (fields && id && len);
    const uint8_t *found = (const uint8_t *) "";
    *len = 0;
    bool ok = s_find (fields->envelope, fields->envelope_len,
                      s_get_numbers ()->commission_id, &found, len);
    *id = (const char *) found;
    return ok;
}

bool
hub_event_response (const hub_event_fields_t *fields,
                    const char **consultation_id, size_t *consultation_len,
                    const char **response_id, size_t *response_len)
{
    assert (fields && consultation_id && consultation_len && response_id && response_len);
    const s_numbers_t *n = s_get_numbers ();
    const uint8_t *body = NULL, *consultation = (const uint8_t *) "";
    const uint8_t *response = (const uint8_t *) "";
    size_t body_len = 0;
    *consultation_len = *response_len = 0;
    bool ok = s_find (fields->envelope, fields->envelope_len, n->response_submitted,
                      &body, &body_len)
           && body
           && s_find (body, body_len, n->consultation_id, &consultation, consultation_len)
           && s_find (body, body_len, n->response_id, &response, response_len);
    *consultation_id = (const char *) consultation;
    *response_id = (const char *) response;
    return ok;
}
