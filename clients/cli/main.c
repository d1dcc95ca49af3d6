/*  cyclehub: the command-line client of the cyclehub message hub. Publishes
    messages (from flags or JSON), follows and queries the event history,
    and shows commissions and the broker's status. Thin over libcyclehub.
*/
#include "cli.h"
#include <errno.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] COMMAND [ARGS]\n"
        "The command-line client of the cyclehub message hub.\n"
        "\n"
        "Global flags (before the command):\n"
        "  --api ENDPOINT     the broker's api socket (default tcp://127.0.0.1:7400)\n"
        "  --events ENDPOINT  the broker's events socket (default tcp://127.0.0.1:7401)\n"
        "  --timeout MS       limit of each request to the broker (default 5000)\n"
        "  --agency ORG-ID    who you are in development mode (PLAIN; default\n"
        "                     $CYCLEHUB_AGENCY), e.g. GB-LAE-E09000033\n"
        "  --cert FILE        CURVE: your agency's secret certificate (NAME.cert_secret;\n"
        "                     default $CYCLEHUB_CERT); the broker knows you by its key\n"
        "  --server-key z85:KEY\n"
        "                     CURVE: the broker's public key itself, z85: and the 40\n"
        "                     characters of public-key in broker.cert (a bare key also\n"
        "                     works; never a path; default $CYCLEHUB_SERVER_KEY)\n"
        "  --server-key-file PATH\n"
        "                     CURVE: or the broker's certificate file, broker.cert\n"
        "                     (default $CYCLEHUB_SERVER_KEY_FILE)\n"
        "  --verbose          say more on stderr\n"
        "\n"
        "Commands:\n"
        "  publish TYPE [FILE|-]        publish a message given as JSON\n"
        "  commission VERB [FLAGS]      open, needs, priorities, strategy, stage, update\n"
        "  commission ID                show a commission's state as JSON\n"
        "  consult VERB [FLAGS]         open, respond, close, outcome\n"
        "  procure VERB [FLAGS]         plan, engage, tender, amend, close, terminate, award,\n"
        "                               direct-award, contract, change, end\n"
        "  monitor VERB [FLAGS]         kpi, milestone, social-value, payment, evaluation, decision\n"
        "  subscribe [FLAGS]            follow events as JSON lines, catching up from history\n"
        "  history [FLAGS]              print stored events as JSON lines\n"
        "  status                       the broker's status as JSON\n"
        "  bridge nats --url URL        copy the events into a NATS JetStream stream\n"
        "  relay webhook [FLAGS]        POST each event, signed, to a webhook (JSON or FHIR)\n"
        "  export ocds [FLAGS]          a commission's procurement history as OCDS\n"
        "  erase [FLAGS]                erase a consultation response's personal data (owner)\n"
        "  keys new NAME                create a CURVE certificate pair: NAME.cert (public,\n"
        "                               for the hub operator) and NAME.cert_secret (keep it)\n"
        "  tokens new|list|revoke       the HTTP API's bearer tokens (--auth DIR)\n"
        "Each command takes --help.\n"
        "\n"
        "Exit status: 0 done, 1 rejected by the broker, 2 usage or bad input,\n"
        "3 broker unreachable (no answer within --timeout), 4 other failure.\n");
}

int
cli_fail (int rc, const hub_result_t *result, const char *what)
{
    if (rc == HUB_REJECTED && result) {
        fprintf (stderr, "cyclehub: %s rejected: %s: %s%s%s%s\n", what,
                 hub_proto_reject_name (result->code), result->reason,
                 *result->field? " (field ": "", result->field, *result->field? ")": "");
        return CLI_REJECTED;
    }
    fprintf (stderr, "cyclehub: %s failed: %s\n", what, hub_strerror (rc));
    switch (rc) {
        case HUB_OK: return CLI_OK;
        case HUB_REJECTED: return CLI_REJECTED;
        case HUB_TIMEOUT:
        case HUB_UNREACHABLE: return CLI_UNREACHABLE;
        case HUB_EINVAL: return CLI_USAGE;
        default: return CLI_FAILED;
    }
}

static hub_client_t *
s_client (cli_t *cli)
{
    hub_client_t *client = hub_client_new (&cli->options);
    if (!client)
        fprintf (stderr, "cyclehub: cannot connect to %s: check --api and --agency\n",
                 cli->options.api_endpoint);
    return client;
}

