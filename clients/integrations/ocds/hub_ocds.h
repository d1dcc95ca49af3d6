/*  hub_ocds: the procurement history of commissions as OCDS 1.1 JSON.

    A pure converter (no sockets, no store): feed it the stored events of one
    or more commissions in seq order, then ask for a release package or a
    record package. Each procurement-relevant event becomes one OCDS release;
    the other events (commission.opened above all) only teach the converter
    what it needs (the buyer). The same events always give the same bytes.

    Identifiers: a release's ocid is the commission id; its id is
    "<ocid>-<seq>", so it is unique and stable across exports of the same
    history. A commission's procurements (lots) share its ocid: each release
    names its procurement in tender.id.

    Money: an amount is written as a JSON number in the currency's major
    unit, produced from the integer minor units as text by hub_money
    (1250000 for 125000000 pence, 1250000.5 for 125000050), never through a
    double, so no amount can drift (see hub_ocds.c, "Exact amounts").
*/
#ifndef HUB_OCDS_H
#define HUB_OCDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "cyclehub.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HUB_OCDS_PRETTY     1        /* indented by two spaces; default is compact, one line */

typedef struct _hub_ocds_t hub_ocds_t;

typedef struct {
    const char *publisher_name;   /* publisher.name; NULL: "cyclehub" */
    const char *publisher_uri;    /* publisher.uri; NULL: omitted */
    const char *uri;              /* the package uri (required by OCDS); NULL:
                                     "urn:cyclehub:ocds:<ocid>" for one commission,
                                     "urn:cyclehub:ocds" otherwise */
    const char *published_date;   /* RFC 3339; NULL: the recorded_at of the latest
                                     event fed (any type), so that the same history
                                     exports byte-identically; 1970-01-01T00:00:00Z
                                     if no event was fed */
    bool record;                  /* false: release package; true: record package,
                                     one record per commission with its releases
                                     embedded and a compiledRelease */
} hub_ocds_options_t;

/* Creates a converter. options may be NULL (all defaults); its strings are
   copied. Returns NULL if out of memory. */
hub_ocds_t *
    hub_ocds_new (const hub_ocds_options_t *options);

/* Destroys the converter and NULLs *self_p; safe on NULL and on *self_p NULL. */
void
    hub_ocds_destroy (hub_ocds_t **self_p);

/* Feeds one stored event (borrowed; nothing of it is kept). Feed every event
   of the commission from its commission.opened on, in seq order: events
   that are not procurement-relevant are taken in (commission.opened gives
   the buyer) or skipped. Returns 0 when the event was taken (a release made
   or nothing to export), or -1 when it cannot be mapped, without changing
   the converter; hub_ocds_error then says why. Errors: no event or no
   envelope body; seq not above the previous event's; recorded_at outside
   years 0000..9999; a procurement event before its commission's
   commission.opened; a contract or award that was never seen (a gap in the
   history); money with an amount but no currency, or a currency outside
   the OCDS codelist; out of memory. */
int
    hub_ocds_add (hub_ocds_t *self, const Cyclehub__V1__Event *event);

/* As hub_ocds_add, for a packed cyclehub.v1.Event (an entry of a
   HistoryPage). A buffer that does not unpack is an error (-1). */
int
    hub_ocds_add_packed (hub_ocds_t *self, const uint8_t *data, size_t size);

/* Why the last hub_ocds_add failed: a sentence naming the event's seq, or
   "" after a success. Valid until the next call on self. */
const char *
    hub_ocds_error (hub_ocds_t *self);

/* The number of releases made so far (0: the commissions had no
   procurement). */
size_t
    hub_ocds_release_count (hub_ocds_t *self);

/* Returns the package as NUL-terminated JSON text that the caller frees
   with free(), or NULL if out of memory. flags: 0 or HUB_OCDS_PRETTY.
   With no release, a release package has "releases": [] (OCDS asks for at
   least one, so callers should say there is nothing to export rather than
   publish it) and a record package has "records": []. Can be called more
   than once; more events may be fed in between. */
char *
    hub_ocds_package (hub_ocds_t *self, int flags);

#ifdef __cplusplus
}
#endif
#endif
