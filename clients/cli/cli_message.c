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

static void
s_verbs (FILE *out, const char *group)
{
    const hub_type_t *type;
    for (size_t i = 0; (type = hub_types_at (i)); i++)
        if (type->group && streq (type->group, group))
            fprintf (out, "  %-14s %-24s %s\n", type->verb, type->name, type->summary);
}

void
cli_message_verb_list (FILE *out, const char *group, int indent, int width)
{
    const hub_type_t *type;
    int column = indent;
    bool first = true;
    for (size_t i = 0; (type = hub_types_at (i)); i++) {
        if (!type->group || !streq (type->group, group))
            continue;
        int len = (int) strlen (type->verb) + 2;
        if (!first && column + len > width) {
            fprintf (out, ",\n%*s", indent, "");
            column = indent;
        }
        else
        if (!first)
            fputs (", ", out);
        fputs (type->verb, out);
        column += len;
        first = false;
    }
    fputc ('\n', out);
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
                  "3 broker unreachable, 5 identity refused.\n");
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

//  A TIME flag as RFC 3339 text (the one formatter): the flag may say
//  "now+1d". Returns the item, or NULL (said why).
static json_t *
s_time_item (const s_flag_t *flag, const char *value)
{
    int64_t ms;
    char text [HUB_TIME_TEXT_MAX], why [256];
    if (hub_time_parse_arg (value, zclock_time (), &ms, why, sizeof why)
    ||  hub_time_format (ms, text, sizeof text) < 0) {
        fprintf (stderr, "cyclehub: --%s: \"%s\" is not a time: %s\n", flag->flag, value, why);
        return NULL;
    }
    return json_string (text);
}

//  One flag's value as JSON, as hub_json reads that field. Returns the
//  item, or NULL (said why).
static json_t *
s_item (const s_flag_t *flag, const char *value)
{
    const ProtobufCFieldDescriptor *field = flag->field;
    json_t *item = NULL;
    if (flag->money) {
        //  The text goes on as given, in major units: the JSON codec reads it
        //  in the currency (--currency, known only once every flag is read)
        item = json_pack ("{s:s}", "amount", value);
        if (!item) {
            fprintf (stderr, "cyclehub: --%s: the value is not valid UTF-8\n", flag->flag);
            return NULL;
        }
    }
    else
    if (s_is_time (field))
        item = s_time_item (flag, value);
    else
    switch (field->type) {
        case PROTOBUF_C_TYPE_STRING:
            item = json_string (value);
            if (!item) {
                fprintf (stderr, "cyclehub: --%s: the value is not valid UTF-8\n", flag->flag);
                return NULL;
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
                return NULL;
            }
            break;
        case PROTOBUF_C_TYPE_DOUBLE:
        case PROTOBUF_C_TYPE_FLOAT: {
            char *end;
            errno = 0;
            double d = strtod (value, &end);
            if (end == value || *end || errno) {
                fprintf (stderr, "cyclehub: --%s: \"%s\" is not a number\n", flag->flag, value);
                return NULL;
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
                return NULL;
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
                return NULL;
            }
            break;
        }
        default:                            //  integers: hub_json range-checks
            item = json_string (value);
            break;
    }
    return item;
}

