/*  hub_integ: the integration libraries' hub options and shared return
    convention. */
#include <stdio.h>
#include "hub_integ.h"

int
hub_integ_fail (int rc, const hub_result_t *result, const char *what)
{
    if (rc == HUB_REJECTED && result) {
        fprintf (stderr, "cyclehub: %s rejected: %s: %s%s%s%s\n", what,
                 hub_proto_reject_name (result->code), result->reason,
                 *result->field? " (field ": "", result->field, *result->field? ")": "");
        return HUB_INTEG_REJECTED;
    }
    //  The library's own sentence where it has one (HUB_EBEHIND, HUB_EAUTH)
    fprintf (stderr, "cyclehub: %s failed: %s\n", what,
             result && *result->reason? result->reason: hub_strerror (rc));
    switch (rc) {
        case HUB_OK: return HUB_INTEG_OK;
        case HUB_REJECTED: return HUB_INTEG_REJECTED;
        case HUB_TIMEOUT:
        case HUB_UNREACHABLE: return HUB_INTEG_UNREACHABLE;
        case HUB_EINVAL: return HUB_INTEG_CONFIG;
        default: return HUB_INTEG_FAILED;
    }
}

hub_connect_options_t
hub_integ_hub (const hub_connect_options_t *hub)
{
    hub_connect_options_t outward = *hub;
    outward.outward = true;
    return outward;
}
