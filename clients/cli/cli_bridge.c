/*  cli_bridge: `cyclehub bridge nats`: flags into a hub_bridge_config_t,
    then the bridge library (clients/integrations/bridge/hub_bridge.h).
*/
#include "cli.h"
#include "hub_bridge.h"
#include <errno.h>

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
        "  --json                bodies as canonical JSON (default: the packed protobuf Event)\n"
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
        "Exit status: 0 stopped by a signal, 2 usage, 3 hub or NATS unreachable at start,\n"
        "4 the stream does not fit or another failure.\n", HUB_BRIDGE_WINDOW);
}

static bool
s_parse_int (const char *text, int low, int high, int *value)
{
    if (!text || !isdigit ((unsigned char) *text))
        return false;
    char *end;
    errno = 0;
    long v = strtol (text, &end, 10);
    if (*end || errno || v < low || v > high)
        return false;
    *value = (int) v;
    return true;
}

int
cli_bridge (cli_t *cli, int argc, char **argv)
{
    if (argc < 2 || streq (argv [1], "--help") || streq (argv [1], "-h")) {
        s_usage (argc < 2? stderr: stdout);
        return argc < 2? CLI_USAGE: CLI_OK;
    }
    if (!streq (argv [1], "nats")) {
        fprintf (stderr, "cyclehub: bridge: unknown target '%s' (only nats)\n"
                 "Try 'cyclehub bridge --help'.\n", argv [1]);
        return CLI_USAGE;
    }
    hub_bridge_config_t config;
    hub_bridge_config_default (&config);
    config.hub = cli->options;
    const char **topics = calloc ((size_t) argc, sizeof (char *));
    if (!topics)
        return CLI_FAILED;
    config.topics = topics;
    int rc = CLI_OK;
    for (int i = 2; i < argc && rc == CLI_OK; i++) {
        const char *arg = argv [i];
        const char *value = i + 1 < argc? argv [i + 1]: NULL;
        if (streq (arg, "--help") || streq (arg, "-h")) {
            s_usage (stdout);
            free (topics);
            return CLI_OK;
        }
        if (streq (arg, "--json")) {
            config.json = true;
            continue;
        }
        bool ok = value != NULL;
        if (!ok)
            ;
        else
        if (streq (arg, "--url"))
            config.url = value;
        else
        if (streq (arg, "--stream"))
            ok = hub_bridge_stream_valid (config.stream = value);
        else
        if (streq (arg, "--subject-prefix"))
            ok = hub_bridge_prefix_valid (config.prefix = value);
        else
        if (streq (arg, "--replicas"))
            ok = s_parse_int (value, 1, 5, &config.replicas);
        else
        if (streq (arg, "--window"))
            ok = s_parse_int (value, 1, 1000000, &config.window);
        else
        if (streq (arg, "--topic"))
            topics [config.n_topics++] = value;
        else
            ok = false;
        if (!ok) {
            fprintf (stderr, "cyclehub: bridge: bad flag or value: %s%s%s\n"
                     "Try 'cyclehub bridge --help'.\n", arg, value? " ": "", value? value: "");
            rc = CLI_USAGE;
        }
        i++;
    }
    if (rc == CLI_OK)
        rc = hub_bridge_run (&config);
    free (topics);
    return rc;
}
