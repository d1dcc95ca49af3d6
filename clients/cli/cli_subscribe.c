/*  cli_subscribe: `cyclehub subscribe`, every matching event as one JSON
    line, once and in seq order (libcyclehub's gap-free subscriber), with a
    cursor file to resume from and a clean stop on SIGINT or SIGTERM.
*/
#include "cli.h"

static void
s_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] subscribe [FLAGS]\n"
        "Prints every event matching the filters as one JSON line, once and in seq order:\n"
        "first from history, then live, filling any gap from history. Each filter may be\n"
        "given many times: an event matches one of the values of each filter given.\n"
        "\n"
        "  --topic PREFIX    ZeroMQ topic prefix, \"<stage>/<commission>/<type>\" (repeatable)\n"
        "  --commission ID   only this commission's events\n"
        "  --type TYPE       only events of this type, e.g. tender.published (the names\n"
        "                    of cyclehub publish --help; anything else is refused)\n"
        "  --agency ORG-ID   only events sent by this agency (after the command, --agency\n"
        "                    is this filter: give your own before it)\n"
        "  --stage STAGE     only events that left their commission in STAGE: analyse,\n"
        "                    plan, do, review, closed (STAGE_DO, as events say, too)\n"
        "  --from SEQ|now|-N start at SEQ (default 1: everything), with new events only,\n"
        "                    or with the last N events of the log\n"
        "  --since TIME      start at the first event recorded at or after TIME (RFC 3339,\n"
        "                    now-1h, now-1d ...)\n"
        "  --exit-at-end     exit once caught up with the events stored when it started\n"
        "                    (like kcat -e)\n"
        "  --format FORMAT   json (default), pretty, table (one human line per event) or\n"
        "                    raw (the message body alone); see cyclehub history --help\n"
        "  --cursor FILE     resume after the seq saved in FILE, and keep it up to date\n"
        "                    (saved every 1000 events or 200 ms, when idle and at exit;\n"
        "                    after a crash up to that many are printed again)\n"
        "  --count N         exit after N events\n"
        "  --idle MS         exit when no event came for MS milliseconds\n"
        "  --rcvhwm N        receive high-water mark of the events socket\n"
        "                    (default $CYCLEHUB_RCVHWM, else libzmq's)\n"
        "  --pretty          the same as --format pretty\n"
        "  --stats           print delivery figures on stderr at the end\n"
        "Stops on SIGINT or SIGTERM, also while catching up, between two events: the\n"
        "cursor is then the last event printed.\n"
        "Exit status: 0 done (or stopped by a signal), 2 usage, 3 broker unreachable,\n"
        "4 failed (e.g. a --cursor file past the end of the hub's log: the hub was\n"
        "restored from an older backup; the message says how to set it back),\n"
        "5 identity refused.\n");
}

typedef struct {
    zlistx_t *topics;                   //  --topic, in order (borrowed from argv)
    cli_filter_t filter;                //  --commission, --type, --agency, --stage
    const char *cursor;                 //  --cursor FILE, or NULL
    uint64_t from;
    const char *from_end;               //  --from -N, or NULL
    int64_t since_ms;                   //  --since, or 0
    uint64_t end;                       //  --exit-at-end: the last seq to wait for
    bool exit_at_end;
    uint64_t count;                     //  0: no limit
    uint64_t idle;                      //  ms, 0: no limit
    uint64_t rcvhwm;                    //  0: libzmq's
    int format;
    bool stats;
} s_flags_t;

static const struct option s_options [] = {
    { "topic",      required_argument, NULL, 'T' },
    { "commission", required_argument, NULL, 'c' },
    { "type",       required_argument, NULL, 't' },
    { "agency",     required_argument, NULL, 'a' },
    { "stage",      required_argument, NULL, 'g' },
    { "from",       required_argument, NULL, 'f' },
    { "since",      required_argument, NULL, 'S' },
    { "exit-at-end", no_argument,      NULL, 'e' },
    { "format",     required_argument, NULL, 'F' },
    { "cursor",     required_argument, NULL, 'C' },
    { "count",      required_argument, NULL, 'n' },
    { "idle",       required_argument, NULL, 'i' },
    { "rcvhwm",     required_argument, NULL, 'r' },
    { "pretty",     no_argument,       NULL, 'p' },
    { "stats",      no_argument,       NULL, 's' },
    { NULL, 0, NULL, 0 }
};

