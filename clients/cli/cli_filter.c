/*  cli_filter: the event filters of `history` and `subscribe` and their
    output formats. Repeated --type, --commission, --agency and --stage are
    OR'ed (an event matches one of each given); a type or stage the hub
    does not know, or an agency that is no org-id, is refused, listing the
    valid ones, instead of matching nothing. Stages are spelt as the JSON
    of events spells them or in short: "do", "DO" and "STAGE_DO" are one.
*/
#include "cli.h"
#include <ctype.h>

static void s_type_list (char *buf, size_t size);

//  "do", "DO", "stage_do", "STAGE_DO": the stage, or 0
static int
s_stage (const char *text)
{
    char lower [32];
    size_t len = 0;
    for (; text [len] && len + 1 < sizeof lower; len++)
        lower [len] = (char) tolower ((unsigned char) text [len]);
    lower [len] = 0;
    const char *name = strncmp (lower, "stage_", 6) == 0? lower + 6: lower;
    return (int) hub_proto_stage_from_name (name);
}

//  An org-id as org-id.guide writes them: a country, a list, an identifier
//  (GB-LAE-E09000033, GB-NHS-RWE, GB-CHC-1234567)
static bool
s_org_id (const char *text)
{
    size_t country = strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    if (country != 2 || text [2] != '-')
        return false;
    const char *list = text + 3;
    size_t list_len = strspn (list, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    if (list_len == 0 || list [list_len] != '-' || !list [list_len + 1])
        return false;
    for (const char *c = list + list_len + 1; *c; c++)
        if (!isalnum ((unsigned char) *c) && !strchr ("-._/", *c))
            return false;
    return strlen (text) < 64;
}

//  Lower case, without _ - . and spaces: "responseSubmitted",
//  "response_submitted" and "ResponseSubmitted" are one
static void
s_squash (const char *text, char *buf, size_t size)
{
    size_t len = 0;
    for (; *text && len + 1 < size; text++)
        if (!strchr ("_-. ", *text))
            buf [len++] = (char) tolower ((unsigned char) *text);
    buf [len] = 0;
}

const hub_type_t *
cli_type_spelt (const char *text)
{
    char want [128], have [128];
    s_squash (text, want, sizeof want);
    const hub_type_t *type;
    for (size_t i = 0; (type = hub_types_at (i)); i++) {
        char command [128];
        snprintf (command, sizeof command, "%s %s", type->group? type->group: "",
                  type->verb? type->verb: "");
        const char *forms [] = { type->member, type->message, command };
        for (int f = 0; f < 3; f++) {
            s_squash (forms [f], have, sizeof have);
            if (*have && streq (have, want))
                return type;
        }
    }
    return NULL;
}

int
cli_type_unknown (cli_args_t *args, const char *what, const char *text)
{
    const hub_type_t *near = cli_type_spelt (text);
    char list [2048];
    s_type_list (list, sizeof list);
    if (near)
        return cli_args_fail (args, "unknown %s '%s': the type's name is %s ('%s' is another "
                              "spelling of it: its JSON member, message or command)", what,
                              text, near->name, text);
    return cli_args_fail (args, "unknown %s '%s'; the types: %s", what, text, list);
}

static void
s_type_list (char *buf, size_t size)
{
    const hub_type_t *type;
    size_t len = 0;
    *buf = 0;
    for (size_t i = 0; (type = hub_types_at (i)) && len < size; i++)
        len += (size_t) snprintf (buf + len, size - len, "%s%s", i? ", ": "", type->name);
}

int
cli_filter_add (cli_filter_t *self, cli_args_t *args, char kind, const char *value)
{
    size_t *count = kind == 't'? &self->n_types: kind == 'c'? &self->n_commissions:
                    kind == 'a'? &self->n_agencies: &self->n_stages;
    if (*count == CLI_FILTER_MAX)
        return cli_args_fail (args, "at most %d values of --%s", CLI_FILTER_MAX, args->flag);
    if (kind == 't' && !hub_types_named (value))
        return cli_type_unknown (args, "type", value);
    if (kind == 's' && !s_stage (value))
        return cli_args_fail (args, "unknown stage '%s'; the stages: analyse, plan, do, review, "
                              "closed (or as the events spell them, STAGE_DO)", value);
    if (kind == 'a' && !s_org_id (value))
        return cli_args_fail (args, "'%s' is not an org-id: a country, a register and an "
                              "identifier, e.g. GB-LAE-E09000033 or GB-NHS-RWE", value);
    if (kind == 't')
        self->types [self->n_types++] = value;
    else
    if (kind == 'c')
        self->commissions [self->n_commissions++] = value;
    else
    if (kind == 'a')
        self->agencies [self->n_agencies++] = value;
    else
        self->stages [self->n_stages++] = s_stage (value);
    return 0;
}

void
cli_filter_query (cli_filter_t *self, Cyclehub__V1__HistoryQuery *query)
{
    //  One value: the single field (indexed, and any broker knows it)
    if (self->n_commissions == 1)
        query->commission_id = (char *) self->commissions [0];
    else {
        query->n_commission_ids = self->n_commissions;
        query->commission_ids = (char **) self->commissions;
    }
    if (self->n_agencies == 1)
        query->agency = (char *) self->agencies [0];
    else {
        query->n_agencies = self->n_agencies;
        query->agencies = (char **) self->agencies;
    }
    if (self->n_types == 1)
        query->type = (char *) self->types [0];
    else {
        query->n_types = self->n_types;
        query->types = (char **) self->types;
    }
    for (size_t i = 0; i < self->n_stages; i++)
        self->query_stages [i] = (Cyclehub__V1__Stage) self->stages [i];
    if (self->n_stages == 1)
        query->stage = self->query_stages [0];
    else {
        query->n_stages = self->n_stages;
        query->stages = self->query_stages;
    }
}

static bool
s_one_of (const char *text, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (text && streq (text, values [i]))
            return true;
    return n == 0;
}

bool
cli_filter_match (const cli_filter_t *self, const Cyclehub__V1__Event *event)
{
    bool stage = self->n_stages == 0;
    for (size_t i = 0; i < self->n_stages; i++)
        stage |= (int) event->stage == self->stages [i];
    return stage && s_one_of (event->type, self->types, self->n_types)
        && s_one_of (event->sender, self->agencies, self->n_agencies)
        && s_one_of (event->envelope? event->envelope->commission_id: NULL,
                     self->commissions, self->n_commissions);
}

int
cli_format_parse (const char *text)
{
    return streq (text, "json")? CLI_FORMAT_JSON: streq (text, "pretty")? CLI_FORMAT_PRETTY:
           streq (text, "table")? CLI_FORMAT_TABLE: streq (text, "raw")? CLI_FORMAT_RAW: -1;
}

//  One human line: seq, time, stage, type, commission, sender
static char *
s_table_line (const Cyclehub__V1__Event *event)
{
    char when [HUB_TIME_TEXT_MAX] = "-";
    hub_time_format (event->recorded_at_ms, when, sizeof when);
    const char *commission = event->envelope && event->envelope->commission_id?
                             event->envelope->commission_id: "-";
    return zsys_sprintf ("%-6" PRIu64 " %-24s %-8s %-24s %-24s %s\n", event->seq, when,
                         hub_proto_stage_name (event->stage), event->type? event->type: "-",
                         commission, event->sender && *event->sender? event->sender: "-");
}

char *
cli_format_event (const Cyclehub__V1__Event *event, int format)
{
    if (format == CLI_FORMAT_TABLE)
        return s_table_line (event);
    const ProtobufCMessage *message = &event->base;
    if (format == CLI_FORMAT_RAW) {
        //  The body alone, as the message's JSON (no envelope, no event)
        message = event->envelope? hub_envelope_get_body (event->envelope): NULL;
        if (!message)
            return zsys_sprintf ("{}\n");
    }
    char *text = hub_json_encode (message, format == CLI_FORMAT_PRETTY? HUB_JSON_PRETTY: 0);
    char *line = text? zsys_sprintf ("%s\n", text): NULL;
    free (text);
    return line;
}