int
cli_publish_envelope (cli_t *cli, const Cyclehub__V1__Envelope *env)
{
    hub_client_t *client = s_client (cli);
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

bool
cli_parse_u64 (const char *text, uint64_t *value)
{
    if (!text || !isdigit ((unsigned char) *text))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull (text, &end, 10);
    if (*end || errno)
        return false;
    *value = v;
    return true;
}

//  Prints one event as a JSON line, whole or not at all: a signal that
//  comes before any of it is written (a full pipe) leaves it unprinted
//  and returns 1; once begun, the line is finished. Returns 0, 1 or -1.
static int
s_print_event (const Cyclehub__V1__Event *event, bool pretty)
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
//  subscribe

static void
s_subscribe_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] subscribe [FLAGS]\n"
        "Prints every event matching the filters as one JSON line, once and in seq order:\n"
        "first from history, then live, filling any gap from history.\n"
        "\n"
        "  --topic PREFIX    ZeroMQ topic prefix, \"<stage>/<commission>/<type>\" (repeatable)\n"
        "  --commission ID   only this commission's events\n"
        "  --type TYPE       only events of this type, e.g. tender.published\n"
        "  --agency ORG-ID   only events sent by this agency\n"
        "  --from SEQ|now    start at SEQ (default 1: everything), or with new events only\n"
        "  --cursor FILE     resume after the seq saved in FILE, and keep it up to date\n"
        "                    (saved every 1000 events or 200 ms, when idle and at exit;\n"
        "                    after a crash up to that many are printed again)\n"
        "  --count N         exit after N events\n"
        "  --idle MS         exit when no event came for MS milliseconds\n"
        "  --rcvhwm N        receive high-water mark of the events socket\n"
        "                    (default $CYCLEHUB_RCVHWM, else libzmq's)\n"
        "  --pretty          indented JSON instead of one line per event\n"
        "  --stats           print delivery figures on stderr at the end\n"
        "Stops on SIGINT or SIGTERM, also while catching up, between two events: the\n"
        "cursor is then the last event printed.\n"
        "Exit status: 0 done (or stopped by a signal), 2 usage, 3 broker unreachable.\n");
}

