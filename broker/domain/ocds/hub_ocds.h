/*  hub_ocds: the commissions of a hub as OCDS 1.1 JSON.

    A pure converter (no sockets, no store): feed it the stored events of one
    or more commissions in seq order, then ask for a release package or a
    record package. The commission's state is the domain's own
    (hub_commission, changed by hub_cycle_apply with the rules the broker
    uses, at each event's recorded time), so the converter does not keep a
    second copy of awards and contracts. The same events always give the
    same bytes.

    Processes and ocids (docs/integration.md, "Open data"):
    - the commission's ocid is its **planning process**: commission.opened,
      needs, priorities, strategy, and the pipeline, planned-procurement and
      market-engagement notices of its procurements, as planning releases;
    - each procurement is a **contracting process** with its own ocid,
      "<commission ocid>-<procurement id>" (ocds-h6vhtk-056931-p-1), linked
      to the planning process by relatedProcesses (relationship planning,
      scheme ocid): its tender, amendments, close, termination, awards,
      contracts and their reports.
    A release's id is "<its ocid>-<seq>", unique and stable across exports.

    Parties: the buyer (buyer, procuringEntity), the partners the commission
    lists (interestedParty; a joint commissioner, a partner the agency list
    names as a commissioner, is a buyer), suppliers, payers and payees. Names
    come from hub_ocds_agency; a party with none has no name.

    Money: an amount is written as a JSON number in the currency's major
    unit, produced from the integer minor units as text by hub_money
    (1250000 for 125000000 pence, 1250000.5 for 125000050), never through a
    double, so no amount can drift (see hub_ocds_json.c, "Exact amounts").
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
                                     one record per ocid with its releases
                                     embedded and a compiledRelease */
} hub_ocds_options_t;

/* Creates a converter. options may be NULL (all defaults); its strings are
   copied. Returns NULL if out of memory. */
hub_ocds_t *
    hub_ocds_new (const hub_ocds_options_t *options);

/* Destroys the converter and NULLs *self_p; safe on NULL and on *self_p NULL. */
void
    hub_ocds_destroy (hub_ocds_t **self_p);

/* Names an organisation (parties[].name, and the buyer's name) and says
   whether it is a commissioner: a partner that is one is a joint
   commissioner and appears with the role buyer. Call before feeding
   events; a second call for the same org-id replaces the first. Returns 0,
   or -1 if org_id or name is empty or memory runs out. */
int
    hub_ocds_agency (hub_ocds_t *self, const char *org_id, const char *name,
                     bool commissioner);

/* Feeds one stored event (borrowed; nothing of it is kept). Feed every event
   of the commission from its commission.opened on, in seq order. Returns 0
   when the event was taken (a release made or nothing to export), or -1
   when it cannot be, without changing the converter; hub_ocds_error then
   says why. Errors: no event or no envelope body; seq not above the
   previous event's; recorded_at outside years 0000..9999; a body the
   domain's field checks refuse; an event the domain's rules refuse at its
   recorded time (a gap in the history, an event before its commission's
   commission.opened, or a history stored under older rules); money with a
   currency outside the OCDS codelist; an ocid that one commission uses and
   another derives for a procurement; out of memory. */
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

/* The number of releases made so far (0: nothing was fed, or no commission
   was opened). */
size_t
    hub_ocds_release_count (hub_ocds_t *self);

/* The i-th org-id (in first-seen order) of the parties that have no name,
   or NULL past the last: iterate from 0 until NULL. Borrowed, valid until
   the next hub_ocds_add. */
const char *
    hub_ocds_unnamed (hub_ocds_t *self, size_t i);

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
