/*  cli_query: the commands that read the broker: `history` (stored events
    as JSON lines), `commission ID` (a commission's state) and `status`.
*/
#include "cli.h"
#include "hub_number.h"
#include <errno.h>

int
cli_print_event (const Cyclehub__V1__Event *event, int format)
{
    char *line = cli_format_event (event, format);
    if (!line) {
        fprintf (stderr, "cyclehub: event %" PRIu64 " cannot be written as JSON\n", event->seq);
        return -1;
    }
    size_t len = strlen (line), done = 0;
    int rc = 0;
    while (done < len && rc == 0) {
        ssize_t wrote = write (STDOUT_FILENO, line + done, len - done);
        if (wrote > 0)
            done += (size_t) wrote;
        else
        if (wrote < 0 && errno == EINTR)
            rc = done == 0 && zsys_interrupted? 1: 0;
        else
            rc = -1;
    }
    zstr_free (&line);
    return rc;
}

int
cli_start_seq (cli_t *cli, const char *from, int64_t since_ms, uint64_t *seq)
{
    hub_client_t *client = cli_client (cli);
    if (!client)
        return CLI_USAGE;
    Cyclehub__V1__Reply *reply = NULL;
    hub_result_t result;
    int rc;
    if (from) {
        //  --from -N: the last N events of the log
        uint64_t back = 0;
        cli_parse_u64 (from + 1, &back);
        rc = hub_client_status (client, &reply, &result);
        if (rc == HUB_OK) {
            uint64_t last = reply->status->last_seq;
            *seq = last > back? last - back + 1: 1;
        }
    }
    else {
        //  --since TIME: the first event recorded at or after it
        Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
        query.since_ms = since_ms;
        query.limit = 1;
        rc = hub_client_history (client, &query, &reply, &result);
        if (rc == HUB_OK) {
            Cyclehub__V1__Event *event = reply->page->n_events? cyclehub__v1__event__unpack (
                NULL, reply->page->events [0].len, reply->page->events [0].data): NULL;
            *seq = event? event->seq: reply->page->next_seq? reply->page->next_seq: 1;
            if (event)
                cyclehub__v1__event__free_unpacked (event, NULL);
        }
    }
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    hub_client_destroy (&client);
    return rc == HUB_OK? CLI_OK: cli_fail (rc, &result, from? "status": "history");
}

//  --------------------------------------------------------------------------
//  commission ID, status

static const struct option s_show_options [] = {
    { "pretty", no_argument,       NULL, 'p' },
    { "format", required_argument, NULL, 'F' },        //  status only
    { NULL, 0, NULL, 0 }
};

//  "name count, name count" of a status's counts, or "-"
static void
s_counts (const char *label, Cyclehub__V1__Count **counts, size_t n)
{
    printf ("%-13s", label);
    for (size_t i = 0; i < n; i++)
        printf ("%s%s %" PRIu64, i? ", ": "", counts [i]->key, counts [i]->count);
    printf ("%s\n", n? "": "-");
}

//  The broker's status for a person: the hub, its store and subscribers,
//  the counts, then the publish path's latency budget, one stage a line
//  (docs/performance.md, "Latency budget"). Every figure is in the JSON
//  form too; zeros, which the JSON leaves out, are printed.
static void
s_status_table (const Cyclehub__V1__Status *s)
{
    char used [32], most [32], commit [HUB_TIME_TEXT_MAX] = "none yet";
    hub_number_bytes (s->store_bytes, used, sizeof used);     //  as the dashboard says it
    hub_number_bytes (s->store_max_bytes, most, sizeof most);
    if (s->last_commit_ms)
        hub_time_format (s->last_commit_ms, commit, sizeof commit);
    printf ("%-13s%s, up %" PRIu64 " s\n", "hub", s->hub_id, s->uptime_ms / 1000);
    printf ("%-13s%" PRIu64 "\n", "last seq", s->last_seq);
    printf ("%-13s%s\n", "last commit", commit);
    printf ("%-13s%.1f a second (the last 10 s)\n", "publishes", s->publish_rate);
    printf ("%-13s%s of %s\n", "store", used, most);
    printf ("%-13s%" PRIu64 "\n", "commissions", s->commissions);
    printf ("%-13s%" PRIu64 "\n", "subscribers", s->subscribers);
    printf ("%-13s%" PRIu64 " (%" PRIu64 " requests)\n", "commits", s->batches,
            s->batch_requests);
    s_counts ("by stage", s->per_stage, s->n_per_stage);
    s_counts ("by type", s->per_type, s->n_per_type);
    if (s->n_latency == 0)
        return;
    //  p50 and p99 are the upper bounds of the powers of two they fall in
    //  (or the max, if less)
    printf ("\n%-16s %10s %10s %10s %10s %10s\n", "publish path (us)", "count", "mean",
            "p50 <=", "p99 <=", "max");
    for (size_t i = 0; i < s->n_latency; i++) {
        const Cyclehub__V1__LatencyStage *l = s->latency [i];
        printf ("%-16s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
                l->stage, l->count, l->count? l->total_us / l->count: 0,
                l->p50_us < l->max_us? l->p50_us: l->max_us,
                l->p99_us < l->max_us? l->p99_us: l->max_us, l->max_us);
    }
}

