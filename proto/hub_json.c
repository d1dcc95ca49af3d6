/*  hub_json: canonical JSON for every cyclehub.v1 message, in one codec
    that walks the protobuf-c descriptors instead of a function per message.
    Decoding builds the message with malloc only, so protobuf-c's
    free_unpacked releases it, partly built or whole.
*/
#include "hub_json.h"
#include "hub_proto.h"
#include "hub_money.h"
#include "hub_number.h"
#include "hub_time.h"

#include <assert.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_NAME_MAX      128     //  longest JSON field name we build
#define S_PATH_MAX      512     //  longest field path in an error
#define S_SNIPPET_MAX   40      //  bytes of a bad value quoted in an error

//  --------------------------------------------------------------------------
//  Names

//  Returns true if the field is a time: an int64 named *_ms
static bool
s_is_time (const ProtobufCFieldDescriptor *field)
{
    if (field->type != PROTOBUF_C_TYPE_INT64)
        return false;
    size_t len = strlen (field->name);
    return len > 3 && strcmp (field->name + len - 3, "_ms") == 0;
}

//  Writes the JSON name of a field: lowerCamelCase, without _ms for times
static void
s_json_name (const ProtobufCFieldDescriptor *field, char *buf, size_t size)
{
    size_t len = strlen (field->name);
    if (s_is_time (field))
        len -= 3;
    size_t out = 0;
    bool upper = false;
    for (size_t i = 0; i < len; i++) {
        char c = field->name [i];
        if (c == '_') {
            upper = true;
            continue;
        }
        if (upper && c >= 'a' && c <= 'z')
            c = (char) (c - 'a' + 'A');
        upper = false;
        if (out + 1 < size)
            buf [out++] = c;
    }
    buf [out] = '\0';
}

