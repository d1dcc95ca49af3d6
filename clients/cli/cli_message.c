/*  cli_message: the message commands (commission, consult, procure,
    monitor, from proto/hub_types.def) and `publish`. Flags are derived from
    each body's descriptor, their help from proto/hub_fields.def,
    and gathered into a JSON object, which hub_json turns into the message:
    one set of rules for flags and files, and errors that name the field.
*/
#include "cli.h"
#include <ctype.h>
#include <errno.h>

//  The commands, their types and summaries are the group, verb and summary
//  columns of proto/hub_types.def; each field's help is its row in
//  proto/hub_fields.def.

void
cli_message_verbs (FILE *out, const char *group)
{
    const hub_type_t *type;
    for (size_t i = 0; (type = hub_types_at (i)); i++)
        if (type->group && streq (type->group, group))
            fprintf (out, "  %-14s %-24s %s\n", type->verb, type->name, type->summary);
}

//  --------------------------------------------------------------------------
//  Flags from descriptors

#define S_DEPTH_MAX 4

typedef struct {
    char flag [96];                                 //  without the leading --
    const ProtobufCFieldDescriptor *field;
    char path [S_DEPTH_MAX][64];                    //  JSON names from the body down
    char proto [128];                               //  the field path, "tender_period.end_ms"
    int depth;
    bool money;                                     //  a Money field: AMOUNT in major units
} s_flag_t;

typedef struct {
    s_flag_t flags [128];
    size_t count;
} s_flags_t;

static bool
s_is_time (const ProtobufCFieldDescriptor *field)
{
    size_t len = strlen (field->name);
    return field->type == PROTOBUF_C_TYPE_INT64 && len > 3
        && streq (field->name + len - 3, "_ms");
}

//  JSON name as hub_json writes it: lowerCamelCase, times without _ms
static void
s_json_name (const ProtobufCFieldDescriptor *field, char *buf, size_t size)
{
    size_t len = strlen (field->name) - (s_is_time (field)? 3: 0);
    size_t out = 0;
    bool upper = false;
    for (size_t i = 0; i < len && out + 1 < size; i++) {
        char c = field->name [i];
        if (c == '_') {
            upper = true;
            continue;
        }
        buf [out++] = upper? (char) toupper ((unsigned char) c): c;
        upper = false;
    }
    buf [out] = 0;
}

//  Flag name: the field name with - for _, times without _ms
static void
s_flag_name (const ProtobufCFieldDescriptor *field, char *buf, size_t size)
{
    size_t len = strlen (field->name) - (s_is_time (field)? 3: 0);
    snprintf (buf, size, "%.*s", (int) len, field->name);
    for (char *c = buf; *c; c++)
        if (*c == '_')
            *c = '-';
}

static void
s_walk (s_flags_t *flags, const ProtobufCMessageDescriptor *desc, const char *prefix,
        s_flag_t *parent)
{
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [i];
        if (flags->count == sizeof flags->flags / sizeof flags->flags [0])
            return;
        s_flag_t flag;
        memset (&flag, 0, sizeof flag);
        if (parent)
            flag = *parent;
        char name [64];
        s_flag_name (field, name, sizeof name);
        snprintf (flag.flag, sizeof flag.flag, "%s%s", prefix, name);
        if (flag.depth >= S_DEPTH_MAX)
            continue;
        s_json_name (field, flag.path [flag.depth], sizeof flag.path [0]);
        size_t at = strlen (flag.proto);
        snprintf (flag.proto + at, sizeof flag.proto - at, "%s%s", at? ".": "", field->name);
        flag.depth++;
        flag.field = field;
        if (field->type == PROTOBUF_C_TYPE_MESSAGE && field->label != PROTOBUF_C_LABEL_REPEATED) {
            if (field->descriptor == &cyclehub__v1__money__descriptor)
                flag.money = true;
            else {
                char sub [sizeof flag.flag + 2];
                snprintf (sub, sizeof sub, "%s-", flag.flag);
                s_walk (flags, field->descriptor, sub, &flag);
                continue;
            }
        }
        flags->flags [flags->count++] = flag;
    }
}