//  Sets one flag's value into the JSON body. Returns 0 or -1 (said why).
static int
s_set_flag (json_t *root, const s_flag_t *flag, const char *value)
{
    json_t *item = s_item (flag, value);
    if (!item)
        return -1;
    json_t *parent = s_parent (root, flag);
    const char *key = flag->path [flag->depth - 1];
    if (flag->field->label == PROTOBUF_C_LABEL_REPEATED) {
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

//  Publishes env and prints "<seq>" or "<seq> duplicate". Returns the exit code.
static int
s_publish_envelope (cli_t *cli, const Cyclehub__V1__Envelope *env)
{
    hub_client_t *client = cli_client (cli);
    if (!client)
        return CLI_USAGE;
    hub_result_t result;
    int rc = hub_client_publish (client, env, &result);
    hub_client_destroy (&client);
    if (cli->verbose)
        fprintf (stderr, "cyclehub: msg_id %s\n", result.msg_id);
    if (rc != HUB_OK)
        return cli_fail (rc, &result, "publish");
    printf ("%" PRIu64 "%s\n", result.seq, result.duplicate? " duplicate": "");
    return CLI_OK;
}

static int
s_publish_or_print (cli_t *cli, Cyclehub__V1__Envelope *env, bool dry_run)
{
    if (!dry_run)
        return s_publish_envelope (cli, env);
    char *text = hub_json_encode (&env->base, HUB_JSON_PRETTY);
    if (!text) {
        fprintf (stderr, "cyclehub: the envelope cannot be written as JSON\n");
        return CLI_USAGE;
    }
    printf ("%s\n", text);
    free (text);
    return CLI_OK;
}

//  --------------------------------------------------------------------------
//  GROUP VERB [FLAGS]: one message from flags

//  The flags every message command has; a field's flag is its index in
//  s_flags_t plus S_FIELD_KEY
enum { S_COMMISSION = 'c', S_MSG_ID = 'm', S_SENT_AT = 's', S_CURRENCY = 'u', S_DRY_RUN = 'd' };
#define S_FIELD_KEY 0x100

static const struct option s_message_options [] = {
    { "commission", required_argument, NULL, S_COMMISSION },
    { "msg-id",     required_argument, NULL, S_MSG_ID },
    { "sent-at",    required_argument, NULL, S_SENT_AT },
    { "currency",   required_argument, NULL, S_CURRENCY },
    { "dry-run",    no_argument,       NULL, S_DRY_RUN },
};

typedef struct {
    const char *commission;
    const char *msg_id;
    int64_t sent_at_ms;                 //  0: not set
    const char *currency;
    bool dry_run;
    json_t *body;                       //  the fields' flags, as hub_json reads the body
} s_message_t;

//  The getopt options of a message command: the common ones, then one
//  per field (a switch for a bool: --x, or --x=false)
static void
s_message_options_of (const s_flags_t *flags, struct option *options, size_t size)
{
    size_t count = sizeof s_message_options / sizeof s_message_options [0];
    memcpy (options, s_message_options, sizeof s_message_options);
    for (size_t i = 0; i < flags->count && count + 1 < size; i++) {
        bool is_bool = flags->flags [i].field->type == PROTOBUF_C_TYPE_BOOL;
        options [count++] = (struct option) { flags->flags [i].flag,
            is_bool? optional_argument: required_argument, NULL, S_FIELD_KEY + (int) i };
    }
    options [count] = (struct option) { NULL, 0, NULL, 0 };
}

//  One flag of a message command into message
static void
s_message_flag (cli_args_t *args, const s_flags_t *flags, s_message_t *message, int key)
{
    char why [256];
    switch (key) {
        case S_COMMISSION: message->commission = args->value; break;
        case S_MSG_ID:     message->msg_id = args->value; break;
        case S_CURRENCY:   message->currency = args->value; break;
        case S_DRY_RUN:    message->dry_run = true; break;
        case S_SENT_AT:
            if (hub_time_parse_arg (args->value, zclock_time (), &message->sent_at_ms,
                                    why, sizeof why))
                cli_args_fail (args, "--sent-at: \"%s\" is not a time: %s", args->value, why);
            break;
        default:
            if (s_set_flag (message->body, &flags->flags [key - S_FIELD_KEY], args->value))
                cli_args_fail (args, NULL);
    }
}

//  Parses a message command's flags. Returns CLI_OK, CLI_USAGE, or -1
//  after printing the usage for --help.
static int
s_message_args (cli_t *cli, const hub_type_t *verb, const s_flags_t *flags,
                int argc, char **argv, s_message_t *message)
{
    struct option options [sizeof flags->flags / sizeof flags->flags [0] + 8];
    s_message_options_of (flags, options, sizeof options / sizeof options [0]);
    char command [64];
    snprintf (command, sizeof command, "%s %s", verb->group, verb->verb);
    cli_args_t args;
    if (cli_args_begin (&args, cli, command, argc, argv, options, 0) == CLI_ARGS_HELP) {
        s_message_usage (stdout, verb, flags);
        return -1;
    }
    int key;
    while ((key = cli_args_next (&args)))
        s_message_flag (&args, flags, message, key);
    if (args.rc == CLI_OK && !message->commission)
        cli_args_fail (&args, "give --commission ID, the commission's ocid");
    return cli_args_end (&args, 0);
}

//  The message of the flags, published or printed. Returns the exit code.
static int
s_message_send (cli_t *cli, const hub_type_t *verb, s_message_t *message)
{
    const ProtobufCMessageDescriptor *desc = hub_envelope_body_descriptor (verb->body_case);
    s_fill_currency (message->body, message->currency);
    char error [512];
    ProtobufCMessage *body = hub_json_to_message (desc, message->body, error, sizeof error);
    if (!body) {
        fprintf (stderr, "cyclehub: %s %s: %s\n", verb->group, verb->verb, error);
        return CLI_USAGE;
    }
    Cyclehub__V1__Envelope *env = hub_envelope_new (message->commission, message->msg_id);
    if (!env || hub_envelope_set_body (env, &body)) {
        if (body)
            protobuf_c_message_free_unpacked (body, NULL);
        hub_envelope_destroy (&env);
        return CLI_FAILED;
    }
    env->sent_at_ms = message->sent_at_ms;
    int rc = s_publish_or_print (cli, env, message->dry_run);
    hub_envelope_destroy (&env);
    return rc;
}

//  `GROUP VERB [FLAGS]`, argv [0] being the verb
static int
s_message (cli_t *cli, const hub_type_t *verb, int argc, char **argv)
{
    const ProtobufCMessageDescriptor *desc = hub_envelope_body_descriptor (verb->body_case);
    assert (desc);
    s_flags_t *flags = calloc (1, sizeof *flags);
    s_message_t message = { .currency = "GBP", .body = json_object () };
    int rc = CLI_FAILED;
    if (flags && message.body) {
        s_walk (flags, desc, "", NULL);
        rc = s_message_args (cli, verb, flags, argc, argv, &message);
        if (rc == CLI_OK)
            rc = s_message_send (cli, verb, &message);
        else
        if (rc < 0)
            rc = CLI_OK;                //  --help
    }
    json_decref (message.body);
    free (flags);
    return rc;
}

static void
s_group_usage (FILE *out, const char *group)
{
    fprintf (out, "Usage: cyclehub [GLOBAL FLAGS] %s VERB --commission ID [FLAGS]\n", group);
    if (streq (group, "commission"))
        fprintf (out, "       cyclehub [GLOBAL FLAGS] commission ID [--pretty]   "
                      "(the commission's state as JSON)\n");
    fprintf (out, "Publishes one message; each VERB takes --help for its flags.\n\nVerbs:\n");
    s_verbs (out, group);
}

int
cli_group (cli_t *cli, int argc, char **argv)
{
    const char *group = argv [0];
    bool help = argc >= 2 && (streq (argv [1], "--help") || streq (argv [1], "-h"));
    if (argc >= 2 && !help) {
        if (streq (group, "commission") && streq (argv [1], "list"))
            return cli_commission_list (cli, argc - 1, argv + 1);
        const hub_type_t *verb = hub_types_command (group, argv [1]);
        if (verb)
            return s_message (cli, verb, argc - 1, argv + 1);
        if (streq (group, "commission") && argv [1][0] != '-')
            return cli_commission_show (cli, argc, argv);
        if (argv [1][0] == '-')
            fprintf (stderr, "cyclehub: %s: the VERB comes first, then the flags (global "
                     "flags too), e.g. cyclehub %s VERB --commission ID\n", group, group);
        else
            fprintf (stderr, "cyclehub: %s: unknown command '%s'\n", group, argv [1]);
    }
    s_group_usage (help? stdout: stderr, group);
    return help? CLI_OK: CLI_USAGE;
}

//  --------------------------------------------------------------------------
//  publish TYPE [FILE|-]

static void
s_publish_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] publish TYPE [FILE|-] [--commission ID] [--msg-id ID]\n"
        "       cyclehub [GLOBAL FLAGS] publish TYPE -m JSON   (or --json JSON)\n"
        "       cyclehub [GLOBAL FLAGS] publish [TYPE] --lines [FILE|-]\n"
        "Publishes one message given as JSON: from FILE, or stdin if FILE is - or absent,\n"
        "or inline with -m/--json. The JSON is either a whole Envelope in canonical JSON\n"
        "(an object with \"commissionId\", optional \"msgId\" and \"sentAt\", and the\n"
        "body member, e.g. \"tenderPublished\"), or just the body of TYPE (then\n"
        "--commission is required). --commission and --msg-id override the Envelope's.\n"
        "Without a msgId, one is generated. Prints the seq, or \"<seq> duplicate\" for a\n"
        "retry already stored.\n"
        "\n"
        "With --lines, many messages, one JSON object a line (blank lines and lines\n"
        "starting with # are skipped): {\"type\": TYPE, \"commissionId\": ID, \"msgId\": ID,\n"
        "\"body\": {...}} (commissionId and msgId optional; --commission is the default\n"
        "commission), or with TYPE given, each line as for one message of TYPE. They go\n"
        "out pipelined (up to 64 in flight). Prints one line per input line on stdout:\n"
        "  LINE seq SEQ [duplicate]           stored\n"
        "  LINE rejected CODE FIELD: REASON   refused by the broker (FIELD - if none)\n"
        "  LINE invalid - -: REASON           not a message: not sent\n"
        "and a summary on stderr (stored, duplicates, rejected, invalid, messages/s).\n"
        "\n"
        "  --commission ID   the commission's ocid\n"
        "  --msg-id ID       idempotency key (re-use it to retry safely; not with --lines)\n"
        "  -m, --json JSON   the message itself instead of a file\n"
        "  --lines           JSON lines from FILE or stdin, as above\n"
        "  --dry-run         print the Envelope(s) as JSON instead of publishing\n"
        "\n"
        "Types (the names of every other command and of the events' \"type\"):");
    const hub_type_t *type;
    for (size_t i = 0; (type = hub_types_at (i)); i++)
        if (type->relations != HUB_BROKER)
            fprintf (out, "%s %s", i % 5? "": "\n ", type->name);
    fprintf (out, "\n\nExit status: 0 stored, 1 rejected by the broker (with --lines: any line),\n"
                  "2 usage or bad JSON (the error names the field; with --lines: any line\n"
                  "invalid), 3 broker unreachable, 5 identity refused.\n");
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