//  Asks for a commission's state (id) or the broker's status (id NULL)
//  and prints it in format (JSON, pretty JSON, or for status a table).
static int
s_print_reply (cli_t *cli, const char *what, const char *id, int format)
{
    hub_client_t *client = cli_client (cli);
    if (!client)
        return CLI_USAGE;
    Cyclehub__V1__Reply *reply = NULL;
    hub_result_t result;
    int lib_rc = id? hub_client_commission (client, id, &reply, &result):
                     hub_client_status (client, &reply, &result);
    hub_client_destroy (&client);
    if (lib_rc != HUB_OK)
        return cli_fail (lib_rc, &result, what);
    if (format == CLI_FORMAT_TABLE) {
        s_status_table (reply->status);
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        return CLI_OK;
    }
    const ProtobufCMessage *message = id? &reply->commission->base: &reply->status->base;
    char *text = hub_json_encode (message, format == CLI_FORMAT_PRETTY? HUB_JSON_PRETTY: 0);
    cyclehub__v1__reply__free_unpacked (reply, NULL);
    if (!text)
        return CLI_FAILED;
    printf ("%s\n", text);
    free (text);
    return CLI_OK;
}

//  `status` and `commission ID`: --pretty (status also --format), and the
//  id as the one operand
static int
s_show (cli_t *cli, const char *what, int argc, char **argv, int operands, const char *usage)
{
    cli_args_t args;
    if (cli_args_begin (&args, cli, what, argc, argv, s_show_options, 0) == CLI_ARGS_HELP) {
        fputs (usage, stdout);
        return CLI_OK;
    }
    int format = CLI_FORMAT_JSON, key;
    while ((key = cli_args_next (&args))) {
        if (key == 'p')
            format = CLI_FORMAT_PRETTY;
        if (key == 'F' && operands)
            cli_args_fail (&args, "--format is status's; give --pretty for indented JSON");
        else
        if (key == 'F' && (format = cli_format_parse (args.value)) != CLI_FORMAT_JSON
            && format != CLI_FORMAT_PRETTY && format != CLI_FORMAT_TABLE)
            cli_args_bad (&args, "json, pretty or table");
    }
    if (args.rc == CLI_OK && args.n_operands < operands)
        cli_args_fail (&args, "give the commission's id (its ocid)");
    if (cli_args_end (&args, operands))
        return args.rc;
    return s_print_reply (cli, what, operands? args.operands [0]: NULL, format);
}

int
cli_status (cli_t *cli, int argc, char **argv)
{
    return s_show (cli, "status", argc, argv, 0,
        "Usage: cyclehub [GLOBAL FLAGS] status [--format json|pretty|table] [--pretty]\n"
        "Prints the broker's status: its hub id, last seq, store size and headroom,\n"
        "subscribers, counts by stage and type, and the publish path's latency budget\n"
        "(microseconds a stage took since the broker started).\n"
        "  --format FORMAT   json (default: one line; zeros left out), pretty (indented\n"
        "                    JSON; --pretty is the same) or table (for a person)\n"
        "Exit status: 0 done, 2 usage, 3 broker unreachable.\n");
}

int
cli_commission_show (cli_t *cli, int argc, char **argv)
{
    return s_show (cli, "commission", argc, argv, 1,
        "Usage: cyclehub [GLOBAL FLAGS] commission ID [--pretty]\n"
        "Prints the commission's state (stage, consultations, procurements, awards,\n"
        "contracts) as JSON. See 'cyclehub commission --help' for its message verbs.\n"
        "Exit status: 0 done, 1 rejected (e.g. unknown commission), 2 usage,\n"
        "3 broker unreachable.\n");
}

//  --------------------------------------------------------------------------
//  commission list: from the broker's commission list query, a page at a time

static const struct option s_list_options [] = {
    { "stage",  required_argument, NULL, 's' },
    { "agency", required_argument, NULL, 'a' },
    { "format", required_argument, NULL, 'F' },
    { NULL, 0, NULL, 0 }
};

