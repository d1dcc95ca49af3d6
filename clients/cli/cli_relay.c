/*  cli_relay: `cyclehub relay webhook`: flags into a hub_relay_config_t,
    then the relay library (clients/integrations/relay/hub_relay.h).
*/
#include "cli.h"
#include "hub_relay.h"

static void
s_relay_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] relay webhook --url URL --secret-file FILE --cursor FILE\n"
        "                [FLAGS]\n"
        "POSTs every matching event, in seq order and one at a time, to URL, signed with the\n"
        "shared secret (header Cyclehub-Signature: sha256=HMAC-SHA256(\"<timestamp>.<body>\")).\n"
        "The cursor moves past an event only when the receiver answered 2xx (or the event was\n"
        "dead-lettered): a restart resumes there. See docs/integration.md.\n"
        "\n"
        "  --url URL            the receiver (http or https)\n"
        "  --secret-file FILE   the shared secret (its bytes; a trailing newline is dropped)\n"
        "  --cursor FILE        last seq handled; created if missing, saved atomically\n"
        "  --topic PREFIX       ZeroMQ topic prefix, \"<stage>/<commission>/<type>\" (repeatable)\n"
        "  --commission ID      only this commission's events\n"
        "  --type TYPE          only events of this type\n"
        "  --from SEQ|now       where to start when the cursor file does not exist yet\n"
        "                       (default 1: everything)\n"
        "  --format json|fhir   body: the event's canonical JSON (default), or a FHIR R4B\n"
        "                       subscription notification Bundle\n"
        "  --heartbeat SECONDS  fhir: a heartbeat notification after this long idle\n"
        "                       (default 60; 0: none)\n"
        "  --fhir-base URL      fhir: base of the topic and Subscription URLs\n"
        "                       (default https://cyclehub.example)\n"
        "  --subscription ID    fhir: the Subscription id notifications name (default cyclehub)\n"
        "  --max-attempts N     attempts of an event refused with a 4xx (other than 408 and\n"
        "                       429) before it is dead-lettered (default 5)\n"
        "  --dead-letter FILE   where refused events go, as JSON lines (default CURSOR.dead)\n"
        "  --timeout MS         limit of one HTTP request (default 10000)\n"
        "  --backoff-ms MS      first retry delay (default 1000); doubles up to --backoff-max-ms\n"
        "  --backoff-max-ms MS  retry delay cap (default 60000)\n"
        "Timeouts, connection errors, 408, 429 and 5xx are retried without limit, honouring\n"
        "Retry-After. Stops after the request in flight on SIGINT or SIGTERM.\n"
        "Exit status: 0 stopped, 2 usage, 3 broker unreachable, 4 other failure.\n");
}

//  Parses the flags after "webhook" into config (topics into the caller's
//  array of argc entries). Returns CLI_OK, or CLI_USAGE (said why), or -1
//  after printing --help.
static int
s_parse (int argc, char **argv, hub_relay_config_t *config, const char **topics)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv [i];
        const char *value = i + 1 < argc? argv [i + 1]: NULL;
        if (streq (arg, "--help") || streq (arg, "-h")) {
            s_relay_usage (stdout);
            return -1;
        }
        bool ok = true;
        if (!value)
            ok = false;
        else
        if (streq (arg, "--url"))
            config->url = value;
        else
        if (streq (arg, "--secret-file"))
            config->secret_file = value;
        else
        if (streq (arg, "--cursor"))
            config->cursor_file = value;
        else
        if (streq (arg, "--topic"))
            topics [config->n_topics++] = value;
        else
        if (streq (arg, "--commission"))
            config->commission = value;
        else
        if (streq (arg, "--type"))
            config->type = value;
        else
        if (streq (arg, "--from"))
            ok = streq (value, "now")? (config->from = HUB_FROM_NOW, true)
                                     : cli_parse_u64 (value, &config->from);
        else
        if (streq (arg, "--format")) {
            ok = streq (value, "json") || streq (value, "fhir");
            config->fhir = streq (value, "fhir");
        }
        else
        if (streq (arg, "--heartbeat"))
            ok = cli_parse_u64 (value, &config->heartbeat_s) && config->heartbeat_s <= 86400;
        else
        if (streq (arg, "--fhir-base"))
            ok = *(config->fhir_base = value) && strlen (value) < 400;
        else
        if (streq (arg, "--subscription"))
            ok = *(config->subscription = value) && strlen (value) <= 64;
        else
        if (streq (arg, "--max-attempts"))
            ok = cli_parse_u64 (value, &config->max_attempts) && config->max_attempts > 0;
        else
        if (streq (arg, "--dead-letter"))
            config->dead_letter = value;
        else
        if (streq (arg, "--timeout"))
            ok = cli_parse_u64 (value, &config->timeout_ms) && config->timeout_ms > 0
              && config->timeout_ms <= INT32_MAX;
        else
        if (streq (arg, "--backoff-ms"))
            ok = cli_parse_u64 (value, &config->backoff_ms) && config->backoff_ms <= 3600000;
        else
        if (streq (arg, "--backoff-max-ms"))
            ok = cli_parse_u64 (value, &config->backoff_max_ms) && config->backoff_max_ms <= 3600000;
        else
            ok = false;
        if (!ok) {
            fprintf (stderr, "cyclehub: relay: bad flag or value: %s%s%s\n", arg,
                     value? " ": "", value? value: "");
            return CLI_USAGE;
        }
        i++;
    }
    return CLI_OK;
}

int
cli_relay (cli_t *cli, int argc, char **argv)
{
    if (argc < 2 || !streq (argv [1], "webhook")) {
        bool help = argc >= 2 && (streq (argv [1], "--help") || streq (argv [1], "-h"));
        if (!help)
            fprintf (stderr, "cyclehub: relay: unknown or missing relay '%s'\n",
                     argc >= 2? argv [1]: "");
        s_relay_usage (help? stdout: stderr);
        return help? CLI_OK: CLI_USAGE;
    }
    hub_relay_config_t config;
    hub_relay_config_default (&config);
    config.hub = cli->options;
    config.verbose = cli->verbose;
    const char **topics = calloc ((size_t) argc, sizeof (char *));
    if (!topics)
        return CLI_FAILED;
    config.topics = topics;
    int rc = s_parse (argc - 1, argv + 1, &config, topics);
    if (rc == CLI_OK)
        rc = hub_relay_run (&config);
    if (rc == CLI_USAGE)
        fprintf (stderr, "Try 'cyclehub relay webhook --help'.\n");
    free (topics);
    return rc < 0? CLI_OK: rc;
}
