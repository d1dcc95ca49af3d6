/*  hub_registry: the agency registry, shared by the ZAP handler (which
    admits a connection by its CURVE public key) and the publish path (which
    checks on every request that the key is still registered, and reads the
    agency's roles).

    On disk, an auth directory holds:
      broker.cert_secret   the broker's own certificate (zcert: public + secret key)
      agencies.cfg         the registry, a czmq zconfig file:
                             agency
                                 GB-LAE-E09000033
                                     name = "Tower Hamlets Council"
                                     roles = "commissioner"
                                     ocid-prefixes = "ocds-h6vhtk,ocds-abc123"
                                     cert = "agencies/towerhamlets.cert"
                           (cert: an agency's public certificate, relative to the
                           auth directory; one org-id may list cert, cert2, ... to
                           rotate keys; ocid-prefixes: the ocid prefixes it may
                           open commissions under, at most 20; a prefix may be
                           listed for several agencies)
    The registry is read again whenever agencies.cfg changes (its mtime),
    at most once a second. Thread-safe.
*/
#ifndef HUB_REGISTRY_H
#define HUB_REGISTRY_H

#include <czmq.h>

typedef struct _hub_registry_t hub_registry_t;

/* Loads the registry of auth_dir. Returns NULL and a sentence in err if
   agencies.cfg is missing or malformed, or names a certificate that cannot
   be read, an invalid org-id or an unknown role. */
hub_registry_t *
    hub_registry_new (const char *auth_dir, char *err, size_t errsize);

void
    hub_registry_destroy (hub_registry_t **self_p);

/* Reloads agencies.cfg if it changed since the last load (checked at most
   once a second). A registry that no longer loads, or a deleted
   agencies.cfg, is logged as an error and the last good one kept. Returns 1 if a key was removed (revoked) by the reload,
   else 0. */
int
    hub_registry_refresh (hub_registry_t *self);

/* Looks up a public key (40-character Z85 text). Returns 0 and copies the
   agency's org-id into org_id and its roles into *roles, or -1 if the key
   is not registered. */
int
    hub_registry_lookup (hub_registry_t *self, const char *public_key,
                         char *org_id, size_t size, unsigned *roles);

/* Copies the ocid prefixes of the agency holding a public key into
   prefixes (comma-separated, "" for none: it may open no commission).
   Returns 0, or -1 if the key is not registered. */
int
    hub_registry_prefixes (hub_registry_t *self, const char *public_key,
                           char *prefixes, size_t size);
/* How many reloads removed a key since start. The ZAP handler and the
   broker both refresh; the broker compares this count to notice a
   revocation whichever of them read the file. */
unsigned
    hub_registry_revocations (hub_registry_t *self);

/* Looks up an agency by org-id (the HTTP front end's tokens name one).
   Returns 0 with its roles in *roles and its name copied into name (if
   not NULL), or -1 if no agency has that org-id. */
int
    hub_registry_agency (hub_registry_t *self, const char *org_id, unsigned *roles,
                         char *name, size_t size);

/* As hub_registry_prefixes, for the agency with that org-id (an HTTP
   token's agency has no key). */
int
    hub_registry_agency_prefixes (hub_registry_t *self, const char *org_id,
                                  char *prefixes, size_t size);

/* Number of registered keys. */
size_t
    hub_registry_size (hub_registry_t *self);

#endif
