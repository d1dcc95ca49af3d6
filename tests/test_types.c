/*  test_types: the message-type table (proto/hub_types.def) and the field
    table (proto/hub_fields.def) agree with the .proto, and with what the
    broker refuses. A body without a row, a row without a body, a field
    without a help row, a help row naming no field, a kind that does not fit
    the field's type, or a REQUIRED flag the broker does not enforce (or an
    OPTIONAL one it does) all fail here. Last, every message command's --help
    shows each field as required or optional, with its meaning and unit.
*/
#include "hub_test.h"
#include "hub_proc.h"
#include "hub_validate.h"

#define S_BODY_FIELD(c) protobuf_c_message_descriptor_get_field ( \
    &cyclehub__v1__envelope__descriptor, (unsigned) (c))

//  --------------------------------------------------------------------------
//  Types: every oneof member of Envelope.body has a row, and every row one

static void
test_types_match_proto (void)
{
    const ProtobufCMessageDescriptor *env = &cyclehub__v1__envelope__descriptor;
    size_t bodies = 0;
    for (unsigned i = 0; i < env->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &env->fields [i];
        if (!(field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        bodies++;
        const hub_type_t *row = hub_types_of ((Cyclehub__V1__Envelope__BodyCase) field->id);
        CHECK_MSG (row, "Envelope.%s (field %u) has no row in hub_types.def", field->name, field->id);
        if (!row)
            continue;
        CHECK_MSG (streq (row->member, field->name), "row %s: member %s, the .proto says %s",
                   row->name, row->member, field->name);
        const ProtobufCMessageDescriptor *body = field->descriptor;
        CHECK_MSG (streq (row->message, body->short_name), "row %s: message %s, the .proto says %s",
                   row->name, row->message, body->short_name);
    }
    size_t rows = 0;
    const hub_type_t *row;
    for (size_t i = 0; (row = hub_types_at (i)); i++) {
        rows++;
        const ProtobufCFieldDescriptor *field = S_BODY_FIELD (row->body_case);
        CHECK_MSG (field && (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF),
                   "row %s names no body of the Envelope", row->name);
        //  Lookups agree with iteration; names, verbs and summaries are there
        CHECK (hub_types_named (row->name) == row);
        CHECK (hub_proto_type_case (row->name) == row->body_case);
        CHECK (hub_proto_type_name (row->body_case) == row->name);
        CHECK (hub_proto_type_at (i) == row->body_case);
        CHECK_MSG (*row->summary && *row->rule, "row %s: empty summary or rule", row->name);
        if (row->relations == HUB_BROKER)
            CHECK_MSG (!row->group && row->stages == 0, "broker-only %s has a command", row->name);
        else {
            CHECK_MSG (row->group && row->verb, "row %s has no CLI command", row->name);
            CHECK (hub_types_command (row->group, row->verb) == row);
        }
    }
    CHECK_MSG (rows == bodies, "%zu rows for %zu bodies", rows, bodies);
    CHECK (hub_types_of (CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET) == NULL);
    CHECK (hub_types_named ("tender.publish") == NULL);
    CHECK (hub_types_command ("procure", "tender")->body_case
           == CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED);
}

//  --------------------------------------------------------------------------
//  Fields: every field of every body (and of its single messages but Money)
//  has a row, every row names a field, and the kind fits the field's type

static bool
s_kind_fits (hub_field_kind_t kind, const ProtobufCFieldDescriptor *f)
{
    bool repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
    bool string = f->type == PROTOBUF_C_TYPE_STRING;
    switch (kind) {
        case HUB_FIELD_ID: case HUB_FIELD_ORG: case HUB_FIELD_TITLE: case HUB_FIELD_TEXT:
        case HUB_FIELD_URL: case HUB_FIELD_CODE: case HUB_FIELD_EMAIL: case HUB_FIELD_ADDRESS:
            return string && !repeated;
        case HUB_FIELD_ORGS: case HUB_FIELD_TITLES: case HUB_FIELD_TEXTS: case HUB_FIELD_URLS:
            return string && repeated;
        case HUB_FIELD_TIME:
            return f->type == PROTOBUF_C_TYPE_INT64 && !repeated;
        case HUB_FIELD_PERIOD:
            return f->descriptor == &cyclehub__v1__period__descriptor && !repeated;
        case HUB_FIELD_MONEY:
            return f->descriptor == &cyclehub__v1__money__descriptor && !repeated;
        case HUB_FIELD_ENUM:
            return f->type == PROTOBUF_C_TYPE_ENUM && !repeated;
        case HUB_FIELD_NUMBER:
            return f->type == PROTOBUF_C_TYPE_DOUBLE && !repeated;
        case HUB_FIELD_COUNT:
            return (f->type == PROTOBUF_C_TYPE_UINT32 || f->type == PROTOBUF_C_TYPE_UINT64)
                && !repeated;
        case HUB_FIELD_BOOL:
            return f->type == PROTOBUF_C_TYPE_BOOL && !repeated;
        case HUB_FIELD_MESSAGE:
            return f->type == PROTOBUF_C_TYPE_MESSAGE && !repeated;
        case HUB_FIELD_LIST:
            return f->type == PROTOBUF_C_TYPE_MESSAGE && repeated;
    }
    return false;
}

//  Walks a body's descriptor as the CLI makes flags of it; returns the
//  number of fields found
static size_t
s_walk_fields (const hub_type_t *type, const ProtobufCMessageDescriptor *desc, const char *prefix)
{
    size_t found = 0;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields [i];
        char path [128];
        snprintf (path, sizeof path, "%s%s%s", prefix, *prefix? ".": "", f->name);
        found++;
        const hub_field_t *row = hub_types_field (type->body_case, path);
        CHECK_MSG (row, "%s.%s (%s) has no row in hub_fields.def", type->member, path, type->name);
        if (!row)
            continue;
        CHECK_MSG (s_kind_fits (row->kind, f), "%s.%s: kind %d does not fit the field",
                   type->member, path, (int) row->kind);
        CHECK_MSG (*row->meaning, "%s.%s: no meaning", type->member, path);
        CHECK (*hub_types_field_unit (row));
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && f->label != PROTOBUF_C_LABEL_REPEATED
        &&  f->descriptor != &cyclehub__v1__money__descriptor)
            found += s_walk_fields (type, f->descriptor, path);
    }
    return found;
}