//  One flag into flags. Returns false if its value is bad.
static bool
s_flag (s_flags_t *flags, int key, const char *value)
{
    switch (key) {
        case 'T': return zlistx_add_end (flags->topics, (void *) value) != NULL;
        case 'C': flags->cursor = value; return true;
        case 'p': flags->format = CLI_FORMAT_PRETTY; return true;
        case 's': flags->stats = true; return true;
        case 'e': flags->exit_at_end = true; return true;
        case 'F': return (flags->format = cli_format_parse (value)) >= 0;
        case 'S': return !hub_time_parse_arg (value, zclock_time (), &flags->since_ms, NULL, 0);
        case 'f':
            flags->from_end = NULL;
            if (streq (value, "now")) {
                flags->from = HUB_FROM_NOW;
                return true;
            }
            flags->from_end = *value == '-'? value: NULL;
            return cli_parse_u64 (value + (*value == '-'), &flags->from);
        case 'n': return cli_parse_u64 (value, &flags->count);
        case 'i': return cli_parse_u64 (value, &flags->idle);
        case 'r': return cli_parse_u64 (value, &flags->rcvhwm) && flags->rcvhwm <= INT32_MAX;
    }
    return false;
}

//  Returns CLI_OK, CLI_USAGE, or -1 after printing the usage for --help.
static int
s_args (cli_t *cli, int argc, char **argv, s_flags_t *flags)
{
    cli_args_t args;
    if (cli_args_begin (&args, cli, "subscribe", argc, argv, s_options, 0) == CLI_ARGS_HELP) {
        s_usage (stdout);
        return -1;
    }
    flags->from = HUB_FROM_START;
    const char *env_hwm = getenv ("CYCLEHUB_RCVHWM");
    if (env_hwm && !cli_parse_u64 (env_hwm, &flags->rcvhwm))
        cli_args_fail (&args, "CYCLEHUB_RCVHWM must be a number");
    int key;
    while ((key = cli_args_next (&args)))
        if (strchr ("ctag", key))
            cli_filter_add (&flags->filter, &args, key == 'g'? 's': (char) key, args.value);
        else
        if (!s_flag (flags, key, args.value))
            cli_args_bad (&args, key == 'F'? "json, pretty, table or raw": NULL);
    if (args.rc == CLI_OK && flags->exit_at_end && flags->from == HUB_FROM_NOW)
        cli_args_fail (&args, "--exit-at-end with --from now has nothing to catch up with");
    return cli_args_end (&args, 0);
}

static void
s_print_stats (hub_subscriber_t *sub)
{
    hub_subscriber_stats_t figures;
    hub_subscriber_stats (sub, &figures);
    fprintf (stderr, "cyclehub: delivered=%" PRIu64 " history=%" PRIu64 " live=%" PRIu64
             " duplicates=%" PRIu64 " dropped=%" PRIu64 " gaps=%" PRIu64 " pages=%" PRIu64
             " heartbeats=%" PRIu64 " cursor=%" PRIu64 "\n",
             figures.delivered, figures.from_history, figures.from_live,
             figures.live_duplicates, figures.live_dropped, figures.gaps, figures.pages,
             figures.heartbeats, hub_subscriber_cursor (sub));
}

//  True once --exit-at-end's last seq was processed
static bool
s_at_end (hub_subscriber_t *sub, const s_flags_t *flags)
{
    return flags->exit_at_end && hub_subscriber_cursor (sub) >= flags->end;
}