static void
s_list_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] commission list [--stage STAGE] [--agency ORG-ID]\n"
        "                [--format json|table]\n"
        "Lists the hub's commissions, as the broker holds them now (not from history):\n"
        "one JSON line each (default), or one table line: id, stage, lead agency, next\n"
        "deadline, title and what is waiting.\n"
        "  --stage STAGE     only commissions now in STAGE: analyse, plan, do, review, closed\n"
        "  --agency ORG-ID   only commissions it leads or is a listed partner of (after the\n"
        "                    command, --agency is this filter: give your own before it)\n"
        "Exit status: 0 done, 1 rejected, 2 usage, 3 broker unreachable, 5 identity refused.\n");
}

static void
s_list_print (const Cyclehub__V1__CommissionSummary *c, bool table)
{
    if (!table) {
        char *text = hub_json_encode (&c->base, 0);
        if (text)
            printf ("%s\n", text);
        free (text);
        return;
    }
    char deadline [HUB_TIME_TEXT_MAX] = "-";
    if (c->next_deadline_ms)
        hub_time_format (c->next_deadline_ms, deadline, sizeof deadline);
    printf ("%-30s %-8s %-18s %-25s %s%s%s\n", c->commission_id,
            hub_proto_stage_name (c->stage), c->owner, deadline, c->title,
            *c->waiting_for? "; ": "", c->waiting_for);
}

int
cli_commission_list (cli_t *cli, int argc, char **argv)
{
    cli_args_t args;
    if (cli_args_begin (&args, cli, "commission list", argc, argv, s_list_options, 0)
        == CLI_ARGS_HELP) {
        s_list_usage (stdout);
        return CLI_OK;
    }
    Cyclehub__V1__CommissionListQuery query = CYCLEHUB__V1__COMMISSION_LIST_QUERY__INIT;
    bool table = false;
    int key;
    while ((key = cli_args_next (&args))) {
        if (key == 's' && !(query.stage = hub_proto_stage_from_name (args.value)))
            cli_args_fail (&args, "--stage takes analyse, plan, do, review or closed");
        if (key == 'a')
            query.agency = (char *) args.value;
        if (key == 'F' && !(table = streq (args.value, "table")) && !streq (args.value, "json"))
            cli_args_fail (&args, "--format takes json or table");
    }
    if (cli_args_end (&args, 0))
        return args.rc;
    hub_client_t *client = cli_client (cli);
    if (!client)
        return CLI_USAGE;
    char after [256] = "";
    hub_result_t result;
    int rc;
    do {
        query.after_id = after;
        Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
        request.body_case = CYCLEHUB__V1__REQUEST__BODY_COMMISSIONS;
        request.commissions = &query;
        Cyclehub__V1__Reply *reply = NULL;
        rc = hub_client_request (client, &request, &reply, &result);
        if (rc == HUB_OK && reply->body_case != CYCLEHUB__V1__REPLY__BODY_COMMISSIONS)
            rc = HUB_EPROTO;
        if (rc == HUB_OK) {
            const Cyclehub__V1__CommissionList *list = reply->commissions;
            for (size_t i = 0; i < list->n_commissions; i++)
                s_list_print (list->commissions [i], table);
            snprintf (after, sizeof after, "%s", list->next_after_id);
        }
        if (reply)
            cyclehub__v1__reply__free_unpacked (reply, NULL);
    } while (rc == HUB_OK && *after);
    hub_client_destroy (&client);
    return rc == HUB_OK? CLI_OK: cli_fail (rc, &result, "commission list");
}

//  --------------------------------------------------------------------------
//  history

static void
s_history_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] history [FLAGS]\n"
        "Prints stored events matching the filters, in seq order, as JSON lines.\n"
        "Each filter may be given many times: an event matches one of the values of\n"
        "each filter given (--type a --type b: a or b).\n"
        "\n"
        "  --commission ID   only this commission's events\n"
        "  --type TYPE       only events of this type, e.g. tender.published (the names\n"
        "                    of cyclehub publish --help; anything else is refused)\n"
        "  --agency ORG-ID   only events sent by this agency (after the command, --agency\n"
        "                    is this filter: give your own before it)\n"
        "  --stage STAGE     only events that left their commission in STAGE: analyse,\n"
        "                    plan, do, review, closed (STAGE_DO, as events say, too)\n"
        "  --since TIME      recorded at or after TIME (RFC 3339, now, now-1h, now-1d ...)\n"
        "  --until TIME      recorded before TIME\n"
        "  --from SEQ|-N     first seq (default 1), or -N: the last N events of the log\n"
        "  --to SEQ          last seq, inclusive\n"
        "  --limit N         print at most N events (default: all)\n"
        "  --format FORMAT   json (default: one line per event), pretty (indented),\n"
        "                    table (one human line: seq, time, stage, type, commission,\n"
        "                    sender), raw (the message body alone, as JSON)\n"
        "  --pretty          the same as --format pretty\n"
        "Exit status: 0 done, 1 rejected, 2 usage, 3 broker unreachable, 5 identity refused.\n");
}