//  The descriptor of the field a row's path names, or NULL
static const ProtobufCFieldDescriptor *
s_row_field (const hub_field_t *row)
{
    const ProtobufCFieldDescriptor *body = S_BODY_FIELD (row->body_case);
    const ProtobufCMessageDescriptor *desc = body? body->descriptor: NULL;
    char path [128];
    snprintf (path, sizeof path, "%s", row->path);
    const ProtobufCFieldDescriptor *f = NULL;
    for (char *name = strtok (path, "."); name && desc; name = strtok (NULL, ".")) {
        f = protobuf_c_message_descriptor_get_field_by_name (desc, name);
        if (!f)
            return NULL;
        desc = f->type == PROTOBUF_C_TYPE_MESSAGE? f->descriptor: NULL;
    }
    return f;
}

static void
test_fields_match_proto (void)
{
    size_t walked = 0, rows = 0;
    const hub_type_t *type;
    for (size_t i = 0; (type = hub_types_at (i)); i++)
        walked += s_walk_fields (type, S_BODY_FIELD (type->body_case)->descriptor, "");
    const hub_field_t *row;
    for (size_t i = 0; (row = hub_types_field_at (i)); i++) {
        rows++;
        const hub_type_t *of = hub_types_of (row->body_case);
        CHECK_MSG (of && s_row_field (row), "the row %s.%s names no field",
                   of? of->member: "?", row->path);
        CHECK_MSG (hub_types_field (row->body_case, row->path) == row, "%s is listed twice", row->path);
        //  The broker checks a body's rows as one run (hub_types_fields)
        size_t count = 0;
        const hub_field_t *run = hub_types_fields (row->body_case, &count);
        CHECK_MSG (run && row >= run && row < run + count,
                   "the rows of %s are not together in hub_fields.def (%s)",
                   of? of->member: "?", row->path);
    }
    CHECK_MSG (rows == walked, "%zu field rows for %zu fields", rows, walked);
}