//  Prints events until the count, the idle limit, the end (--exit-at-end),
//  a signal or an error. Returns a library code (HUB_EINTR: stopped by a
//  signal).
static int
s_follow (hub_subscriber_t *sub, const s_flags_t *flags)
{
    int lib_rc = hub_subscriber_start (sub);
    uint64_t received = 0;
    int64_t last_event = zclock_mono ();
    bool unprinted = false;         //  stopped with an event in hand, not printed
    //  The hub is asked at least once, even when --exit-at-end finds the
    //  cursor at the end already: a cursor file past the hub's log is
    //  refused (HUB_EBEHIND) rather than taken for caught up
    bool asked = false;
    while (lib_rc == HUB_OK && !zsys_interrupted && (!asked || !s_at_end (sub, flags))
       && (flags->count == 0 || received < flags->count)) {
        int wait = !asked? 0: flags->exit_at_end? 200: 1000;
        asked = true;
        if (flags->idle) {
            int64_t left = last_event + (int64_t) flags->idle - zclock_mono ();
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
        last_event = zclock_mono ();
        //  Filters the subscriber does not apply itself (stages, several
        //  values) are applied here; an event skipped counts as handled
        int printed = cli_filter_match (&flags->filter, event)?
                      cli_print_event (event, flags->format): 2;
        cyclehub__v1__event__free_unpacked (event, NULL);
        if (printed == 1 || printed < 0) {
            //  Not written: not acknowledged (a signal: stop cleanly)
            lib_rc = printed > 0? HUB_EINTR: HUB_EPROTO;
            unprinted = true;
            break;
        }
        received += printed == 0;
        //  Written out: handled, whatever ends the loop next
        if (flags->count && received == flags->count && hub_subscriber_save (sub) != HUB_OK)
            lib_rc = HUB_EIO;
    }
    //  A signal or the idle limit ends the loop between events: every event
    //  printed so far is handled
    if ((lib_rc == HUB_OK || lib_rc == HUB_EINTR) && !unprinted
    &&  hub_subscriber_save (sub) != HUB_OK)
        lib_rc = HUB_EIO;
    return lib_rc;
}

//  Relative starts and --exit-at-end's end, from the broker. Returns the
//  exit code.
static int
s_bounds (cli_t *cli, s_flags_t *flags)
{
    int rc = CLI_OK;
    if (flags->from_end || flags->since_ms)
        rc = cli_start_seq (cli, flags->from_end, flags->since_ms, &flags->from);
    uint64_t next = 0;
    if (rc == CLI_OK && flags->exit_at_end && (rc = cli_start_seq (cli, "-0", 0, &next)) == CLI_OK)
        flags->end = next - 1;      //  the last seq stored now
    return rc;
}

//  The filters the subscriber applies itself (one value of each), which
//  also narrow its history pages
static void
s_set_filters (hub_subscriber_t *sub, const cli_filter_t *filter)
{
    if (filter->n_commissions == 1)
        hub_subscriber_set_commission (sub, filter->commissions [0]);
    if (filter->n_types == 1)
        hub_subscriber_set_type (sub, filter->types [0]);
    if (filter->n_agencies == 1)
        hub_subscriber_set_agency (sub, filter->agencies [0]);
}

int
cli_subscribe (cli_t *cli, int argc, char **argv)
{
    s_flags_t flags;
    memset (&flags, 0, sizeof flags);
    flags.topics = zlistx_new ();
    int rc = flags.topics? s_args (cli, argc, argv, &flags): CLI_FAILED;
    if (rc == CLI_OK)
        rc = s_bounds (cli, &flags);
    hub_connect_options_t options = cli->options;
    options.rcvhwm = (int) flags.rcvhwm;
    hub_subscriber_t *sub = rc? NULL: hub_subscriber_new (&options);
    if (!rc && !sub) {
        fprintf (stderr, "cyclehub: subscribe: no agency: give --agency or set CYCLEHUB_AGENCY\n");
        rc = CLI_USAGE;
    }
    for (const char *topic = zlistx_first (flags.topics); sub && topic;
         topic = zlistx_next (flags.topics))
        hub_subscriber_add_topic (sub, topic);
    zlistx_destroy (&flags.topics);
    if (rc)
        return rc < 0? CLI_OK: rc;
    s_set_filters (sub, &flags.filter);
    hub_subscriber_set_from (sub, flags.from);
    if (flags.cursor && hub_subscriber_set_cursor_file (sub, flags.cursor) != HUB_OK) {
        fprintf (stderr, "cyclehub: subscribe: %s does not hold a cursor (a seq)\n", flags.cursor);
        hub_subscriber_destroy (&sub);
        return CLI_USAGE;
    }
    int lib_rc = s_follow (sub, &flags);
    if (flags.stats)
        s_print_stats (sub);
    hub_result_t result = { .rc = lib_rc };
    snprintf (result.reason, sizeof result.reason, "%s", hub_subscriber_why (sub));
    hub_subscriber_destroy (&sub);
    if (lib_rc == HUB_EINTR)
        return CLI_OK;
    return lib_rc == HUB_OK? CLI_OK: cli_fail (lib_rc, &result, "subscribe");
}
