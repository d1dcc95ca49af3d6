/*  hub_token: the HTTP front end's bearer tokens, as text (pure: no I/O,
    no randomness; the CLI draws the random bytes, the broker reads the
    file).

    A token is "chub_<id>_<secret>": id 12 lowercase hex characters (6
    random bytes; it names the token in `cyclehub tokens list` and
    `revoke`), secret the base64url form of 32 random bytes (43
    characters, no padding). Only a hash of the whole token is kept
    (libsodium crypto_generichash, BLAKE2b-256), and a presented token is
    compared with it in constant time (sodium_memcmp).

    The tokens file (AUTH_DIR/tokens, beside agencies.cfg) holds one token
    a line:
        ID ORG-ID ACCESS HASH CREATED NAME
    ACCESS is "rw" or "ro" (read-only), HASH 64 hex characters, CREATED an
    RFC 3339 time, NAME free text to the end of the line (may be empty).
    Blank lines and lines starting with '#' are ignored.
*/
#ifndef HUB_TOKEN_H
#define HUB_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HUB_TOKEN_PREFIX        "chub_"
#define HUB_TOKEN_ID_BYTES      6
#define HUB_TOKEN_ID_LEN        12          /* hex characters */
#define HUB_TOKEN_SECRET_BYTES  32
#define HUB_TOKEN_SECRET_LEN    43          /* base64url, no padding */
#define HUB_TOKEN_LEN           (5 + HUB_TOKEN_ID_LEN + 1 + HUB_TOKEN_SECRET_LEN)
#define HUB_TOKEN_HASH_BYTES    32
#define HUB_TOKEN_NAME_MAX      100         /* bytes of a token's name */

typedef struct {
    char id [HUB_TOKEN_ID_LEN + 1];
    char org_id [64];
    bool read_only;
    uint8_t hash [HUB_TOKEN_HASH_BYTES];
    char created [40];
    char name [HUB_TOKEN_NAME_MAX + 1];
} hub_token_entry_t;

/* Writes the token made of these random bytes into token (at least
   HUB_TOKEN_LEN + 1 bytes) and fills entry's id and hash from it. */
void
    hub_token_make (const uint8_t id [HUB_TOKEN_ID_BYTES],
                    const uint8_t secret [HUB_TOKEN_SECRET_BYTES],
                    char *token, hub_token_entry_t *entry);

/* Checks a presented token's form and copies its id into id (at least
   HUB_TOKEN_ID_LEN + 1 bytes). Returns 0, or -1 if it is not a token. */
int
    hub_token_id (const char *token, char *id);

/* True if token hashes to entry's hash (constant-time comparison). */
bool
    hub_token_matches (const char *token, const hub_token_entry_t *entry);

/* True if name can be a token's name: at most HUB_TOKEN_NAME_MAX bytes,
   no control characters (it is written to the end of one line). */
bool
    hub_token_name_ok (const char *name);

/* Parses one line of the tokens file (without its newline). Returns 0
   with entry filled, 1 for a blank or comment line, -1 for a line that is
   not a token entry. */
int
    hub_token_parse_line (const char *line, hub_token_entry_t *entry);

/* Writes entry as one line of the tokens file, with its newline. Returns
   the length, or -1 if it does not fit in size. */
int
    hub_token_format_line (const hub_token_entry_t *entry, char *buf, size_t size);

#endif