static int
s_subscribe (cli_t *cli, int argc, char **argv)
{
    const char *commission = NULL, *type = NULL, *agency = NULL, *cursor = NULL;
    uint64_t from = HUB_FROM_START, count = 0, idle = 0, rcvhwm = 0;
    bool pretty = false, stats = false;
    const char *env_hwm = getenv ("CYCLEHUB_RCVHWM");
    if (env_hwm && !cli_parse_u64 (env_hwm, &rcvhwm)) {
        fprintf (stderr, "cyclehub: CYCLEHUB_RCVHWM must be a number\n");
        return CLI_USAGE;
    }
    zlistx_t *topics = zlistx_new ();
    int rc = CLI_OK;
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        const char *arg = argv [i];
        const char *value = i + 1 < argc? argv [i + 1]: NULL;
        bool valued = true;
        if (streq (arg, "--help") || streq (arg, "-h")) {
            s_subscribe_usage (stdout);
            zlistx_destroy (&topics);
            return CLI_OK;
        }
        else
        if (streq (arg, "--pretty"))
            pretty = true, valued = false;
        else
        if (streq (arg, "--stats"))
            stats = true, valued = false;
        else
        if (!value)
            rc = CLI_USAGE;
        else
        if (streq (arg, "--topic"))
            zlistx_add_end (topics, (void *) value);
        else
        if (streq (arg, "--commission"))
            commission = value;
        else
        if (streq (arg, "--type"))
            type = value;
        else
        if (streq (arg, "--agency"))
            agency = value;
        else
        if (streq (arg, "--cursor"))
            cursor = value;
        else
        if (streq (arg, "--from")) {
            if (streq (value, "now"))
                from = HUB_FROM_NOW;
            else
            if (!cli_parse_u64 (value, &from))
                rc = CLI_USAGE;
        }
        else
        if (streq (arg, "--count")) {
            if (!cli_parse_u64 (value, &count))
                rc = CLI_USAGE;
        }
        else
        if (streq (arg, "--idle")) {
            if (!cli_parse_u64 (value, &idle))
                rc = CLI_USAGE;
        }
        else
        if (streq (arg, "--rcvhwm")) {
            if (!cli_parse_u64 (value, &rcvhwm) || rcvhwm > INT32_MAX)
                rc = CLI_USAGE;
        }
        else
            rc = CLI_USAGE;
        if (rc != CLI_OK)
            fprintf (stderr, "cyclehub: subscribe: bad flag or value: %s%s%s\n", arg,
                     valued && value? " ": "", valued && value? value: "");
        if (valued)
            i++;
    }
    if (rc != CLI_OK) {
        fprintf (stderr, "Try 'cyclehub subscribe --help'.\n");
        zlistx_destroy (&topics);
        return rc;
    }
    hub_connect_options_t options = cli->options;
    options.rcvhwm = (int) rcvhwm;
    hub_subscriber_t *sub = hub_subscriber_new (&options);
    if (!sub) {
        fprintf (stderr, "cyclehub: subscribe: no agency: give --agency or set CYCLEHUB_AGENCY\n");
        zlistx_destroy (&topics);
        return CLI_USAGE;
    }
    for (const char *topic = zlistx_first (topics); topic; topic = zlistx_next (topics))
        hub_subscriber_add_topic (sub, topic);
    zlistx_destroy (&topics);
    hub_subscriber_set_commission (sub, commission);
    hub_subscriber_set_type (sub, type);
    hub_subscriber_set_agency (sub, agency);
    hub_subscriber_set_from (sub, from);
    if (cursor && hub_subscriber_set_cursor_file (sub, cursor) != HUB_OK) {
        fprintf (stderr, "cyclehub: subscribe: %s does not hold a cursor (a seq)\n", cursor);
        hub_subscriber_destroy (&sub);
        return CLI_USAGE;
    }
    int lib_rc = hub_subscriber_start (sub);
    uint64_t received = 0;
    int64_t last_event = zclock_mono ();
    bool unprinted = false;         //  stopped with an event in hand, not printed
    while (lib_rc == HUB_OK && !zsys_interrupted && (count == 0 || received < count)) {
        int wait = 1000;
        if (idle) {
            int64_t left = last_event + (int64_t) idle - zclock_mono ();
            if (left <= 0)
                break;
            wait = left < wait? (int) left: wait;
        }
        Cyclehub__V1__Event *event = NULL;
        lib_rc = hub_subscriber_recv (sub, wait, &event);
        if (lib_rc == HUB_TIMEOUT) {
            lib_rc = HUB_OK;
            continue;
        }
        if (lib_rc != HUB_OK)
            break;
        received++;
        last_event = zclock_mono ();
        int printed = s_print_event (event, pretty);
        cyclehub__v1__event__free_unpacked (event, NULL);
        if (printed) {
            //  Not written: not acknowledged (a signal: stop cleanly)
            lib_rc = printed > 0? HUB_EINTR: HUB_EPROTO;
            unprinted = true;
            break;
        }
        //  Written out: handled, whatever ends the loop next
        if (count && received == count && hub_subscriber_save (sub) != HUB_OK)
            lib_rc = HUB_EIO;
    }
    //  A signal or the idle limit ends the loop between events: every event
    //  printed so far is handled
    if ((lib_rc == HUB_OK || lib_rc == HUB_EINTR) && !unprinted
    &&  hub_subscriber_save (sub) != HUB_OK)
        lib_rc = HUB_EIO;
    if (stats) {
        hub_subscriber_stats_t figures;
        hub_subscriber_stats (sub, &figures);
        fprintf (stderr, "cyclehub: delivered=%" PRIu64 " history=%" PRIu64 " live=%" PRIu64
                 " duplicates=%" PRIu64 " dropped=%" PRIu64 " gaps=%" PRIu64 " pages=%" PRIu64
                 " heartbeats=%" PRIu64 " cursor=%" PRIu64 "\n",
                 figures.delivered, figures.from_history, figures.from_live,
                 figures.live_duplicates, figures.live_dropped, figures.gaps, figures.pages,
                 figures.heartbeats, hub_subscriber_cursor (sub));
    }
    hub_subscriber_destroy (&sub);
    if (lib_rc == HUB_EINTR)
        return CLI_OK;
    return lib_rc == HUB_OK? CLI_OK: cli_fail (lib_rc, NULL, "subscribe");
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
        "  --agency ORG-ID   only events sent by this agency\n"
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

