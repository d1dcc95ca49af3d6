/*  hub_types: the rows of hub_types.def and hub_fields.def as static data,
    and lookups over them. See hub_types.h; how to add a type is in
    docs/design.md ("One table per message type").
*/
#include "hub_types.h"
#include <pthread.h>
#include <string.h>

static const hub_type_t s_types [] = {
#define HUB_TYPE(CASE, member, Type, name, group, verb, summary, stages, cycle, \
                 relations, rule, ocds, check) \
    { CYCLEHUB__V1__ENVELOPE__BODY_##CASE, #member, #Type, name, group, verb, summary, \
      stages, relations, rule, #ocds },
#include "hub_types.def"
#undef HUB_TYPE
};
#define S_NTYPES (sizeof s_types / sizeof s_types [0])

#define S_REQUIRED true
#define S_OPTIONAL false

static const hub_field_t s_fields [] = {
#define HUB_FIELD(CASE, path, required, kind, meaning, unit) \
    { CYCLEHUB__V1__ENVELOPE__BODY_##CASE, path, S_##required, HUB_FIELD_##kind, meaning, unit },
#include "hub_fields.def"
#undef HUB_FIELD
};
#define S_NFIELDS (sizeof s_fields / sizeof s_fields [0])

const hub_type_t *
hub_types_at (size_t i)
{
    return i < S_NTYPES? &s_types [i]: NULL;
}

const hub_type_t *
hub_types_of (Cyclehub__V1__Envelope__BodyCase body_case)
{
    for (size_t i = 0; i < S_NTYPES; i++)
        if (s_types [i].body_case == body_case)
            return &s_types [i];
    return NULL;
}

const hub_type_t *
hub_types_named (const char *name)
{
    if (name)
        for (size_t i = 0; i < S_NTYPES; i++)
            if (strcmp (s_types [i].name, name) == 0)
                return &s_types [i];
    return NULL;
}

const hub_type_t *
hub_types_command (const char *group, const char *verb)
{
    if (group && verb)
        for (size_t i = 0; i < S_NTYPES; i++)
            if (s_types [i].group && strcmp (s_types [i].group, group) == 0
            &&  strcmp (s_types [i].verb, verb) == 0)
                return &s_types [i];
    return NULL;
}

const hub_field_t *
hub_types_field_at (size_t i)
{
    return i < S_NFIELDS? &s_fields [i]: NULL;
}

const hub_field_t *
hub_types_fields (Cyclehub__V1__Envelope__BodyCase body_case, size_t *count)
{
    size_t first = 0;
    while (first < S_NFIELDS && s_fields [first].body_case != body_case)
        first++;
    size_t end = first;
    while (end < S_NFIELDS && s_fields [end].body_case == body_case)
        end++;
    *count = end - first;
    return *count? &s_fields [first]: NULL;
}

const hub_field_t *
hub_types_field (Cyclehub__V1__Envelope__BodyCase body_case, const char *path)
{
    if (path)
        for (size_t i = 0; i < S_NFIELDS; i++)
            if (s_fields [i].body_case == body_case && strcmp (s_fields [i].path, path) == 0)
                return &s_fields [i];
    return NULL;
}

const char *
hub_types_field_unit (const hub_field_t *field)
{
    if (field->unit && *field->unit)
        return field->unit;
    switch (field->kind) {
        case HUB_FIELD_ID:      return "id: 1 to 64 of A-Z a-z 0-9 . _ : -";
        case HUB_FIELD_ORG:     return "org-id, e.g. GB-LAE-E09000033";
        case HUB_FIELD_ORGS:    return "org-ids, each once";
        case HUB_FIELD_TITLE:   return "text, up to 500 bytes";
        case HUB_FIELD_TEXT:    return "text, up to 10000 bytes";
        case HUB_FIELD_URL:     return "a link, up to 2048 bytes";
        case HUB_FIELD_CODE:    return "a code, up to 64 bytes";
        case HUB_FIELD_EMAIL:   return "an email address, up to 320 bytes";
        case HUB_FIELD_ADDRESS: return "text, up to 1000 bytes";
        case HUB_FIELD_TITLES:  return "a list of text, each up to 500 bytes";
        case HUB_FIELD_TEXTS:   return "a list of text, each up to 10000 bytes";
        case HUB_FIELD_URLS:    return "a list of links";
        case HUB_FIELD_TIME:    return "a time (UTC)";
        case HUB_FIELD_PERIOD:  return "a start and an end time";
        case HUB_FIELD_MONEY:   return "money: an amount and a currency";
        case HUB_FIELD_ENUM:    return "one of the choices";
        case HUB_FIELD_NUMBER:  return "a number";
        case HUB_FIELD_COUNT:   return "a whole number";
        case HUB_FIELD_BOOL:    return "yes or no";
        case HUB_FIELD_MESSAGE: return "the fields below";
        case HUB_FIELD_LIST:    return "a list of JSON objects";
    }
    return "";
}

const ProtobufCMessage *
hub_types_body (const Cyclehub__V1__Envelope *env)
{
    if (!env || env->body_case == CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET)
        return NULL;
    const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field (
        &cyclehub__v1__envelope__descriptor, (unsigned) env->body_case);
    if (!field || field->type != PROTOBUF_C_TYPE_MESSAGE
    ||  !(field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
        return NULL;
    return *(const ProtobufCMessage * const *) ((const char *) env + field->offset);
}

//  A dotted path below a message type as its chain of field descriptors:
//  every part but the last a singular message. Both lookups follow one.
#define S_DEPTH 8

typedef struct {
    const ProtobufCMessageDescriptor *body;
    const ProtobufCFieldDescriptor *chain [S_DEPTH];
    size_t depth;                       //  0: the path names no such field
} s_chain_t;

static void
s_resolve (s_chain_t *c, const ProtobufCMessageDescriptor *desc, const char *path)
{
    c->body = desc;
    c->depth = 0;
    while (desc && path) {
        const char *dot = strchr (path, '.');
        size_t len = dot? (size_t) (dot - path): strlen (path);
        char name [64];
        if (len >= sizeof name || c->depth == S_DEPTH)
            break;
        memcpy (name, path, len);
        name [len] = 0;
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name (desc, name);
        if (!f || (dot && (f->type != PROTOBUF_C_TYPE_MESSAGE
                           || f->label == PROTOBUF_C_LABEL_REPEATED)))
            break;
        c->chain [c->depth++] = f;
        if (!dot)
            return;
        desc = f->descriptor;
        path = dot + 1;
    }
    c->depth = 0;
}

//  Follows the chain below msg: the message holding the last field, or
//  NULL (and *field NULL) if a message on the way is not set.
static const ProtobufCMessage *
s_follow (const s_chain_t *c, const ProtobufCMessage *msg, const ProtobufCFieldDescriptor **field)
{
    for (size_t d = 0; msg && d + 1 < c->depth; d++)
        msg = *(const ProtobufCMessage * const *) ((const char *) msg + c->chain [d]->offset);
    *field = msg && c->depth? c->chain [c->depth - 1]: NULL;
    return *field? msg: NULL;
}

const ProtobufCMessage *
hub_types_locate (const ProtobufCMessage *msg, const char *path,
                  const ProtobufCFieldDescriptor **field)
{
    s_chain_t c;
    s_resolve (&c, msg? msg->descriptor: NULL, path);
    return s_follow (&c, msg, field);
}

//  Each row's chain below its body, resolved once: looked up by name per
//  message (a binary search of strcmp per dotted part), they were 3% of
//  the broker's instructions per publish.
static s_chain_t s_chains [S_NFIELDS];
static pthread_once_t s_chains_once = PTHREAD_ONCE_INIT;

static void
s_chains_resolve (void)
{
    for (size_t i = 0; i < S_NFIELDS; i++) {
        const ProtobufCFieldDescriptor *member = protobuf_c_message_descriptor_get_field (
            &cyclehub__v1__envelope__descriptor, (unsigned) s_fields [i].body_case);
        s_resolve (&s_chains [i], member? member->descriptor: NULL, s_fields [i].path);
    }
}

const ProtobufCMessage *
hub_types_locate_row (const ProtobufCMessage *body, const hub_field_t *row,
                      const ProtobufCFieldDescriptor **field)
{
    pthread_once (&s_chains_once, s_chains_resolve);
    const s_chain_t *c = &s_chains [row - s_fields];
    if (!body || body->descriptor != c->body)
        return hub_types_locate (body, row->path, field);
    return s_follow (c, body, field);
}

const char *
hub_types_body_string (const Cyclehub__V1__Envelope *env, const char *name)
{
    const ProtobufCFieldDescriptor *field;
    const ProtobufCMessage *holder = hub_types_locate (hub_types_body (env), name, &field);
    if (!holder || field->type != PROTOBUF_C_TYPE_STRING
    ||  field->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    return *(const char * const *) ((const char *) holder + field->offset);
}
