/*  hub_envelope: Envelope building helpers. See hub_envelope.h. Bodies are
    created and placed through the Envelope descriptor, so one function
    serves every message type.
*/
#include "hub_envelope.h"
#include <stdlib.h>
#include <string.h>

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