static const struct option s_publish_options [] = {
    { "commission", required_argument, NULL, 'c' },
    { "msg-id",     required_argument, NULL, 'i' },
    { "json",       required_argument, NULL, 'm' },
    { "lines",      no_argument,       NULL, 'l' },
    { "dry-run",    no_argument,       NULL, 'd' },
    { NULL, 0, NULL, 0 }
};

typedef struct {
    const hub_type_t *type;             //  TYPE's row (NULL: --lines without TYPE)
    const char *path;                   //  FILE, or NULL for stdin
    const char *commission;             //  overrides, or NULL
    const char *msg_id;
    const char *inline_json;            //  -m/--json, or NULL
    bool lines;                         //  --lines
    bool dry_run;
} s_publish_t;

//  TYPE as a row a client may publish, or NULL
static const hub_type_t *
s_publishable (const char *name)
{
    const hub_type_t *type = name? hub_types_named (name): NULL;
    if (type && (type->relations == HUB_BROKER || !hub_envelope_body_descriptor (type->body_case)))
        type = NULL;
    return type;
}

//  Parses publish's flags and operands. Returns CLI_OK, CLI_USAGE, or -1
//  after printing the usage for --help.
static int
s_publish_args (cli_t *cli, int argc, char **argv, s_publish_t *publish)
{
    cli_args_t args;
    //  -m is --json: getopt_long's short form, given as its own word
    for (int i = 1; i < argc; i++)
        if (streq (argv [i], "-m"))
            argv [i] = "--json";
        else
        if (streq (argv [i], "--"))
            break;
    if (cli_args_begin (&args, cli, "publish", argc, argv, s_publish_options, 0) == CLI_ARGS_HELP) {
        s_publish_usage (stdout);
        return -1;
    }
    int key;
    while ((key = cli_args_next (&args)))
        switch (key) {
            case 'c': publish->commission = args.value; break;
            case 'i': publish->msg_id = args.value; break;
            case 'm': publish->inline_json = args.value; break;
            case 'l': publish->lines = true; break;
            case 'd': publish->dry_run = true; break;
        }
    //  With --lines, TYPE is optional: a lone operand that is no type is FILE
    const char *first = args.operands [0];
    bool typed = !publish->lines || args.n_operands >= 2 || (first && s_publishable (first));
    publish->type = typed? s_publishable (first): NULL;
    publish->path = typed? args.operands [1]: first;
    if (args.rc == CLI_OK && typed && !first)
        cli_args_fail (&args, "give the message's TYPE, e.g. tender.published");
    else
    if (args.rc == CLI_OK && typed && !publish->type)
        cli_type_unknown (&args, "message type", first);
    else
    if (args.rc == CLI_OK && publish->inline_json && (publish->lines || publish->path))
        cli_args_fail (&args, "-m/--json is the message itself: give no FILE and no --lines");
    else
    if (args.rc == CLI_OK && publish->lines && publish->msg_id)
        cli_args_fail (&args, "--msg-id is one message's: with --lines, give \"msgId\" per line");
    return cli_args_end (&args, typed? 2: 1);
}