static int
s_history (cli_t *cli, int argc, char **argv)
{
    Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    uint64_t limit = 0;
    bool pretty = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv [i];
        const char *value = i + 1 < argc? argv [i + 1]: NULL;
        bool ok = true;
        if (streq (arg, "--help") || streq (arg, "-h")) {
            s_history_usage (stdout);
            return CLI_OK;
        }
        if (streq (arg, "--pretty")) {
            pretty = true;
            continue;
        }
        if (!value)
            ok = false;
        else
        if (streq (arg, "--commission"))
            query.commission_id = (char *) value;
        else
        if (streq (arg, "--type"))
            query.type = (char *) value;
        else
        if (streq (arg, "--agency"))
            query.agency = (char *) value;
        else
        if (streq (arg, "--stage"))
            ok = (query.stage = hub_proto_stage_from_name (value)) != 0;
        else
        if (streq (arg, "--since"))
            ok = hub_time_parse_arg (value, zclock_time (), &query.since_ms, NULL, 0) == 0;
        else
        if (streq (arg, "--until"))
            ok = hub_time_parse_arg (value, zclock_time (), &query.until_ms, NULL, 0) == 0;
        else
        if (streq (arg, "--from"))
            ok = cli_parse_u64 (value, &query.from_seq);
        else
        if (streq (arg, "--to"))
            ok = cli_parse_u64 (value, &query.to_seq);
        else
        if (streq (arg, "--limit"))
            ok = cli_parse_u64 (value, &limit);
        else
            ok = false;
        if (!ok) {
            fprintf (stderr, "cyclehub: history: bad flag or value: %s%s%s\n"
                     "Try 'cyclehub history --help'.\n", arg, value? " ": "", value? value: "");
            return CLI_USAGE;
        }
        i++;
    }
    hub_client_t *client = s_client (cli);
    if (!client)
        return CLI_USAGE;
    uint64_t printed = 0;
    int rc = CLI_OK;
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
            if (!event || s_print_event (event, pretty))
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

//  --------------------------------------------------------------------------
//  commission ID, status

