/*  hub_envelope: Envelope building helpers, exact money parsing and RFC 3339
    times. See hub_envelope.h. Bodies are created and placed through the
    Envelope descriptor, so one function serves every message type.
*/
#include "hub_envelope.h"
#include <czmq.h>
#include <ctype.h>
#include <time.h>

static const ProtobufCFieldDescriptor *
s_body_field (Cyclehub__V1__Envelope__BodyCase body_case)
{
    if (body_case == CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET)
        return NULL;
    const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field (
        &cyclehub__v1__envelope__descriptor, (unsigned) body_case);
    if (!field || field->type != PROTOBUF_C_TYPE_MESSAGE
    ||  !(field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
        return NULL;
    return field;
}

Cyclehub__V1__Envelope *
hub_envelope_new (const char *commission_id, const char *msg_id)
{
    Cyclehub__V1__Envelope *env = malloc (sizeof *env);
    if (!env)
        return NULL;
    cyclehub__v1__envelope__init (env);
    if ((commission_id && hub_set_string (&env->commission_id, commission_id))
    ||  (msg_id && hub_set_string (&env->msg_id, msg_id)))
        hub_envelope_destroy (&env);
    return env;
}

void
hub_envelope_destroy (Cyclehub__V1__Envelope **env_p)
{
    if (*env_p) {
        protobuf_c_message_free_unpacked (&(*env_p)->base, NULL);
        *env_p = NULL;
    }
}

const ProtobufCMessageDescriptor *
hub_envelope_body_descriptor (Cyclehub__V1__Envelope__BodyCase body_case)
{
    const ProtobufCFieldDescriptor *field = s_body_field (body_case);
    return field? field->descriptor: NULL;
}

const ProtobufCMessage *
hub_envelope_get_body (const Cyclehub__V1__Envelope *env)
{
    const ProtobufCFieldDescriptor *field = s_body_field (env->body_case);
    if (!field)
        return NULL;
    return *(ProtobufCMessage * const *) ((const char *) env + field->offset);
}

//  Frees the current body, if any, and leaves the oneof unset.
static void
s_clear_body (Cyclehub__V1__Envelope *env)
{
    const ProtobufCFieldDescriptor *field = s_body_field (env->body_case);
    if (field) {
        ProtobufCMessage **slot = (ProtobufCMessage **) ((char *) env + field->offset);
        if (*slot)
            protobuf_c_message_free_unpacked (*slot, NULL);
        *slot = NULL;
    }
    env->body_case = CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET;
}

ProtobufCMessage *
hub_envelope_body (Cyclehub__V1__Envelope *env, Cyclehub__V1__Envelope__BodyCase body_case)
{
    const ProtobufCFieldDescriptor *field = s_body_field (body_case);
    if (!field)
        return NULL;
    const ProtobufCMessageDescriptor *desc = field->descriptor;
    ProtobufCMessage *body = malloc (desc->sizeof_message);
    if (!body)
        return NULL;
    protobuf_c_message_init (desc, body);
    s_clear_body (env);
    *(ProtobufCMessage **) ((char *) env + field->offset) = body;
    env->body_case = body_case;
    return body;
}

int
hub_envelope_set_body (Cyclehub__V1__Envelope *env, ProtobufCMessage **body_p)
{
    if (!body_p || !*body_p)
        return -1;
    for (size_t i = 0; hub_proto_type_at (i); i++) {
        Cyclehub__V1__Envelope__BodyCase body_case = hub_proto_type_at (i);
        const ProtobufCFieldDescriptor *field = s_body_field (body_case);
        if (field && field->descriptor == (*body_p)->descriptor) {
            s_clear_body (env);
            *(ProtobufCMessage **) ((char *) env + field->offset) = *body_p;
            env->body_case = body_case;
            *body_p = NULL;
            return 0;
        }
    }
    return -1;
}

#define HUB_TYPE(CASE, member, Type, ...) \
    Cyclehub__V1__##Type * \
    hub_envelope_##member (Cyclehub__V1__Envelope *env) \
    { \
        return (Cyclehub__V1__##Type *) hub_envelope_body ( \
            env, CYCLEHUB__V1__ENVELOPE__BODY_##CASE); \
    }
#include "hub_types.def"
#undef HUB_TYPE

int
hub_set_string (char **field, const char *value)
{
    char *copy = strdup (value? value: "");
    if (!copy)
        return -1;
    if (*field && *field != protobuf_c_empty_string)
        free (*field);
    *field = copy;
    return 0;
}

int
hub_add_string (size_t *n, char ***items, const char *value)
{
    char **grown = realloc (*items, (*n + 1) * sizeof (char *));
    if (!grown)
        return -1;
    *items = grown;
    grown [*n] = strdup (value? value: "");
    if (!grown [*n])
        return -1;
    (*n)++;
    return 0;
}

Cyclehub__V1__Money *
hub_money_new (int64_t amount, const char *currency)
{
    Cyclehub__V1__Money *money = malloc (sizeof *money);
    if (!money)
        return NULL;
    cyclehub__v1__money__init (money);
    money->amount = amount;
    if (hub_set_string (&money->currency, currency)) {
        free (money);
        return NULL;
    }
    return money;
}

Cyclehub__V1__Period *
hub_period_new (int64_t start_ms, int64_t end_ms)
{
    Cyclehub__V1__Period *period = malloc (sizeof *period);
    if (!period)
        return NULL;
    cyclehub__v1__period__init (period);
    period->start_ms = start_ms;
    period->end_ms = end_ms;
    return period;
}

int
hub_money_parse (const char *text, int64_t *minor)
{
    if (!text || !isdigit ((unsigned char) *text))
        return -1;
    int64_t units = 0;
    const char *s = text;
    for (; isdigit ((unsigned char) *s); s++) {
        if (units > (INT64_MAX - 9) / 10)
            return -1;
        units = units * 10 + (*s - '0');
    }
    int64_t fraction = 0;
    if (*s == '.') {
        s++;
        int digits = 0;
        for (; isdigit ((unsigned char) *s); s++, digits++) {
            if (digits >= 2) {
                if (*s != '0')          //  beyond pence: only zeros
                    return -1;
                continue;
            }
            fraction = fraction * 10 + (*s - '0');
        }
        if (digits == 0)
            return -1;
        if (digits == 1)
            fraction *= 10;
    }
    if (*s)
        return -1;
    if (units > (INT64_MAX - fraction) / 100)
        return -1;
    *minor = units * 100 + fraction;
    return 0;
}

//  Reads exactly n digits at s.
static int
s_digits (const char *s, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit ((unsigned char) s [i]))
            return -1;
        v = v * 10 + (s [i] - '0');
    }
    *value = v;
    return 0;
}

int
hub_time_parse (const char *text, int64_t *ms)
{
    if (!text)
        return -1;
    if (strncmp (text, "now", 3) == 0) {
        int64_t now = zclock_time ();
        const char *s = text + 3;
        if (*s == 0) {
            *ms = now;
            return 0;
        }
        if (*s != '+' && *s != '-')
            return -1;
        char *end;
        long long count = strtoll (s + 1, &end, 10);
        if (end == s + 1 || count < 0 || count > 100000000LL)
            return -1;
        int64_t unit = streq (end, "s")? 1000: streq (end, "m")? 60000:
                       streq (end, "h")? 3600000: streq (end, "d")? 86400000: 0;
        if (!unit)
            return -1;
        *ms = *s == '+'? now + count * unit: now - count * unit;
        return 0;
    }
    int year, month, day, hour = 0, minute = 0, second = 0;
    if (s_digits (text, 4, &year) || text [4] != '-' || s_digits (text + 5, 2, &month)
    ||  text [7] != '-' || s_digits (text + 8, 2, &day))
        return -1;
    const char *s = text + 10;
    int64_t offset_ms = 0, millis = 0;
    if (*s) {
        if ((*s != 'T' && *s != 't' && *s != ' ') || s_digits (s + 1, 2, &hour) || s [3] != ':'
        ||  s_digits (s + 4, 2, &minute) || s [6] != ':' || s_digits (s + 7, 2, &second))
            return -1;
        s += 9;
        if (*s == '.') {
            s++;
            int digits = 0;
            for (; isdigit ((unsigned char) *s); s++, digits++) {
                if (digits < 3)
                    millis = millis * 10 + (*s - '0');
                else
                if (*s != '0')
                    return -1;          //  below a millisecond: not kept
            }
            if (digits == 0)
                return -1;
            for (; digits < 3; digits++)
                millis *= 10;
        }
        if (*s == 'Z' || *s == 'z')
            s++;
        else
        if (*s == '+' || *s == '-') {
            int oh, om;
            if (s_digits (s + 1, 2, &oh) || s [3] != ':' || s_digits (s + 4, 2, &om)
            ||  oh > 23 || om > 59)
                return -1;
            offset_ms = ((int64_t) oh * 60 + om) * 60000 * (*s == '+'? 1: -1);
            s += 6;
        }
        else
            return -1;
        if (*s)
            return -1;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return -1;
    struct tm tm = { 0 };
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    time_t t = timegm (&tm);
    if (tm.tm_mday != day)          //  normalised: 31 April and the like
        return -1;
    *ms = (int64_t) t * 1000 + millis - offset_ms;
    return 0;
}

int
hub_time_format (int64_t ms, char *buf, size_t size)
{
    int64_t millis = ms % 1000;
    time_t t = (time_t) (ms / 1000);
    if (millis < 0) {
        millis += 1000;
        t -= 1;
    }
    struct tm tm;
    if (!gmtime_r (&t, &tm))
        return -1;
    int len = snprintf (buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec, (int) millis);
    return len < 0 || (size_t) len >= size? -1: len;
}