Cyclehub__V1__Envelope *
cli_envelope_of (json_t *json, const hub_type_t *type, char *error, size_t size)
{
    Cyclehub__V1__Envelope *env = NULL;
    if (json_object_get (json, "commissionId") || json_object_get (json, "commission_id")) {
        env = (Cyclehub__V1__Envelope *) hub_json_to_message (
            &cyclehub__v1__envelope__descriptor, json, error, size);
        if (env && env->body_case != type->body_case) {
            const char *has = hub_proto_type_name (env->body_case);
            snprintf (error, size, "the envelope holds %s, not %s", has? has: "no body",
                      type->name);
            hub_envelope_destroy (&env);
        }
        return env;
    }
    const ProtobufCMessageDescriptor *desc = hub_envelope_body_descriptor (type->body_case);
    ProtobufCMessage *body = hub_json_to_message (desc, json, error, size);
    if (body) {
        env = hub_envelope_new (NULL, NULL);
        if (!env || hub_envelope_set_body (env, &body)) {
            snprintf (error, size, "out of memory");
            if (body)
                protobuf_c_message_free_unpacked (body, NULL);
            hub_envelope_destroy (&env);
        }
    }
    return env;
}

//  Reads FILE (or stdin), or the inline text, as one JSON object. Returns
//  it, or NULL (said why).
static json_t *
s_read_json (const char *path, const char *inline_json)
{
    if (inline_json) {
        json_error_t jerror;
        json_t *json = json_loads (inline_json, JSON_REJECT_DUPLICATES, &jerror);
        if (!json || !json_is_object (json)) {
            fprintf (stderr, "cyclehub: publish: --json: %s\n", json? "expected a JSON object":
                     jerror.text);
            json_decref (json);
            return NULL;
        }
        return json;
    }
    size_t size = 0;
    char *text = s_read_all (path? path: "-", &size);
    if (!text) {
        fprintf (stderr, "cyclehub: publish: cannot read %s: %s\n", path? path: "stdin",
                 strerror (errno));
        return NULL;
    }
    json_error_t jerror;
    json_t *json = json_loadb (text, size, JSON_REJECT_DUPLICATES, &jerror);
    free (text);
    if (!json)
        fprintf (stderr, "cyclehub: publish: %s: line %d, column %d: %s\n", path? path: "stdin",
                 jerror.line, jerror.column, jerror.text);
    else
    if (!json_is_object (json)) {
        fprintf (stderr, "cyclehub: publish: expected a JSON object\n");
        json_decref (json);
        json = NULL;
    }
    return json;
}

