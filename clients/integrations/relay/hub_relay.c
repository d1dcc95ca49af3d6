/*  hub_relay: the webhook relay (hub_relay.h). Follows the hub with a
    gap-free subscriber and POSTs each event, in seq order and one at a
    time, to an HTTP endpoint: canonical JSON or a FHIR subscription
    notification (hub_relay_fhir.c), signed with HMAC-SHA256. The cursor
    file moves past an event only once the receiver took it (2xx) or it was
    dead-lettered; a 401/403/404 stops the relay before it. Also re-sends
    the dead letters (hub_relay_replay).
*/
#include "hub_relay.h"
#include "hub_relay_fhir.h"
#include <sys/file.h>
#include <czmq.h>
#include <curl/curl.h>
#include <sodium.h>
#include <jansson.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#define S_SECRET_MAX        4096        //  bytes of shared secret read from its file
#define S_RESPONSE_KEEP     1024        //  bytes of a response body kept for the dead-letter file
#define S_RETRY_AFTER_MAX   3600        //  a Retry-After beyond this (seconds) is capped

//  How the delivery of one event ended
typedef enum {
    S_SENT,                         //  the receiver answered 2xx
    S_DEAD,                         //  refused max-attempts times: dead-lettered
    S_STOPPED,                      //  SIGINT/SIGTERM before it was delivered
    S_FAILED,                       //  could not even be dead-lettered
    S_REFUSED,                      //  refused (4xx) max-attempts times (not yet dead)
    S_MISCONFIGURED,                //  401/403/404 max-attempts times: stop here
    S_GAVE_UP                       //  replay: transient failures max-attempts times
} s_outcome_t;

typedef struct {
    bool verbose;                   //  log each delivery
    const char *url;                //  the receiver's endpoint
    uint8_t secret [S_SECRET_MAX];  //  HMAC key, from --secret-file
    size_t secret_len;              //  its length
    hub_relay_format_t format;      //  --format
    hub_relay_fhir_t fhir;          //  the FHIR form, base and subscription
    bool bounded;                   //  replay: give up transient retries too
    uint64_t heartbeat_s;           //  FHIR heartbeat after this much idle; 0 = none
    uint64_t max_attempts;          //  attempts of a refused (4xx) event
    const char *dead_letter;        //  JSON lines of refused events
    uint64_t timeout_ms;            //  limit of one HTTP request
    uint64_t backoff_ms;            //  first retry delay
    uint64_t backoff_max_ms;        //  retry delay cap
    long status;                    //  the last answer's HTTP status (0: none)
    CURL *curl;                     //  one handle, so connections are kept alive
    char errbuf [CURL_ERROR_SIZE];  //  libcurl's last error sentence
    char response [S_RESPONSE_KEEP + 1];  //  start of the last response body
    size_t response_len;            //  bytes in response
    bool response_cut;              //  the body was longer than response
    uint64_t last_seq;              //  seq of the last event sent or dead-lettered
    int64_t last_post;              //  zclock_mono of the last notification sent
    uint64_t sent;                  //  figures for the log at exit
    uint64_t dead;
    uint64_t retries;
    uint64_t heartbeats;
} s_relay_t;

//  Reads the shared secret. Returns 0, or -1 (said why on stderr).
static int
s_read_secret (s_relay_t *self, const char *path)
{
    int fd = open (path, O_RDONLY);
    if (fd < 0) {
        fprintf (stderr, "cyclehub: relay: cannot read secret file %s: %s\n", path, strerror (errno));
        return -1;
    }
    struct stat st;
    if (fstat (fd, &st) == 0 && (st.st_mode & 077))
        fprintf (stderr, "cyclehub: relay: warning: secret file %s is readable by others "
                 "(chmod 600 it)\n", path);
    size_t len = 0;
    ssize_t got;
    uint8_t extra;
    while (len < sizeof self->secret
       && (got = read (fd, self->secret + len, sizeof self->secret - len)) > 0)
        len += (size_t) got;
    bool too_long = len == sizeof self->secret && read (fd, &extra, 1) == 1;
    close (fd);
    while (len && (self->secret [len - 1] == '\n' || self->secret [len - 1] == '\r'))
        len--;
    if (too_long || len == 0) {
        fprintf (stderr, "cyclehub: relay: secret file %s must hold 1 to %d bytes\n",
                 path, S_SECRET_MAX);
        return -1;
    }
    self->secret_len = len;
    return 0;
}

