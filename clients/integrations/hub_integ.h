/*  hub_integ: what the integration libraries (ocds, relay, bridge) share:
    how they open the hub (always outward: no personal data reaches them),
    and one return convention. Each library's run or export function returns
    one of these codes and has already said why on stderr, as a sentence
    starting "cyclehub: <what>:". The values are the CLI's exit statuses, so
    a thin command returns them as they are.
*/
#ifndef HUB_INTEG_H
#define HUB_INTEG_H

#include "cyclehub.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HUB_INTEG_OK = 0,           /* done, or stopped by SIGINT/SIGTERM */
    HUB_INTEG_REJECTED = 1,     /* the broker refused (e.g. an unknown commission) */
    HUB_INTEG_CONFIG = 2,       /* the configuration is wrong or incomplete */
    HUB_INTEG_UNREACHABLE = 3,  /* the hub (or NATS) did not answer */
    HUB_INTEG_FAILED = 4,       /* anything else: a file, memory, an unmappable event */
    HUB_INTEG_RECEIVER = 6      /* the relay's receiver refused it (401/403/404): fix
                                   the URL or secret (5 is the CLI's refused identity) */
} hub_integ_rc_t;

/* The options an integration opens every hub client and subscriber with:
   the caller's, with `outward` set whatever the caller asked. An
   integration forwards events outside the hub, so every event it reads,
   live or from history, goes through the hub's one outward point and
   holds no personal data, even when it runs as the commission's owner
   (docs/design.md, "Personal data: the one outward point"). */
hub_connect_options_t
    hub_integ_hub (const hub_connect_options_t *hub);

/* Maps a libcyclehub return code (HUB_OK, HUB_REJECTED, ...) to a
   hub_integ_rc_t, printing "cyclehub: <what> rejected: CODE: reason" or
   "cyclehub: <what> failed: ..." on stderr, with result->reason when it
   holds one (the library's why), else hub_strerror. result may be NULL. */
int
    hub_integ_fail (int rc, const hub_result_t *result, const char *what);

#ifdef __cplusplus
}
#endif
#endif