int
cli_publish (cli_t *cli, int argc, char **argv)
{
    s_publish_t publish = { NULL };
    int rc = s_publish_args (cli, argc, argv, &publish);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (publish.lines)
        return cli_publish_lines (cli, publish.type, publish.path, publish.commission,
                                  publish.dry_run);
    json_t *json = s_read_json (publish.path, publish.inline_json);
    if (!json)
        return CLI_USAGE;
    char error [512];
    Cyclehub__V1__Envelope *env = cli_envelope_of (json, publish.type, error, sizeof error);
    json_decref (json);
    if (!env) {
        fprintf (stderr, "cyclehub: publish: %s\n", error);
        return CLI_USAGE;
    }
    if ((publish.commission && hub_set_string (&env->commission_id, publish.commission))
    ||  (publish.msg_id && hub_set_string (&env->msg_id, publish.msg_id))) {
        hub_envelope_destroy (&env);
        return CLI_FAILED;
    }
    if (!env->commission_id || !*env->commission_id) {
        fprintf (stderr, "cyclehub: publish: no commission: give --commission ID, or an "
                 "Envelope with \"commissionId\"\n");
        hub_envelope_destroy (&env);
        return CLI_USAGE;
    }
    rc = s_publish_or_print (cli, env, publish.dry_run);
    hub_envelope_destroy (&env);
    return rc;
}
