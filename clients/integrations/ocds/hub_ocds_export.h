/*  hub_ocds_export: a hub's history as an OCDS package, from the broker to
    a file. Pages through the stored history of one commission (or of all),
    feeds it to the converter (hub_ocds.h) and writes one release or record
    package to stdout or, atomically, to a file. It reads the hub in
    outward mode (hub_integ_hub): no personal data reaches the converter.
    `cyclehub export ocds` is this function behind flags.
*/
#ifndef HUB_OCDS_EXPORT_H
#define HUB_OCDS_EXPORT_H

#include "hub_integ.h"
#include "hub_ocds.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    hub_connect_options_t hub;    /* endpoints, agency, keys of the hub */
    bool verbose;                 /* say more on stderr */
    const char *commission;       /* this commission's history, or NULL with all */
    bool all;                     /* every commission, in one package */
    bool since_given;             /* keep only releases dated at or after since_ms */
    int64_t since_ms;             /* (release packages only) */
    const char *out_path;         /* write this file atomically; NULL: stdout */
    bool pretty;                  /* indented JSON */
    const char *agencies_file;    /* names and roles of organisations: an
                                     agencies.cfg (hub_ocds_read_agencies), or NULL */
    hub_ocds_options_t ocds;      /* publisher, uri, record package */
} hub_ocds_export_config_t;

/* Exports. Returns HUB_INTEG_OK; HUB_INTEG_CONFIG for a bad configuration
   (neither or both of commission and all, since with a record package, an
   agencies file that does not read, no agency); HUB_INTEG_REJECTED for an
   unknown commission; HUB_INTEG_UNREACHABLE; HUB_INTEG_FAILED for an event
   the converter cannot take, or a file that cannot be written. Says why on
   stderr; notes an export with no release, and the parties with no name. */
int
    hub_ocds_export (const hub_ocds_export_config_t *config);

/* Reads organisations' names (and which are commissioners) from a file in
   the broker's agencies.cfg form (czmq zconfig; docs/operations.md):
       agency
           GB-LAE-E09000033
               name = "Tower Hamlets Council"
               roles = "commissioner"
   cert lines are ignored; an agency with no name is skipped. Returns the
   number of names read, or -1 with a sentence in err (the file does not
   read, or an org-id or roles value is not valid). */
int
    hub_ocds_read_agencies (hub_ocds_t *ocds, const char *path, char *err, size_t size);

#ifdef __cplusplus
}
#endif
#endif