//  --------------------------------------------------------------------------
//  REQUIRED agrees with the broker: a message with every field filled is
//  valid; without one REQUIRED field it is refused MISSING_FIELD naming the
//  field; without one OPTIONAL field it is still valid

static int64_t s_clock;         //  times increase in row order: a start before its end

static char **
s_strings (const char *value)
{
    char **items = malloc (sizeof *items);
    items [0] = strdup (value);
    return items;
}

static void
s_fill (ProtobufCMessage *body, const hub_field_t *row)
{
    const ProtobufCFieldDescriptor *f;
    ProtobufCMessage *holder = (ProtobufCMessage *) hub_types_locate (body, row->path, &f);
    REQUIRE (holder && f);
    char *slot = (char *) holder + f->offset;
    size_t *count = (size_t *) ((char *) holder + f->quantifier_offset);
    switch (row->kind) {
        case HUB_FIELD_ID:      *(char **) slot = strdup ("x-1"); break;
        case HUB_FIELD_ORG:     *(char **) slot = strdup ("GB-COH-01234567"); break;
        case HUB_FIELD_ORGS:    *(char ***) slot = s_strings ("GB-COH-01234567"); *count = 1; break;
        case HUB_FIELD_TITLES:
        case HUB_FIELD_TEXTS:
        case HUB_FIELD_URLS:    *(char ***) slot = s_strings ("text"); *count = 1; break;
        case HUB_FIELD_TIME:    *(int64_t *) slot = (s_clock += 86400000); break;
        case HUB_FIELD_ENUM:    *(int *) slot = 1; break;
        case HUB_FIELD_NUMBER:  *(double *) slot = 1.5; break;
        case HUB_FIELD_BOOL:    *(protobuf_c_boolean *) slot = 1; break;
        case HUB_FIELD_COUNT:
            if (f->type == PROTOBUF_C_TYPE_UINT64)
                *(uint64_t *) slot = 50;
            else
                *(uint32_t *) slot = 50;
            break;
        case HUB_FIELD_MONEY: {
            Cyclehub__V1__Money *money = malloc (sizeof *money);
            cyclehub__v1__money__init (money);
            money->amount = 12500000;
            money->currency = strdup ("GBP");
            *(Cyclehub__V1__Money **) slot = money;
            break;
        }
        case HUB_FIELD_PERIOD:
        case HUB_FIELD_MESSAGE: {
            const ProtobufCMessageDescriptor *desc = f->descriptor;
            ProtobufCMessage *sub = malloc (desc->sizeof_message);
            protobuf_c_message_init (desc, sub);
            *(ProtobufCMessage **) slot = sub;
            break;
        }
        case HUB_FIELD_LIST:
            break;                  //  optional lists of messages stay empty
        default:                    //  every other kind is text
            *(char **) slot = strdup ("text");
            break;
    }
}

//  Clears the field a row names (saving what was there) and restores it
typedef struct {
    char *slot;
    size_t *count;
    char saved [16];
    size_t saved_count;
    size_t size;
} s_cleared_t;

static void
s_clear (ProtobufCMessage *body, const hub_field_t *row, s_cleared_t *c)
{
    const ProtobufCFieldDescriptor *f;
    ProtobufCMessage *holder = (ProtobufCMessage *) hub_types_locate (body, row->path, &f);
    REQUIRE (holder && f);
    c->slot = (char *) holder + f->offset;
    c->count = f->label == PROTOBUF_C_LABEL_REPEATED
             ? (size_t *) ((char *) holder + f->quantifier_offset): NULL;
    c->size = f->type == PROTOBUF_C_TYPE_UINT32 || f->type == PROTOBUF_C_TYPE_ENUM
           || f->type == PROTOBUF_C_TYPE_BOOL? 4: 8;
    memcpy (c->saved, c->slot, c->size);
    if (c->count) {
        c->saved_count = *c->count;
        *c->count = 0;
    }
    else
    if (f->type == PROTOBUF_C_TYPE_STRING)
        *(const char **) c->slot = "";
    else
        memset (c->slot, 0, c->size);
}