static const char *
s_flag_kind (const s_flag_t *flag, char *buf, size_t size)
{
    const ProtobufCFieldDescriptor *field = flag->field;
    bool repeated = field->label == PROTOBUF_C_LABEL_REPEATED;
    if (flag->money)
        return "AMOUNT   money in major units, e.g. 125000.00 (currency: --currency)";
    if (s_is_time (field))
        return "TIME     RFC 3339 (2026-03-01T09:00:00Z), now, or now+/-N(s|m|h|d)";
    switch (field->type) {
        case PROTOBUF_C_TYPE_STRING:
            return repeated? "TEXT     (repeatable)": "TEXT";
        case PROTOBUF_C_TYPE_BOOL:
            return "         (a switch; --x=false to clear)";
        case PROTOBUF_C_TYPE_DOUBLE:
        case PROTOBUF_C_TYPE_FLOAT:
            return "NUMBER";
        case PROTOBUF_C_TYPE_ENUM: {
            const ProtobufCEnumDescriptor *desc = field->descriptor;
            size_t len = (size_t) snprintf (buf, size, "CHOICE   one of");
            for (unsigned i = 1; i < desc->n_values && len < size; i++)
                len += (size_t) snprintf (buf + len, size - len, " %s", desc->values [i].name);
            return buf;
        }
        case PROTOBUF_C_TYPE_MESSAGE:
            snprintf (buf, size, "JSON     a %s object in JSON (repeatable)",
                      field->descriptor? ((const ProtobufCMessageDescriptor *) field->descriptor)->short_name: "");
            return buf;
        default:
            return "INTEGER";
    }
}

static void
s_message_usage (FILE *out, const hub_type_t *verb, const s_flags_t *flags)
{
    const ProtobufCMessageDescriptor *desc = hub_envelope_body_descriptor (verb->body_case);
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] %s %s --commission ID [FLAGS]\n"
        "Publishes %s (%s): %s.\n"
        "Prints the event's seq (\"<seq> duplicate\" for a retry the hub had stored).\n"
        "\n"
        "  --commission ID      the commission's ocid, e.g. ocds-h6vhtk-056931 (required)\n"
        "  --msg-id ID          idempotency key (default: generated); re-use it to retry\n"
        "  --sent-at TIME       when the message was sent (default: not set)\n"
        "  --currency CODE      currency of the money fields (default GBP)\n"
        "  --dry-run            print the Envelope as JSON instead of publishing\n"
        "Fields of %s (required: the broker refuses the message without it):\n",
        verb->group, verb->verb, verb->name, desc? desc->short_name: "?", verb->summary,
        desc? desc->short_name: "?");
    for (size_t i = 0; i < flags->count; i++) {
        char buf [512];
        const s_flag_t *flag = &flags->flags [i];
        fprintf (out, "  --%-20s %s\n", flag->flag, s_flag_kind (flag, buf, sizeof buf));
        const hub_field_t *row = hub_types_field (verb->body_case, flag->proto);
        if (row)
            fprintf (out, "  %-22s %s: %s [%s]\n", "", row->required? "required": "optional",
                     row->meaning, hub_types_field_unit (row));
    }
    fprintf (out, "Exit status: 0 stored, 1 rejected by the broker, 2 usage or bad value,\n"
                  "3 broker unreachable.\n");
}

//  Returns the object at path [0 .. depth-2] below root, creating it.
static json_t *
s_parent (json_t *root, const s_flag_t *flag)
{
    json_t *node = root;
    for (int i = 0; i < flag->depth - 1; i++) {
        json_t *child = json_object_get (node, flag->path [i]);
        if (!child) {
            child = json_object ();
            json_object_set_new (node, flag->path [i], child);
        }
        node = child;
    }
    return node;
}

//  Matches a CHOICE case-insensitively by full name or by its last words:
//  "open" and "procedure_open" both give PROCEDURE_OPEN.
static const char *
s_enum_value (const ProtobufCEnumDescriptor *desc, const char *text)
{
    char want [128];
    size_t len = 0;
    for (const char *c = text; *c && len + 1 < sizeof want; c++)
        want [len++] = *c == '-'? '_': (char) toupper ((unsigned char) *c);
    want [len] = 0;
    for (unsigned i = 0; i < desc->n_values; i++) {
        const char *name = desc->values [i].name;
        size_t name_len = strlen (name);
        if (streq (name, want)
        ||  (name_len > len && name [name_len - len - 1] == '_' && streq (name + name_len - len, want)))
            return name;
    }
    return NULL;
}

