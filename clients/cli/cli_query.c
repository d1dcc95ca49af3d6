/*  cli_query: the commands that read the broker: `history` (stored events
    as JSON lines), `commission ID` (a commission's state) and `status`.
*/
#include "cli.h"
#include <errno.h>

int
cli_print_event (const Cyclehub__V1__Event *event, bool pretty)
{
    char *text = hub_json_encode (&event->base, pretty? HUB_JSON_PRETTY: 0);
    char *line = text? zsys_sprintf ("%s\n", text): NULL;
    free (text);
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

//  --------------------------------------------------------------------------
//  commission ID, status

static const struct option s_pretty_options [] = {
    { "pretty", no_argument, NULL, 'p' },
    { NULL, 0, NULL, 0 }
};

//  Asks for a commission's state (id) or the broker's status (id NULL)
//  and prints it as JSON.
static int
s_print_reply (cli_t *cli, const char *what, const char *id, bool pretty)
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
    const ProtobufCMessage *message = id? &reply->commission->base: &reply->status->base;
    char *text = hub_json_encode (message, pretty? HUB_JSON_PRETTY: 0);
    cyclehub__v1__reply__free_unpacked (reply, NULL);
    if (!text)
        return CLI_FAILED;
    printf ("%s\n", text);
    free (text);
    return CLI_OK;
}

//  `status` and `commission ID`: --pretty, and the id as the one operand
static int
s_show (cli_t *cli, const char *what, int argc, char **argv, int operands, const char *usage)
{
    cli_args_t args;
    if (cli_args_begin (&args, cli, what, argc, argv, s_pretty_options, 0) == CLI_ARGS_HELP) {
        fputs (usage, stdout);
        return CLI_OK;
    }
    bool pretty = false;
    while (cli_args_next (&args) == 'p')
        pretty = true;
    if (args.rc == CLI_OK && args.n_operands < operands)
        cli_args_fail (&args, "give the commission's id (its ocid)");
    if (cli_args_end (&args, operands))
        return args.rc;
    return s_print_reply (cli, what, operands? args.operands [0]: NULL, pretty);
}

int
cli_status (cli_t *cli, int argc, char **argv)
{
    return s_show (cli, "status", argc, argv, 0,
        "Usage: cyclehub [GLOBAL FLAGS] status [--pretty]\n"
        "Prints the broker's status (last seq, uptime, counts) as JSON.\n"
        "Exit status: 0 done, 3 broker unreachable.\n");
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
//  history

static void
s_history_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] history [FLAGS]\n"
        "Prints stored events matching the filters as JSON lines, in seq order.\n"
        "\n"
        "  --commission ID   only this commission's events\n"
        "  --type TYPE       only events of this type, e.g. tender.published\n"
        "  --agency ORG-ID   only events sent by this agency (after the command, --agency\n"
        "                    is this filter: give your own before it)\n"
        "  --stage STAGE     only events that left their commission in STAGE\n"
        "                    (analyse, plan, do, review, closed)\n"
        "  --since TIME      recorded at or after TIME (RFC 3339, now, now-1d ...)\n"
        "  --until TIME      recorded before TIME\n"
        "  --from SEQ        first seq (default 1)\n"
        "  --to SEQ          last seq, inclusive\n"
        "  --limit N         print at most N events (default: all)\n"
        "  --pretty          indented JSON\n"
        "Exit status: 0 done, 1 rejected, 2 usage, 3 broker unreachable.\n");
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
    { "pretty",     no_argument,       NULL, 'p' },
    { NULL, 0, NULL, 0 }
};

//  Parses history's flags into query. Returns CLI_OK, CLI_USAGE, or -1
//  after printing the usage for --help.
static int
s_history_args (cli_t *cli, int argc, char **argv, Cyclehub__V1__HistoryQuery *query,
                uint64_t *limit, bool *pretty)
{
    cli_args_t args;
    if (cli_args_begin (&args, cli, "history", argc, argv, s_history_options, 0) == CLI_ARGS_HELP) {
        s_history_usage (stdout);
        return -1;
    }
    int key;
    while ((key = cli_args_next (&args))) {
        char *value = (char *) args.value;
        bool ok = true;
        switch (key) {
            case 'c': query->commission_id = value; break;
            case 't': query->type = value; break;
            case 'a': query->agency = value; break;
            case 's': ok = (query->stage = hub_proto_stage_from_name (value)) != 0; break;
            case 'S': ok = !hub_time_parse_arg (value, zclock_time (), &query->since_ms, NULL, 0);
                      break;
            case 'U': ok = !hub_time_parse_arg (value, zclock_time (), &query->until_ms, NULL, 0);
                      break;
            case 'f': ok = cli_parse_u64 (value, &query->from_seq); break;
            case 'T': ok = cli_parse_u64 (value, &query->to_seq); break;
            case 'l': ok = cli_parse_u64 (value, limit); break;
            case 'p': *pretty = true; break;
        }
        if (!ok)
            cli_args_bad (&args, NULL);
    }
    return cli_args_end (&args, 0);
}

int
cli_history (cli_t *cli, int argc, char **argv)
{
    Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    uint64_t limit = 0;
    bool pretty = false;
    int rc = s_history_args (cli, argc, argv, &query, &limit, &pretty);
    if (rc)
        return rc < 0? CLI_OK: rc;
    hub_client_t *client = cli_client (cli);
    if (!client)
        return CLI_USAGE;
    uint64_t printed = 0;
    while (rc == CLI_OK) {
        if (limit) {
            uint64_t left = limit - printed;
            query.limit = left < 1000? (uint32_t) left: 1000;
        }
        Cyclehub__V1__Reply *reply = NULL;
        hub_result_t result;
        int lib_rc = hub_client_history (client, &query, &reply, &result);
        if (lib_rc != HUB_OK) {
            rc = cli_fail (lib_rc, &result, "history");
            break;
        }
        Cyclehub__V1__HistoryPage *page = reply->page;
        for (size_t i = 0; i < page->n_events && rc == CLI_OK; i++) {
            Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (
                NULL, page->events [i].len, page->events [i].data);
            if (!event || cli_print_event (event, pretty))
                rc = CLI_FAILED;
            if (event)
                cyclehub__v1__event__free_unpacked (event, NULL);
            printed++;
        }
        bool done = page->end || page->n_events == 0 || (limit && printed >= limit)
                 || page->next_seq <= query.from_seq;
        query.from_seq = page->next_seq;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        if (done)
            break;
    }
    hub_client_destroy (&client);
    return rc;
}