static int
s_print_reply (cli_t *cli, const char *what, int argc, char **argv, const char *id)
{
    bool pretty = false;
    for (int i = 1; i < argc; i++) {
        if (streq (argv [i], "--pretty"))
            pretty = true;
        else
        if (!id || !streq (argv [i], id)) {
            fprintf (stderr, "cyclehub: %s: unexpected argument '%s'\n", what, argv [i]);
            return CLI_USAGE;
        }
    }
    hub_client_t *client = s_client (cli);
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

static int
s_group (cli_t *cli, const char *group, int argc, char **argv)
{
    bool help = argc < 2 || streq (argv [1], "--help") || streq (argv [1], "-h");
    if (!help) {
        int rc = cli_message (cli, group, argc - 1, argv + 1);
        if (rc >= 0)
            return rc;
        if (streq (group, "commission") && argv [1][0] != '-')
            return s_print_reply (cli, "commission", argc, argv, argv [1]);
        fprintf (stderr, "cyclehub: %s: unknown command '%s'\n", group, argv [1]);
    }
    FILE *out = help && argc >= 2? stdout: stderr;
    fprintf (out, "Usage: cyclehub [GLOBAL FLAGS] %s VERB --commission ID [FLAGS]\n", group);
    if (streq (group, "commission"))
        fprintf (out, "       cyclehub [GLOBAL FLAGS] commission ID [--pretty]   "
                      "(the commission's state as JSON)\n");
    fprintf (out, "Publishes one message; each VERB takes --help for its flags.\n\nVerbs:\n");
    cli_message_verbs (out, group);
    return help && argc >= 2? CLI_OK: CLI_USAGE;
}

int
main (int argc, char *argv [])
{
    cli_t cli;
    memset (&cli, 0, sizeof cli);
    hub_connect_options_default (&cli.options);
    zsys_init ();
    zsys_set_logstream (stderr);
    zsys_set_logident ("cyclehub");

    int i = 1;
    for (; i < argc && strncmp (argv [i], "--", 2) == 0; i++) {
        const char *arg = argv [i];
        const char *value = i + 1 < argc? argv [i + 1]: NULL;
        if (streq (arg, "--help")) {
            s_usage (stdout);
            return CLI_OK;
        }
        if (streq (arg, "--verbose")) {
            cli.verbose = true;
            continue;
        }
        uint64_t number = 0;
        if (!value
        ||  !(streq (arg, "--api") || streq (arg, "--events") || streq (arg, "--agency")
          || streq (arg, "--timeout") || streq (arg, "--cert") || streq (arg, "--server-key")
          || streq (arg, "--server-key-file"))
        ||  (streq (arg, "--timeout") && (!cli_parse_u64 (value, &number) || number == 0
                                          || number > INT32_MAX))) {
            fprintf (stderr, "cyclehub: bad global flag or value: %s%s%s\nTry 'cyclehub --help'.\n",
                     arg, value? " ": "", value? value: "");
            return CLI_USAGE;
        }
        if (streq (arg, "--api"))
            cli.options.api_endpoint = value;
        else
        if (streq (arg, "--events"))
            cli.options.events_endpoint = value;
        else
        if (streq (arg, "--agency"))
            cli.options.agency = value;
        else
        if (streq (arg, "--cert"))
            cli.options.client_cert = value;
        else
        if (streq (arg, "--server-key"))
            cli.options.server_public_key = value;
        else
        if (streq (arg, "--server-key-file"))
            cli.options.server_public_key_file = value;
        else
            cli.options.timeout_ms = (int) number;
        i++;
    }
    if (i >= argc) {
        s_usage (stderr);
        return CLI_USAGE;
    }
    const char *command = argv [i];
    int sub_argc = argc - i;
    char **sub_argv = argv + i;
    bool wants_help = false;
    for (int k = 1; k < sub_argc; k++)
        wants_help |= streq (sub_argv [k], "--help") || streq (sub_argv [k], "-h");
    if (!cli.options.client_cert && getenv ("CYCLEHUB_CERT") && *getenv ("CYCLEHUB_CERT"))
        cli.options.client_cert = getenv ("CYCLEHUB_CERT");
    if (!cli.options.server_public_key && !cli.options.server_public_key_file) {
        const char *key = getenv ("CYCLEHUB_SERVER_KEY");
        const char *file = getenv ("CYCLEHUB_SERVER_KEY_FILE");
        cli.options.server_public_key = key && *key? key: NULL;
        cli.options.server_public_key_file = file && *file? file: NULL;
    }
    if (streq (command, "keys"))
        return cli_keys (sub_argc, sub_argv);
    if (streq (command, "tokens"))
        return cli_tokens (sub_argc, sub_argv);
    const char *agency = cli.options.agency? cli.options.agency: getenv ("CYCLEHUB_AGENCY");
    bool server = cli.options.server_public_key || cli.options.server_public_key_file;
    bool curve = cli.options.client_cert || server;
    if (curve && !(cli.options.client_cert && server)) {
        fprintf (stderr, "cyclehub: CURVE needs both --cert FILE and the broker's key "
                 "(--server-key z85:KEY or --server-key-file PATH)\n");
        return CLI_USAGE;
    }
    //  Bad keys are a usage error said once, before any command connects
    if (curve && !wants_help && hub_connect_options_check (&cli.options))
        return CLI_USAGE;
    if (!wants_help && !streq (command, "help") && !curve && (!agency || !*agency)) {
        fprintf (stderr, "cyclehub: who are you? give --agency ORG-ID (before the command) "
                 "or set CYCLEHUB_AGENCY, e.g. GB-LAE-E09000033\n");
        return CLI_USAGE;
    }
    if (streq (command, "help")) {
        s_usage (stdout);
        return CLI_OK;
    }
    if (streq (command, "publish"))
        return cli_publish (&cli, sub_argc, sub_argv);
    if (streq (command, "subscribe"))
        return s_subscribe (&cli, sub_argc, sub_argv);
    if (streq (command, "history"))
        return s_history (&cli, sub_argc, sub_argv);
    if (streq (command, "bridge"))
        return cli_bridge (&cli, sub_argc, sub_argv);
    if (streq (command, "relay"))
        return cli_relay (&cli, sub_argc, sub_argv);
    if (streq (command, "export"))
        return cli_export (&cli, sub_argc, sub_argv);
    if (streq (command, "erase"))
        return cli_erase (&cli, sub_argc, sub_argv);
    if (streq (command, "status")) {
        if (wants_help) {
            printf ("Usage: cyclehub [GLOBAL FLAGS] status [--pretty]\n"
                    "Prints the broker's status (last seq, uptime, counts) as JSON.\n"
                    "Exit status: 0 done, 3 broker unreachable.\n");
            return CLI_OK;
        }
        return s_print_reply (&cli, "status", sub_argc, sub_argv, NULL);
    }
    if (streq (command, "commission") || streq (command, "consult")
    ||  streq (command, "procure") || streq (command, "monitor"))
        return s_group (&cli, command, sub_argc, sub_argv);
    fprintf (stderr, "cyclehub: unknown command '%s'\nTry 'cyclehub --help'.\n", command);
    return CLI_USAGE;
}
