/*  hub_http_cycle: the cycle of tests/data/cycle published into a kit hub
    by the real CLI, with the broker restarted at each @clock of cycle.txt
    so that every stage's dates are the ones the data was written for.
    For the HTTP tests that read a whole cycle back (test_http_dash,
    test_http_ocds). Include after hub_test.h, hub_proc.h and hub_http_kit.h.
*/
#ifndef HUB_HTTP_CYCLE_H
#define HUB_HTTP_CYCLE_H

#include <time.h>
#include "hub_time.h"

//  Restarts the broker on the same store with its clock at `when`
//  (YYYY-MM-DDTHH:MM:SSZ) and the extra flag (or NULL).
static inline void
kit_clock_at (kit_hub_t *hub, const char *when, const char *flag)
{
    int64_t ms;
    REQUIRE (hub_time_parse (when, &ms, NULL, 0) == 0);
    char offset [32];
    snprintf (offset, sizeof offset, "%+llds", (long long) (ms / 1000 - time (NULL)));
    CHECK (hub_broker_stop (&hub->proc) == 0);
    const char *extra [] = { "--clock-offset", offset, flag, NULL };
    REQUIRE (kit_start (hub, true, extra) == 0);
}

//  `cyclehub publish TYPE PATH --commission OCID` as agency; checks it succeeds
static inline void
kit_publish_file (kit_hub_t *hub, const char *agency, const char *type, const char *path,
                  const char *ocid)
{
    hub_run_t r;
    hub_cli (&r, &hub->proc, agency, NULL, "publish", type, path, "--commission", ocid, NULL);
    CHECK_MSG (r.status == 0, "%s: %s", path, r.err);
    hub_run_free (&r);
}

//  Publishes tests/data/cycle/cycle.txt into commission ocid, in order
static inline void
kit_publish_cycle (kit_hub_t *hub, const char *ocid)
{
    char dir [PATH_MAX], manifest [PATH_MAX + 16];
    hub_proc_src (dir, sizeof dir, "tests/data/cycle");
    snprintf (manifest, sizeof manifest, "%s/cycle.txt", dir);
    FILE *file = fopen (manifest, "r");
    REQUIRE (file);
    char line [512];
    while (fgets (line, sizeof line, file)) {
        char name [128], type [64], agency [64], stage [32];
        if (sscanf (line, "@clock %63s", type) == 1) {
            kit_clock_at (hub, type, NULL);
            continue;
        }
        if (line [0] == '#' || sscanf (line, "%127s %63s %63s %31s", name, type, agency, stage) != 4)
            continue;
        char path [PATH_MAX + 200];
        snprintf (path, sizeof path, "%s/%s", dir, name);
        kit_publish_file (hub, agency, type, path, ocid);
    }
    fclose (file);
}

#endif
