/*  cli_export: `cyclehub export ocds`: flags into a
    hub_ocds_export_config_t, then the OCDS library
    (clients/integrations/ocds/hub_ocds_export.h).
*/
#include "cli.h"
#include "hub_ocds_export.h"
#include "hub_time.h"

static void
s_export_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] export ocds (--commission ID | --all) [FLAGS]\n"
        "Writes the history as one OCDS 1.1 release package (or record package). The\n"
        "commission's ocid is its planning process (opened, needs, priorities, strategy,\n"
        "pipeline and engagement notices); each procurement is a contracting process with\n"
        "the ocid \"<commission ocid>-<procurement id>\" (tender to contract and reports).\n"
        "Release ids are \"<ocid>-<seq>\".\n"
        "\n"
        "  --commission ID        this commission's history\n"
        "  --all                  every commission, in one package\n"
        "  --since TIME           only releases of events recorded at or after TIME\n"
        "                         (RFC 3339, now, now-7d ...); release packages only\n"
        "  --record               a record package (releases and a compiledRelease per ocid)\n"
        "  --out FILE             write FILE (atomically: a temporary file, then rename)\n"
        "                         instead of stdout\n"
        "  --publisher-name NAME  publisher.name (default cyclehub)\n"
        "  --publisher-uri URI    publisher.uri\n"
        "  --uri URI              the package uri (default urn:cyclehub:ocds:<ocid>)\n"
        "  --agencies FILE        names (and joint commissioners) of the parties, from a\n"
        "                         file in the broker's agencies.cfg form; a party not in\n"
        "                         it has no name (a note on stderr lists them)\n"
        "  --pretty               indented JSON\n"
        "A package with no releases (e.g. --since after the last event) comes with a note on\n"
        "stderr (OCDS asks for at least one release: such a package is not for publishing).\n"
        "Exit status: 0 done, 1 rejected (e.g. unknown commission), 2 usage,\n"
        "3 broker unreachable, 4 other failure (an event the converter cannot take, a file).\n");
}

//  Reads one flag with its value into config. Returns false if unknown or bad.
static bool
s_flag (hub_ocds_export_config_t *config, const char *arg, const char *value)
{
    if (streq (arg, "--commission"))
        return *(config->commission = value) != 0;
    if (streq (arg, "--since"))
        return config->since_given
            = hub_time_parse_arg (value, zclock_time (), &config->since_ms, NULL, 0) == 0;
    if (streq (arg, "--out"))
        return *(config->out_path = value) != 0;
    if (streq (arg, "--agencies"))
        return *(config->agencies_file = value) != 0;
    if (streq (arg, "--publisher-name"))
        return *(config->ocds.publisher_name = value) != 0;
    if (streq (arg, "--publisher-uri"))
        return *(config->ocds.publisher_uri = value) != 0;
    if (streq (arg, "--uri"))
        return *(config->ocds.uri = value) != 0;
    return false;
}

static int
s_ocds (cli_t *cli, int argc, char **argv)
{
    hub_ocds_export_config_t config = { .hub = cli->options, .verbose = cli->verbose };
    for (int i = 1; i < argc; i++) {
        const char *arg = argv [i];
        const char *value = i + 1 < argc? argv [i + 1]: NULL;
        if (streq (arg, "--help") || streq (arg, "-h")) {
            s_export_usage (stdout);
            return CLI_OK;
        }
        if (streq (arg, "--all") || streq (arg, "--record") || streq (arg, "--pretty")) {
            config.all |= streq (arg, "--all");
            config.ocds.record |= streq (arg, "--record");
            config.pretty |= streq (arg, "--pretty");
            continue;
        }
        if (!value || !s_flag (&config, arg, value)) {
            fprintf (stderr, "cyclehub: export: bad flag or value: %s%s%s\n"
                     "Try 'cyclehub export ocds --help'.\n", arg, value? " ": "", value? value: "");
            return CLI_USAGE;
        }
        i++;
    }
    int rc = hub_ocds_export (&config);
    if (rc == CLI_USAGE)
        fprintf (stderr, "Try 'cyclehub export ocds --help'.\n");
    return rc;
}

int
cli_export (cli_t *cli, int argc, char **argv)
{
    if (argc >= 2 && streq (argv [1], "ocds"))
        return s_ocds (cli, argc - 1, argv + 1);
    bool help = argc >= 2 && (streq (argv [1], "--help") || streq (argv [1], "-h"));
    if (!help)
        fprintf (stderr, "cyclehub: export: unknown or missing format '%s'\n",
                 argc >= 2? argv [1]: "");
    s_export_usage (help? stdout: stderr);
    return help? CLI_OK: CLI_USAGE;
}
