/*  hub_http_kit: the HTTP tests' kit. A hub in CURVE mode (an auth
    directory with the broker's certificate, a registry of sample agencies
    and their certificates), started as a real cyclehubd with --http on a
    free loopback port; tokens made by the real `cyclehub tokens new`;
    requests by libcurl; CURVE ZeroMQ sockets for the other side.
    Include after hub_test.h and hub_proc.h.
*/
#ifndef HUB_HTTP_KIT_H
#define HUB_HTTP_KIT_H

#include <czmq.h>
#include <curl/curl.h>
#include <jansson.h>

#define KIT_BUYER     "GB-LAE-E09000033"    //  commissioner, prefix ocds-h6vhtk
#define KIT_PARTNER   "GB-NHS-RWE"          //  partner, listed on the commission
#define KIT_PROVIDER  "GB-COH-01234567"     //  provider
#define KIT_OBSERVER  "GB-CHC-1234567"      //  observer: reads only
#define KIT_RIVAL     "GB-LAE-E09000001"    //  another commissioner, prefix ocds-abc123
#define KIT_AGENCIES  5

static const char *kit_orgs [KIT_AGENCIES] = {
    KIT_BUYER, KIT_PARTNER, KIT_PROVIDER, KIT_OBSERVER, KIT_RIVAL
};

typedef struct {
    char dir [PATH_MAX];
    char auth [PATH_MAX + 8];
    zcert_t *broker;
    zcert_t *certs [KIT_AGENCIES];
    hub_broker_proc_t proc;
    char url [300];                 //  http://127.0.0.1:PORT
    char dev_token [128];           //  --plain only
} kit_hub_t;

static void
kit_write_registry (kit_hub_t *hub, bool with_partner)
{
    char path [PATH_MAX + 32];
    snprintf (path, sizeof path, "%s/agencies.cfg.tmp", hub->auth);
    FILE *file = fopen (path, "w");
    REQUIRE (file);
    fprintf (file, "agency\n"
             "    " KIT_BUYER "\n        name = \"Tower Hamlets Council\"\n"
             "        roles = \"commissioner\"\n        ocid-prefixes = \"ocds-h6vhtk\"\n"
             "        cert = \"agencies/0.cert\"\n"
             "    " KIT_PROVIDER "\n        name = \"Falls Care Ltd\"\n"
             "        roles = \"provider\"\n        cert = \"agencies/2.cert\"\n"
             "    " KIT_OBSERVER "\n        name = \"A charity\"\n"
             "        roles = \"observer\"\n        cert = \"agencies/3.cert\"\n"
             "    " KIT_RIVAL "\n        name = \"Another council\"\n"
             "        roles = \"commissioner\"\n        ocid-prefixes = \"ocds-abc123\"\n"
             "        cert = \"agencies/4.cert\"\n");
    if (with_partner)
        fprintf (file, "    " KIT_PARTNER "\n        name = \"Royal London\"\n"
                 "        roles = \"partner\"\n        cert = \"agencies/1.cert\"\n");
    fclose (file);
    char final [PATH_MAX + 32];
    snprintf (final, sizeof final, "%s/agencies.cfg", hub->auth);
    REQUIRE (rename (path, final) == 0);
}

