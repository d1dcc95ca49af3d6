/*  cyclehub: the command-line client of the cyclehub message hub. Publishes
    messages (from flags or JSON), follows and queries the event history,
    and shows commissions and the broker's status. Thin over libcyclehub.
    This file is the dispatcher: a table of commands, the top-level --help,
    and the global flags before the command (cli_args.c parses every flag).
*/
#include "cli.h"

typedef struct {
    const char *name;               //  as typed
    const char *synopsis;           //  what follows the name in the list
    const char *summary;            //  one line ('\n' continues it); NULL: a message group,
                                    //  its verbs from proto/hub_types.def
    int (*run) (cli_t *cli, int argc, char **argv);     //  NULL: a line of --help only
    bool parses_own;                //  reads its own flags: main takes the globals out
    const char *keeps;              //  ... but these, which are its own (comma-separated)
} s_command_t;

static int s_help (cli_t *cli, int argc, char **argv);

//  tokens works on the registry's files alone: no broker, no identity
static int
s_tokens (cli_t *cli, int argc, char **argv)
{
    (void) cli;
    return cli_tokens (argc, argv);
}

static const s_command_t s_commands [] = {
    { "publish",    "TYPE [FILE|-]",   "publish a message given as JSON", cli_publish, false, NULL },
    { "commission", "VERB [FLAGS]",    NULL, cli_group, false, NULL },
    { "commission", "ID",              "show a commission's state as JSON", NULL, false, NULL },
    { "commission", "list [FLAGS]",    "list the commissions: stage, lead agency, next deadline",
      NULL, false, NULL },
    { "consult",    "VERB [FLAGS]",    NULL, cli_group, false, NULL },
    { "procure",    "VERB [FLAGS]",    NULL, cli_group, false, NULL },
    { "monitor",    "VERB [FLAGS]",    NULL, cli_group, false, NULL },
    { "subscribe",  "[FLAGS]",         "follow events as JSON lines, catching up from history",
      cli_subscribe, false, NULL },
    { "history",    "[FLAGS]",         "print stored events as JSON lines", cli_history, false, NULL },
    { "status",     "",                "the broker's status (JSON or a table)", cli_status, false, NULL },
    { "bridge",     "nats --url URL",  "copy the events into a NATS JetStream stream",
      cli_bridge, false, NULL },
    { "relay",      "webhook [FLAGS]", "POST each event, signed, to a webhook (JSON or FHIR)",
      cli_relay, false, NULL },
    { "export",     "ocds [FLAGS]",    "a commission's procurement history as OCDS",
      cli_export, true, NULL },
    { "erase",      "[FLAGS]",         "erase a consultation response's personal data (owner)",
      cli_erase, false, NULL },
    { "keys",       "new NAME",        "create a CURVE certificate pair: NAME.cert (public,\n"
                                       "for the hub operator) and NAME.cert_secret (keep it)",
      cli_keys, false, NULL },
    { "tokens",     "new|list|revoke", "the HTTP API's bearer tokens (--auth DIR)",
      s_tokens, false, NULL },
    { "context",    "list|use|show",   "named hubs from the config file (~/.config/cyclehub/config)",
      cli_context, false, NULL },
    { "help",       "",                "this text", s_help, false, NULL },
};

#define S_COMMANDS (sizeof s_commands / sizeof s_commands [0])
#define S_COLUMN   31               //  where a command's summary starts

static void
s_commands_usage (FILE *out)
{
    for (size_t i = 0; i < S_COMMANDS; i++) {
        const s_command_t *command = &s_commands [i];
        int len = fprintf (out, "  %s %s", command->name, command->synopsis);
        fprintf (out, "%*s", len < S_COLUMN? S_COLUMN - len: 1, "");
        if (!command->summary)
            cli_message_verb_list (out, command->name, S_COLUMN, 90);
        else
            for (const char *c = command->summary; *c; c++)
                if (*c == '\n')
                    fprintf (out, "\n%*s", S_COLUMN, "");
                else
                    fputc (*c, out);
        if (command->summary)
            fputc ('\n', out);
    }
}

