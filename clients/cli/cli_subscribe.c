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
        "first from history, then live, filling any gap from history.\n"
        "\n"
        "  --topic PREFIX    ZeroMQ topic prefix, \"<stage>/<commission>/<type>\" (repeatable)\n"
        "  --commission ID   only this commission's events\n"
        "  --type TYPE       only events of this type, e.g. tender.published\n"
        "  --agency ORG-ID   only events sent by this agency (after the command, --agency\n"
        "                    is this filter: give your own before it)\n"
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

typedef struct {
    zlistx_t *topics;                   //  --topic, in order (borrowed from argv)
    const char *commission;             //  filters, or NULL
    const char *type;
    const char *agency;
    const char *cursor;                 //  --cursor FILE, or NULL
    uint64_t from;
    uint64_t count;                     //  0: no limit
    uint64_t idle;                      //  ms, 0: no limit
    uint64_t rcvhwm;                    //  0: libzmq's
    bool pretty;
    bool stats;
} s_flags_t;

static const struct option s_options [] = {
    { "topic",      required_argument, NULL, 'T' },
    { "commission", required_argument, NULL, 'c' },
    { "type",       required_argument, NULL, 't' },
    { "agency",     required_argument, NULL, 'a' },
    { "from",       required_argument, NULL, 'f' },
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
        case 'c': flags->commission = value; return true;
        case 't': flags->type = value; return true;
        case 'a': flags->agency = value; return true;
        case 'C': flags->cursor = value; return true;
        case 'p': flags->pretty = true; return true;
        case 's': flags->stats = true; return true;
        case 'f':
            if (streq (value, "now")) {
                flags->from = HUB_FROM_NOW;
                return true;
            }
            return cli_parse_u64 (value, &flags->from);
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
        if (!s_flag (flags, key, args.value))
            cli_args_bad (&args, NULL);
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

//  Prints events until the count, the idle limit, a signal or an error.
//  Returns a library code (HUB_EINTR: stopped by a signal).
static int
s_follow (hub_subscriber_t *sub, const s_flags_t *flags)
{
    int lib_rc = hub_subscriber_start (sub);
    uint64_t received = 0;
    int64_t last_event = zclock_mono ();
    bool unprinted = false;         //  stopped with an event in hand, not printed
    while (lib_rc == HUB_OK && !zsys_interrupted
       && (flags->count == 0 || received < flags->count)) {
        int wait = 1000;
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
        received++;
        last_event = zclock_mono ();
        int printed = cli_print_event (event, flags->pretty);
        cyclehub__v1__event__free_unpacked (event, NULL);
        if (printed) {
            //  Not written: not acknowledged (a signal: stop cleanly)
            lib_rc = printed > 0? HUB_EINTR: HUB_EPROTO;
            unprinted = true;
            break;
        }
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

int
cli_subscribe (cli_t *cli, int argc, char **argv)
{
    s_flags_t flags;
    memset (&flags, 0, sizeof flags);
    flags.topics = zlistx_new ();
    int rc = flags.topics? s_args (cli, argc, argv, &flags): CLI_FAILED;
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
    hub_subscriber_set_commission (sub, flags.commission);
    hub_subscriber_set_type (sub, flags.type);
    hub_subscriber_set_agency (sub, flags.agency);
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