//  Sets one flag's value into the JSON body. Returns 0 or -1 (said why).
static int
s_set_flag (json_t *root, const s_flag_t *flag, const char *value)
{
    const ProtobufCFieldDescriptor *field = flag->field;
    json_t *parent = s_parent (root, flag);
    const char *key = flag->path [flag->depth - 1];
    json_t *item = NULL;
    if (flag->money) {
        //  The text goes on as given, in major units: the JSON codec reads it
        //  in the currency (--currency, known only once every flag is read)
        item = json_pack ("{s:s}", "amount", value);
        if (!item) {
            fprintf (stderr, "cyclehub: --%s: the value is not valid UTF-8\n", flag->flag);
            return -1;
        }
    }
    else
    if (s_is_time (field)) {
        int64_t ms;
        char text [HUB_TIME_TEXT_MAX], why [256];
        if (hub_time_parse_arg (value, zclock_time (), &ms, why, sizeof why)
        ||  hub_time_format (ms, text, sizeof text) < 0) {
            fprintf (stderr, "cyclehub: --%s: \"%s\" is not a time: %s\n", flag->flag, value,
                     why);
            return -1;
        }
        item = json_string (text);
    }
    else
    switch (field->type) {
        case PROTOBUF_C_TYPE_STRING:
            item = json_string (value);
            if (!item) {
                fprintf (stderr, "cyclehub: --%s: the value is not valid UTF-8\n", flag->flag);
                return -1;
            }
            break;
        case PROTOBUF_C_TYPE_BOOL:
            if (!value || streq (value, "true") || streq (value, "yes") || streq (value, "1"))
                item = json_true ();
            else
            if (streq (value, "false") || streq (value, "no") || streq (value, "0"))
                item = json_false ();
            else {
                fprintf (stderr, "cyclehub: --%s: say true or false\n", flag->flag);
                return -1;
            }
            break;
        case PROTOBUF_C_TYPE_DOUBLE:
        case PROTOBUF_C_TYPE_FLOAT: {
            char *end;
            errno = 0;
            double d = strtod (value, &end);
            if (end == value || *end || errno) {
                fprintf (stderr, "cyclehub: --%s: \"%s\" is not a number\n", flag->flag, value);
                return -1;
            }
            item = json_real (d);
            break;
        }
        case PROTOBUF_C_TYPE_ENUM: {
            const char *name = s_enum_value (field->descriptor, value);
            if (!name) {
                char buf [512];
                fprintf (stderr, "cyclehub: --%s: \"%s\" is not a choice: %s\n", flag->flag,
                         value, s_flag_kind (flag, buf, sizeof buf) + 9);
                return -1;
            }
            item = json_string (name);
            break;
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            json_error_t error;
            item = json_loads (value, JSON_REJECT_DUPLICATES, &error);
            if (!item || !json_is_object (item)) {
                fprintf (stderr, "cyclehub: --%s: expected a JSON object: %s\n", flag->flag,
                         item? "got another JSON value": error.text);
                json_decref (item);
                return -1;
            }
            break;
        }
        default:                            //  integers: hub_json range-checks
            item = json_string (value);
            break;
    }
    if (!item)
        return -1;
    if (field->label == PROTOBUF_C_LABEL_REPEATED) {
        json_t *array = json_object_get (parent, key);
        if (!array) {
            array = json_array ();
            json_object_set_new (parent, key, array);
        }
        json_array_append_new (array, item);
    }
    else
        json_object_set_new (parent, key, item);
    return 0;
}

//  Puts the currency into every Money object below node.
static void
s_fill_currency (json_t *node, const char *currency)
{
    if (json_is_object (node)) {
        json_t *amount = json_object_get (node, "amount");
        if (amount && json_object_size (node) == 1)
            json_object_set_new (node, "currency", json_string (currency));
        const char *key;
        json_t *value;
        json_object_foreach (node, key, value)
            s_fill_currency (value, currency);
    }
}

