/*  hub_access: who may publish what, as a table and one pure function.

    An agency has roles (from the agency registry; every PLAIN agency in
    development mode has commissioner, partner and provider) and a relation
    to the commission it publishes for: its owner (the buyer that opened it),
    one of its listed partners, the supplier of the contract a message names,
    or none of these. Each message type names the relations that may send it
    and the role each relation needs.
*/
#ifndef HUB_ACCESS_H
#define HUB_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include "hub_proto.h"
#include "hub_verdict.h"
#include "hub_commission.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HUB_ROLE_COMMISSIONER = 1,      /* opens and runs commissions (a council or ICB team) */
    HUB_ROLE_PARTNER = 2,           /* takes part in commissions it is listed on */
    HUB_ROLE_PROVIDER = 4,          /* a supplier reporting on its own contracts */
    HUB_ROLE_OBSERVER = 8           /* reads only: publishes nothing, not even a response */
} hub_role_t;

#define HUB_ROLES_ALL_DEV (HUB_ROLE_COMMISSIONER | HUB_ROLE_PARTNER | HUB_ROLE_PROVIDER)

/* Parses a comma-separated list of role names ("commissioner,partner"; spaces
   around a name are ignored) into a bit set. Returns 0, or -1 (and *roles
   untouched) on an unknown name, an empty list, or an empty item ("a,,b",
   a leading or trailing comma). */
int
    hub_access_parse_roles (const char *text, unsigned *roles);

/* Writes the role names of a bit set, comma-separated, into buf ("" for no
   role; truncated to fit, always terminated when size > 0). */
void
    hub_access_format_roles (unsigned roles, char *buf, size_t size);

/* May `sender`, holding `roles`, publish env for the commission in `state`
   (NULL only for commission.opened)? Returns 0 if so, or -1 with v set to
   NOT_AUTHORISED and a reason that names the rule (also when sender is
   empty or roles is 0: such a connection may publish nothing). A message naming a
   contract this commission does not have passes here: the state machine
   then rejects the dangling reference with INVALID_VALUE. */
int
    hub_access_check (const hub_commission_t *state, const Cyclehub__V1__Envelope *env,
                      const char *sender, unsigned roles, hub_verdict_t *v);

/* An ocid prefix ("ocds-h6vhtk") with its terminating NUL. */
#define HUB_ACCESS_PREFIX_SIZE 12

/* Checks a comma-separated list of ocid prefixes ("ocds-h6vhtk,ocds-abc123";
   spaces around an item are ignored), as agencies.cfg's ocid-prefixes.
   Returns 0, or -1 on an empty list, an empty item or an item that is not
   "ocds-" and six lowercase letters or digits. */
int
    hub_access_parse_prefixes (const char *text);

/* May `sender` open a commission under `ocid`? An ocid's prefix belongs to
   a publisher, and the registry binds prefixes to agencies, so a
   commissioner opens commissions under its own prefixes only (one prefix
   may be bound to several agencies: a shared publisher such as Find a
   Tender's ocds-h6vhtk). `prefixes` is the sender's list (as parsed by
   hub_access_parse_prefixes, "" for none), or NULL in development mode,
   where any prefix is allowed. Returns 0, or -1 with v set to
   NOT_AUTHORISED (field commission_id) and a reason naming the prefix and
   where to register it. */
int
    hub_access_check_prefix (const char *ocid, const char *sender, const char *prefixes,
                             hub_verdict_t *v);

/* May `reader` see the personal data of the commission's events? Only its
   owner may. */
bool
    hub_access_sees_personal (const hub_commission_t *state, const char *reader);

#ifdef __cplusplus
}
#endif
#endif