static void
s_restore (s_cleared_t *c)
{
    memcpy (c->slot, c->saved, c->size);
    if (c->count)
        *c->count = c->saved_count;
}

//  Fields that stand instead of another (either, never both): the filled
//  message leaves the alternative out, and leaving the field out is accepted
//  only with its alternative given
static const struct {
    const char *type, *field, *alternative;
} s_alternatives [] = {
    { "award.direct", "standstill_ends_ms", "no_standstill_reason" },
};

static const hub_field_t *
s_alternative_of (const hub_type_t *type, const char *path)
{
    for (size_t i = 0; i < sizeof s_alternatives / sizeof s_alternatives [0]; i++)
        if (streq (s_alternatives [i].type, type->name) && streq (s_alternatives [i].field, path))
            return hub_types_field (type->body_case, s_alternatives [i].alternative);
    return NULL;
}

static bool
s_is_alternative (const hub_type_t *type, const char *path)
{
    for (size_t i = 0; i < sizeof s_alternatives / sizeof s_alternatives [0]; i++)
        if (streq (s_alternatives [i].type, type->name)
        &&  streq (s_alternatives [i].alternative, path))
            return true;
    return false;
}

//  hub_types_locate_row, the broker's way to a row's field (descriptors
//  resolved once), finds what hub_types_locate finds by name
static void
s_locate_same (const hub_type_t *type, const ProtobufCMessage *body)
{
    size_t count = 0;
    const hub_field_t *rows = hub_types_fields (type->body_case, &count);
    for (size_t k = 0; k < count; k++) {
        const ProtobufCFieldDescriptor *by_name, *by_row;
        const ProtobufCMessage *holder = hub_types_locate (body, rows [k].path, &by_name);
        CHECK_MSG (hub_types_locate_row (body, &rows [k], &by_row) == holder && by_row == by_name,
                   "%s.%s: hub_types_locate_row differs from hub_types_locate",
                   type->member, rows [k].path);
    }
}

static void
test_required_agrees_with_broker (void)
{
    const hub_type_t *type;
    for (size_t i = 0; (type = hub_types_at (i)); i++) {
        const ProtobufCFieldDescriptor *member = S_BODY_FIELD (type->body_case);
        const ProtobufCMessageDescriptor *desc = member->descriptor;
        Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        env.msg_id = "m-1";
        env.commission_id = "ocds-h6vhtk-000001";
        ProtobufCMessage *body = malloc (desc->sizeof_message);
        protobuf_c_message_init (desc, body);
        env.body_case = type->body_case;
        *(ProtobufCMessage **) ((char *) &env + member->offset) = body;
        s_clock = INT64_C (1767225600000);          //  2026-01-01
        const hub_field_t *row;
        s_locate_same (type, body);                 //  nothing below the body set
        for (size_t k = 0; (row = hub_types_field_at (k)); k++)
            if (row->body_case == type->body_case && !s_is_alternative (type, row->path))
                s_fill (body, row);
        s_locate_same (type, body);                 //  every field set

        hub_verdict_t v;
        int rc = hub_validate_envelope (&env, &v);
        if (type->relations == HUB_BROKER) {
            CHECK_MSG (rc == -1 && v.code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_UNKNOWN_TYPE,
                       "%s from a client: %s", type->name, v.reason);
            protobuf_c_message_free_unpacked (body, NULL);
            continue;
        }
        CHECK_MSG (rc == 0, "%s with every field filled: %s %s (%s)", type->name,
                   hub_proto_reject_name (v.code), v.field, v.reason);
        for (size_t k = 0; (row = hub_types_field_at (k)); k++) {
            if (row->body_case != type->body_case || s_is_alternative (type, row->path))
                continue;
            char path [160];
            snprintf (path, sizeof path, "%s.%s", type->member, row->path);
            s_cleared_t cleared;
            s_clear (body, row, &cleared);
            const hub_field_t *alternative = s_alternative_of (type, row->path);
            if (alternative) {
                rc = hub_validate_envelope (&env, &v);
                CHECK_MSG (rc == -1 && v.code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_MISSING_FIELD
                           && streq (v.field, path), "%s left out without %s: %s %s", path,
                           alternative->path, hub_proto_reject_name (v.code), v.field);
                s_fill (body, alternative);
            }
            rc = hub_validate_envelope (&env, &v);
            if (row->required)
                CHECK_MSG (rc == -1 && v.code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_MISSING_FIELD
                           && streq (v.field, path) && strstr (v.reason, path)
                           && strstr (v.reason, "required"),
                           "REQUIRED %s left out: rc %d %s %s (%s)", path, rc,
                           hub_proto_reject_name (v.code), v.field, v.reason);
            else
                CHECK_MSG (rc == 0, "OPTIONAL %s left out is refused: %s %s (%s)", path,
                           hub_proto_reject_name (v.code), v.field, v.reason);
            if (alternative) {
                //  Back to unset (the filled string is ours to free)
                s_cleared_t filled;
                s_clear (body, alternative, &filled);
                free (*(char **) filled.saved);
                *(const char **) filled.slot = protobuf_c_empty_string;
            }
            s_restore (&cleared);
        }
        protobuf_c_message_free_unpacked (body, NULL);
    }
}