//  The --flag or --flag=value at argv [*i]: the value in *value, the
//  name (without --) in name. Returns -1 if not a flag.
static int
s_split_flag (int argc, char **argv, int *i, bool takes_value, char *name, size_t size,
              const char **value)
{
    const char *arg = argv [*i];
    if (strncmp (arg, "--", 2) != 0)
        return -1;
    const char *eq = strchr (arg, '=');
    snprintf (name, size, "%.*s", (int) (eq? (size_t) (eq - arg - 2): strlen (arg + 2)), arg + 2);
    if (eq)
        *value = eq + 1;
    else
    if (takes_value) {
        if (*i + 1 >= argc)
            return -2;
        *value = argv [++*i];
    }
    else
        *value = NULL;
    return 0;
}

static int
s_publish_or_print (cli_t *cli, Cyclehub__V1__Envelope *env, bool dry_run)
{
    if (!dry_run)
        return cli_publish_envelope (cli, env);
    char *text = hub_json_encode (&env->base, HUB_JSON_PRETTY);
    if (!text) {
        fprintf (stderr, "cyclehub: the envelope cannot be written as JSON\n");
        return CLI_USAGE;
    }
    printf ("%s\n", text);
    free (text);
    return CLI_OK;
}

int
cli_message (cli_t *cli, const char *group, int argc, char **argv)
{
    const hub_type_t *verb = argc > 0? hub_types_command (group, argv [0]): NULL;
    if (!verb)
        return -1;
    const ProtobufCMessageDescriptor *desc = hub_envelope_body_descriptor (verb->body_case);
    assert (desc);
    s_flags_t *flags = calloc (1, sizeof *flags);
    json_t *body = json_object ();
    if (!flags || !body) {
        free (flags);
        json_decref (body);
        return CLI_FAILED;
    }
    s_walk (flags, desc, "", NULL);

    const char *commission = NULL, *msg_id = NULL, *sent_at = NULL, *currency = "GBP";
    bool dry_run = false;
    int rc = CLI_OK;
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        char name [96];
        const char *value = NULL;
        const char *arg = argv [i];
        if (streq (arg, "--help") || streq (arg, "-h")) {
            s_message_usage (stdout, verb, flags);
            free (flags);
            json_decref (body);
            return CLI_OK;
        }
        //  Which flag, and does it take a value?
        const s_flag_t *flag = NULL;
        bool takes_value = true;
        if (strncmp (arg, "--", 2) == 0) {
            snprintf (name, sizeof name, "%s", arg + 2);
            char *eq = strchr (name, '=');
            if (eq)
                *eq = 0;
            for (size_t f = 0; f < flags->count; f++)
                if (streq (flags->flags [f].flag, name))
                    flag = &flags->flags [f];
            if (streq (name, "dry-run") || (flag && flag->field->type == PROTOBUF_C_TYPE_BOOL))
                takes_value = false;
        }
        int split = s_split_flag (argc, argv, &i, takes_value, name, sizeof name, &value);
        if (split == -1) {
            fprintf (stderr, "cyclehub: unexpected argument '%s'\n", arg);
            rc = CLI_USAGE;
        }
        else
        if (split == -2) {
            fprintf (stderr, "cyclehub: --%s needs a value\n", name);
            rc = CLI_USAGE;
        }
        else
        if (streq (name, "commission"))
            commission = value;
        else
        if (streq (name, "msg-id"))
            msg_id = value;
        else
        if (streq (name, "sent-at"))
            sent_at = value;
        else
        if (streq (name, "currency"))
            currency = value;
        else
        if (streq (name, "dry-run"))
            dry_run = true;
        else
        if (flag) {
            if (s_set_flag (body, flag, value))
                rc = CLI_USAGE;
        }
        else {
            fprintf (stderr, "cyclehub: %s %s has no flag --%s\n", group, verb->verb, name);
            rc = CLI_USAGE;
        }
    }
    if (rc == CLI_OK && !commission) {
        fprintf (stderr, "cyclehub: %s %s needs --commission ID\n", group, verb->verb);
        rc = CLI_USAGE;
    }
    int64_t sent_at_ms = 0;
    char why [256];
    if (rc == CLI_OK && sent_at
    &&  hub_time_parse_arg (sent_at, zclock_time (), &sent_at_ms, why, sizeof why)) {
        fprintf (stderr, "cyclehub: --sent-at: \"%s\" is not a time: %s\n", sent_at, why);
        rc = CLI_USAGE;
    }
    if (rc != CLI_OK) {
        if (rc == CLI_USAGE)
            fprintf (stderr, "Try 'cyclehub %s %s --help'.\n", group, verb->verb);
        free (flags);
        json_decref (body);
        return rc;
    }
    s_fill_currency (body, currency);
    char error [512];
    ProtobufCMessage *message = hub_json_to_message (desc, body, error, sizeof error);
    json_decref (body);
    free (flags);
    if (!message) {
        fprintf (stderr, "cyclehub: %s %s: %s\n", group, verb->verb, error);
        return CLI_USAGE;
    }
    Cyclehub__V1__Envelope *env = hub_envelope_new (commission, msg_id);
    if (!env || hub_envelope_set_body (env, &message)) {
        if (message)
            protobuf_c_message_free_unpacked (message, NULL);
        hub_envelope_destroy (&env);
        return CLI_FAILED;
    }
    env->sent_at_ms = sent_at_ms;
    rc = s_publish_or_print (cli, env, dry_run);
    hub_envelope_destroy (&env);
    return rc;
}