//  Returns the size of one element of a field's type in a repeated array
static size_t
s_type_size (ProtobufCType type)
{
    switch (type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
        case PROTOBUF_C_TYPE_FLOAT:
        case PROTOBUF_C_TYPE_ENUM:
            return 4;
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
        case PROTOBUF_C_TYPE_DOUBLE:
            return 8;
        case PROTOBUF_C_TYPE_BOOL:
            return sizeof (protobuf_c_boolean);
        case PROTOBUF_C_TYPE_STRING:
            return sizeof (char *);
        case PROTOBUF_C_TYPE_BYTES:
            return sizeof (ProtobufCBinaryData);
        case PROTOBUF_C_TYPE_MESSAGE:
            return sizeof (ProtobufCMessage *);
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Base64

static const char s_base64_alphabet [] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

//  Returns a new NUL-terminated standard base64 string, or NULL
static char *
s_base64_encode (const uint8_t *data, size_t len, size_t *out_len)
{
    size_t size = (len + 2) / 3 * 4;
    char *out = malloc (size + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t chunk = (uint32_t) data [i] << 16;
        if (i + 1 < len)
            chunk |= (uint32_t) data [i + 1] << 8;
        if (i + 2 < len)
            chunk |= data [i + 2];
        out [o++] = s_base64_alphabet [(chunk >> 18) & 63];
        out [o++] = s_base64_alphabet [(chunk >> 12) & 63];
        out [o++] = i + 1 < len? s_base64_alphabet [(chunk >> 6) & 63]: '=';
        out [o++] = i + 2 < len? s_base64_alphabet [chunk & 63]: '=';
    }
    out [o] = '\0';
    *out_len = o;
    return out;
}

//  Returns the value of a base64 character, standard or URL-safe, or -1
static int
s_base64_value (unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

//  Decodes base64 (standard or URL-safe, padded or not) into a malloc'd
//  buffer (NULL when empty). Returns 0, -1 if malformed, -2 if out of memory.
static int
s_base64_decode (const char *s, size_t len, uint8_t **data, size_t *data_len)
{
    size_t pad = 0;
    while (len > 0 && s [len - 1] == '=' && pad < 2) {
        len--;
        pad++;
    }
    if ((pad && (len + pad) % 4) || len % 4 == 1)
        return -1;
    size_t size = len / 4 * 3 + (len % 4? len % 4 - 1: 0);
    *data = NULL;
    *data_len = 0;
    if (size == 0)
        return 0;
    uint8_t *out = malloc (size);
    if (!out)
        return -2;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int value = s_base64_value ((unsigned char) s [i]);
        if (value < 0) {
            free (out);
            return -1;
        }
        acc = (acc << 6) | (uint32_t) value;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out [o++] = (uint8_t) (acc >> bits);
        }
    }
    assert (o == size);
    *data = out;
    *data_len = size;
    return 0;
}

//  --------------------------------------------------------------------------
//  Encoding

//  Returns the fewest significant digits that print d so it reads back the
//  same (as a float, if is_float)
static int
s_shortest_precision (double d, bool is_float)
{
    char buf [40];
    for (int precision = 1; precision < 17; precision++) {
        snprintf (buf, sizeof buf, "%.*g", precision, d);
        double back = strtod (buf, NULL);
        if (is_float? (float) back == (float) d: back == d)
            return precision;
    }
    return 17;
}

//  A float is held as the double of its shortest text (0.1f as 0.1), so
//  that hub_json_dumps prints it as short as a float needs
static json_t *
s_encode_double (double d, bool is_float)
{
    if (isnan (d))
        return json_string ("NaN");
    if (isinf (d))
        return json_string (d > 0? "Infinity": "-Infinity");
    if (is_float) {
        char buf [40];
        snprintf (buf, sizeof buf, "%.*g", s_shortest_precision (d, true), d);
        d = strtod (buf, NULL);
    }
    return json_real (d);
}

static json_t *
    s_encode_message (const ProtobufCMessage *msg, int depth);

//  Encodes one value of a field; slot points at its storage
static json_t *
s_encode_value (const ProtobufCFieldDescriptor *field,
                const void *slot, int depth)
{
    char buf [64];
    switch (field->type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
            return json_integer (*(const int32_t *) slot);
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
            return json_integer (*(const uint32_t *) slot);
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
            if (s_is_time (field)) {
                if (hub_time_format (*(const int64_t *) slot, buf, sizeof buf) < 0)
                    return NULL;
            }
            else
                snprintf (buf, sizeof buf, "%" PRId64, *(const int64_t *) slot);
            return json_string (buf);
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            snprintf (buf, sizeof buf, "%" PRIu64, *(const uint64_t *) slot);
            return json_string (buf);
        case PROTOBUF_C_TYPE_FLOAT:
            return s_encode_double (*(const float *) slot, true);
        case PROTOBUF_C_TYPE_DOUBLE:
            return s_encode_double (*(const double *) slot, false);
        case PROTOBUF_C_TYPE_BOOL:
            return json_boolean (*(const protobuf_c_boolean *) slot != 0);
        case PROTOBUF_C_TYPE_ENUM: {
            int value = *(const int *) slot;
            const ProtobufCEnumValue *named =
                protobuf_c_enum_descriptor_get_value (field->descriptor, value);
            return named? json_string (named->name): json_integer (value);
        }
        case PROTOBUF_C_TYPE_STRING: {
            const char *str = *(char * const *) slot;
            if (!str)
                str = "";
            size_t len = strlen (str);
            if (!hub_proto_utf8_valid (str, len))
                return NULL;
            return json_stringn_nocheck (str, len);
        }
        case PROTOBUF_C_TYPE_BYTES: {
            const ProtobufCBinaryData *bin = slot;
            size_t len;
            char *text = s_base64_encode (bin->data, bin->data? bin->len: 0, &len);
            if (!text)
                return NULL;
            json_t *json = json_stringn_nocheck (text, len);
            free (text);
            return json;
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            const ProtobufCMessage *sub = *(ProtobufCMessage * const *) slot;
            if (!sub)
                return json_object ();
            return s_encode_message (sub, depth + 1);
        }
    }
    return NULL;
}

//  Returns true if a singular field is written: set oneof members always,
//  proto3 fields only when not their default value
static bool
s_encode_present (const ProtobufCFieldDescriptor *field, const char *base)
{
    const void *slot = base + field->offset;
    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *) (base + field->quantifier_offset) == field->id;
    if (field->label == PROTOBUF_C_LABEL_REQUIRED)
        return true;
    if (field->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(ProtobufCMessage * const *) slot != NULL;
    if (field->label == PROTOBUF_C_LABEL_OPTIONAL) {
        if (field->type == PROTOBUF_C_TYPE_STRING)
            return *(char * const *) slot != NULL;
        return *(const protobuf_c_boolean *) (base + field->quantifier_offset);
    }
    if (field->type == PROTOBUF_C_TYPE_STRING) {
        const char *str = *(char * const *) slot;
        return str && *str;
    }
    if (field->type == PROTOBUF_C_TYPE_BYTES)
        return ((const ProtobufCBinaryData *) slot)->len > 0;
    //  Scalars: any bit set (so -0.0 is written, as protobuf-c packs it)
    static const uint8_t zero [8] = { 0 };
    return memcmp (slot, zero, s_type_size (field->type)) != 0;
}

//  Money is written in the currency's major unit, as a decimal string:
//  {"amount": "450000.00", "currency": "GBP"} (docs/protocol.md, "Money").
//  Minor units with no ISO 4217 currency (only in history stored before the
//  broker checked currencies) cannot be written so; rather than fail, they
//  are written under a name that says what they are: "amountMinorUnits".
static json_t *
s_encode_money (const Cyclehub__V1__Money *money)
{
    const char *currency = money->currency? money->currency: "";
    char text [HUB_MONEY_TEXT_MAX];
    json_t *object = json_object ();
    if (!object)
        return NULL;
    int rc = 0;
    if (hub_money_format (money->amount, currency, text, sizeof text) >= 0)
        rc = json_object_set_new (object, "amount", json_string (text));
    else
    if (money->amount != 0) {
        snprintf (text, sizeof text, "%" PRId64, money->amount);
        rc = json_object_set_new (object, "amountMinorUnits", json_string (text));
    }
    if (rc == 0 && *currency) {
        if (!hub_proto_utf8_valid (currency, strlen (currency)))
            rc = -1;
        else
            rc = json_object_set_new (object, "currency", json_string (currency));
    }
    if (rc)
        json_decref (object);
    return rc? NULL: object;
}

static json_t *
s_encode_message (const ProtobufCMessage *msg, int depth)
{
    if (depth > HUB_JSON_MAX_DEPTH)
        return NULL;
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    assert (desc && desc->magic == PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC);
    if (desc == &cyclehub__v1__money__descriptor)
        return s_encode_money ((const Cyclehub__V1__Money *) msg);
    const char *base = (const char *) msg;
    json_t *object = json_object ();
    if (!object)
        return NULL;
    for (unsigned f = 0; f < desc->n_fields; f++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [f];
        const void *slot = base + field->offset;
        json_t *value;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *) (base + field->quantifier_offset);
            const char *array = *(const char * const *) slot;
            if (count == 0 || !array)
                continue;
            value = json_array ();
            if (!value)
                goto failed;
            size_t size = s_type_size (field->type);
            for (size_t i = 0; i < count; i++) {
                json_t *item = s_encode_value (field, array + i * size, depth);
                if (json_array_append_new (value, item)) {
                    json_decref (value);
                    goto failed;
                }
            }
        }
        else {
            if (!s_encode_present (field, base))
                continue;
            value = s_encode_value (field, slot, depth);
            if (!value)
                goto failed;
        }
        char name [S_NAME_MAX];
        s_json_name (field, name, sizeof name);
        if (json_object_set_new_nocheck (object, name, value))
            goto failed;
    }
    return object;