//  Writes "sha256=<hex HMAC-SHA256 of "timestamp.body">" into sig.
static void
s_sign (s_relay_t *self, const char *timestamp, const char *body, size_t len,
        char *sig, size_t size)
{
    crypto_auth_hmacsha256_state state;
    uint8_t mac [crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init (&state, self->secret, self->secret_len);
    crypto_auth_hmacsha256_update (&state, (const uint8_t *) timestamp, strlen (timestamp));
    crypto_auth_hmacsha256_update (&state, (const uint8_t *) ".", 1);
    crypto_auth_hmacsha256_update (&state, (const uint8_t *) body, len);
    crypto_auth_hmacsha256_final (&state, mac);
    char hex [crypto_auth_hmacsha256_BYTES * 2 + 1];
    sodium_bin2hex (hex, sizeof hex, mac, sizeof mac);
    snprintf (sig, size, "sha256=%s", hex);
    sodium_memzero (&state, sizeof state);
}

//  Keeps the first S_RESPONSE_KEEP bytes of a response body, drops the rest.
static size_t
s_on_body (char *data, size_t size, size_t nmemb, void *arg)
{
    s_relay_t *self = (s_relay_t *) arg;
    size_t bytes = size * nmemb;
    size_t room = S_RESPONSE_KEEP - self->response_len;
    size_t take = bytes < room? bytes: room;
    memcpy (self->response + self->response_len, data, take);
    self->response_len += take;
    self->response [self->response_len] = 0;
    if (take < bytes)
        self->response_cut = true;
    return bytes;
}

//  POSTs body once. type names the event ("$heartbeat" for a heartbeat);
//  seq 0 leaves Cyclehub-Seq out. Returns libcurl's code; *status is the
//  HTTP status (0 if none came) and *retry_after its Retry-After in
//  seconds (-1 if none).
static CURLcode
s_post (s_relay_t *self, const char *body, size_t len, const char *type, uint64_t seq,
        long *status, int64_t *retry_after)
{
    char timestamp [32], sig [96], line [160];
    snprintf (timestamp, sizeof timestamp, "%lld", (long long) time (NULL));
    s_sign (self, timestamp, body, len, sig, sizeof sig);

    struct curl_slist *headers = NULL, *next;
    const char *lines [6] = { NULL };
    char seq_line [64], type_line [160], ts_line [64], sig_line [128];
    snprintf (line, sizeof line, "Content-Type: %s",
              self->format != HUB_RELAY_JSON? "application/fhir+json": "application/json");
    lines [0] = line;
    snprintf (type_line, sizeof type_line, "Cyclehub-Type: %s", type);
    lines [1] = type_line;
    snprintf (ts_line, sizeof ts_line, "Cyclehub-Timestamp: %s", timestamp);
    lines [2] = ts_line;
    snprintf (sig_line, sizeof sig_line, "Cyclehub-Signature: %s", sig);
    lines [3] = sig_line;
    lines [4] = "Expect:";          //  no 100-continue round trip
    if (seq) {
        snprintf (seq_line, sizeof seq_line, "Cyclehub-Seq: %" PRIu64, seq);
        lines [5] = seq_line;
    }
    for (size_t i = 0; i < sizeof lines / sizeof lines [0]; i++) {
        if (!lines [i])
            continue;
        next = curl_slist_append (headers, lines [i]);
        if (!next) {
            curl_slist_free_all (headers);
            return CURLE_OUT_OF_MEMORY;
        }
        headers = next;
    }
    self->response_len = 0;
    self->response [0] = 0;
    self->response_cut = false;
    self->errbuf [0] = 0;
    curl_easy_setopt (self->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (self->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt (self->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
    CURLcode rc = curl_easy_perform (self->curl);
    curl_easy_setopt (self->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all (headers);

    *status = 0;
    *retry_after = -1;
    if (rc == CURLE_OK) {
        curl_easy_getinfo (self->curl, CURLINFO_RESPONSE_CODE, status);
        curl_off_t after = -1;
        if (curl_easy_getinfo (self->curl, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0)
            *retry_after = after > S_RETRY_AFTER_MAX? S_RETRY_AFTER_MAX: (int64_t) after;
    }
    return rc;
}

//  Sleeps ms, waking early on SIGINT/SIGTERM. Returns false if interrupted.
static bool
s_sleep (int64_t ms)
{
    int64_t deadline = zclock_mono () + ms;
    while (!zsys_interrupted) {
        int64_t left = deadline - zclock_mono ();
        if (left <= 0)
            return true;
        zclock_sleep (left < 100? (int) left: 100);
    }
    return false;
}

//  The delay before retry number `failures` (1 for the first retry):
//  exponential, capped, with jitter in its upper half, and at least what
//  the receiver asked for in Retry-After.
static int64_t
s_backoff (s_relay_t *self, uint64_t failures, int64_t retry_after)
{
    uint64_t delay = self->backoff_ms;
    for (uint64_t i = 1; i < failures && delay < self->backoff_max_ms; i++)
        delay *= 2;
    if (delay > self->backoff_max_ms)
        delay = self->backoff_max_ms;
    uint64_t half = delay / 2;
    if (half > 0 && half < UINT32_MAX)
        delay = half + randombytes_uniform ((uint32_t) half + 1);
    if (retry_after > 0 && (uint64_t) retry_after * 1000 > delay)
        delay = (uint64_t) retry_after * 1000;
    return (int64_t) delay;
}

//  A JSON string of the response body as kept: cut back to whole UTF-8,
//  or with bytes that are not UTF-8 replaced by '?'.
static json_t *
s_response_string (s_relay_t *self)
{
    for (size_t cut = 0; cut < 4 && cut <= self->response_len; cut++) {
        json_t *text = json_stringn (self->response, self->response_len - cut);
        if (text)
            return text;
    }
    char copy [S_RESPONSE_KEEP + 1];
    for (size_t i = 0; i < self->response_len; i++) {
        unsigned char c = (unsigned char) self->response [i];
        copy [i] = c >= 0x80 || c == 0? '?': (char) c;
    }
    return json_stringn (copy, self->response_len);
}

//  Opens the dead-letter file to append, locked (flock) against a replay
//  that rewrites it: if the replay renamed a new file in while this waited
//  for the lock, opens that one. Returns the fd (close unlocks) or -1.
static int
s_dead_open (const char *path)
{
    for (int tries = 0; tries < 100; tries++) {
        int fd = open (path, O_WRONLY | O_APPEND | O_CREAT, 0600);
        if (fd < 0)
            return -1;
        struct stat held, named;
        if (flock (fd, LOCK_EX) == 0 && fstat (fd, &held) == 0 && stat (path, &named) == 0
        &&  held.st_ino == named.st_ino && held.st_dev == named.st_dev)
            return fd;
        close (fd);
    }
    return -1;
}

//  Appends a dead-letter line for event and fsyncs it. Returns 0 or -1.
static int
s_dead_letter (s_relay_t *self, const Cyclehub__V1__Event *event, const char *event_json,
               long status, uint64_t attempts, const char *error)
{
    char now [40] = "";
    hub_time_format ((int64_t) zclock_time (), now, sizeof now);
    char seq [24];
    snprintf (seq, sizeof seq, "%" PRIu64, event->seq);
    json_t *line = json_object ();
    json_t *payload = event_json? json_loads (event_json, 0, NULL): NULL;
    int rc = -1;
    if (line
    &&  json_object_set_new (line, "seq", json_string (seq)) == 0
    &&  json_object_set_new (line, "type", json_string (event->type? event->type: "")) == 0
    &&  json_object_set_new (line, "commission", json_string (
            event->envelope && event->envelope->commission_id? event->envelope->commission_id: "")) == 0
    &&  json_object_set_new (line, "status", json_integer (status)) == 0
    &&  json_object_set_new (line, "attempts", json_integer ((json_int_t) attempts)) == 0
    &&  json_object_set_new (line, "response", s_response_string (self)) == 0
    &&  json_object_set_new (line, "responseTruncated", json_boolean (self->response_cut)) == 0
    &&  (!error || json_object_set_new (line, "error", json_string (error)) == 0)
    &&  json_object_set_new (line, "time", json_string (now)) == 0
    &&  json_object_set_new (line, "url", json_string (self->url)) == 0
    &&  (!payload || json_object_set (line, "event", payload) == 0)) {
        char *text = hub_json_dumps (line, 0);
        int fd = text? s_dead_open (self->dead_letter): -1;
        if (fd >= 0) {
            size_t len = strlen (text);
            text [len] = '\n';          //  json_dumps leaves no newline; NUL not written
            rc = write (fd, text, len + 1) == (ssize_t) (len + 1) && fsync (fd) == 0? 0: -1;
            rc = close (fd) == 0? rc: -1;
        }
        free (text);
    }
    json_decref (payload);
    json_decref (line);
    if (rc)
        zsys_error ("relay: cannot write dead-letter file path=%s: %s", self->dead_letter,
                    strerror (errno));
    return rc;
}

//  The body of event in the relay's format (caller frees), or NULL
static char *
s_body (s_relay_t *self, const Cyclehub__V1__Event *event, const char *event_json)
{
    if (!event_json)
        return NULL;
    if (self->format == HUB_RELAY_JSON)
        return strdup (event_json);
    return hub_relay_fhir_bundle (&self->fhir, event, event_json, self->last_seq,
                                  (int64_t) zclock_time ());
}

//  True for the answers that say the relay itself is wrong (its URL or
//  secret), not the event: sending the next event would fare no better
static bool
s_misconfigured (long status)
{
    return status == 401 || status == 403 || status == 404;
}

//  POSTs text until the receiver takes it: transient failures (no answer,
//  408, 429, 5xx) are retried without limit (up to max_attempts when
//  bounded), refusals (other 4xx, 3xx) up to max_attempts.
static s_outcome_t
s_attempts (s_relay_t *self, const char *text, const char *type, uint64_t seq)
{
    size_t len = strlen (text);
    uint64_t refusals = 0, failures = 0;
    while (true) {
        int64_t retry_after;
        CURLcode rc = s_post (self, text, len, type, seq, &self->status, &retry_after);
        long status = rc == CURLE_OK? self->status: 0;
        if (status >= 200 && status < 300) {
            if (self->verbose)
                zsys_info ("relay: delivered seq=%" PRIu64 " type=%s status=%ld",
                           seq, type, status);
            return S_SENT;
        }
        bool transient = rc != CURLE_OK || status == 408 || status == 429 || status >= 500;
        failures++;
        if (!transient && ++refusals >= self->max_attempts)
            return s_misconfigured (status)? S_MISCONFIGURED: S_REFUSED;
        if (transient && self->bounded && failures >= self->max_attempts)
            return S_GAVE_UP;
        if (zsys_interrupted)
            return S_STOPPED;
        int64_t wait = s_backoff (self, failures, retry_after);
        if (rc != CURLE_OK)
            zsys_warning ("relay: retry seq=%" PRIu64 " error=\"%s\" attempt=%" PRIu64
                          " wait_ms=%" PRId64, seq,
                          *self->errbuf? self->errbuf: curl_easy_strerror (rc), failures, wait);
        else
            zsys_warning ("relay: retry seq=%" PRIu64 " status=%ld attempt=%" PRIu64
                          " wait_ms=%" PRId64 "%s", seq, status, failures, wait,
                          transient? "": " (refused)");
        self->retries++;
        if (!s_sleep (wait))
            return S_STOPPED;
    }
}

//  Says loudly why the relay stops at seq: the receiver does not take the
//  relay (wrong URL or secret), so every later event would fail the same
static void
s_say_misconfigured (s_relay_t *self, uint64_t seq)
{
    zsys_error ("relay: stopped: the receiver answered %ld to seq=%" PRIu64 " url=%s "
                "response=%.200s", self->status, seq, self->url, self->response);
    fprintf (stderr, "cyclehub: relay: the receiver answered %ld %s to seq %" PRIu64 ": %s; "
             "the relay stopped before that event (nothing was dead-lettered). Fix it and "
             "start the relay again: it resumes with seq %" PRIu64 ".\n", self->status,
             self->status == 404? "Not Found": self->status == 403? "Forbidden": "Unauthorized",
             seq, self->status == 404? "check --url (the receiver has no such endpoint)":
             "check --secret-file (the receiver's secret must be the same bytes) and that "
             "the receiver accepts this relay", seq);
}

//  Delivers one event: POSTs it until the receiver takes it; an event
//  refused max_attempts times is dead-lettered, unless the refusal says
//  the relay is misconfigured.
static s_outcome_t
s_deliver (s_relay_t *self, const Cyclehub__V1__Event *event)
{
    char *event_json = hub_json_encode (&event->base, 0);
    char *body = s_body (self, event, event_json);
    s_outcome_t outcome;
    if (!body) {
        zsys_error ("relay: cannot encode event seq=%" PRIu64, event->seq);
        self->status = 0;
        self->response_len = 0;
        self->response [0] = 0;
        outcome = s_dead_letter (self, event, event_json, 0, 0,
                                 "the event cannot be encoded")? S_FAILED: S_DEAD;
    }
    else {
        const char *type = event->type && *event->type? event->type: "unknown";
        outcome = s_attempts (self, body, type, event->seq);
        if (outcome == S_MISCONFIGURED)
            s_say_misconfigured (self, event->seq);
        else
        if (outcome == S_REFUSED) {
            zsys_error ("relay: dead-letter seq=%" PRIu64 " type=%s status=%ld attempts=%"
                        PRIu64 " file=%s response=%.200s", event->seq, type, self->status,
                        self->max_attempts, self->dead_letter, self->response);
            outcome = s_dead_letter (self, event, event_json, self->status,
                                     self->max_attempts, NULL)? S_FAILED: S_DEAD;
        }
    }
    if (outcome == S_SENT || outcome == S_DEAD) {
        self->last_post = zclock_mono ();
        self->last_seq = event->seq;
        if (outcome == S_SENT)
            self->sent++;
        else
            self->dead++;
    }
    free (body);
    free (event_json);
    return outcome;
}

//  Sends one FHIR heartbeat, best effort: a failure is logged and the next
//  one comes after another idle period.
static void
s_heartbeat (s_relay_t *self)
{
    self->last_post = zclock_mono ();
    char *body = hub_relay_fhir_bundle (&self->fhir, NULL, NULL, self->last_seq,
                                        (int64_t) zclock_time ());
    if (!body)
        return;
    long status;
    int64_t retry_after;
    CURLcode rc = s_post (self, body, strlen (body), "$heartbeat", 0, &status, &retry_after);
    if (rc != CURLE_OK || status < 200 || status >= 300)
        zsys_warning ("relay: heartbeat not taken status=%ld error=\"%s\"", status,
                      rc == CURLE_OK? "": *self->errbuf? self->errbuf: curl_easy_strerror (rc));
    else
        self->heartbeats++;
    free (body);
}

//  Writes the cursor file (atomically, as the subscriber does): used to
//  step the cursor back before an event that was received but not
//  delivered when the relay stopped.
static int
s_cursor_write (const char *path, uint64_t cursor)
{
    char tmp [PATH_MAX + 8];
    snprintf (tmp, sizeof tmp, "%s.tmp", path);
    int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    char line [32];
    int len = snprintf (line, sizeof line, "%" PRIu64 "\n", cursor);
    bool ok = write (fd, line, (size_t) len) == len && fsync (fd) == 0;
    ok = close (fd) == 0 && ok;
    if (ok && rename (tmp, path) == 0)
        return 0;
    unlink (tmp);
    return -1;
}

//  Follows the hub and relays until stopped. Returns an exit code.
static int
s_run (s_relay_t *self, hub_subscriber_t *sub, const char *cursor_path)
{
    int rc = HUB_INTEG_OK;
    uint64_t pending = 0;           //  seq received but not delivered at a stop
    int64_t heartbeat_ms = self->format != HUB_RELAY_JSON? (int64_t) self->heartbeat_s * 1000: 0;
    self->last_post = zclock_mono ();
    self->last_seq = hub_subscriber_cursor (sub);
    while (!zsys_interrupted) {
        int wait = 1000;
        if (heartbeat_ms) {
            int64_t left = self->last_post + heartbeat_ms - zclock_mono ();
            if (left <= 0) {
                s_heartbeat (self);
                continue;
            }
            wait = left < wait? (int) left: wait;
        }
        Cyclehub__V1__Event *event = NULL;
        int lib_rc = hub_subscriber_recv (sub, wait, &event);
        if (lib_rc == HUB_TIMEOUT)
            continue;
        if (lib_rc == HUB_EINTR)
            break;
        if (lib_rc == HUB_UNREACHABLE) {
            //  The broker is down or restarting: the subscriber retries
            zsys_warning ("relay: broker unreachable, retrying");
            s_sleep (1000);
            continue;
        }
        if (lib_rc != HUB_OK) {
            //  With the subscriber's why: a cursor file past the hub's log
            //  (HUB_EBEHIND) says where to set it back
            hub_result_t result = { .rc = lib_rc };
            snprintf (result.reason, sizeof result.reason, "%s", hub_subscriber_why (sub));
            rc = hub_integ_fail (lib_rc, &result, "relay");
            break;
        }
        s_outcome_t outcome = s_deliver (self, event);
        uint64_t seq = event->seq;
        cyclehub__v1__event__free_unpacked (event, NULL);
        if (outcome != S_SENT && outcome != S_DEAD) {
            pending = seq;
            rc = outcome == S_FAILED? HUB_INTEG_FAILED:
                 outcome == S_MISCONFIGURED? HUB_INTEG_RECEIVER: HUB_INTEG_OK;
            break;
        }
        //  Acknowledged now, not at the next recv, so a crash while idle
        //  repeats nothing
        if (hub_subscriber_save (sub) != HUB_OK) {
            fprintf (stderr, "cyclehub: relay: cannot save the cursor file %s\n", cursor_path);
            rc = HUB_INTEG_FAILED;
            break;
        }
    }
    //  Destroying the subscriber saves the cursor as if the event in hand
    //  had been handled; step it back so a restart sends that event again.
    hub_subscriber_destroy (&sub);
    if (pending && s_cursor_write (cursor_path, pending - 1) != 0) {
        fprintf (stderr, "cyclehub: relay: cannot write the cursor file %s: seq %" PRIu64
                 " was not delivered\n", cursor_path, pending);
        rc = HUB_INTEG_FAILED;
    }
    zsys_info ("relay: stopped sent=%" PRIu64 " dead=%" PRIu64 " retries=%" PRIu64
               " heartbeats=%" PRIu64 " cursor=%" PRIu64, self->sent, self->dead,
               self->retries, self->heartbeats, pending? pending - 1: self->last_seq);
    return rc;
}

//  --------------------------------------------------------------------------
//  Public API

static const char *s_formats [] = { "json", "fhir-r4b", "fhir-r4" };

static const char *
s_format_name (hub_relay_format_t format)
{
    return s_formats [format];
}

int
hub_relay_format_parse (const char *name)
{
    for (size_t i = 0; i < sizeof s_formats / sizeof s_formats [0]; i++)
        if (streq (name, s_formats [i]))
            return (int) i;
    //  "fhir" was the R4B form's name before R4 came
    return streq (name, "fhir")? HUB_RELAY_FHIR_R4B: -1;
}

void
hub_relay_config_default (hub_relay_config_t *config)
{
    memset (config, 0, sizeof *config);
    hub_connect_options_default (&config->hub);
    config->from = HUB_FROM_START;
    config->heartbeat_s = 60;
    config->fhir_base = "https://cyclehub.example";
    config->subscription = "cyclehub";
    config->max_attempts = 5;
    config->timeout_ms = 10000;
    config->backoff_ms = 1000;
    config->backoff_max_ms = 60000;
}

//  Copies and checks the settings and reads the secret. Returns 0, or -1
//  (said why on stderr).
static int
s_configure (s_relay_t *self, const hub_relay_config_t *config, bool replay)
{
    if (!config->url || !config->secret_file || (!config->cursor_file && !replay)) {
        fprintf (stderr, "cyclehub: relay: --url, --secret-file and --cursor are required%s\n",
                 replay? " (--cursor not with --replay-dead-letters)": "");
        return -1;
    }
    if (strncmp (config->url, "http://", 7) && strncmp (config->url, "https://", 8)) {
        fprintf (stderr, "cyclehub: relay: --url must be an http:// or https:// URL\n");
        return -1;
    }
    const char *bad = NULL;
    if (config->format > HUB_RELAY_FHIR_R4)
        bad = "--format must be json, fhir-r4b or fhir-r4";
    else
    if (config->heartbeat_s > 86400)
        bad = "--heartbeat must be at most 86400 seconds";
    else
    if (!config->fhir_base || !*config->fhir_base || strlen (config->fhir_base) >= 400)
        bad = "--fhir-base must hold 1 to 399 characters";
    else
    if (!config->subscription || !*config->subscription || strlen (config->subscription) > 64)
        bad = "--subscription must hold 1 to 64 characters";
    else
    if (config->max_attempts == 0)
        bad = "--max-attempts must be at least 1";
    else
    if (config->timeout_ms == 0 || config->timeout_ms > INT32_MAX)
        bad = "--timeout must be 1 to 2147483647 ms";
    else
    if (config->backoff_ms > 3600000 || config->backoff_max_ms > 3600000)
        bad = "--backoff-ms and --backoff-max-ms must be at most 3600000";
    if (bad) {
        fprintf (stderr, "cyclehub: relay: %s\n", bad);
        return -1;
    }
    self->verbose = config->verbose;
    self->url = config->url;
    self->format = config->format;
    self->fhir.format = config->format;
    self->fhir.base = config->fhir_base;
    self->fhir.subscription = config->subscription;
    self->heartbeat_s = config->heartbeat_s;
    self->max_attempts = config->max_attempts;
    self->timeout_ms = config->timeout_ms;
    self->backoff_ms = config->backoff_ms;
    self->backoff_max_ms = config->backoff_max_ms < config->backoff_ms?
                           config->backoff_ms: config->backoff_max_ms;
    self->dead_letter = config->dead_letter;
    return s_read_secret (self, config->secret_file);
}

//  One libcurl handle for every request of the run. Returns 0 or -1.
static int
s_curl_setup (s_relay_t *self)
{
    if (sodium_init () < 0 || curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK
    ||  !(self->curl = curl_easy_init ())) {
        fprintf (stderr, "cyclehub: relay: cannot initialise libcurl or libsodium\n");
        return -1;
    }
    curl_easy_setopt (self->curl, CURLOPT_URL, self->url);
    curl_easy_setopt (self->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt (self->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (self->curl, CURLOPT_TIMEOUT_MS, (long) self->timeout_ms);
    curl_easy_setopt (self->curl, CURLOPT_CONNECTTIMEOUT_MS, (long) self->timeout_ms);
    curl_easy_setopt (self->curl, CURLOPT_USERAGENT, "cyclehub-relay/" "1");
    curl_easy_setopt (self->curl, CURLOPT_ERRORBUFFER, self->errbuf);
    curl_easy_setopt (self->curl, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt (self->curl, CURLOPT_WRITEDATA, self);
    return 0;
}

//  The subscriber the relay follows, started at the cursor. Returns an
//  hub_integ_rc_t; *sub_p is set on HUB_INTEG_OK.
static int
s_subscribe (const hub_relay_config_t *config, hub_subscriber_t **sub_p)
{
    hub_connect_options_t hub = hub_integ_hub (&config->hub);
    hub_subscriber_t *sub = hub_subscriber_new (&hub);
    if (!sub) {
        fprintf (stderr, "cyclehub: relay: no agency: give --agency or set CYCLEHUB_AGENCY\n");
        return HUB_INTEG_CONFIG;
    }
    for (size_t i = 0; i < config->n_topics; i++)
        hub_subscriber_add_topic (sub, config->topics [i]);
    hub_subscriber_set_commission (sub, config->commission);
    hub_subscriber_set_type (sub, config->type);
    hub_subscriber_set_from (sub, config->from);
    if (hub_subscriber_set_cursor_file (sub, config->cursor_file) != HUB_OK) {
        fprintf (stderr, "cyclehub: relay: %s does not hold a cursor (a seq)\n", config->cursor_file);
        hub_subscriber_destroy (&sub);
        return HUB_INTEG_CONFIG;
    }
    int lib_rc = hub_subscriber_start (sub);
    if (lib_rc != HUB_OK) {
        hub_subscriber_destroy (&sub);
        return hub_integ_fail (lib_rc, NULL, "relay");
    }
    *sub_p = sub;
    return HUB_INTEG_OK;
}

int
hub_relay_run (const hub_relay_config_t *config)
{
    s_relay_t *self = calloc (1, sizeof (s_relay_t));
    if (!self)
        return HUB_INTEG_FAILED;
    char *dead_default = NULL;
    hub_subscriber_t *sub = NULL;
    int rc = s_configure (self, config, false)? HUB_INTEG_CONFIG: HUB_INTEG_OK;
    if (rc == HUB_INTEG_OK && !self->dead_letter) {
        dead_default = zsys_sprintf ("%s.dead", config->cursor_file);
        self->dead_letter = dead_default;
        rc = dead_default? HUB_INTEG_OK: HUB_INTEG_FAILED;
    }
    if (rc == HUB_INTEG_OK && s_curl_setup (self))
        rc = HUB_INTEG_FAILED;
    if (rc == HUB_INTEG_OK)
        rc = s_subscribe (config, &sub);
    if (rc == HUB_INTEG_OK) {
        zsys_info ("relay: started url=%s format=%s cursor=%" PRIu64 " dead_letter=%s", self->url,
                   s_format_name (self->format), hub_subscriber_cursor (sub), self->dead_letter);
        rc = s_run (self, sub, config->cursor_file);
    }
    if (self->curl) {
        curl_easy_cleanup (self->curl);
        curl_global_cleanup ();
    }
    sodium_memzero (self->secret, sizeof self->secret);
    free (dead_default);
    free (self);
    return rc;
}

//  --------------------------------------------------------------------------
//  Replaying dead letters

typedef struct {
    const char *path;               //  the dead-letter file
    int lock;                       //  fd of its current inode, flock'ed
    char **lines;                   //  its lines, in order
    size_t n_lines;
    size_t next;                    //  lines before this index were handled
    zlistx_t *kept;                 //  lines handled but not delivered (char *)
} s_letters_t;

//  Rewrites the file as the letters kept plus those not yet handled:
//  a temporary file, fsync, locked before it is renamed in, so a relay
//  waiting to append finds the new file still locked. Returns 0 or -1.
static int
s_letters_save (s_letters_t *self)
{
    char tmp [PATH_MAX + 8];
    snprintf (tmp, sizeof tmp, "%s.tmp", self->path);
    int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    bool ok = flock (fd, LOCK_EX) == 0;
    for (char *line = zlistx_first (self->kept); ok && line; line = zlistx_next (self->kept))
        ok = write (fd, line, strlen (line)) == (ssize_t) strlen (line) && write (fd, "\n", 1) == 1;
    for (size_t i = self->next; ok && i < self->n_lines; i++)
        ok = write (fd, self->lines [i], strlen (self->lines [i]))
             == (ssize_t) strlen (self->lines [i]) && write (fd, "\n", 1) == 1;
    ok = ok && fsync (fd) == 0 && rename (tmp, self->path) == 0;
    if (!ok) {
        close (fd);
        unlink (tmp);
        return -1;
    }
    close (self->lock);
    self->lock = fd;
    return 0;
}

//  Opens and locks the file and reads its lines. Returns 0 or -1 (said why).
static int
s_letters_load (s_letters_t *self, const char *path)
{
    self->path = path;
    self->kept = zlistx_new ();
    zlistx_set_destructor (self->kept, (zlistx_destructor_fn *) zstr_free);
    self->lock = -1;
    for (int tries = 0; tries < 100 && self->lock < 0; tries++) {
        int fd = open (path, O_RDONLY);
        if (fd < 0)
            break;
        struct stat held, named;
        if (flock (fd, LOCK_EX) == 0 && fstat (fd, &held) == 0 && stat (path, &named) == 0
        &&  held.st_ino == named.st_ino && held.st_dev == named.st_dev)
            self->lock = fd;
        else
            close (fd);
    }
    FILE *file = self->lock >= 0? fdopen (dup (self->lock), "r"): NULL;
    if (!file) {
        fprintf (stderr, "cyclehub: relay: cannot read dead-letter file %s: %s\n", path,
                 strerror (errno));
        return -1;
    }
    char *line = NULL;
    size_t size = 0;
    ssize_t len;
    while ((len = getline (&line, &size, file)) > 0) {
        while (len && (line [len - 1] == '\n' || line [len - 1] == '\r'))
            line [--len] = 0;
        char **grown = len? realloc (self->lines, (self->n_lines + 1) * sizeof (char *)): NULL;
        if (grown) {
            self->lines = grown;
            self->lines [self->n_lines] = strdup (line);
            self->n_lines += self->lines [self->n_lines] != NULL;
        }
    }
    free (line);
    fclose (file);
    return 0;
}

static void
s_letters_destroy (s_letters_t *self)
{
    for (size_t i = 0; i < self->n_lines; i++)
        free (self->lines [i]);
    free (self->lines);
    zlistx_destroy (&self->kept);
    if (self->lock >= 0)
        close (self->lock);
}

//  The letter's event, unpacked (caller frees), or NULL (why in *why)
static Cyclehub__V1__Event *
s_letter_event (json_t *letter, const char **why)
{
    char err [256];
    json_t *event = json_object_get (letter, "event");
    *why = "it holds no event (it could not be encoded when it was dead-lettered)";
    if (!json_is_object (event))
        return NULL;
    *why = "its event is not a cyclehub event";
    return (Cyclehub__V1__Event *) hub_json_to_message (&cyclehub__v1__event__descriptor,
                                                        event, err, sizeof err);
}

//  Sends one letter. Returns its outcome; prints the line that says it.
static s_outcome_t
s_replay_one (s_relay_t *self, json_t *letter, const char *seq_text)
{
    const char *why = NULL;
    Cyclehub__V1__Event *event = s_letter_event (letter, &why);
    char *event_json = event? hub_json_encode (&event->base, 0): NULL;
    char *body = event? s_body (self, event, event_json): NULL;
    s_outcome_t outcome = S_GAVE_UP;
    if (!body)
        printf ("%s kept: %s\n", seq_text, why? why: "it cannot be encoded");
    else {
        const char *type = event->type && *event->type? event->type: "unknown";
        outcome = s_attempts (self, body, type, event->seq);
        if (outcome == S_SENT)
            printf ("%s delivered %ld\n", seq_text, self->status);
        else
        if (outcome == S_REFUSED || outcome == S_MISCONFIGURED)
            printf ("%s refused %ld: %s\n", seq_text, self->status, self->response);
        else
        if (outcome == S_GAVE_UP)
            printf ("%s kept: not delivered after %" PRIu64 " attempts (%s)\n", seq_text,
                    self->max_attempts, *self->errbuf? self->errbuf: "the receiver failed");
        if (outcome == S_MISCONFIGURED)
            s_say_misconfigured (self, event->seq);
    }
    fflush (stdout);
    //  The letter kept says how this replay fared
    if (outcome == S_REFUSED && json_object_set_new (letter, "status",
                                                     json_integer (self->status)) == 0) {
        char now [40] = "";
        hub_time_format ((int64_t) zclock_time (), now, sizeof now);
        json_object_set_new (letter, "response", s_response_string (self));
        json_object_set_new (letter, "time", json_string (now));
    }
    free (body);
    free (event_json);
    if (event)
        cyclehub__v1__event__free_unpacked (event, NULL);
    return outcome;
}

//  Replays every letter in order. Returns an hub_integ_rc_t.
static int
s_replay (s_relay_t *self, s_letters_t *letters)
{
    size_t delivered = 0, total = letters->n_lines;
    int rc = HUB_INTEG_OK;
    while (letters->next < total) {
        json_t *letter = json_loads (letters->lines [letters->next], 0, NULL);
        const char *seq_text = json_string_value (json_object_get (letter, "seq"));
        if (!seq_text) {
            fprintf (stderr, "cyclehub: relay: line %zu of %s is not a dead letter (JSON with "
                     "\"seq\" and \"event\")\n", letters->next + 1, letters->path);
            json_decref (letter);
            return HUB_INTEG_CONFIG;
        }
        char seq [32];
        snprintf (seq, sizeof seq, "%s", seq_text);
        s_outcome_t outcome = s_replay_one (self, letter, seq);
        if (outcome == S_STOPPED || outcome == S_MISCONFIGURED) {
            json_decref (letter);
            rc = outcome == S_STOPPED? HUB_INTEG_OK: HUB_INTEG_RECEIVER;
            break;
        }
        letters->next++;
        if (outcome != S_SENT)
            zlistx_add_end (letters->kept, hub_json_dumps (letter, 0));
        else
            delivered++;
        json_decref (letter);
        //  Saved at once: a letter delivered leaves the file before the next
        if (outcome == S_SENT && s_letters_save (letters)) {
            fprintf (stderr, "cyclehub: relay: cannot rewrite %s: %s (seq %s was delivered)\n",
                     letters->path, strerror (errno), seq);
            return HUB_INTEG_FAILED;
        }
    }
    //  The kept letters' new status, the rest untouched
    if (zlistx_size (letters->kept) && s_letters_save (letters)) {
        fprintf (stderr, "cyclehub: relay: cannot rewrite %s: %s\n", letters->path,
                 strerror (errno));
        return HUB_INTEG_FAILED;
    }
    size_t kept = total - delivered;
    fprintf (stderr, "cyclehub: relay: replayed %zu of %zu dead letters: %zu delivered, %zu "
             "kept in %s\n", letters->next, total, delivered, kept, letters->path);
    return rc != HUB_INTEG_OK? rc: kept? HUB_INTEG_REJECTED: HUB_INTEG_OK;
}

int
hub_relay_replay (const hub_relay_config_t *config, const char *path)
{
    s_relay_t *self = calloc (1, sizeof (s_relay_t));
    if (!self)
        return HUB_INTEG_FAILED;
    s_letters_t letters = { .lock = -1, .lines = NULL };
    int rc = s_configure (self, config, true)? HUB_INTEG_CONFIG: HUB_INTEG_OK;
    self->bounded = true;
    if (rc == HUB_INTEG_OK && s_curl_setup (self))
        rc = HUB_INTEG_FAILED;
    if (rc == HUB_INTEG_OK && s_letters_load (&letters, path))
        rc = HUB_INTEG_FAILED;
    if (rc == HUB_INTEG_OK)
        rc = s_replay (self, &letters);
    s_letters_destroy (&letters);
    if (self->curl) {
        curl_easy_cleanup (self->curl);
        curl_global_cleanup ();
    }
    sodium_memzero (self->secret, sizeof self->secret);
    free (self);
    return rc;
}