//  --------------------------------------------------------------------------
//  publish TYPE [FILE|-]

static void
s_publish_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] publish TYPE [FILE|-] [--commission ID] [--msg-id ID]\n"
        "Publishes one message given as JSON (from FILE, or stdin if FILE is - or absent).\n"
        "The JSON is either a whole Envelope in canonical JSON (an object with\n"
        "\"commissionId\", optional \"msgId\" and \"sentAt\", and the body member, e.g.\n"
        "\"tenderPublished\"), or just the body of TYPE (then --commission is required).\n"
        "--commission and --msg-id override the Envelope's. Without a msgId, one is\n"
        "generated. Prints the seq, or \"<seq> duplicate\" for a retry already stored.\n"
        "\n"
        "  --commission ID   the commission's ocid\n"
        "  --msg-id ID       idempotency key (re-use it to retry safely)\n"
        "  --dry-run         print the Envelope as JSON instead of publishing\n"
        "\n"
        "Types:");
    const hub_type_t *type;
    for (size_t i = 0; (type = hub_types_at (i)); i++)
        if (type->relations != HUB_BROKER)
            fprintf (out, "%s %s", i % 5? "": "\n ", type->name);
    fprintf (out, "\n\nExit status: 0 stored, 1 rejected by the broker, 2 usage or bad JSON\n"
                  "(the error names the field), 3 broker unreachable.\n");
}

//  Reads a whole file (or stdin), at most 16 MiB.
static char *
s_read_all (const char *path, size_t *size)
{
    FILE *file = streq (path, "-")? stdin: fopen (path, "rb");
    if (!file)
        return NULL;
    size_t capacity = 65536, len = 0;
    char *data = malloc (capacity);
    while (data) {
        size_t got = fread (data + len, 1, capacity - len, file);
        len += got;
        if (len < capacity)
            break;
        if (capacity >= 16u << 20) {
            free (data);
            data = NULL;
            errno = EFBIG;
            break;
        }
        char *grown = realloc (data, capacity * 2);
        if (!grown) {
            free (data);
            data = NULL;
        }
        else {
            data = grown;
            capacity *= 2;
        }
    }
    if (file != stdin)
        fclose (file);
    *size = len;
    return data;
}

