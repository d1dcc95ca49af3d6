/*  hub_ack_reader: a Reply holding an AckBatch of acks, read in place (see
    hub_ack_reader.h). The field numbers are cyclehub.proto's: Reply
    request_id = 1, ack_batch = 16; AckBatch results = 1; PublishResult
    msg_id = 1, ack = 2 (reject = 3 is declined); Ack seq = 1, duplicate = 2.
    test_ack_reader checks them against protobuf-c's own unpack.
*/
#include "hub_ack_reader.h"

enum { S_VARINT = 0, S_BYTES = 2 };

//  One field: its number, wire type, and value (a varint, or the bytes of
//  a length-delimited field). False at the end or on bytes it declines.
typedef struct {
    const uint8_t *at, *end;
    uint64_t number;
    int type;
    uint64_t value;
    const uint8_t *bytes;
} s_cursor_t;

static bool
s_varint (s_cursor_t *c, uint64_t *v)
{
    uint64_t result = 0;
    for (int shift = 0; shift < 64 && c->at < c->end; shift += 7) {
        uint8_t byte = *c->at++;
        result |= (uint64_t) (byte & 0x7F) << shift;
        if (!(byte & 0x80)) {
            *v = result;
            return true;
        }
    }
    return false;
}

static bool
s_next (s_cursor_t *c)
{
    uint64_t key;
    if (c->at >= c->end || !s_varint (c, &key))
        return false;
    c->number = key >> 3;
    c->type = (int) (key & 7);
    if (c->type == S_VARINT)
        return s_varint (c, &c->value);
    if (c->type != S_BYTES || !s_varint (c, &c->value)
    ||  c->value > (uint64_t) (c->end - c->at))
        return false;
    c->bytes = c->at;
    c->at += c->value;
    return true;
}

static s_cursor_t
s_inside (const s_cursor_t *c)
{
    return (s_cursor_t) { c->bytes, c->bytes + c->value, 0, 0, 0, NULL };
}

//  An Ack: seq and duplicate, nothing else
static bool
s_ack (s_cursor_t c, hub_ack_t *ack)
{
    *ack = (hub_ack_t) { 0, false };
    while (c.at < c.end) {
        if (!s_next (&c) || c.type != S_VARINT || (c.number != 1 && c.number != 2))
            return false;
        if (c.number == 1)
            ack->seq = c.value;
        else
            ack->duplicate = c.value != 0;
    }
    return true;
}

//  A PublishResult holding an ack (its msg_id is skipped)
static bool
s_result (s_cursor_t c, hub_ack_t *ack)
{
    bool have = false;
    while (c.at < c.end) {
        if (!s_next (&c) || c.type != S_BYTES)
            return false;
        if (c.number == 2 && !have && s_ack (s_inside (&c), ack))
            have = true;
        else
        if (c.number != 1)
            return false;   //  a reject, a second ack, an unreadable one, another field
    }
    return have;
}

int
hub_ack_reader_read (const uint8_t *data, size_t size, uint64_t *request_id,
                     hub_ack_t *acks, size_t max)
{
    s_cursor_t c = { data, data + size, 0, 0, 0, NULL };
    s_cursor_t batch = { NULL, NULL, 0, 0, 0, NULL };
    *request_id = 0;
    while (c.at < c.end) {
        if (!s_next (&c))
            return -1;
        if (c.number == 1 && c.type == S_VARINT)
            *request_id = c.value;
        else
        if (c.number == 16 && c.type == S_BYTES && !batch.at)
            batch = s_inside (&c);
        else
            return -1;
    }
    if (!batch.at)
        return -1;
    size_t n = 0;
    while (batch.at < batch.end) {
        if (!s_next (&batch) || batch.number != 1 || batch.type != S_BYTES || n == max
        ||  !s_result (s_inside (&batch), &acks [n]))
            return -1;
        n++;
    }
    return (int) n;
}
