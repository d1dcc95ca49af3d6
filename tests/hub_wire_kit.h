/*  hub_wire_kit: hand-made protobuf bytes for the wire tests. protobuf-c
    cannot pack what they need (its pack takes strings as C strings, one copy
    of each field and one oneof member), so the tests append fields to
    packed messages by hand: protobuf allows fields in any order.
*/
#ifndef HUB_WIRE_KIT_H
#define HUB_WIRE_KIT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cyclehub.pb-c.h"

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} hub_kit_buf_t;

static inline void
hub_kit_put (hub_kit_buf_t *buf, const void *data, size_t size)
{
    if (buf->size + size > buf->capacity) {
        buf->capacity = (buf->size + size) * 2 + 64;
        buf->data = realloc (buf->data, buf->capacity);
        if (!buf->data)
            abort ();
    }
    if (size)
        memcpy (buf->data + buf->size, data, size);
    buf->size += size;
}

static inline void
hub_kit_varint (hub_kit_buf_t *buf, uint64_t value)
{
    uint8_t out [10];
    size_t n = 0;
    do {
        out [n++] = (uint8_t) ((value & 0x7f) | (value > 0x7f? 0x80: 0));
        value >>= 7;
    } while (value);
    hub_kit_put (buf, out, n);
}

/* Appends a length-delimited field: tag, length, the bytes as they are. */
static inline void
hub_kit_field (hub_kit_buf_t *buf, uint32_t number, const void *data, size_t size)
{
    hub_kit_varint (buf, ((uint64_t) number << 3) | 2);
    hub_kit_varint (buf, size);
    hub_kit_put (buf, data, size);
}

/* Appends a packed message (any protobuf-c message). */
static inline void
hub_kit_message (hub_kit_buf_t *buf, const ProtobufCMessage *msg)
{
    size_t size = protobuf_c_message_get_packed_size (msg);
    uint8_t *data = malloc (size? size: 1);
    protobuf_c_message_pack (msg, data);
    hub_kit_put (buf, data, size);
    free (data);
}

static inline void
hub_kit_free (hub_kit_buf_t *buf)
{
    free (buf->data);
    buf->data = NULL;
    buf->size = buf->capacity = 0;
}

/* A Request with request_id whose publish envelope is env packed, followed
   by the raw field `number` holding body (size bytes), e.g. a body member. */
static inline void
hub_kit_request (hub_kit_buf_t *out, uint64_t request_id, const Cyclehub__V1__Envelope *env,
                 uint32_t number, const void *body, size_t size)
{
    hub_kit_buf_t envelope = { 0 };
    hub_kit_message (&envelope, &env->base);
    if (number)
        hub_kit_field (&envelope, number, body, size);
    hub_kit_varint (out, 1 << 3);
    hub_kit_varint (out, request_id);
    hub_kit_field (out, CYCLEHUB__V1__REQUEST__BODY_PUBLISH, envelope.data, envelope.size);
    hub_kit_free (&envelope);
}

/* A consultation.response envelope (response packed, then the raw
   PersonalData field `personal_field` holding value, value_size bytes),
   as a Request. response->personal must be NULL. */
static inline void
hub_kit_response (hub_kit_buf_t *out, uint64_t request_id, Cyclehub__V1__Envelope *env,
                  const Cyclehub__V1__ResponseSubmitted *response,
                  const ProtobufCFieldDescriptor *personal_field,
                  const void *value, size_t value_size)
{
    hub_kit_buf_t personal = { 0 }, body = { 0 };
    hub_kit_field (&personal, personal_field->id, value, value_size);
    hub_kit_message (&body, &response->base);
    const ProtobufCFieldDescriptor *holder = protobuf_c_message_descriptor_get_field_by_name (
        &cyclehub__v1__response_submitted__descriptor, "personal");
    hub_kit_field (&body, holder->id, personal.data, personal.size);
    env->body_case = CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET;
    hub_kit_request (out, request_id, env, CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED,
                     body.data, body.size);
    hub_kit_free (&personal);
    hub_kit_free (&body);
}

#ifdef __CZMQ_H_INCLUDED__
/* For the tests that send raw requests to a real cyclehubd (include czmq.h
   before this header): a DEALER signed in as agency on a --plain broker,
   replies waited for up to timeout_ms. The caller destroys it. */
static inline zsock_t *
hub_kit_dealer (const char *api, const char *agency, int timeout_ms)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    zsock_set_plain_username (sock, agency);
    zsock_set_plain_password (sock, "dev");
    zsock_set_rcvtimeo (sock, timeout_ms);
    zsock_set_linger (sock, 0);
    zsock_connect (sock, "%s", api);
    return sock;
}

/* Reads one reply; the caller frees it. NULL if none came in time, or
   if it was not a Reply. */
static inline Cyclehub__V1__Reply *
hub_kit_recv_reply (zsock_t *sock)
{
    zframe_t *frame = zframe_recv (sock);
    if (!frame)
        return NULL;
    Cyclehub__V1__Reply *reply = cyclehub__v1__reply__unpack (NULL, zframe_size (frame),
                                                              zframe_data (frame));
    zframe_destroy (&frame);
    return reply;
}

/* Packs and sends request, then reads its reply as hub_kit_recv_reply. */
static inline Cyclehub__V1__Reply *
hub_kit_exchange (zsock_t *sock, const Cyclehub__V1__Request *request)
{
    size_t size = cyclehub__v1__request__get_packed_size (request);
    zframe_t *frame = zframe_new (NULL, size);
    cyclehub__v1__request__pack (request, zframe_data (frame));
    zframe_send (&frame, sock, 0);
    return hub_kit_recv_reply (sock);
}
#endif

#endif
