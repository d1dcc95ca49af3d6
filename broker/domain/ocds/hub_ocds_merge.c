/*  hub_ocds_merge: the compiled release of one ocid (OCDS merge): objects
    merge field by field, the latest value wins; arrays whose items are all
    objects with an id merge item by id; other arrays are replaced whole;
    null removes a field.
*/
#include <stdio.h>
#include <string.h>
#include "hub_ocds_priv.h"


static void s_merge (json_t *dst, json_t *src);

static bool
s_identified (json_t *array)
{
    if (!json_array_size (array))
        return false;
    size_t i;
    json_t *item;
    json_array_foreach (array, i, item)
        if (!json_is_object (item) || !json_object_get (item, "id"))
            return false;
    return true;
}

static json_t *
s_merged_copy (json_t *src)
{
    if (json_is_object (src)) {
        json_t *copy = json_object ();
        s_merge (copy, src);
        return copy;
    }
    return json_deep_copy (src);
}

static void
s_merge (json_t *dst, json_t *src)
{
    const char *key;
    json_t *value;
    json_object_foreach (src, key, value) {
        json_t *have = json_object_get (dst, key);
        if (json_is_null (value))
            json_object_del (dst, key);
        else
        if (json_is_object (value) && json_is_object (have))
            s_merge (have, value);
        else
        if (json_is_array (value) && json_is_array (have)
        &&  s_identified (value) && s_identified (have)) {
            size_t i;
            json_t *item;
            json_array_foreach (value, i, item) {
                json_t *id = json_object_get (item, "id");
                json_t *match = NULL;
                size_t j;
                json_t *old;
                json_array_foreach (have, j, old)
                    if (json_equal (json_object_get (old, "id"), id)) {
                        match = old;
                        break;
                    }
                if (match)
                    s_merge (match, item);
                else
                    json_array_append_new (have, s_merged_copy (item));
            }
        }
        else
            json_object_set_new (dst, key, s_merged_copy (value));
    }
}

json_t *
hub_ocds_compiled (const char *ocid, json_t *releases)
{
    json_t *compiled = json_object ();
    json_object_set_new (compiled, "ocid", json_string (ocid));
    char id [256];
    snprintf (id, sizeof id, "%s-compiled", ocid);
    json_object_set_new (compiled, "id", json_string (id));
    json_object_set_new (compiled, "date", json_null ());
    json_t *tags = json_array ();
    json_array_append_new (tags, json_string ("compiled"));
    json_object_set_new (compiled, "tag", tags);
    size_t i;
    json_t *rel;
    json_array_foreach (releases, i, rel) {
        json_t *copy = json_copy (rel);          //  shallow: drop the per-release fields
        json_object_del (copy, "id");
        json_object_del (copy, "tag");
        s_merge (compiled, copy);
        json_decref (copy);
    }
    return compiled;
}