failed:
    json_decref (object);
    return NULL;
}

json_t *
hub_json_from_message (const ProtobufCMessage *msg)
{
    if (!msg)
        return NULL;
    return s_encode_message (msg, 1);
}

//  The fewest digits (at least p) that print every number of json exactly
static int
s_tree_precision (const json_t *json, int p)
{
    const char *key;
    json_t *value;
    size_t i;
    switch (json_typeof (json)) {
        case JSON_REAL: {
            int q = s_shortest_precision (json_real_value (json), false);
            return q > p? q: p;
        }
        case JSON_OBJECT:
            json_object_foreach ((json_t *) json, key, value)
                p = s_tree_precision (value, p);
            return p;
        case JSON_ARRAY:
            json_array_foreach (json, i, value)
                p = s_tree_precision (value, p);
            return p;
        default:
            return p;
    }
}

char *
hub_json_dumps (const json_t *json, int flags)
{
    if (!json)
        return NULL;
    size_t dump_flags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (s_tree_precision (json, 1));
    dump_flags |= (flags & HUB_JSON_PRETTY)? JSON_INDENT (2): JSON_COMPACT;
    return json_dumps (json, dump_flags);
}

char *
hub_json_encode (const ProtobufCMessage *msg, int flags)
{
    if (!msg)
        return NULL;
    json_t *json = s_encode_message (msg, 1);
    char *text = hub_json_dumps (json, flags);
    json_decref (json);
    return text;
}

//  --------------------------------------------------------------------------
//  Decoding

typedef struct {
    char *err;                  //  caller's buffer for the error, or NULL
    size_t errsize;             //  its size
    char path [S_PATH_MAX];     //  JSON path of the value being decoded
    size_t path_len;            //  length of path
} s_decoder_t;

//  Copies up to S_SNIPPET_MAX bytes of str into buf for an error message:
//  cut on a character boundary, quotes, backslashes and controls escaped
static void
s_snippet (char *buf, size_t size, const char *str, size_t len)
{
    size_t o = 0;
    size_t i = 0;
    while (i < len && i < S_SNIPPET_MAX && o + 8 < size) {
        unsigned char c = (unsigned char) str [i];
        if (c < 0x20 || c == 0x7F)
            o += (size_t) snprintf (buf + o, size - o, "\\u%04x", c);
        else
        if (c == '"' || c == '\\') {
            buf [o++] = '\\';
            buf [o++] = (char) c;
        }
        else
            buf [o++] = (char) c;
        i++;
    }
    if (i < len) {
        //  Do not leave half a UTF-8 sequence
        while (o > 0 && (buf [o - 1] & 0xC0) == 0x80)
            o--;
        if (o > 0 && (buf [o - 1] & 0xC0) == 0xC0)
            o--;
        if (o + 4 <= size) {
            memcpy (buf + o, "...", 3);
            o += 3;
        }
    }
    buf [o < size? o: size - 1] = '\0';
}