//  --------------------------------------------------------------------------
//  The CLI: each message command's --help gives each field's row

static void
test_cli_help (void)
{
    const hub_type_t *type;
    for (size_t i = 0; (type = hub_types_at (i)); i++) {
        if (!type->group)
            continue;
        hub_argv_t a;
        hub_argv_init (&a, NULL, NULL);
        hub_argv_add (&a, type->group);
        hub_argv_add (&a, type->verb);
        hub_argv_add (&a, "--help");
        hub_run_t r;
        hub_run_argv (&r, a.argv, NULL, 10000);
        CHECK_MSG (r.status == 0 && strstr (r.out, type->name) && strstr (r.out, type->summary),
                   "%s %s --help: status %d", type->group, type->verb, r.status);
        //  Every flag line of the fields is followed by its help line
        const char *fields = strstr (r.out, "Fields of ");
        CHECK (fields);
        size_t flags = 0, helped = 0;
        for (const char *line = fields; line && *line; line = strchr (line, '\n'), line = line? line + 1: NULL) {
            if (strncmp (line, "  --", 4) == 0) {
                flags++;
                const char *next = strchr (line, '\n');
                if (next && (strncmp (next + 1 + 25, "required: ", 10) == 0
                         ||  strncmp (next + 1 + 25, "optional: ", 10) == 0))
                    helped++;
            }
        }
        CHECK_MSG (flags > 0 && flags == helped, "%s %s --help: %zu of %zu flags have help",
                   type->group, type->verb, helped, flags);
        hub_run_free (&r);
    }

    //  procure tender: required, meaning and unit, as a user reads them
    hub_argv_t a;
    hub_argv_init (&a, NULL, NULL);
    hub_argv_add (&a, "procure");
    hub_argv_add (&a, "tender");
    hub_argv_add (&a, "--help");
    hub_run_t r;
    hub_run_argv (&r, a.argv, NULL, 10000);
    CHECK (r.status == 0);
    CHECK_MSG (strstr (r.out, "--title                TEXT\n"
                              "                         required: the tender's title [text, up to 500 bytes]"),
               "%s", r.out);
    CHECK (strstr (r.out, "optional: what is being bought"));
    CHECK (strstr (r.out, "required: the deadline for tenders [a time (UTC)]"));
    CHECK (strstr (r.out, "optional: when tenders may first be submitted"));
    CHECK (strstr (r.out, "required: the weight of social value in the evaluation, 10 to 100 "
                          "(PPN 06/20) [percent]"));
    CHECK (strstr (r.out, "required: the tender's estimated value"));
    hub_run_free (&r);
}

int
main (void)
{
    test_types_match_proto ();
    test_fields_match_proto ();
    test_required_agrees_with_broker ();
    test_cli_help ();
    HUB_TEST_DONE ();
}
