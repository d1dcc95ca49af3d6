/*  cli_bridge: `cyclehub bridge nats`: flags into a hub_bridge_config_t,
    then the bridge library (clients/integrations/bridge/hub_bridge.h).
*/
#include "cli.h"
#include "hub_bridge.h"

static void
s_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] bridge nats --url URL [FLAGS]\n"
        "Copies the hub's events into a NATS JetStream stream, in seq order, each once,\n"
        "then follows the hub. The stream is the cursor: a restarted bridge reads the\n"
        "Cyclehub-Seq header of the stream's last message and goes on from the next seq.\n"
        "\n"
        "  --url URL             NATS server(s), nats://HOST:PORT, comma-separated (required)\n"
        "  --stream NAME         JetStream stream (default " HUB_BRIDGE_STREAM "); created if missing,\n"
        "                        with subjects P.>, file storage and a 2-minute duplicate\n"
        "                        window; an existing one must hold P.> on file storage\n"
        "  --subject-prefix P    subject prefix (default " HUB_BRIDGE_PREFIX "); each event goes to\n"
        "                        P.<stage>.<commission-id>.<type>\n"
        "  --replicas N          replicas of a stream the bridge creates, 1..5 (default 1)\n"
        "  --topic PREFIX        only hub events under this ZeroMQ topic prefix,\n"
        "                        \"<stage>/<commission>/<type>\" (repeatable; default all)\n"
        "  --format json|protobuf\n"
        "                        message bodies: the event's canonical JSON (for people and\n"
        "                        most consumers) or the packed protobuf Event. A stream keeps\n"
        "                        one format, recorded in its description by the first run\n"
        "                        (protobuf if none was given); another is refused.\n"
        "                        Default: the stream's\n"
        "  --json                the same as --format json\n"
        "  --window N            publishes awaiting their ack at most (default %d)\n"
        "\n"
        "Subject tokens: '.', ' ', '*', '>' and control characters in the commission id\n"
        "or the type become '_' (tender.published -> tender_published); an empty token\n"
        "is '_'. The exact values are in the headers.\n"
        "Headers: Cyclehub-Seq (the hub seq), Cyclehub-Type (the type name),\n"
        "Nats-Msg-Id <hub-id>:<seq> (JetStream drops a duplicate), Content-Type.\n"
        "Personal data is redacted, as on the hub's events socket.\n"
        "Progress goes to stderr every few seconds. SIGINT or SIGTERM stop the bridge\n"
        "after the acks of what it sent are in.\n"
        "Exit status: 0 stopped by a signal, 2 usage (or a --format the stream does not\n"
        "hold), 3 hub or NATS unreachable at start,\n"
        "4 the stream does not fit or another failure.\n", HUB_BRIDGE_WINDOW);
}

static const struct option s_options [] = {
    { "url",            required_argument, NULL, 'u' },
    { "stream",         required_argument, NULL, 's' },
    { "subject-prefix", required_argument, NULL, 'p' },
    { "replicas",       required_argument, NULL, 'r' },
    { "window",         required_argument, NULL, 'w' },
    { "topic",          required_argument, NULL, 'T' },
    { "format",         required_argument, NULL, 'F' },
    { "json",           no_argument,       NULL, 'j' },
    { NULL, 0, NULL, 0 }
};

static bool
s_parse_int (const char *text, int low, int high, int *value)
{
    uint64_t v;
    if (!cli_parse_u64 (text, &v) || v < (uint64_t) low || v > (uint64_t) high)
        return false;
    *value = (int) v;
    return true;
}

//  One flag into config. Returns false if its value is bad (why in *why).
static bool
s_flag (hub_bridge_config_t *config, const char **topics, int key, const char *value,
        const char **why)
{
    switch (key) {
        case 'u': config->url = value; return true;
        case 'T': topics [config->n_topics++] = value; return true;
        case 'j': config->format = HUB_BRIDGE_FORMAT_JSON; return true;
        case 's':
            *why = "one token: no '.', ' ', '*', '>', '/', '\\'";
            return hub_bridge_stream_valid (config->stream = value);
        case 'p':
            *why = "non-empty tokens without wildcards or spaces";
            return hub_bridge_prefix_valid (config->prefix = value);
        case 'r':
            *why = "1 to 5";
            return s_parse_int (value, 1, 5, &config->replicas);
        case 'w':
            *why = "1 to 1000000";
            return s_parse_int (value, 1, 1000000, &config->window);
        case 'F':
            *why = "json or protobuf";
            return (config->format = hub_bridge_format_parse (value)) != HUB_BRIDGE_FORMAT_STREAM;
    }
    return false;
}

int
cli_bridge (cli_t *cli, int argc, char **argv)
{
    cli_args_t args;
    if (cli_args_begin (&args, cli, "bridge", argc, argv, s_options, 0) == CLI_ARGS_HELP) {
        s_usage (stdout);
        return CLI_OK;
    }
    hub_bridge_config_t config;
    hub_bridge_config_default (&config);
    const char **topics = calloc ((size_t) argc, sizeof (char *));
    if (!topics)
        return CLI_FAILED;
    config.topics = topics;
    int key;
    while ((key = cli_args_next (&args))) {
        const char *why = NULL;
        if (!s_flag (&config, topics, key, args.value, &why))
            cli_args_bad (&args, why);
    }
    if (args.rc == CLI_OK && (args.n_operands < 1 || !streq (args.operands [0], "nats")))
        cli_args_fail (&args, "unknown or missing target '%s' (only nats)",
                       args.n_operands? args.operands [0]: "");
    int rc = cli_args_end (&args, 1);
    if (rc == CLI_OK) {
        config.hub = cli->options;
        rc = hub_bridge_run (&config);
    }
    free (topics);
    return rc;
}