//  Describes a JSON value for an error: "a string \"ten\"", "an array"
static void
s_describe (json_t *json, char *buf, size_t size)
{
    char snippet [S_SNIPPET_MAX * 6 + 8];
    switch (json_typeof (json)) {
        case JSON_OBJECT: snprintf (buf, size, "an object"); break;
        case JSON_ARRAY:  snprintf (buf, size, "an array"); break;
        case JSON_STRING:
            s_snippet (snippet, sizeof snippet, json_string_value (json),
                       json_string_length (json));
            snprintf (buf, size, "a string \"%s\"", snippet);
            break;
        case JSON_INTEGER:
            snprintf (buf, size, "a number %" JSON_INTEGER_FORMAT, json_integer_value (json));
            break;
        case JSON_REAL:
            hub_number_format (json_real_value (json), snippet, sizeof snippet);
            snprintf (buf, size, "a number %s", snippet);
            break;
        case JSON_TRUE:   snprintf (buf, size, "true"); break;
        case JSON_FALSE:  snprintf (buf, size, "false"); break;
        case JSON_NULL:   snprintf (buf, size, "null"); break;
    }
}

//  Writes "path: sentence" into the caller's error buffer
static void
    s_fail (s_decoder_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_fail (s_decoder_t *self, const char *format, ...)
{
    if (!self->err || self->errsize == 0)
        return;
    int used = 0;
    if (self->path_len > 0)
        used = snprintf (self->err, self->errsize, "%s: ", self->path);
    if (used < 0 || (size_t) used >= self->errsize)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (self->err + used, self->errsize - (size_t) used, format, args);
    va_end (args);
}

static void
s_fail_type (s_decoder_t *self, const char *expected, json_t *json)
{
    char got [S_SNIPPET_MAX * 6 + 32];
    s_describe (json, got, sizeof got);
    s_fail (self, "expected %s, got %s", expected, got);
}

//  Appends a segment to the path; returns the length to restore afterwards
static size_t
s_path_push (s_decoder_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static size_t
s_path_push (s_decoder_t *self, const char *format, ...)
{
    size_t mark = self->path_len;
    size_t room = sizeof self->path - mark;
    if (room > 1) {
        va_list args;
        va_start (args, format);
        int n = vsnprintf (self->path + mark, room, format, args);
        va_end (args);
        if (n > 0)
            self->path_len += (size_t) n < room? (size_t) n: room - 1;
    }
    return mark;
}

static void
s_path_pop (s_decoder_t *self, size_t mark)
{
    self->path_len = mark;
    self->path [mark] = '\0';
}

//  Pushes a field name: "name" at the top, ".name" below
static size_t
s_path_push_name (s_decoder_t *self, const char *name, size_t len)
{
    char snippet [S_SNIPPET_MAX * 6 + 8];
    s_snippet (snippet, sizeof snippet, name, len);
    return s_path_push (self, "%s%s", self->path_len? ".": "", snippet);
}

//  Reads any JSON integer form: a number, an integral real, or a string of
//  digits with an optional minus sign. Returns 0, or -1 after reporting.
static int
s_read_integer (s_decoder_t *self, json_t *json, const char *type_name,
                bool *negative, uint64_t *magnitude)
{
    if (json_is_integer (json)) {
        json_int_t value = json_integer_value (json);
        *negative = value < 0;
        *magnitude = value < 0? (uint64_t) -(value + 1) + 1: (uint64_t) value;
        return 0;
    }
    if (json_is_real (json)) {
        double value = json_real_value (json);
        char text [HUB_NUMBER_TEXT_MAX];
        hub_number_format (value, text, sizeof text);
        if (value != floor (value)) {
            s_fail (self, "expected an integer, got a number with a fraction %s", text);
            return -1;
        }
        if (fabs (value) >= 18446744073709551616.0) {
            s_fail (self, "%s is out of range for %s", text, type_name);
            return -1;
        }
        *negative = value < 0;
        *magnitude = (uint64_t) fabs (value);
        return 0;
    }
    if (json_is_string (json)) {
        const char *str = json_string_value (json);
        size_t len = json_string_length (json);
        size_t i = 0;
        *negative = len > 0 && str [0] == '-';
        if (*negative)
            i++;
        if (i == len) {
            s_fail_type (self, "an integer", json);
            return -1;
        }
        uint64_t value = 0;
        bool overflow = false;
        for (; i < len; i++) {
            if (str [i] < '0' || str [i] > '9') {
                s_fail_type (self, "an integer", json);
                return -1;
            }
            unsigned digit = (unsigned) (str [i] - '0');
            if (value > (UINT64_MAX - digit) / 10)
                overflow = true;
            else
                value = value * 10 + digit;
        }
        if (overflow) {
            char snippet [S_SNIPPET_MAX * 6 + 8];
            s_snippet (snippet, sizeof snippet, str, len);
            s_fail (self, "%s is out of range for %s", snippet, type_name);
            return -1;
        }
        *magnitude = value;
        return 0;
    }
    s_fail_type (self, "an integer", json);
    return -1;
}

static int
s_read_signed (s_decoder_t *self, json_t *json, int64_t min, int64_t max,
               const char *type_name, int64_t *value)
{
    bool negative;
    uint64_t magnitude;
    if (s_read_integer (self, json, type_name, &negative, &magnitude))
        return -1;
    uint64_t limit = negative? (uint64_t) -(min + 1) + 1: (uint64_t) max;
    if (magnitude > limit) {
        s_fail (self, "%s%" PRIu64 " is out of range for %s (%" PRId64 "..%" PRId64 ")",
                negative? "-": "", magnitude, type_name, min, max);
        return -1;
    }
    *value = negative? -(int64_t) (magnitude - 1) - 1: (int64_t) magnitude;
    return 0;
}

static int
s_read_unsigned (s_decoder_t *self, json_t *json, uint64_t max,
                 const char *type_name, uint64_t *value)
{
    bool negative;
    uint64_t magnitude;
    if (s_read_integer (self, json, type_name, &negative, &magnitude))
        return -1;
    if (negative && magnitude > 0) {
        s_fail (self, "-%" PRIu64 " is out of range for %s, which cannot be negative",
                magnitude, type_name);
        return -1;
    }
    if (magnitude > max) {
        s_fail (self, "%" PRIu64 " is out of range for %s (0..%" PRIu64 ")",
                magnitude, type_name, max);
        return -1;
    }
    *value = magnitude;
    return 0;
}

//  Returns true if json is exactly the string text
static bool
s_string_is (json_t *json, const char *text)
{
    return json_is_string (json) && json_string_length (json) == strlen (text)
        && memcmp (json_string_value (json), text, strlen (text)) == 0;
}

static int
s_read_double (s_decoder_t *self, json_t *json, bool is_float, double *value)
{
    if (json_is_number (json))
        *value = json_number_value (json);
    else
    if (s_string_is (json, "NaN"))
        *value = NAN;
    else
    if (s_string_is (json, "Infinity"))
        *value = INFINITY;
    else
    if (s_string_is (json, "-Infinity"))
        *value = -INFINITY;
    else {
        s_fail_type (self, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")", json);
        return -1;
    }
    if (is_float && isfinite (*value) && fabs (*value) > FLT_MAX) {
        char text [HUB_NUMBER_TEXT_MAX];
        hub_number_format (*value, text, sizeof text);
        s_fail (self, "%s is out of range for float", text);
        return -1;
    }
    return 0;
}

static int
s_read_enum (s_decoder_t *self, const ProtobufCEnumDescriptor *desc, json_t *json,
             int *value)
{
    if (json_is_string (json)) {
        const char *name = json_string_value (json);
        const ProtobufCEnumValue *named =
            protobuf_c_enum_descriptor_get_value_by_name (desc, name);
        if (named && strlen (name) == json_string_length (json)) {
            *value = named->value;
            return 0;
        }
        char snippet [S_SNIPPET_MAX * 6 + 8];
        s_snippet (snippet, sizeof snippet, name, json_string_length (json));
        char names [256] = "";
        size_t used = 0;
        for (unsigned i = 0; i < desc->n_values && used < sizeof names; i++) {
            if (i == 6) {
                snprintf (names + used, sizeof names - used, ", ...");
                break;
            }
            int n = snprintf (names + used, sizeof names - used, "%s%s",
                              i? ", ": "", desc->values [i].name);
            if (n > 0)
                used += (size_t) n;
        }
        s_fail (self, "unknown value \"%s\" for %s; expected one of %s",
                snippet, desc->name, names);
        return -1;
    }
    if (json_is_number (json)) {
        int64_t number;
        if (s_read_signed (self, json, INT32_MIN, INT32_MAX, "int32", &number))
            return -1;
        *value = (int) number;
        return 0;
    }
    s_fail_type (self, "an enum value name (string) or number", json);
    return -1;
}

//  Reads a JSON string into a malloc'd copy; returns NULL after reporting
static char *
s_read_string (s_decoder_t *self, json_t *json)
{
    if (!json_is_string (json)) {
        s_fail_type (self, "a string", json);
        return NULL;
    }
    const char *str = json_string_value (json);
    size_t len = json_string_length (json);
    if (memchr (str, '\0', len)) {
        s_fail (self, "the string contains a NUL character");
        return NULL;
    }
    if (!hub_proto_utf8_valid (str, len)) {
        s_fail (self, "the string is not valid UTF-8");
        return NULL;
    }
    char *copy = malloc (len + 1);
    if (!copy) {
        s_fail (self, "out of memory");
        return NULL;
    }
    memcpy (copy, str, len + 1);
    return copy;
}

static ProtobufCMessage *
    s_decode_message (s_decoder_t *self, const ProtobufCMessageDescriptor *desc,
                      json_t *json, int depth);

//  Decodes one value into slot. Stores nothing unless it succeeds, so a
//  failure leaves nothing to free. Returns 0, or -1 after reporting.
static int
s_decode_value (s_decoder_t *self, const ProtobufCFieldDescriptor *field,
                void *slot, json_t *json, int depth)
{
    int64_t number;
    uint64_t unumber;
    double real;
    switch (field->type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
            if (s_read_signed (self, json, INT32_MIN, INT32_MAX, "int32", &number))
                return -1;
            *(int32_t *) slot = (int32_t) number;
            return 0;
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
            if (s_read_unsigned (self, json, UINT32_MAX, "uint32", &unumber))
                return -1;
            *(uint32_t *) slot = (uint32_t) unumber;
            return 0;
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
            if (s_is_time (field)) {
                if (!json_is_string (json)) {
                    s_fail_type (self, "an RFC 3339 time string", json);
                    return -1;
                }
                char why [160] = "it is not of the form 2026-11-29T21:29:30.123Z";
                const char *text = json_string_value (json);
                if (strlen (text) != json_string_length (json)
                ||  hub_time_parse (text, &number, why, sizeof why)) {
                    char snippet [S_SNIPPET_MAX * 6 + 8];
                    s_snippet (snippet, sizeof snippet, text, json_string_length (json));
                    s_fail (self, "\"%s\" is not a valid RFC 3339 time: %s", snippet, why);
                    return -1;
                }
            }
            else
            if (s_read_signed (self, json, INT64_MIN, INT64_MAX, "int64", &number))
                return -1;
            *(int64_t *) slot = number;
            return 0;
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            if (s_read_unsigned (self, json, UINT64_MAX, "uint64", &unumber))
                return -1;
            *(uint64_t *) slot = unumber;
            return 0;
        case PROTOBUF_C_TYPE_FLOAT:
            if (s_read_double (self, json, true, &real))
                return -1;
            *(float *) slot = (float) real;
            return 0;
        case PROTOBUF_C_TYPE_DOUBLE:
            if (s_read_double (self, json, false, &real))
                return -1;
            *(double *) slot = real;
            return 0;
        case PROTOBUF_C_TYPE_BOOL:
            if (!json_is_boolean (json)) {
                s_fail_type (self, "true or false", json);
                return -1;
            }
            *(protobuf_c_boolean *) slot = json_is_true (json);
            return 0;
        case PROTOBUF_C_TYPE_ENUM: {
            int value;
            if (s_read_enum (self, field->descriptor, json, &value))
                return -1;
            *(int *) slot = value;
            return 0;
        }
        case PROTOBUF_C_TYPE_STRING: {
            char *str = s_read_string (self, json);
            if (!str)
                return -1;
            *(char **) slot = str;
            return 0;
        }
        case PROTOBUF_C_TYPE_BYTES: {
            if (!json_is_string (json)) {
                s_fail_type (self, "a base64 string", json);
                return -1;
            }
            ProtobufCBinaryData *bin = slot;
            uint8_t *data;
            size_t len;
            int rc = s_base64_decode (json_string_value (json), json_string_length (json),
                                      &data, &len);
            if (rc == -2) {
                s_fail (self, "out of memory");
                return -1;
            }
            if (rc) {
                s_fail (self, "the string is not valid base64");
                return -1;
            }
            bin->data = data;
            bin->len = len;
            return 0;
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            ProtobufCMessage *sub = s_decode_message (self, field->descriptor, json, depth + 1);
            if (!sub)
                return -1;
            *(ProtobufCMessage **) slot = sub;
            return 0;
        }
    }
    s_fail (self, "unsupported field type");
    return -1;
}

//  Decodes a field (JSON value not null) into msg. Returns 0, or -1 after
//  reporting; msg then still frees cleanly with free_unpacked.
static int
s_decode_field (s_decoder_t *self, const ProtobufCFieldDescriptor *field,
                ProtobufCMessage *msg, json_t *json, int depth)
{
    char *base = (char *) msg;
    void *slot = base + field->offset;
    if (field->label == PROTOBUF_C_LABEL_REPEATED) {
        if (!json_is_array (json)) {
            s_fail_type (self, "an array", json);
            return -1;
        }
        size_t count = json_array_size (json);
        if (count > HUB_JSON_MAX_ARRAY) {
            s_fail (self, "%zu elements are more than the limit of %d",
                    count, HUB_JSON_MAX_ARRAY);
            return -1;
        }
        if (count == 0)
            return 0;
        size_t size = s_type_size (field->type);
        char *array = calloc (count, size);
        if (!array) {
            s_fail (self, "out of memory");
            return -1;
        }
        //  The array is hooked in first and counted as it fills, so that
        //  free_unpacked frees exactly the elements done if one fails
        size_t *quantity = (size_t *) (base + field->quantifier_offset);
        *(void **) slot = array;
        *quantity = 0;
        for (size_t i = 0; i < count; i++) {
            size_t mark = s_path_push (self, "[%zu]", i);
            json_t *item = json_array_get (json, i);
            if (json_is_null (item)) {
                s_fail (self, "null is not allowed in a list");
                return -1;
            }
            if (s_decode_value (self, field, array + i * size, item, depth))
                return -1;
            (*quantity)++;
            s_path_pop (self, mark);
        }
        return 0;
    }
    if (s_decode_value (self, field, slot, json, depth))
        return -1;
    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *) (base + field->quantifier_offset) = field->id;
    else
    if (field->label == PROTOBUF_C_LABEL_OPTIONAL
    &&  field->type != PROTOBUF_C_TYPE_MESSAGE && field->type != PROTOBUF_C_TYPE_STRING)
        *(protobuf_c_boolean *) (base + field->quantifier_offset) = 1;
    return 0;
}

//  Returns the index of the field a JSON key names (JSON or field name),
//  or n_fields if none
static unsigned
s_find_field (const ProtobufCMessageDescriptor *desc, const char *key, size_t len)
{
    for (unsigned f = 0; f < desc->n_fields; f++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [f];
        char name [S_NAME_MAX];
        s_json_name (field, name, sizeof name);
        if ((strlen (name) == len && memcmp (name, key, len) == 0)
        ||  (strlen (field->name) == len && memcmp (field->name, key, len) == 0))
            return f;
    }
    return desc->n_fields;
}

//  Reads a Money amount (not null) in currency's major unit: a decimal
//  string, or a JSON integer. A number with a fraction or an exponent is
//  refused: a binary double cannot carry 0.1, so "exact" would be a guess.
static int
s_read_amount (s_decoder_t *self, json_t *json, const char *currency, int64_t *minor)
{
    char err [256], text [32];
    const char *amount = text;
    if (json_is_string (json)) {
        amount = json_string_value (json);
        if (strlen (amount) != json_string_length (json)) {
            s_fail (self, "the string contains a NUL character");
            return -1;
        }
    }
    else
    if (json_is_integer (json))
        snprintf (text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value (json));
    else
    if (json_is_real (json)) {
        char number [HUB_NUMBER_TEXT_MAX];
        hub_number_format (json_real_value (json), number, sizeof number);
        const hub_currency_t *c = hub_money_currency (currency);
        snprintf (text, sizeof text, "%.*f", c? c->minor_units: 2, json_real_value (json));
        s_fail (self, "%s is a JSON number with a fraction or an exponent, which cannot carry "
                "every decimal exactly: write the amount as a string, \"%s\"", number,
                strlen (text) < 24? text: "450000.00");
        return -1;
    }
    else {
        s_fail_type (self, "an amount as a decimal string such as \"450000.00\"", json);
        return -1;
    }
    if (hub_money_parse (amount, currency, minor, err, sizeof err)) {
        s_fail (self, "%s", err);
        return -1;
    }
    return 0;
}

//  Decodes Money: {"amount": "450000.00", "currency": "GBP"}, the amount in
//  the currency's major unit (hub_money), stored as minor units.
static ProtobufCMessage *
s_decode_money (s_decoder_t *self, json_t *json)
{
    json_t *amount = NULL, *currency = NULL;
    const char *key;
    size_t key_len;
    json_t *value;
    json_object_keylen_foreach (json, key, key_len, value) {
        if (key_len == 6 && memcmp (key, "amount", 6) == 0)
            amount = json_is_null (value)? NULL: value;
        else
        if (key_len == 8 && memcmp (key, "currency", 8) == 0)
            currency = json_is_null (value)? NULL: value;
        else {
            s_path_push_name (self, key, key_len);
            s_fail (self, "unknown field: money is {\"amount\": \"450000.00\", "
                    "\"currency\": \"GBP\"}, the amount in the currency's major unit");
            return NULL;
        }
    }
    Cyclehub__V1__Money *money = malloc (sizeof *money);
    if (!money) {
        s_fail (self, "out of memory");
        return NULL;
    }
    cyclehub__v1__money__init (money);
    char err [256];
    size_t mark = s_path_push (self, "%scurrency", self->path_len? ".": "");
    if (currency && !(money->currency = s_read_string (self, currency)))
        goto failed;
    if ((currency || amount) && hub_money_check_currency (money->currency, err, sizeof err)) {
        s_fail (self, "%s", err);
        goto failed;
    }
    s_path_pop (self, mark);
    mark = s_path_push (self, "%samount", self->path_len? ".": "");
    if (amount && s_read_amount (self, amount, money->currency, &money->amount))
        goto failed;
    s_path_pop (self, mark);
    return &money->base;

failed:
    protobuf_c_message_free_unpacked (&money->base, NULL);
    return NULL;
}

static ProtobufCMessage *
s_decode_message (s_decoder_t *self, const ProtobufCMessageDescriptor *desc,
                  json_t *json, int depth)
{
    assert (desc && desc->magic == PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC);
    if (depth > HUB_JSON_MAX_DEPTH) {
        s_fail (self, "nested deeper than %d levels", HUB_JSON_MAX_DEPTH);
        return NULL;
    }
    if (!json_is_object (json)) {
        s_fail_type (self, "an object", json);
        return NULL;
    }
    if (desc == &cyclehub__v1__money__descriptor)
        return s_decode_money (self, json);
    ProtobufCMessage *msg = malloc (desc->sizeof_message);
    const char **seen = calloc (desc->n_fields + 1, sizeof (char *));
    if (!msg || !seen) {
        free (msg);
        free (seen);
        s_fail (self, "out of memory");
        return NULL;
    }
    desc->message_init (msg);
    char *base = (char *) msg;

    const char *key;
    size_t key_len;
    json_t *value;
    json_object_keylen_foreach (json, key, key_len, value) {
        unsigned f = s_find_field (desc, key, key_len);
        if (f == desc->n_fields) {
            s_path_push_name (self, key, key_len);
            s_fail (self, "unknown field");
            goto failed;
        }
        const ProtobufCFieldDescriptor *field = &desc->fields [f];
        char name [S_NAME_MAX];
        s_json_name (field, name, sizeof name);
        if (seen [f]) {
            s_fail (self, "\"%s\" and \"%s\" are the same field %s; give it once",
                    seen [f], key, name);
            goto failed;
        }
        seen [f] = key;
        if (json_is_null (value))
            continue;           //  null is the default: nothing to set
        if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t set = *(uint32_t *) (base + field->quantifier_offset);
            const ProtobufCFieldDescriptor *other =
                set? protobuf_c_message_descriptor_get_field (desc, set): NULL;
            if (other) {
                char other_name [S_NAME_MAX];
                s_json_name (other, other_name, sizeof other_name);
                s_fail (self, "%s and %s are both set, but they are members of one "
                        "oneof; set only one", other_name, name);
                goto failed;
            }
        }
        size_t mark = s_path_push_name (self, name, strlen (name));
        if (s_decode_field (self, field, msg, value, depth))
            goto failed;
        s_path_pop (self, mark);
    }
    free (seen);
    return msg;

failed:
    free (seen);
    protobuf_c_message_free_unpacked (msg, NULL);
    return NULL;
}

