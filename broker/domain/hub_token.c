/*  hub_token: bearer tokens and the lines of the tokens file. See
    hub_token.h.
*/
#include "hub_token.h"
#include "hub_validate.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void
s_hash (const char *token, uint8_t hash [HUB_TOKEN_HASH_BYTES])
{
    crypto_generichash (hash, HUB_TOKEN_HASH_BYTES, (const uint8_t *) token, strlen (token),
                        NULL, 0);
}

void
hub_token_make (const uint8_t id [HUB_TOKEN_ID_BYTES],
                const uint8_t secret [HUB_TOKEN_SECRET_BYTES],
                char *token, hub_token_entry_t *entry)
{
    char id_hex [HUB_TOKEN_ID_LEN + 1];
    sodium_bin2hex (id_hex, sizeof id_hex, id, HUB_TOKEN_ID_BYTES);
    char secret_text [HUB_TOKEN_SECRET_LEN + 1];
    sodium_bin2base64 (secret_text, sizeof secret_text, secret, HUB_TOKEN_SECRET_BYTES,
                       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf (token, HUB_TOKEN_LEN + 1, HUB_TOKEN_PREFIX "%s_%s", id_hex, secret_text);
    memcpy (entry->id, id_hex, sizeof entry->id);
    s_hash (token, entry->hash);
}

int
hub_token_id (const char *token, char *id)
{
    if (!token || strlen (token) != HUB_TOKEN_LEN || strncmp (token, HUB_TOKEN_PREFIX, 5) != 0
    ||  token [5 + HUB_TOKEN_ID_LEN] != '_')
        return -1;
    for (size_t i = 0; i < HUB_TOKEN_ID_LEN; i++) {
        char c = token [5 + i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
    }
    for (const char *c = token + 5 + HUB_TOKEN_ID_LEN + 1; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')
           || *c == '-' || *c == '_'))
            return -1;
    memcpy (id, token + 5, HUB_TOKEN_ID_LEN);
    id [HUB_TOKEN_ID_LEN] = 0;
    return 0;
}

bool
hub_token_matches (const char *token, const hub_token_entry_t *entry)
{
    uint8_t hash [HUB_TOKEN_HASH_BYTES];
    s_hash (token, hash);
    return sodium_memcmp (hash, entry->hash, HUB_TOKEN_HASH_BYTES) == 0;
}

bool
hub_token_name_ok (const char *name)
{
    if (strlen (name) > HUB_TOKEN_NAME_MAX)
        return false;
    for (const unsigned char *c = (const unsigned char *) name; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return false;
    return true;
}

int
hub_token_parse_line (const char *line, hub_token_entry_t *entry)
{
    const char *c = line;
    while (*c == ' ' || *c == '\t')
        c++;
    if (*c == 0 || *c == '#')
        return 1;
    memset (entry, 0, sizeof *entry);
    char access [4], hash_hex [2 * HUB_TOKEN_HASH_BYTES + 1];
    int used = 0;
    if (sscanf (c, "%12s %63s %3s %64s %39s%n", entry->id, entry->org_id, access, hash_hex,
                entry->created, &used) != 5)
        return -1;
    size_t hash_len;
    if (strlen (entry->id) != HUB_TOKEN_ID_LEN
    ||  !hub_validate_org_id (entry->org_id)
    ||  !(strcmp (access, "rw") == 0 || strcmp (access, "ro") == 0)
    ||  strlen (hash_hex) != 2 * HUB_TOKEN_HASH_BYTES
    ||  sodium_hex2bin (entry->hash, sizeof entry->hash, hash_hex, strlen (hash_hex),
                        NULL, &hash_len, NULL) != 0 || hash_len != HUB_TOKEN_HASH_BYTES)
        return -1;
    entry->read_only = strcmp (access, "ro") == 0;
    const char *name = c + used;
    if (*name == ' ')
        name++;
    if (!hub_token_name_ok (name))
        return -1;
    snprintf (entry->name, sizeof entry->name, "%s", name);
    return 0;
}

int
hub_token_format_line (const hub_token_entry_t *entry, char *buf, size_t size)
{
    char hash_hex [2 * HUB_TOKEN_HASH_BYTES + 1];
    sodium_bin2hex (hash_hex, sizeof hash_hex, entry->hash, HUB_TOKEN_HASH_BYTES);
    int len = snprintf (buf, size, "%s %s %s %s %s %s\n", entry->id, entry->org_id,
                        entry->read_only? "ro": "rw", hash_hex, entry->created, entry->name);
    return len < 0 || (size_t) len >= size? -1: len;
}