static void
s_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] COMMAND [ARGS]\n"
        "The command-line client of the cyclehub message hub.\n"
        "\n"
        "Global flags (before or after the command):\n"
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
        "  --config FILE      the client config file (default $CYCLEHUB_CONFIG, else\n"
        "                     ~/.config/cyclehub/config)\n"
        "  --context NAME     a named hub of the config file (default $CYCLEHUB_CONTEXT,\n"
        "                     else its 'current'): cyclehub context --help\n"
        "  --verbose          say more on stderr\n"
        "Each connection setting comes from its flag, else its variable (CYCLEHUB_API,\n"
        "CYCLEHUB_EVENTS, CYCLEHUB_AGENCY, CYCLEHUB_CERT, CYCLEHUB_SERVER_KEY,\n"
        "CYCLEHUB_SERVER_KEY_FILE), else the context, else the default.\n"
        "After the command, a flag the command has itself is the command's: --agency\n"
        "after subscribe or history is a filter (give yours before the command), and\n"
        "--timeout after relay webhook is its HTTP limit.\n"
        "\n"
        "Commands:\n");
    s_commands_usage (out);
    fprintf (out,
        "Each command takes --help.\n"
        "\n"
        "Exit status: 0 done, 1 rejected by the broker, 2 usage or bad input,\n"
        "3 broker unreachable (no answer within --timeout), 4 other failure,\n"
        "5 refused: the broker did not accept who you are (an unregistered key, a wrong\n"
        "broker key, an org-id it refused, or CURVE where it wants PLAIN or the reverse),\n"
        "6 relay webhook stopped: the receiver answered 401, 403 or 404 (fix --url or\n"
        "--secret-file; the cursor stays before that event).\n");
}

static int
s_help (cli_t *cli, int argc, char **argv)
{
    (void) cli, (void) argc, (void) argv;
    s_usage (stdout);
    return CLI_OK;
}

//  Runs a command on argv [0 ..] (argv [0] its name)
static int
s_run (cli_t *cli, const s_command_t *command, int argc, char **argv)
{
    if (!command->parses_own)
        return command->run (cli, argc, argv);
    //  export parses its own flags: the globals come out first, then the
    //  identity is checked unless it is asked for help
    bool help = false;
    for (int i = 1; i < argc; i++)
        help |= streq (argv [i], "--help") || streq (argv [i], "-h");
    int rc = cli_args_globals (cli, command->name, &argc, argv, command->keeps);
    if (rc == CLI_OK && !help)
        rc = cli_connect_ready (cli);
    return rc == CLI_OK? command->run (cli, argc, argv): rc;
}

int
main (int argc, char *argv [])
{
    //  Its commands read from the hub (subscribe, relay, bridge, export):
    //  keep the pages' memory for reuse (hub_client.h)
    hub_malloc_for_reading ();
    cli_t cli;
    memset (&cli, 0, sizeof cli);
    hub_connect_options_default (&cli.options);
    //  Unset until cli_config_apply: a flag, the environment or a context
    //  may give them (cli_connect_ready puts the defaults in what is left)
    cli.options.api_endpoint = cli.options.events_endpoint = NULL;
    cli.options.timeout_ms = 0;
    zsys_init ();
    zsys_set_logstream (stderr);
    zsys_set_logident ("cyclehub");

    //  The global flags before the command; the command's parse reads
    //  those after it
    cli_args_t args;
    if (cli_args_begin (&args, &cli, NULL, argc, argv, NULL,
                        CLI_ARGS_OFFLINE | CLI_ARGS_STOP) == CLI_ARGS_HELP) {
        s_usage (stdout);
        return CLI_OK;
    }
    while (cli_args_next (&args))
        ;
    if (cli_args_end (&args, 0))
        return args.rc;
    if (args.rest >= argc) {
        s_usage (stderr);
        return CLI_USAGE;
    }
    const char *name = argv [args.rest];
    for (size_t i = 0; i < S_COMMANDS; i++)
        if (s_commands [i].run && streq (s_commands [i].name, name))
            return s_run (&cli, &s_commands [i], argc - args.rest, argv + args.rest);
    fprintf (stderr, "cyclehub: unknown command '%s'\nTry 'cyclehub --help'.\n", name);
    return CLI_USAGE;
}
