/*  hub_json: the canonical JSON form of every cyclehub.v1 message.

    One codec for all messages, driven by the protobuf-c descriptors: the
    proto3 JSON mapping, plus the project's time convention (int64 *_ms
    fields are RFC 3339 strings in JSON). Used by the CLI, webhooks and
    bridges, so that systems without ZeroMQ or protobuf can take part.

    Mapping, field by field:
    - JSON names are lowerCamelCase of the field names (commission_id ->
      commissionId); input also accepts the field name itself (commission_id).
    - An int64 field whose name ends in _ms is a time: its JSON name drops the
      suffix (sent_at_ms -> sentAt) and its value is an RFC 3339 string,
      written in UTC with milliseconds ("2026-11-29T21:29:30.123Z"). Input
      takes any offset and 0 to 9 fraction digits, but digits past the
      millisecond must be zero (nothing is silently rounded away). Times are
      limited to years 0000..9999 in UTC, both ways.
    - Other 64-bit integers are strings of digits; 32-bit integers are
      numbers. Input takes either a number or a string of digits for any
      integer, range checked; an integral real (2.0, 1e3) is accepted too.
      A JSON number beyond int64 is a syntax error (jansson refuses it), so
      uint64 values above 2^63-1 must come as strings, as they are written.
    - double: a number, or "NaN", "Infinity", "-Infinity".
    - bool: true/false. bytes: standard base64 with padding (input also
      takes URL-safe base64, padding optional).
    - Enums: the value name ("STAGE_PLAN"); input also takes an int32, which
      is stored as it is (proto3 enums are open; hub_proto_check flags values
      the schema does not define). An undefined value encodes as its number.
    - Default values are omitted (0, "", false, empty list, unset message,
      enum 0); a set oneof member is always written. In input, null means
      the default.
    - Unknown fields of the protobuf message (msg->unknown_fields) are not
      written.
*/
#ifndef HUB_JSON_H
#define HUB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HUB_JSON_PRETTY     1        /* indented output; default is compact, one line */

/* Limits held against hostile input (and output of recursive schemas). */
#define HUB_JSON_MAX_DEPTH  32       /* nested objects and arrays */
#define HUB_JSON_MAX_ARRAY  100000   /* elements in one repeated field */

/* Encodes msg (any cyclehub.v1 message) to its canonical JSON value, fields
   in descriptor order. Returns a new reference the caller releases with
   json_decref, or NULL if msg is NULL, out of memory, a string field is not
   valid UTF-8, a time is outside years 0000..9999, or the message nests
   deeper than HUB_JSON_MAX_DEPTH. A double is held exactly; write it with
   hub_json_dumps, which prints it as short as reads back exactly (jansson's
   own json_dumps prints 17 digits: 0.1 as 0.10000000000000001). */
json_t *
    hub_json_from_message (const ProtobufCMessage *msg);

/* Writes json as text, compact on one line or with HUB_JSON_PRETTY
   indented by two spaces, members in their order, every number with the
   fewest significant digits that read back exactly to every number of
   json (one precision for the whole text: jansson has no other). The way
   every JSON the hub sends out is written. Returns a string the caller
   frees with free(), or NULL if json is NULL or out of memory. */
char *
    hub_json_dumps (const json_t *json, int flags);

/* Encodes msg to canonical JSON text: compact on one line, or indented by
   two spaces with HUB_JSON_PRETTY. The same message always gives the same
   bytes; doubles are written with the fewest digits that read back to
   every double of the message exactly. Returns a NUL-terminated string
   the caller frees with free(), or NULL for the errors listed above. */
char *
    hub_json_encode (const ProtobufCMessage *msg, int flags);

/* Decodes a JSON object into a new message of type desc. The result and
   every piece of it (strings, bytes, arrays, sub-messages) come from
   malloc, so protobuf_c_message_free_unpacked (msg, NULL) frees it. On
   error returns NULL, frees anything partly built, and writes into err
   (if err is not NULL and errsize > 0; always NUL-terminated, truncated to
   errsize) a sentence that names the field path in JSON names, e.g.
   "tenderPublished.value.amount: expected an integer, got a string \"ten\"".
   Errors: not an object, unknown field, a field given twice (by both of
   its names), two members of one oneof, wrong JSON type, integer out of
   range or with a fraction, bad time, bad base64, unknown enum name,
   invalid UTF-8 or NUL in a string, deeper than HUB_JSON_MAX_DEPTH, more
   than HUB_JSON_MAX_ARRAY elements, out of memory. On success err is "".
   json is borrowed. */
ProtobufCMessage *
    hub_json_to_message (const ProtobufCMessageDescriptor *desc, json_t *json,
                         char *err, size_t errsize);

/* Parses len bytes of JSON text (need not be NUL-terminated) as
   hub_json_decode does before it decodes: nesting deeper than
   HUB_JSON_MAX_DEPTH is refused before jansson builds anything, duplicate
   keys and invalid UTF-8 are refused. Returns a new reference, or NULL
   with a sentence naming the line and column in err. */
json_t *
    hub_json_parse (const char *text, size_t len, char *err, size_t errsize);

/* As hub_json_to_message, from len bytes of JSON text (need not be
   NUL-terminated). Syntax errors, duplicate keys and nesting deeper than
   HUB_JSON_MAX_DEPTH are reported with their line and column. The text
   is parsed whole before it is checked, so callers bound its size. */
ProtobufCMessage *
    hub_json_decode (const ProtobufCMessageDescriptor *desc, const char *text,
                     size_t len, char *err, size_t errsize);

/* The JSON name the codec gives a field (lowerCamelCase; a time drops its
   _ms), written into buf; and whether the field is a time (an int64 named
   *_ms, an RFC 3339 string in JSON). For describing the JSON form
   (GET /v1/openapi.json) with the codec's own rules. */
void
    hub_json_field_name (const ProtobufCFieldDescriptor *field, char *buf, size_t size);
bool
    hub_json_field_is_time (const ProtobufCFieldDescriptor *field);

#ifdef __cplusplus
}
#endif
#endif