static const struct option s_history_options [] = {
    { "commission", required_argument, NULL, 'c' },
    { "type",       required_argument, NULL, 't' },
    { "agency",     required_argument, NULL, 'a' },
    { "stage",      required_argument, NULL, 's' },
    { "since",      required_argument, NULL, 'S' },
    { "until",      required_argument, NULL, 'U' },
    { "from",       required_argument, NULL, 'f' },
    { "to",         required_argument, NULL, 'T' },
    { "limit",      required_argument, NULL, 'l' },
    { "format",     required_argument, NULL, 'F' },
    { "pretty",     no_argument,       NULL, 'p' },
    { NULL, 0, NULL, 0 }
};

typedef struct {
    cli_filter_t filter;
    Cyclehub__V1__HistoryQuery query;
    const char *from_end;               //  --from -N, or NULL
    uint64_t limit;
    int format;
} s_history_t;

//  Parses history's flags. Returns CLI_OK, CLI_USAGE, or -1 after printing
//  the usage for --help.
static int
s_history_args (cli_t *cli, int argc, char **argv, s_history_t *history)
{
    cli_args_t args;
    if (cli_args_begin (&args, cli, "history", argc, argv, s_history_options, 0) == CLI_ARGS_HELP) {
        s_history_usage (stdout);
        return -1;
    }
    Cyclehub__V1__HistoryQuery *query = &history->query;
    int key;
    while ((key = cli_args_next (&args))) {
        const char *value = args.value;
        bool ok = true;
        switch (key) {
            case 'c': case 't': case 'a': case 's':
                cli_filter_add (&history->filter, &args, (char) key, value);
                break;
            case 'S': ok = !hub_time_parse_arg (value, zclock_time (), &query->since_ms, NULL, 0);
                      break;
            case 'U': ok = !hub_time_parse_arg (value, zclock_time (), &query->until_ms, NULL, 0);
                      break;
            case 'f':
                history->from_end = *value == '-'? value: NULL;
                ok = cli_parse_u64 (value + (*value == '-'), &query->from_seq);
                break;
            case 'T': ok = cli_parse_u64 (value, &query->to_seq); break;
            case 'l': ok = cli_parse_u64 (value, &history->limit); break;
            case 'F': ok = (history->format = cli_format_parse (value)) >= 0; break;
            case 'p': history->format = CLI_FORMAT_PRETTY; break;
        }
        if (!ok)
            cli_args_bad (&args, key == 'F'? "json, pretty, table or raw": NULL);
    }
    cli_filter_query (&history->filter, query);
    return cli_args_end (&args, 0);
}

//  Prints one page's events. Returns the exit code so far.
static int
s_print_page (const Cyclehub__V1__HistoryPage *page, int format, uint64_t *printed)
{
    int rc = CLI_OK;
    for (size_t i = 0; i < page->n_events && rc == CLI_OK; i++) {
        Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (
            NULL, page->events [i].len, page->events [i].data);
        if (!event || cli_print_event (event, format))
            rc = CLI_FAILED;
        if (event)
            cyclehub__v1__event__free_unpacked (event, NULL);
        (*printed)++;
    }
    return rc;
}

int
cli_history (cli_t *cli, int argc, char **argv)
{
    s_history_t history;
    memset (&history, 0, sizeof history);
    history.query = (Cyclehub__V1__HistoryQuery) CYCLEHUB__V1__HISTORY_QUERY__INIT;
    int rc = s_history_args (cli, argc, argv, &history);
    if (rc)
        return rc < 0? CLI_OK: rc;
    Cyclehub__V1__HistoryQuery *query = &history.query;
    if (history.from_end && (rc = cli_start_seq (cli, history.from_end, 0, &query->from_seq)))
        return rc;
    hub_client_t *client = cli_client (cli);
    if (!client)
        return CLI_USAGE;
    uint64_t printed = 0, limit = history.limit;
    while (rc == CLI_OK) {
        if (limit) {
            uint64_t left = limit - printed;
            query->limit = left < 1000? (uint32_t) left: 1000;
        }
        Cyclehub__V1__Reply *reply = NULL;
        hub_result_t result;
        int lib_rc = hub_client_history (client, query, &reply, &result);
        if (lib_rc != HUB_OK) {
            rc = cli_fail (lib_rc, &result, "history");
            break;
        }
        Cyclehub__V1__HistoryPage *page = reply->page;
        rc = s_print_page (page, history.format, &printed);
        bool done = page->end || page->n_events == 0 || (limit && printed >= limit)
                 || page->next_seq <= query->from_seq;
        query->from_seq = page->next_seq;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        if (done)
            break;
    }
    hub_client_destroy (&client);
    return rc;
}