int
cli_publish (cli_t *cli, int argc, char **argv)
{
    const char *type = NULL, *path = NULL, *commission = NULL, *msg_id = NULL;
    bool dry_run = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv [i];
        if (streq (arg, "--help") || streq (arg, "-h")) {
            s_publish_usage (stdout);
            return CLI_OK;
        }
        if (streq (arg, "--dry-run"))
            dry_run = true;
        else
        if ((streq (arg, "--commission") || streq (arg, "--msg-id")) && i + 1 < argc) {
            if (streq (arg, "--commission"))
                commission = argv [++i];
            else
                msg_id = argv [++i];
        }
        else
        if (strncmp (arg, "--", 2) == 0) {
            fprintf (stderr, "cyclehub: publish: unknown flag or missing value: %s\n"
                     "Try 'cyclehub publish --help'.\n", arg);
            return CLI_USAGE;
        }
        else
        if (!type)
            type = arg;
        else
        if (!path)
            path = arg;
        else {
            fprintf (stderr, "cyclehub: publish: unexpected argument '%s'\n", arg);
            return CLI_USAGE;
        }
    }
    if (!type) {
        fprintf (stderr, "cyclehub: publish needs a TYPE, e.g. tender.published\n"
                 "Try 'cyclehub publish --help'.\n");
        return CLI_USAGE;
    }
    const hub_type_t *row = hub_types_named (type);
    Cyclehub__V1__Envelope__BodyCase body_case = row? row->body_case: 0;
    const ProtobufCMessageDescriptor *desc = hub_envelope_body_descriptor (body_case);
    if (!desc || row->relations == HUB_BROKER) {
        fprintf (stderr, "cyclehub: publish: unknown message type '%s'\n"
                 "Try 'cyclehub publish --help' for the list.\n", type);
        return CLI_USAGE;
    }
    size_t size = 0;
    char *text = s_read_all (path? path: "-", &size);
    if (!text) {
        fprintf (stderr, "cyclehub: publish: cannot read %s: %s\n", path? path: "stdin",
                 strerror (errno));
        return CLI_USAGE;
    }
    json_error_t jerror;
    json_t *json = json_loadb (text, size, JSON_REJECT_DUPLICATES, &jerror);
    free (text);
    if (!json) {
        fprintf (stderr, "cyclehub: publish: %s: line %d, column %d: %s\n", path? path: "stdin",
                 jerror.line, jerror.column, jerror.text);
        return CLI_USAGE;
    }
    if (!json_is_object (json)) {
        fprintf (stderr, "cyclehub: publish: expected a JSON object\n");
        json_decref (json);
        return CLI_USAGE;
    }
    bool whole = json_object_get (json, "commissionId") || json_object_get (json, "commission_id");
    char error [512];
    Cyclehub__V1__Envelope *env = NULL;
    if (whole) {
        env = (Cyclehub__V1__Envelope *) hub_json_to_message (
            &cyclehub__v1__envelope__descriptor, json, error, sizeof error);
        if (env && env->body_case != body_case) {
            const char *has = hub_proto_type_name (env->body_case);
            snprintf (error, sizeof error, "the envelope holds %s, not %s",
                      has? has: "no body", type);
            hub_envelope_destroy (&env);
        }
    }
    else {
        ProtobufCMessage *body = hub_json_to_message (desc, json, error, sizeof error);
        if (body) {
            env = hub_envelope_new (NULL, NULL);
            if (!env || hub_envelope_set_body (env, &body)) {
                snprintf (error, sizeof error, "out of memory");
                if (body)
                    protobuf_c_message_free_unpacked (body, NULL);
                hub_envelope_destroy (&env);
            }
        }
    }
    json_decref (json);
    if (!env) {
        fprintf (stderr, "cyclehub: publish: %s\n", error);
        return CLI_USAGE;
    }
    if ((commission && hub_set_string (&env->commission_id, commission))
    ||  (msg_id && hub_set_string (&env->msg_id, msg_id))) {
        hub_envelope_destroy (&env);
        return CLI_FAILED;
    }
    if (!env->commission_id || !*env->commission_id) {
        fprintf (stderr, "cyclehub: publish: no commission: give --commission ID, or an "
                 "Envelope with \"commissionId\"\n");
        hub_envelope_destroy (&env);
        return CLI_USAGE;
    }
    int rc = s_publish_or_print (cli, env, dry_run);
    hub_envelope_destroy (&env);
    return rc;
}