ProtobufCMessage *
hub_json_to_message (const ProtobufCMessageDescriptor *desc, json_t *json,
                     char *err, size_t errsize)
{
    assert (desc);
    s_decoder_t decoder = { .err = err, .errsize = errsize };
    if (err && errsize)
        err [0] = '\0';
    if (!json) {
        s_fail (&decoder, "no JSON value");
        return NULL;
    }
    if (!json_is_object (json)) {
        char got [S_SNIPPET_MAX * 6 + 32];
        s_describe (json, got, sizeof got);
        s_fail (&decoder, "expected a JSON object for %s, got %s", desc->name, got);
        return NULL;
    }
    return s_decode_message (&decoder, desc, json, 1);
}

//  Rejects text nested deeper than HUB_JSON_MAX_DEPTH before jansson builds
//  it (jansson itself allows 2048 levels). Counts brackets outside strings;
//  text that is not JSON is left for jansson to report.
static int
s_check_depth (const char *text, size_t len, char *err, size_t errsize)
{
    int depth = 0;
    int line = 1, column = 0;
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < len; i++) {
        char c = text [i];
        column++;
        if (c == '\n') {
            line++;
            column = 0;
        }
        if (in_string) {
            if (escaped)
                escaped = false;
            else
            if (c == '\\')
                escaped = true;
            else
            if (c == '"')
                in_string = false;
        }
        else
        if (c == '"')
            in_string = true;
        else
        if (c == '{' || c == '[') {
            if (++depth > HUB_JSON_MAX_DEPTH) {
                if (err && errsize)
                    snprintf (err, errsize, "JSON at line %d, column %d: nested deeper "
                              "than %d levels", line, column, HUB_JSON_MAX_DEPTH);
                return -1;
            }
        }
        else
        if ((c == '}' || c == ']') && depth > 0)
            depth--;
    }
    return 0;
}