static void
kit_setup (kit_hub_t *hub, const char *tag)
{
    memset (hub, 0, sizeof *hub);
    char *dir = hub_test_tmpdir (tag);
    REQUIRE (dir);
    snprintf (hub->dir, sizeof hub->dir, "%s", dir);
    free (dir);
    snprintf (hub->auth, sizeof hub->auth, "%s/auth", hub->dir);
    char path [PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/agencies", hub->auth);
    REQUIRE (zsys_dir_create ("%s", path) == 0);
    hub->broker = zcert_new ();
    snprintf (path, sizeof path, "%s/broker.cert", hub->auth);
    REQUIRE (zcert_save (hub->broker, path) == 0);
    for (int i = 0; i < KIT_AGENCIES; i++) {
        hub->certs [i] = zcert_new ();
        snprintf (path, sizeof path, "%s/agencies/%d.cert", hub->auth, i);
        REQUIRE (zcert_save_public (hub->certs [i], path) == 0);
    }
    kit_write_registry (hub, true);
    snprintf (hub->proc.dir, sizeof hub->proc.dir, "%s", hub->dir);
    snprintf (hub->proc.store, sizeof hub->proc.store, "%s/store", hub->dir);
    snprintf (hub->proc.endpoints, sizeof hub->proc.endpoints, "%s/endpoints", hub->dir);
    snprintf (hub->proc.log, sizeof hub->proc.log, "%s/broker.log", hub->dir);
}

/* Starts cyclehubd in CURVE mode (or --plain with plain set) with --http
   on a free loopback port and the extra flags (NULL-terminated, may be
   NULL). Returns 0, or -1 with the log on stderr. */
static int
kit_start (kit_hub_t *hub, bool plain, const char *const *extra)
{
    char bin [PATH_MAX];
    hub_proc_bin (bin, sizeof bin, "broker/cyclehubd");
    char http [64];
    snprintf (http, sizeof http, "127.0.0.1:%d", hub_proc_free_port ());
    char *argv [40] = { bin, plain? "--plain": "--auth", plain? NULL: hub->auth };
    int argc = plain? 2: 3;
    const char *rest [] = { "--store", hub->proc.store, "--api", "tcp://127.0.0.1:*",
                            "--events", "tcp://127.0.0.1:*", "--endpoints-file",
                            hub->proc.endpoints, "--http", http, NULL };
    for (int i = 0; rest [i]; i++)
        argv [argc++] = (char *) rest [i];
    for (int i = 0; extra && extra [i] && argc < 39; i++)
        argv [argc++] = (char *) extra [i];
    argv [argc] = NULL;
    unlink (hub->proc.endpoints);
    char out [PATH_MAX + 64];
    snprintf (out, sizeof out, "%s.out", hub->proc.log);
    hub->proc.pid = hub_proc_spawn (argv, NULL, out, hub->proc.log);
    if (hub->proc.pid < 0)
        return -1;
    for (int i = 0; i < 2000; i++) {
        char *text = hub_proc_slurp (hub->proc.endpoints);
        int n = text? sscanf (text, "%255s %255s %299s %127s", hub->proc.api, hub->proc.events,
                              hub->url, hub->dev_token): 0;
        free (text);
        if (n >= 3)
            return 0;
        if (hub_proc_wait (hub->proc.pid, 0) != -1)
            break;
        hub_proc_sleep_ms (10);
    }
    char *log = hub_proc_slurp (hub->proc.log);
    fprintf (stderr, "cyclehubd did not start; log:\n%s\n", log? log: "");
    free (log);
    hub->proc.pid = 0;
    return -1;
}

static void
kit_teardown (kit_hub_t *hub)
{
    hub_broker_cleanup (&hub->proc);
    zcert_destroy (&hub->broker);
    for (int i = 0; i < KIT_AGENCIES; i++)
        zcert_destroy (&hub->certs [i]);
}

static zcert_t *
kit_cert (kit_hub_t *hub, const char *org_id)
{
    for (int i = 0; i < KIT_AGENCIES; i++)
        if (streq (kit_orgs [i], org_id))
            return hub->certs [i];
    return NULL;
}

/* A CURVE socket of the agency (SUB sockets subscribe to everything). */
static zsock_t *
kit_socket (kit_hub_t *hub, int type, const char *org_id)
{
    zsock_t *sock = zsock_new (type);
    zcert_apply (kit_cert (hub, org_id), sock);
    zsock_set_curve_serverkey (sock, zcert_public_txt (hub->broker));
    zsock_set_rcvtimeo (sock, 5000);
    zsock_set_linger (sock, 0);
    if (type == ZMQ_SUB)
        zsock_set_subscribe (sock, "");
    zsock_connect (sock, "%s", type == ZMQ_SUB? hub->proc.events: hub->proc.api);
    return sock;
}

/* Makes a token with the real CLI; returns it (static storage per call
   site is the caller's: it is copied into token), or "" on failure. */
static void
kit_token (kit_hub_t *hub, const char *org_id, bool read_only, char *token, size_t size)
{
    char bin [PATH_MAX];
    hub_proc_bin (bin, sizeof bin, "clients/cyclehub");
    char *argv [] = { bin, "tokens", "new", (char *) org_id, "--name", "test system",
                      "--auth", hub->auth, read_only? "--read-only": NULL, NULL };
    hub_run_t run;
    hub_run_argv (&run, argv, NULL, 30000);
    token [0] = 0;
    if (run.status == 0)
        sscanf (run.out, "%127s", token);
    else
        fprintf (stderr, "tokens new failed: %s\n", run.err);
    (void) size;
    hub_run_free (&run);
}

//  ---------------------------------------------------------------------------
//  HTTP by libcurl

typedef struct {
    long status;
    char *body;                     //  NUL-terminated
    size_t size;
    char headers [4096];            //  the response's header lines
    json_t *json;                   //  body parsed, or NULL
} kit_response_t;

static size_t
kit_write_body (char *data, size_t size, size_t n, void *arg)
{
    kit_response_t *r = arg;
    size_t len = size * n;
    char *grown = realloc (r->body, r->size + len + 1);
    if (!grown)
        return 0;
    r->body = grown;
    memcpy (r->body + r->size, data, len);
    r->size += len;
    r->body [r->size] = 0;
    return len;
}

static size_t
kit_write_header (char *data, size_t size, size_t n, void *arg)
{
    kit_response_t *r = arg;
    size_t len = size * n, used = strlen (r->headers);
    if (used + len < sizeof r->headers) {
        memcpy (r->headers + used, data, len);
        r->headers [used + len] = 0;
    }
    return len;
}

static void
kit_response_free (kit_response_t *r)
{
    free (r->body);
    json_decref (r->json);
    memset (r, 0, sizeof *r);
}

/* method path (relative to hub->url) with token (NULL: none), an
   Idempotency-Key (NULL: none) and body (NULL: none). */
static void
kit_http (kit_hub_t *hub, const char *method, const char *path, const char *token,
          const char *key, const char *body, kit_response_t *r)
{
    memset (r, 0, sizeof *r);
    CURL *curl = curl_easy_init ();
    char url [1024];
    snprintf (url, sizeof url, "%s%s", hub->url, path);
    curl_easy_setopt (curl, CURLOPT_URL, url);
    curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
    struct curl_slist *headers = NULL;
    char line [512];
    if (token) {
        snprintf (line, sizeof line, "Authorization: Bearer %s", token);
        headers = curl_slist_append (headers, line);
    }
    if (key) {
        snprintf (line, sizeof line, "Idempotency-Key: %s", key);
        headers = curl_slist_append (headers, line);
    }
    if (body) {
        headers = curl_slist_append (headers, "Content-Type: application/json");
        curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long) strlen (body));
    }
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, kit_write_body);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, r);
    curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, kit_write_header);
    curl_easy_setopt (curl, CURLOPT_HEADERDATA, r);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 0L);
    if (curl_easy_perform (curl) == CURLE_OK)
        curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all (headers);
    curl_easy_cleanup (curl);
    if (r->body)
        r->json = json_loads (r->body, 0, NULL);
}

/* The string member name of the response's JSON ("" if none). */
static const char *
kit_str (const kit_response_t *r, const char *name)
{
    const char *value = json_string_value (json_object_get (r->json, name));
    return value? value: "";
}

#endif
