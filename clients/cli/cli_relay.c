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
        "  --format FORMAT      body: json, the event's canonical JSON (default);\n"
        "                       fhir-r4b (or fhir), a FHIR R4B notification Bundle; fhir-r4,\n"
        "                       a FHIR R4 notification as the Subscriptions R5 Backport\n"
        "                       guide has it (UK Core, NHS England)\n"
        "  --heartbeat SECONDS  fhir: a heartbeat notification after this long idle\n"
        "                       (default 60; 0: none)\n"
        "  --fhir-base URL      fhir: base of the topic and Subscription URLs\n"
        "                       (default https://cyclehub.example)\n"
        "  --subscription ID    fhir: the Subscription id notifications name (default cyclehub)\n"
        "  --max-attempts N     attempts of an event refused with a 4xx (other than 408 and\n"
        "                       429) before it is dead-lettered (default 5); a 401, 403 or\n"
        "                       404 then stops the relay instead (exit 6)\n"
        "  --dead-letter FILE   where refused events go, as JSON lines (default CURSOR.dead)\n"
        "  --timeout MS         limit of one HTTP request (default 10000)\n"
        "  --backoff-ms MS      first retry delay (default 1000); doubles up to --backoff-max-ms\n"
        "  --backoff-max-ms MS  retry delay cap (default 60000)\n"
        "  --replay-dead-letters FILE\n"
        "                       send FILE's dead letters again, in order, then exit (no hub\n"
        "                       and no --cursor needed): one line per letter on stdout;\n"
        "                       FILE keeps only those not delivered, so a second replay\n"
        "                       sends none twice. Transient failures are retried up to\n"
        "                       --max-attempts, then the letter is kept\n"
        "Timeouts, connection errors, 408, 429 and 5xx are retried without limit, honouring\n"
        "Retry-After. Stops after the request in flight on SIGINT or SIGTERM.\n"
        "A 401, 403 or 404 means the relay is misconfigured (URL, secret), not that the\n"
        "event is bad: the relay stops before that event and a restart sends it.\n"
        "Exit status: 0 stopped (replay: every letter delivered), 1 replay: some letters\n"
        "refused again (kept), 2 usage, 3 broker unreachable, 4 other failure,\n"
        "6 the receiver answered 401, 403 or 404 (fix --url or --secret-file).\n");
}

static const struct option s_options [] = {
    { "url",            required_argument, NULL, 'u' },
    { "secret-file",    required_argument, NULL, 'S' },
    { "cursor",         required_argument, NULL, 'C' },
    { "topic",          required_argument, NULL, 'T' },
    { "commission",     required_argument, NULL, 'c' },
    { "type",           required_argument, NULL, 't' },
    { "from",           required_argument, NULL, 'f' },
    { "format",         required_argument, NULL, 'F' },
    { "heartbeat",      required_argument, NULL, 'H' },
    { "fhir-base",      required_argument, NULL, 'B' },
    { "subscription",   required_argument, NULL, 's' },
    { "max-attempts",   required_argument, NULL, 'm' },
    { "dead-letter",    required_argument, NULL, 'd' },
    { "timeout",        required_argument, NULL, 'o' },
    { "backoff-ms",     required_argument, NULL, 'b' },
    { "backoff-max-ms", required_argument, NULL, 'M' },
    { "replay-dead-letters", required_argument, NULL, 'R' },
    { NULL, 0, NULL, 0 }
};

//  A number flag in [low, high]; why says the range when it is not
static bool
s_number (const char *value, uint64_t low, uint64_t high, uint64_t *out, const char **why,
          const char *range)
{
    *why = range;
    return cli_parse_u64 (value, out) && *out >= low && *out <= high;
}

//  One flag into config (topics into the caller's array). Returns false if
//  its value is bad (why in *why, or NULL).
static bool
s_flag (hub_relay_config_t *config, const char **topics, const char **replay, int key,
        const char *value, const char **why)
{
    int format;
    switch (key) {
        case 'u': config->url = value; return true;
        case 'S': config->secret_file = value; return true;
        case 'C': config->cursor_file = value; return true;
        case 'T': topics [config->n_topics++] = value; return true;
        case 'c': config->commission = value; return true;
        case 't': config->type = value; return true;
        case 'd': config->dead_letter = value; return true;
        case 'R': *replay = value; return true;
        case 'f':
            *why = "a seq or now";
            return streq (value, "now")? (config->from = HUB_FROM_NOW, true)
                                       : cli_parse_u64 (value, &config->from);
        case 'F':
            *why = "json, fhir-r4b (or fhir) or fhir-r4";
            format = hub_relay_format_parse (value);
            config->format = format < 0? config->format: (hub_relay_format_t) format;
            return format >= 0;
        case 'B':
            *why = "1 to 399 characters";
            return *(config->fhir_base = value) && strlen (value) < 400;
        case 's':
            *why = "1 to 64 characters";
            return *(config->subscription = value) && strlen (value) <= 64;
        case 'H': return s_number (value, 0, 86400, &config->heartbeat_s, why, "0 to 86400 seconds");
        case 'm': return s_number (value, 1, UINT32_MAX, &config->max_attempts, why, "1 or more");
        case 'o': return s_number (value, 1, INT32_MAX, &config->timeout_ms, why, "1 to 2147483647 ms");
        case 'b': return s_number (value, 0, 3600000, &config->backoff_ms, why, "0 to 3600000 ms");
        case 'M': return s_number (value, 0, 3600000, &config->backoff_max_ms, why, "0 to 3600000 ms");
    }
    return false;
}

int
cli_relay (cli_t *cli, int argc, char **argv)
{
    cli_args_t args;
    if (cli_args_begin (&args, cli, "relay", argc, argv, s_options, 0) == CLI_ARGS_HELP) {
        s_relay_usage (stdout);
        return CLI_OK;
    }
    hub_relay_config_t config;
    hub_relay_config_default (&config);
    const char **topics = calloc ((size_t) argc, sizeof (char *));
    if (!topics)
        return CLI_FAILED;
    config.topics = topics;
    const char *replay = NULL;
    int key;
    while ((key = cli_args_next (&args))) {
        const char *why = NULL;
        if (!s_flag (&config, topics, &replay, key, args.value, &why))
            cli_args_bad (&args, why);
    }
    if (args.rc == CLI_OK && (args.n_operands < 1 || !streq (args.operands [0], "webhook")))
        cli_args_fail (&args, "unknown or missing relay '%s' (only webhook)",
                       args.n_operands? args.operands [0]: "");
    //  A replay needs no hub: each dead letter holds its event
    if (replay)
        args.flags |= CLI_ARGS_OFFLINE;
    int rc = cli_args_end (&args, 1);
    if (rc == CLI_OK) {
        config.hub = cli->options;
        config.verbose = cli->verbose;
        rc = replay? hub_relay_replay (&config, replay): hub_relay_run (&config);
    }
    if (rc == CLI_USAGE && args.rc == CLI_OK)
        fprintf (stderr, "Try 'cyclehub relay webhook --help'.\n");
    free (topics);
    return rc;
}
