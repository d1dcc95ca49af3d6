/*  fuzz_json: the proto3 JSON codec (proto/hub_json) on hostile text.
    The input is decoded as an Envelope and as a Request; what decodes must
    encode, and decode again to the same message (packed bytes identical).
    The same bytes are also unpacked as protobuf and encoded to JSON: what
    encodes must decode to a message that encodes to the same text, unless
    it holds money the text edges refuse (negative, or not in ISO 4217 List
    one with minor units): that is written, for display, but never read.
*/
#include "hub_json.h"
#include "hub_proto.h"
#include "hub_money.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  Text bigger than this is not parsed: the codec's callers bound their input
#define S_MAX_TEXT (256 * 1024)

static void
s_fail (const char *desc, const char *what, const char *detail)
{
    fprintf (stderr, "fuzz_json: invariant broken for %s: %s%s%s\n", desc, what,
             detail? ": ": "", detail? detail: "");
    abort ();
}

//  Packs msg into a malloc'd buffer
static uint8_t *
s_pack (const ProtobufCMessage *msg, size_t *size)
{
    *size = protobuf_c_message_get_packed_size (msg);
    uint8_t *buf = malloc (*size + 1);
    if (!buf)
        abort ();
    protobuf_c_message_pack (msg, buf);
    return buf;
}

//  JSON text -> message -> text -> message: both messages pack the same
static void
s_json_round_trip (const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t size)
{
    char err [256];
    ProtobufCMessage *first = hub_json_decode (desc, (const char *) data, size, err, sizeof err);
    if (!first) {
        if (!*err)
            s_fail (desc->name, "decode failed without an error", NULL);
        return;
    }
    if (*err)
        s_fail (desc->name, "decode succeeded with an error", err);
    char *text = hub_json_encode (first, 0);
    if (!text)
        s_fail (desc->name, "a decoded message does not encode", NULL);
    ProtobufCMessage *second = hub_json_decode (desc, text, strlen (text), err, sizeof err);
    if (!second) {
        fprintf (stderr, "text: %s\n", text);
        s_fail (desc->name, "encoded text does not decode", err);
    }
    size_t a_size, b_size;
    uint8_t *a = s_pack (first, &a_size);
    uint8_t *b = s_pack (second, &b_size);
    if (a_size != b_size || memcmp (a, b, a_size) != 0) {
        fprintf (stderr, "text: %s\n", text);
        s_fail (desc->name, "decode (encode (decode (text))) packs differently", NULL);
    }
    //  The pretty form is the same message
    char *pretty = hub_json_encode (first, HUB_JSON_PRETTY);
    if (!pretty)
        s_fail (desc->name, "a message encodes compact but not pretty", NULL);
    ProtobufCMessage *third = hub_json_decode (desc, pretty, strlen (pretty), err, sizeof err);
    if (!third)
        s_fail (desc->name, "pretty text does not decode", err);
    char *again = hub_json_encode (third, 0);
    if (!again || strcmp (again, text) != 0)
        s_fail (desc->name, "pretty text decodes to another message", NULL);
    free (again);
    protobuf_c_message_free_unpacked (third, NULL);
    free (pretty);
    free (a);
    free (b);
    free (text);
    protobuf_c_message_free_unpacked (second, NULL);
    protobuf_c_message_free_unpacked (first, NULL);
}

//  Returns 1 if every Money in msg is one the JSON codec reads back: unset,
//  or a non-negative amount in a currency hub_money can write
static int
s_money_readable (const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    if (desc == &cyclehub__v1__money__descriptor) {
        const Cyclehub__V1__Money *money = (const Cyclehub__V1__Money *) msg;
        bool unset = money->amount == 0 && (!money->currency || !*money->currency);
        return unset || (money->amount >= 0
                         && hub_money_check_currency (money->currency, NULL, 0) == 0);
    }
    const char *base = (const char *) msg;
    for (unsigned f = 0; f < desc->n_fields; f++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [f];
        if (field->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const ProtobufCMessage * const *subs = (const ProtobufCMessage * const *) (base + field->offset);
        size_t count = 1;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            count = *(const size_t *) (base + field->quantifier_offset);
            subs = *(const ProtobufCMessage * const * const *) (base + field->offset);
        }
        for (size_t i = 0; i < count; i++)
            if (subs && subs [i] && !s_money_readable (subs [i]))
                return 0;
    }
    return 1;
}

//  protobuf bytes -> message -> text -> message -> text: the texts are equal
static void
s_proto_round_trip (const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t size)
{
    ProtobufCMessage *msg = protobuf_c_message_unpack (desc, NULL, size, data);
    if (!msg)
        return;
    //  Bad UTF-8 and times outside 0000..9999 are documented encode errors
    char *text = hub_json_encode (msg, 0);
    if (text && !s_money_readable (msg)) {
        free (text);
        text = NULL;
    }
    if (text) {
        char err [256];
        ProtobufCMessage *back = hub_json_decode (desc, text, strlen (text), err, sizeof err);
        if (!back) {
            fprintf (stderr, "text: %s\n", text);
            s_fail (desc->name, "the encoding of an unpacked message does not decode", err);
        }
        char *again = hub_json_encode (back, 0);
        if (!again || strcmp (again, text) != 0) {
            fprintf (stderr, "text:  %s\nagain: %s\n", text, again? again: "(null)");
            s_fail (desc->name, "an unpacked message does not survive JSON", NULL);
        }
        free (again);
        protobuf_c_message_free_unpacked (back, NULL);
        free (text);
    }
    json_t *value = hub_json_from_message (msg);
    json_decref (value);
    protobuf_c_message_free_unpacked (msg, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size > S_MAX_TEXT)
        return 0;
    s_json_round_trip (&cyclehub__v1__envelope__descriptor, data, size);
    s_json_round_trip (&cyclehub__v1__request__descriptor, data, size);
    s_proto_round_trip (&cyclehub__v1__request__descriptor, data, size);
    s_proto_round_trip (&cyclehub__v1__envelope__descriptor, data, size);
    return 0;
}
