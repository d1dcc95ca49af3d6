/*  cli_common: what every command of the cyclehub CLI shares: a client on
    the global settings, a library code turned into an exit code, numbers
    in flags.
*/
#include "cli.h"
#include <errno.h>

int
cli_fail (int rc, const hub_result_t *result, const char *what)
{
    if (rc == HUB_REJECTED && result) {
        fprintf (stderr, "cyclehub: %s rejected: %s: %s%s%s%s\n", what,
                 hub_proto_reject_name (result->code), result->reason,
                 *result->field? " (field ": "", result->field, *result->field? ")": "");
        return CLI_REJECTED;
    }
    //  The library's own sentence where it has one (HUB_EAUTH, HUB_EBEHIND)
    if (result && *result->reason)
        fprintf (stderr, "cyclehub: %s: %s\n", what, result->reason);
    else
        fprintf (stderr, "cyclehub: %s failed: %s\n", what, hub_strerror (rc));
    switch (rc) {
        case HUB_OK: return CLI_OK;
        case HUB_REJECTED: return CLI_REJECTED;
        case HUB_EAUTH: return CLI_REFUSED;
        case HUB_TIMEOUT:
        case HUB_UNREACHABLE: return CLI_UNREACHABLE;
        case HUB_EINVAL: return CLI_USAGE;
        default: return CLI_FAILED;
    }
}

hub_client_t *
cli_client (cli_t *cli)
{
    hub_client_t *client = hub_client_new (&cli->options);
    if (!client)
        fprintf (stderr, "cyclehub: cannot connect to %s: check --api and --agency\n",
                 cli->options.api_endpoint);
    return client;
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
