/*  hub_wire: checks protobuf bytes against the schema BEFORE they are
    unpacked, because protobuf-c's unpack forgives what the hub must refuse:
    it keeps the last copy of a field sent twice, the last member of a oneof
    sent with another, and hands strings over as C strings, so a NUL hides
    everything after it from every check (and from redaction and erasure).

    One pass over the bytes, driven by the generated descriptors, with no
    allocation: every field is in the schema with its declared wire type, a
    singular field (scalar, string, bytes or message) appears once, a oneof
    holds one member, a string is valid UTF-8 with no NUL over its full
    length, an enum holds a value its type defines, and the limits of
    hub_proto.h hold (string and bytes sizes, list lengths, nesting). The
    walk goes into every nested message, so a message holds exactly what
    its type declares (a PersonalData only where one is): what passes needs
    no second check once unpacked (tests/test_wire.c holds hub_proto_check
    to that).
*/
#ifndef HUB_WIRE_H
#define HUB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cyclehub.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HUB_WIRE_OK = 0,
    HUB_WIRE_MALFORMED,         /* not protobuf: truncated, a bad varint, a group, field 0 */
    HUB_WIRE_UNKNOWN_FIELD,     /* a field number the message does not have */
    HUB_WIRE_WIRE_TYPE,         /* a known field sent with another wire type than its own */
    HUB_WIRE_REPEATED,          /* a singular field more than once */
    HUB_WIRE_ONEOF,             /* a second member of one oneof */
    HUB_WIRE_NUL,               /* a NUL byte inside a string */
    HUB_WIRE_BAD_UTF8,          /* a string that is not valid UTF-8 */
    HUB_WIRE_TOO_LARGE,         /* a string or bytes over HUB_PROTO_MAX_STRING, a list over
                                   HUB_PROTO_MAX_REPEATED, nesting over _MAX_DEPTH */
    HUB_WIRE_UNKNOWN_ENUM,      /* an enum value the schema does not define */
    HUB_WIRE_SCHEMA             /* a message with more fields than the walk tracks (a build bug) */
} hub_wire_rc_t;

/* The first problem found, for a rejection. */
typedef struct {
    hub_wire_rc_t rc;
    Cyclehub__V1__RejectCode code;  /* what the broker answers: MALFORMED, TOO_LARGE,
                                       INVALID_VALUE, INTERNAL */
    char field [128];               /* dotted path, "partner_update.links[2]" ("" for the whole) */
    char reason [320];              /* one sentence a person can act on */
} hub_wire_fault_t;

/* Most fields one message may have for the walk to track them. */
#define HUB_WIRE_MAX_FIELDS 256

/* Checks the bytes of a message of type desc. Returns 0 if they are clean,
   or -1 with *fault filled (fault may be NULL). Field paths are rooted at
   desc ("publish.msg_id" for a Request). Reads only data..data+size. */
int
    hub_wire_check (const ProtobufCMessageDescriptor *desc, const void *data, size_t size,
                    hub_wire_fault_t *fault);

/* hub_wire_check of a cyclehub.v1.Request, with the field paths of a
   publish rooted at the envelope ("msg_id", "partner_update.title"), as
   every other rejection of a publish names them. */
int
    hub_wire_check_request (const void *data, size_t size, hub_wire_fault_t *fault);

/* The request_id of a packed Request, read from its bytes without
   unpacking them: the first top-level request_id field, found by skipping
   the fields before it (a publish is skipped, not read). Returns 0 if the
   bytes hold none before their first wire-format fault. For a reply to a
   request refused before (or by) its unpack: too large, not protobuf. */
uint64_t
    hub_wire_request_id (const void *data, size_t size);

/* Returns true if len bytes at s are valid UTF-8 (RFC 3629: no overlongs,
   no surrogates, nothing past U+10FFFF) holding no NUL. Otherwise false,
   with *at (if not NULL) the offset of the first bad byte and *nul true if
   it is a NUL. */
bool
    hub_wire_text_ok (const void *s, size_t len, size_t *at, bool *nul);

#ifdef __cplusplus
}
#endif
#endif