json_t *
hub_json_parse (const char *text, size_t len, char *err, size_t errsize)
{
    if (err && errsize)
        err [0] = '\0';
    if (s_check_depth (text, len, err, errsize))
        return NULL;
    json_error_t error;
    json_t *json = json_loadb (text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &error);
    if (!json && err && errsize)
        snprintf (err, errsize, "invalid JSON at line %d, column %d: %s",
                  error.line, error.column, error.text);
    return json;
}

ProtobufCMessage *
hub_json_decode (const ProtobufCMessageDescriptor *desc, const char *text,
                 size_t len, char *err, size_t errsize)
{
    assert (desc);
    if (err && errsize)
        err [0] = '\0';
    if (!text) {
        if (err && errsize)
            snprintf (err, errsize, "no JSON text");
        return NULL;
    }
    json_t *json = hub_json_parse (text, len, err, errsize);
    if (!json)
        return NULL;
    ProtobufCMessage *msg = hub_json_to_message (desc, json, err, errsize);
    json_decref (json);
    return msg;
}

void
hub_json_field_name (const ProtobufCFieldDescriptor *field, char *buf, size_t size)
{
    s_json_name (field, buf, size);
}

bool
hub_json_field_is_time (const ProtobufCFieldDescriptor *field)
{
    return s_is_time (field);
}
