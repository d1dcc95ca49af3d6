/*  End-to-end tests of the broker's security: CURVE identities from the
    agency registry, the access rules, personal data that never reaches a
    non-owner, erasure (also in a backup taken afterwards), the retention
    sweep, key revocation, and the refusal to run without CURVE off loopback.
    A real cyclehubd process, real CURVE sockets on tcp loopback.
*/
#include <czmq.h>
#include "hub_proto.h"
#include "hub_test.h"
#include "hub_proc.h"

#define BUYER    "GB-LAE-E09000033"
#define PARTNER  "GB-NHS-RWE"
#define OBSERVER "GB-CHC-1234567"
#define RIVAL    "GB-LAE-E09000001"         //  another commissioner, its own prefix
#define RESPONDENT "GB-CHC-7654321"         //  a registered agency that is no party
#define OCID     "ocds-h6vhtk-sec001"
#define SECRET_NAME "Ada Resident"
#define SECRET_TEXT "My son waited eight months"
#define DAY_MS   86400000LL

typedef struct {
    char dir [PATH_MAX];            //  temp dir
    char auth [PATH_MAX + 8];       //  auth dir
    zcert_t *broker;
    zcert_t *buyer, *partner, *observer, *stranger, *rival, *respondent;
    const char *retention_days;     //  --retention-max-days, NULL: the default
    hub_broker_proc_t proc;
} s_hub_t;

static void
s_write_registry (s_hub_t *hub, bool with_partner)
{
    char path [PATH_MAX + 32];
    snprintf (path, sizeof path, "%s/agencies.cfg.tmp", hub->auth);
    FILE *file = fopen (path, "w");
    REQUIRE (file);
    fprintf (file, "agency\n"
             "    " BUYER "\n        name = \"Tower Hamlets Council\"\n"
             "        roles = \"commissioner\"\n        ocid-prefixes = \"ocds-h6vhtk\"\n"
             "        cert = \"agencies/buyer.cert\"\n"
             "    " OBSERVER "\n        name = \"A charity\"\n"
             "        roles = \"observer\"\n        cert = \"agencies/observer.cert\"\n"
             "    " RIVAL "\n        name = \"Another council\"\n"
             "        roles = \"commissioner\"\n        ocid-prefixes = \"ocds-abc123\"\n"
             "        cert = \"agencies/rival.cert\"\n"
             "    " RESPONDENT "\n        name = \"A residents' group\"\n"
             "        roles = \"partner\"\n        cert = \"agencies/respondent.cert\"\n");
    if (with_partner)
        fprintf (file, "    " PARTNER "\n        name = \"Royal London\"\n"
                 "        roles = \"partner\"\n        cert = \"agencies/partner.cert\"\n");
    fclose (file);
    char final [PATH_MAX + 32];
    snprintf (final, sizeof final, "%s/agencies.cfg", hub->auth);
    REQUIRE (rename (path, final) == 0);
}

static void
s_hub_setup (s_hub_t *hub)
{
    char *dir = hub_test_tmpdir ("security");
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
    zcert_t **certs [] = { &hub->buyer, &hub->partner, &hub->observer, &hub->stranger,
                           &hub->rival, &hub->respondent };
    const char *names [] = { "buyer", "partner", "observer", "stranger", "rival", "respondent" };
    for (int i = 0; i < 6; i++) {
        *certs [i] = zcert_new ();
        snprintf (path, sizeof path, "%s/agencies/%s.cert", hub->auth, names [i]);
        REQUIRE (zcert_save_public (*certs [i], path) == 0);
    }
    s_write_registry (hub, true);
    snprintf (hub->proc.dir, sizeof hub->proc.dir, "%s", hub->dir);
    snprintf (hub->proc.store, sizeof hub->proc.store, "%s/store", hub->dir);
    snprintf (hub->proc.endpoints, sizeof hub->proc.endpoints, "%s/endpoints", hub->dir);
    snprintf (hub->proc.log, sizeof hub->proc.log, "%s/broker.log", hub->dir);
}

static int
s_hub_start (s_hub_t *hub)
{
    char bin [PATH_MAX];
    hub_proc_bin (bin, sizeof bin, "broker/cyclehubd");
    char *argv [] = { bin, "--auth", hub->auth, "--store", hub->proc.store,
                      "--api", "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*",
                      "--endpoints-file", hub->proc.endpoints, "--sweep-interval", "100",
                      hub->retention_days? "--retention-max-days": NULL,
                      (char *) hub->retention_days, NULL };
    unlink (hub->proc.endpoints);
    //  The broker logs on stdout: keep it, a test reads it
    char err [PATH_MAX + 48];
    snprintf (err, sizeof err, "%s.stderr", hub->proc.log);
    hub->proc.pid = hub_proc_spawn (argv, NULL, hub->proc.log, err);
    if (hub->proc.pid < 0)
        return -1;
    for (int i = 0; i < 1000; i++) {
        char *text = hub_proc_slurp (hub->proc.endpoints);
        int n = text? sscanf (text, "%255s %255s", hub->proc.api, hub->proc.events): 0;
        free (text);
        if (n == 2)
            return 0;
        if (hub_proc_wait (hub->proc.pid, 0) != -1)
            return -1;
        hub_proc_sleep_ms (10);
    }
    return -1;
}

static void
s_hub_teardown (s_hub_t *hub)
{
    hub_broker_cleanup (&hub->proc);
    zcert_destroy (&hub->broker);
    zcert_destroy (&hub->buyer);
    zcert_destroy (&hub->partner);
    zcert_destroy (&hub->observer);
    zcert_destroy (&hub->stranger);
    zcert_destroy (&hub->rival);
    zcert_destroy (&hub->respondent);
}

//  A CURVE socket with the agency's certificate (cert NULL: no CURVE at all).
static zsock_t *
s_socket (s_hub_t *hub, int type, zcert_t *cert, const char *endpoint)
{
    zsock_t *sock = zsock_new (type);
    if (cert) {
        zcert_apply (cert, sock);
        zsock_set_curve_serverkey (sock, zcert_public_txt (hub->broker));
    }
    zsock_set_rcvtimeo (sock, 3000);
    zsock_set_linger (sock, 0);
    if (type == ZMQ_SUB) {
        zsock_set_subscribe (sock, "");
        zsock_set_rcvhwm (sock, 0);
    }
    zsock_connect (sock, "%s", endpoint);
    return sock;
}

static uint64_t s_request_id = 0;

//  Sends request, returns the reply (NULL on timeout); caller frees.
static Cyclehub__V1__Reply *
s_call (zsock_t *client, Cyclehub__V1__Request *request)
{
    request->request_id = ++s_request_id;
    size_t size = cyclehub__v1__request__get_packed_size (request);
    zframe_t *frame = zframe_new (NULL, size);
    cyclehub__v1__request__pack (request, zframe_data (frame));
    zframe_send (&frame, client, 0);
    frame = zframe_recv (client);
    if (!frame)
        return NULL;
    Cyclehub__V1__Reply *reply = cyclehub__v1__reply__unpack (NULL, zframe_size (frame), zframe_data (frame));
    zframe_destroy (&frame);
    return reply;
}

//  Publishes; returns the seq, or 0 with *code = reject code (-1: no reply).
static uint64_t
s_publish (zsock_t *client, Cyclehub__V1__Envelope *env, int *code)
{
    static int counter = 0;
    char msg_id [32];
    if (!env->msg_id || !*env->msg_id) {
        snprintf (msg_id, sizeof msg_id, "s-%d", ++counter);
        env->msg_id = msg_id;
    }
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH;
    request.publish = env;
    Cyclehub__V1__Reply *reply = s_call (client, &request);
    uint64_t seq = 0;
    *code = -1;
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK) {
        seq = reply->ack->seq;
        *code = reply->ack->duplicate? 100: 0;
    }
    else
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT)
        *code = reply->reject->code;
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    if (env->msg_id == msg_id)
        env->msg_id = NULL;
    return seq;
}

static uint64_t
s_respond (zsock_t *client, const char *response_id, int64_t retention_ms, int *code)
{
    Cyclehub__V1__PersonalData personal = CYCLEHUB__V1__PERSONAL_DATA__INIT;
    char *free_text [] = { SECRET_TEXT };
    personal.full_name = SECRET_NAME;
    personal.email = "ada@example.org";
    personal.free_text = free_text;
    personal.n_free_text = 1;
    Cyclehub__V1__ResponseSubmitted response = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
    response.consultation_id = "c-1";
    response.response_id = (char *) response_id;
    response.respondent_type = CYCLEHUB__V1__RESPONDENT_TYPE__RESPONDENT_TYPE_RESIDENT;
    response.retention_until_ms = retention_ms;
    response.personal = &personal;
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.commission_id = OCID;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED;
    env.response_submitted = &response;
    return s_publish (client, &env, code);
}

//  Reads the whole history as `client`; returns the concatenated raw event
//  bytes (malloc'd) and the number of events in *count.
static uint8_t *
s_history_raw (zsock_t *client, size_t *size, int *count)
{
    uint8_t *all = NULL;
    *size = 0;
    *count = 0;
    uint64_t from = 1;
    while (true) {
        Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
        query.from_seq = from;
        Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
        request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
        request.history = &query;
        Cyclehub__V1__Reply *reply = s_call (client, &request);
        if (!reply || reply->body_case != CYCLEHUB__V1__REPLY__BODY_PAGE) {
            if (reply)
                cyclehub__v1__reply__free_unpacked (reply, NULL);
            break;
        }
        for (size_t i = 0; i < reply->page->n_events; i++) {
            all = realloc (all, *size + reply->page->events [i].len);
            memcpy (all + *size, reply->page->events [i].data, reply->page->events [i].len);
            *size += reply->page->events [i].len;
            (*count)++;
        }
        bool end = reply->page->end;
        bool progress = reply->page->next_seq > from;
        from = reply->page->next_seq;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        //  A page that does not move on is a failure, not a loop forever
        CHECK_MSG (end || progress, "history page from %" PRIu64 " did not move on", from);
        if (end || !progress)
            break;
    }
    return all;
}

static bool
s_contains (const uint8_t *data, size_t size, const char *text)
{
    return data && memmem (data, size, text, strlen (text)) != NULL;
}

//  Does the file hold text anywhere in its raw bytes?
static bool
s_file_contains (const char *path, const char *text)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return false;
    size_t capacity = 1 << 20, size = 0;
    uint8_t *data = malloc (capacity);
    size_t n;
    while ((n = fread (data + size, 1, capacity - size, file)) > 0) {
        size += n;
        if (size == capacity)
            data = realloc (data, capacity *= 2);
    }
    fclose (file);
    bool found = s_contains (data, size, text);
    free (data);
    return found;
}

static int
s_backup (s_hub_t *hub, const char *name, char *data_path, size_t size)
{
    char dest [PATH_MAX + 32], bin [PATH_MAX];
    snprintf (dest, sizeof dest, "%s/%s", hub->dir, name);
    hub_proc_bin (bin, sizeof bin, "broker/cyclehubd");
    char *argv [] = { bin, "--store", hub->proc.store, "--backup", dest, NULL };
    hub_run_t run;
    hub_run_argv (&run, argv, NULL, 30000);
    int status = run.status;
    hub_run_free (&run);
    snprintf (data_path, size, "%s/data.mdb", dest);
    return status;
}

static void
test_refusals (void)
{
    char bin [PATH_MAX];
    hub_proc_bin (bin, sizeof bin, "broker/cyclehubd");
    char *tmp = hub_test_tmpdir ("refuse");
    char store [PATH_MAX + 16];
    snprintf (store, sizeof store, "%s/store", tmp);
    //  No CURVE on a public address: refused, with a reason
    char *argv1 [] = { bin, "--plain", "--store", store, "--api", "tcp://0.0.0.0:*",
                       "--events", "tcp://127.0.0.1:*", NULL };
    hub_run_t run;
    hub_run_argv (&run, argv1, NULL, 10000);
    CHECK (run.status == 1);
    CHECK (run.err && strstr (run.err, "without CURVE"));
    hub_run_free (&run);
    //  Neither --auth nor --plain: refused
    char *argv2 [] = { bin, "--store", store, NULL };
    hub_run_argv (&run, argv2, NULL, 10000);
    CHECK (run.status == 1);
    CHECK (run.err && strstr (run.err, "--plain"));
    hub_run_free (&run);
    //  An auth dir without a registry: refused
    char *argv3 [] = { bin, "--auth", tmp, "--store", store, NULL };
    hub_run_argv (&run, argv3, NULL, 10000);
    CHECK (run.status == 1);
    CHECK (run.err && strstr (run.err, "agencies.cfg"));
    hub_run_free (&run);
    hub_test_rmtree (tmp);
    free (tmp);
}

static void
test_curve (void)
{
    s_hub_t hub = { 0 };
    s_hub_setup (&hub);
    REQUIRE (s_hub_start (&hub) == 0);
    zsock_t *buyer = s_socket (&hub, ZMQ_DEALER, hub.buyer, hub.proc.api);
    zsock_t *partner = s_socket (&hub, ZMQ_DEALER, hub.partner, hub.proc.api);
    zsock_t *observer = s_socket (&hub, ZMQ_DEALER, hub.observer, hub.proc.api);
    zsock_t *observer_sub = s_socket (&hub, ZMQ_SUB, hub.observer, hub.proc.events);
    zsock_t *buyer_sub = s_socket (&hub, ZMQ_SUB, hub.buyer, hub.proc.events);
    zsock_t *stranger_sub = s_socket (&hub, ZMQ_SUB, hub.stranger, hub.proc.events);
    zclock_sleep (300);
    int code;

    //  The buyer opens a commission with the partner listed
    Cyclehub__V1__CommissionOpened opened = CYCLEHUB__V1__COMMISSION_OPENED__INIT;
    char *partners [] = { PARTNER };
    opened.title = "Mental health support";
    opened.buyer = BUYER;
    opened.partners = partners;
    opened.n_partners = 1;
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.commission_id = OCID;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED;
    env.commission_opened = &opened;
    CHECK (s_publish (buyer, &env, &code) == 1);

    //  Nobody else may open a commission in the buyer's name
    opened.buyer = PARTNER;
    env.commission_id = "ocds-h6vhtk-sec002";
    CHECK (s_publish (partner, &env, &code) == 0 && code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED);

    //  An unknown key and no key at all are refused at the handshake: no reply
    zsock_t *stranger = s_socket (&hub, ZMQ_DEALER, hub.stranger, hub.proc.api);
    zsock_set_rcvtimeo (stranger, 700);
    env.commission_id = "ocds-h6vhtk-sec003";
    opened.buyer = BUYER;
    CHECK (s_publish (stranger, &env, &code) == 0 && code == -1);
    zsock_destroy (&stranger);
    zsock_t *anonymous = s_socket (&hub, ZMQ_DEALER, NULL, hub.proc.api);
    zsock_set_rcvtimeo (anonymous, 700);
    CHECK (s_publish (anonymous, &env, &code) == 0 && code == -1);
    zsock_destroy (&anonymous);

    //  Access: a partner may post a partner update, not assess needs
    Cyclehub__V1__PartnerUpdatePosted update = CYCLEHUB__V1__PARTNER_UPDATE_POSTED__INIT;
    update.title = "Capacity update";
    update.body = "Two more clinicians from January";
    env = (Cyclehub__V1__Envelope) CYCLEHUB__V1__ENVELOPE__INIT;
    env.commission_id = OCID;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &update;
    CHECK (s_publish (partner, &env, &code) == 2);
    CHECK (s_publish (observer, &env, &code) == 0 && code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED);
    Cyclehub__V1__NeedsAssessed needs = CYCLEHUB__V1__NEEDS_ASSESSED__INIT;
    needs.population = "Adults";
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_NEEDS_ASSESSED;
    env.needs_assessed = &needs;
    CHECK (s_publish (partner, &env, &code) == 0 && code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED);

    //  A consultation; any registered agency that publishes may respond
    //  while it is open (an observer only reads)
    Cyclehub__V1__ConsultationOpened consultation = CYCLEHUB__V1__CONSULTATION_OPENED__INIT;
    consultation.consultation_id = "c-1";
    consultation.title = "Have your say";
    consultation.opens_at_ms = zclock_time () - DAY_MS;
    consultation.closes_at_ms = zclock_time () + 30 * DAY_MS;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_OPENED;
    env.consultation_opened = &consultation;
    CHECK (s_publish (buyer, &env, &code) == 3);
    int64_t keep = zclock_time () + 365 * DAY_MS;
    CHECK (s_respond (observer, "r-1", keep, &code) == 0
        && code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED);
    CHECK (s_respond (buyer, "r-1", keep, &code) == 4);
    CHECK (s_respond (partner, "r-2", keep, &code) == 5);

    //  The stream never carries personal data, to the owner either
    int events = 0;
    bool leaked = false;
    while (events < 5) {
        zmsg_t *msg = zmsg_recv (observer_sub);
        if (!msg)
            break;
        char *topic = zmsg_popstr (msg);
        zframe_t *body = zmsg_pop (msg);
        if (!streq (topic, "$heartbeat")) {
            events++;
            leaked |= s_contains (zframe_data (body), zframe_size (body), SECRET_NAME)
                   || s_contains (zframe_data (body), zframe_size (body), SECRET_TEXT);
        }
        zstr_free (&topic);
        zframe_destroy (&body);
        zmsg_destroy (&msg);
    }
    CHECK (events == 5);
    CHECK (!leaked);
    zmsg_t *own = NULL;
    for (int i = 0; i < 10; i++) {
        own = zmsg_recv (buyer_sub);
        if (!own)
            break;
        zframe_t *topic = zmsg_first (own);
        if (zframe_streq (topic, "analyse/" OCID "/consultation.response"))
            break;
        zmsg_destroy (&own);
    }
    REQUIRE (own);
    zframe_t *body = zmsg_last (own);
    CHECK (!s_contains (zframe_data (body), zframe_size (body), SECRET_NAME));
    zmsg_destroy (&own);
    //  An unregistered key never gets the stream
    zsock_set_rcvtimeo (stranger_sub, 300);
    zmsg_t *nothing = zmsg_recv (stranger_sub);
    CHECK (nothing == NULL);
    zmsg_destroy (&nothing);

    //  History: the owner reads the personal data, others the redacted form
    size_t size;
    int count;
    uint8_t *seen = s_history_raw (buyer, &size, &count);
    CHECK (count == 5);
    CHECK (s_contains (seen, size, SECRET_NAME) && s_contains (seen, size, SECRET_TEXT));
    free (seen);
    seen = s_history_raw (partner, &size, &count);
    CHECK (count == 5);
    CHECK (!s_contains (seen, size, SECRET_NAME) && !s_contains (seen, size, SECRET_TEXT));
    free (seen);

    //  A backup before any erasure holds the data (so the search below works)
    char before [PATH_MAX + 64], after [PATH_MAX + 64];
    CHECK (s_backup (&hub, "backup-before", before, sizeof before) == 0);
    CHECK (s_file_contains (before, SECRET_NAME));

    //  Erasure: only the owner, idempotent, audited
    Cyclehub__V1__EraseRequest erase = CYCLEHUB__V1__ERASE_REQUEST__INIT;
    erase.commission_id = OCID;
    erase.consultation_id = "c-1";
    erase.response_id = "r-1";
    erase.reason = "Subject access: erasure requested by the respondent";
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_ERASE;
    request.erase = &erase;
    Cyclehub__V1__Reply *reply = s_call (partner, &request);
    CHECK (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT
        && reply->reject->code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    //  The same erasure twice without waiting: the second, checked while
    //  the first is in its batch or being committed, is its duplicate
    request.request_id = ++s_request_id;
    for (int i = 0; i < 2; i++) {
        zframe_t *frame = zframe_new (NULL, cyclehub__v1__request__get_packed_size (&request));
        cyclehub__v1__request__pack (&request, zframe_data (frame));
        zframe_send (&frame, buyer, 0);
    }
    Cyclehub__V1__Reply *pipelined [2];
    for (int i = 0; i < 2; i++) {
        zframe_t *frame = zframe_recv (buyer);
        REQUIRE (frame);
        pipelined [i] = cyclehub__v1__reply__unpack (NULL, zframe_size (frame), zframe_data (frame));
        zframe_destroy (&frame);
        REQUIRE (pipelined [i] && pipelined [i]->body_case == CYCLEHUB__V1__REPLY__BODY_ACK);
    }
    uint64_t audit_seq = pipelined [0]->ack->seq;
    CHECK (audit_seq == 6 && !pipelined [0]->ack->duplicate);
    CHECK (pipelined [1]->ack->seq == audit_seq && pipelined [1]->ack->duplicate);
    for (int i = 0; i < 2; i++)
        cyclehub__v1__reply__free_unpacked (pipelined [i], NULL);
    //  And again once it is stored
    reply = s_call (buyer, &request);
    CHECK (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK
        && reply->ack->seq == audit_seq && reply->ack->duplicate);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    erase.response_id = "r-404";
    reply = s_call (buyer, &request);
    CHECK (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT
        && reply->reject->code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INVALID_VALUE);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    //  The domain's rules (hub_erasure) answer a request without a reason
    erase.response_id = "r-1";
    erase.reason = "";
    reply = s_call (buyer, &request);
    CHECK (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT
        && reply->reject->code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_MISSING_FIELD
        && streq (reply->reject->field, "erase.reason"));
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    //  The audit event is published
    bool audited = false;
    for (int i = 0; i < 10 && !audited; i++) {
        zmsg_t *msg = zmsg_recv (observer_sub);
        if (!msg)
            break;
        audited = zframe_streq (zmsg_first (msg), "analyse/" OCID "/erasure.recorded");
        zmsg_destroy (&msg);
    }
    CHECK (audited);
    //  Afterwards no query returns r-1's data, even to the owner; r-2 is kept
    seen = s_history_raw (buyer, &size, &count);
    CHECK (count == 6);
    Cyclehub__V1__Event *last = NULL;
    {
        //  r-1 (seq 4) redacted, r-2 (seq 5) intact for the owner
        Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
        query.from_seq = 4;
        query.limit = 3;
        request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
        request.history = &query;
        reply = s_call (buyer, &request);
        REQUIRE (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_PAGE && reply->page->n_events == 3);
        Cyclehub__V1__Event *r1 = cyclehub__v1__event__unpack (NULL, reply->page->events [0].len, reply->page->events [0].data);
        Cyclehub__V1__Event *r2 = cyclehub__v1__event__unpack (NULL, reply->page->events [1].len, reply->page->events [1].data);
        last = cyclehub__v1__event__unpack (NULL, reply->page->events [2].len, reply->page->events [2].data);
        REQUIRE (r1 && r2 && last);
        CHECK (r1->envelope->response_submitted->personal->redacted);
        CHECK (*r1->envelope->response_submitted->personal->full_name == 0);
        CHECK (streq (r1->envelope->response_submitted->response_id, "r-1"));
        CHECK (streq (r2->envelope->response_submitted->personal->full_name, SECRET_NAME));
        CHECK (streq (last->type, "erasure.recorded"));
        CHECK (last->envelope->erasure_recorded->target_seq == 4);
        CHECK (streq (last->envelope->erasure_recorded->requested_by, BUYER));
        CHECK (streq (last->sender, BUYER));
        cyclehub__v1__event__free_unpacked (r1, NULL);
        cyclehub__v1__event__free_unpacked (r2, NULL);
        cyclehub__v1__event__free_unpacked (last, NULL);
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    }
    free (seen);

    //  Retention: a response kept until a moment ago is erased by the sweep
    CHECK (s_respond (partner, "r-3", zclock_time () - 1000, &code) == 7);
    bool swept = false;
    for (int i = 0; i < 50 && !swept; i++) {
        zclock_sleep (100);
        seen = s_history_raw (buyer, &size, &count);
        swept = count == 8;
        if (swept) {
            Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
            query.from_seq = 7;
            request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
            request.history = &query;
            reply = s_call (buyer, &request);
            REQUIRE (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_PAGE && reply->page->n_events == 2);
            Cyclehub__V1__Event *r3 = cyclehub__v1__event__unpack (NULL, reply->page->events [0].len, reply->page->events [0].data);
            Cyclehub__V1__Event *audit = cyclehub__v1__event__unpack (NULL, reply->page->events [1].len, reply->page->events [1].data);
            CHECK (r3 && r3->envelope->response_submitted->personal->redacted);
            CHECK (audit && streq (audit->envelope->erasure_recorded->requested_by, "retention"));
            CHECK (audit && audit->envelope->erasure_recorded->target_seq == 7);
            if (r3)
                cyclehub__v1__event__free_unpacked (r3, NULL);
            if (audit)
                cyclehub__v1__event__free_unpacked (audit, NULL);
            cyclehub__v1__reply__free_unpacked (reply, NULL);
        }
        free (seen);
    }
    CHECK (swept);
    //  r-2 is still within its retention date: untouched
    seen = s_history_raw (buyer, &size, &count);
    CHECK (s_contains (seen, size, SECRET_NAME));
    free (seen);

    //  A backup taken after the erasure holds none of r-1's data
    CHECK (s_backup (&hub, "backup-after", after, sizeof after) == 0);
    CHECK (s_file_contains (after, "ada@example.org"));     //  r-2 still there
    //  r-1 and r-3 carried the same strings as r-2, so count the copies
    {
        FILE *file = fopen (after, "rb");
        REQUIRE (file);
        fseek (file, 0, SEEK_END);
        long length = ftell (file);
        fseek (file, 0, SEEK_SET);
        uint8_t *data = malloc ((size_t) length);
        REQUIRE (fread (data, 1, (size_t) length, file) == (size_t) length);
        fclose (file);
        int copies = 0;
        for (uint8_t *at = data; (at = memmem (at, (size_t) (data + length - at), SECRET_NAME, strlen (SECRET_NAME))); at++)
            copies++;
        CHECK_MSG (copies == 1, "%d copies of the name in the backup, want 1 (r-2 only)", copies);
        free (data);
    }

    //  Revocation: the partner's key is removed from the registry; its open
    //  connection is refused from the next request on, and so is a new one
    zclock_sleep (1100);            //  a new mtime second for the registry file
    s_write_registry (&hub, false);
    zclock_sleep (2500);            //  the broker rereads it within a second or two
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &update;
    CHECK (s_publish (partner, &env, &code) == 0 && code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED);
    zsock_t *again = s_socket (&hub, ZMQ_DEALER, hub.partner, hub.proc.api);
    zsock_set_rcvtimeo (again, 700);
    CHECK (s_publish (again, &env, &code) == 0 && code == -1);
    zsock_destroy (&again);
    //  The buyer is unaffected
    CHECK (s_publish (buyer, &env, &code) > 0);

    //  A registry that no longer loads (an unknown role) is refused and the
    //  last good one stays in force: the buyer keeps publishing, and a new
    //  connection with its key is still admitted
    zclock_sleep (1100);
    char path [PATH_MAX + 32], tmp_path [PATH_MAX + 32];
    snprintf (path, sizeof path, "%s/agencies.cfg", hub.auth);
    snprintf (tmp_path, sizeof tmp_path, "%s/agencies.cfg.tmp", hub.auth);
    FILE *broken = fopen (tmp_path, "w");
    REQUIRE (broken);
    fprintf (broken, "agency\n    " BUYER "\n        roles = \"emperor\"\n"
             "        cert = \"agencies/buyer.cert\"\n");
    fclose (broken);
    REQUIRE (rename (tmp_path, path) == 0);
    zclock_sleep (2500);
    CHECK (s_publish (buyer, &env, &code) > 0);
    zsock_t *fresh = s_socket (&hub, ZMQ_DEALER, hub.buyer, hub.proc.api);
    CHECK (s_publish (fresh, &env, &code) > 0);
    zsock_destroy (&fresh);
    char *log = hub_proc_slurp (hub.proc.log);
    CHECK (log && strstr (log, "reload failed, keeping the last good registry"));
    free (log);

    zsock_destroy (&stranger_sub);
    zsock_destroy (&buyer_sub);
    zsock_destroy (&observer_sub);
    zsock_destroy (&observer);
    zsock_destroy (&partner);
    zsock_destroy (&buyer);
    CHECK (hub_broker_stop (&hub.proc) == 0);
    s_hub_teardown (&hub);
}


//  Publishes env and returns the reply (NULL on timeout); the caller frees.
static Cyclehub__V1__Reply *
s_publish_reply (zsock_t *client, Cyclehub__V1__Envelope *env)
{
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH;
    request.publish = env;
    return s_call (client, &request);
}

static bool
s_rejected (Cyclehub__V1__Reply *reply, Cyclehub__V1__RejectCode code, const char *field,
            const char *words)
{
    bool ok = reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT
           && reply->reject->code == code && streq (reply->reject->field, field)
           && strstr (reply->reject->reason, words);
    //  (reject and ack share a union: look at the case first)
    bool reject = reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT;
    if (!ok)
        fprintf (stderr, "reply: %s %s: %s\n",
                 reject? hub_proto_reject_name (reply->reject->code): "(not a reject)",
                 reject? reply->reject->field: "", reject? reply->reject->reason: "");
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    return ok;
}

//  A consultation response of `commission`'s c-1, packed as a publish
//  request; retention a year on
static zframe_t *
s_response_frame (const char *commission, const char *msg_id, const char *response_id,
                  int64_t retention_ms)
{
    Cyclehub__V1__ResponseSubmitted response = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
    response.consultation_id = "c-1";
    response.response_id = (char *) response_id;
    response.respondent_type = CYCLEHUB__V1__RESPONDENT_TYPE__RESPONDENT_TYPE_RESIDENT;
    response.retention_until_ms = retention_ms? retention_ms: zclock_time () + 365 * DAY_MS;
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = (char *) msg_id;
    env.commission_id = (char *) commission;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED;
    env.response_submitted = &response;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.request_id = ++s_request_id;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH;
    request.publish = &env;
    zframe_t *frame = zframe_new (NULL, cyclehub__v1__request__get_packed_size (&request));
    cyclehub__v1__request__pack (&request, zframe_data (frame));
    return frame;
}

static Cyclehub__V1__Reply *
s_respond_to (zsock_t *client, const char *commission, const char *msg_id,
              const char *response_id, int64_t retention_ms)
{
    zframe_t *frame = s_response_frame (commission, msg_id, response_id, retention_ms);
    zframe_send (&frame, client, 0);
    frame = zframe_recv (client);
    if (!frame)
        return NULL;
    Cyclehub__V1__Reply *reply = cyclehub__v1__reply__unpack (NULL, zframe_size (frame), zframe_data (frame));
    zframe_destroy (&frame);
    return reply;
}

static bool
s_acked (Cyclehub__V1__Reply *reply)
{
    bool ok = reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK && !reply->ack->duplicate;
    if (!ok && reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT)
        fprintf (stderr, "refused: %s %s\n", hub_proto_reject_name (reply->reject->code),
                 reply->reject->reason);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    return ok;
}

//  The access table's holes of issue 17, against a CURVE broker: an ocid
//  under another publisher's prefix, an observer's response, one agency
//  flooding a consultation and squatting response ids, a retention date
//  in 2199; the per-agency state survives a restart
static void
test_access_curve (void)
{
    s_hub_t hub = { 0 };
    s_hub_setup (&hub);
    REQUIRE (s_hub_start (&hub) == 0);
    zsock_t *buyer = s_socket (&hub, ZMQ_DEALER, hub.buyer, hub.proc.api);
    zsock_t *rival = s_socket (&hub, ZMQ_DEALER, hub.rival, hub.proc.api);
    zsock_t *partner = s_socket (&hub, ZMQ_DEALER, hub.partner, hub.proc.api);
    zsock_t *observer = s_socket (&hub, ZMQ_DEALER, hub.observer, hub.proc.api);
    zsock_t *respondent = s_socket (&hub, ZMQ_DEALER, hub.respondent, hub.proc.api);
    const char *ocid = "ocds-h6vhtk-acc001";

    //  The buyer's commission, with the partner listed
    Cyclehub__V1__CommissionOpened opened = CYCLEHUB__V1__COMMISSION_OPENED__INIT;
    char *partners [] = { PARTNER };
    opened.title = "Carers' breaks";
    opened.buyer = BUYER;
    opened.partners = partners;
    opened.n_partners = 1;
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = "open-1";
    env.commission_id = (char *) ocid;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED;
    env.commission_opened = &opened;
    CHECK (s_acked (s_publish_reply (buyer, &env)));

    //  A commissioner may not claim an ocid under another publisher's prefix
    //  (the next one the buyer will use) ...
    opened.buyer = RIVAL;
    opened.n_partners = 0;
    env.msg_id = "squat-1";
    env.commission_id = "ocds-h6vhtk-acc009";
    CHECK (s_rejected (s_publish_reply (rival, &env), CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED,
                       "commission_id", "ocid prefix ocds-h6vhtk is not registered to " RIVAL));
    //  ... so the real owner still opens it, and the rival opens its own
    opened.buyer = BUYER;
    env.msg_id = "open-9";
    CHECK (s_acked (s_publish_reply (buyer, &env)));
    opened.buyer = RIVAL;
    env.msg_id = "rival-1";
    env.commission_id = "ocds-abc123-acc001";
    CHECK (s_acked (s_publish_reply (rival, &env)));
    //  The reason tells where a prefix is registered
    env.commission_id = "ocds-zzz999-acc001";
    env.msg_id = "squat-2";
    CHECK (s_rejected (s_publish_reply (rival, &env), CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED,
                       "commission_id", "agencies.cfg, ocid-prefixes"));

    Cyclehub__V1__ConsultationOpened consultation = CYCLEHUB__V1__CONSULTATION_OPENED__INIT;
    consultation.consultation_id = "c-1";
    consultation.title = "Have your say";
    consultation.opens_at_ms = zclock_time () - DAY_MS;
    consultation.closes_at_ms = zclock_time () + 30 * DAY_MS;
    env = (Cyclehub__V1__Envelope) CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = "consult-1";
    env.commission_id = (char *) ocid;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_OPENED;
    env.consultation_opened = &consultation;
    CHECK (s_acked (s_publish_reply (buyer, &env)));

    //  An observer only reads: its response is refused
    CHECK (s_rejected (s_respond_to (observer, ocid, "obs-1", "r-1", 0),
                       CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED, "", "observers only read"));

    //  A non-party sends 1,000 junk responses as fast as it can ...
    int64_t started = zclock_mono ();
    char msg_id [32], response_id [32];
    for (int i = 0; i < 1000; i++) {
        snprintf (msg_id, sizeof msg_id, "junk-%d", i);
        snprintf (response_id, sizeof response_id, "r-%d", i);
        zframe_t *frame = s_response_frame (ocid, msg_id, response_id, 0);
        zframe_send (&frame, respondent, 0);
    }
    int acked = 0;
    for (int i = 0; i < 1000; i++) {
        zframe_t *frame = zframe_recv (respondent);
        if (!frame)
            break;
        Cyclehub__V1__Reply *reply = cyclehub__v1__reply__unpack (NULL, zframe_size (frame), zframe_data (frame));
        zframe_destroy (&frame);
        acked += s_acked (reply);
    }
    CHECK_MSG (acked == 1000, "%d of 1000 acked", acked);
    printf ("access: 1000 responses from one agency acked in %" PRId64 " ms\n", zclock_mono () - started);
    //  ... which fills its own quota
    CHECK (s_rejected (s_respond_to (respondent, ocid, "junk-1000", "r-1000", 0),
                       CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_TOO_LARGE, "response_submitted.response_id",
                       RESPONDENT " already sent 1000 responses to consultation c-1"));
    //  ... not the consultation, and squats no one else's ids: the genuine
    //  responses get in, under the ids their senders chose
    CHECK (s_acked (s_respond_to (partner, ocid, "genuine-1", "r-1", 0)));
    CHECK (s_acked (s_respond_to (buyer, ocid, "genuine-2", "r-1", 0)));
    //  An agency's own id is still its own once
    CHECK (s_rejected (s_respond_to (partner, ocid, "genuine-3", "r-1", 0),
                       CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INVALID_VALUE, "response_submitted.response_id",
                       "response r-1 already exists in consultation c-1"));

    //  A retention date in 2199 is refused, naming the latest date accepted
    CHECK (s_rejected (s_respond_to (partner, ocid, "far-1", "r-2199", INT64_C (7226582400000)),
                       CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INVALID_VALUE,
                       "response_submitted.retention_until_ms",
                       "2199-01-01T00:00:00.000Z is too far ahead"));
    CHECK (s_acked (s_respond_to (partner, ocid, "near-1", "r-near", zclock_time () + 2000 * DAY_MS)));

    //  After a restart (the state read back from the store), the same; and
    //  the operator's own retention limit applies
    zsock_destroy (&respondent);
    zsock_destroy (&observer);
    zsock_destroy (&partner);
    zsock_destroy (&rival);
    zsock_destroy (&buyer);
    CHECK (hub_broker_stop (&hub.proc) == 0);
    hub.retention_days = "30";
    REQUIRE (s_hub_start (&hub) == 0);
    respondent = s_socket (&hub, ZMQ_DEALER, hub.respondent, hub.proc.api);
    partner = s_socket (&hub, ZMQ_DEALER, hub.partner, hub.proc.api);
    rival = s_socket (&hub, ZMQ_DEALER, hub.rival, hub.proc.api);
    CHECK (s_rejected (s_respond_to (respondent, ocid, "junk-1001", "r-1001", zclock_time () + 10 * DAY_MS),
                       CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_TOO_LARGE, "response_submitted.response_id",
                       "already sent 1000 responses"));
    CHECK (s_rejected (s_respond_to (partner, ocid, "genuine-4", "r-1", zclock_time () + 10 * DAY_MS),
                       CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INVALID_VALUE, "response_submitted.response_id",
                       "already exists"));
    CHECK (s_rejected (s_respond_to (partner, ocid, "month-1", "r-month", zclock_time () + 31 * DAY_MS),
                       CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INVALID_VALUE,
                       "response_submitted.retention_until_ms", "at most 30 days"));
    CHECK (s_acked (s_respond_to (partner, ocid, "month-2", "r-month", zclock_time () + 29 * DAY_MS)));
    opened.buyer = RIVAL;
    env = (Cyclehub__V1__Envelope) CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = "squat-3";
    env.commission_id = "ocds-h6vhtk-acc002";
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED;
    env.commission_opened = &opened;
    CHECK (s_rejected (s_publish_reply (rival, &env), CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED,
                       "commission_id", "ocds-h6vhtk"));
    zsock_destroy (&rival);
    zsock_destroy (&partner);
    zsock_destroy (&respondent);
    CHECK (hub_broker_stop (&hub.proc) == 0);
    s_hub_teardown (&hub);
}

//  The CLI over CURVE: keys made with `cyclehub keys new`, the broker on an
//  auth dir built from them, publishing and erasing with --cert/--server-key-file
static void
s_cli (hub_run_t *run, const char *cert, const char *server_key, const char *api,
       const char *events, ...)
{
    char bin [PATH_MAX];
    hub_proc_bin (bin, sizeof bin, "clients/cyclehub");
    char *argv [32] = { bin, "--api", (char *) api, "--events", (char *) events };
    int argc = 5;
    if (cert) {
        argv [argc++] = "--cert";
        argv [argc++] = (char *) cert;
        argv [argc++] = "--server-key-file";
        argv [argc++] = (char *) server_key;
    }
    va_list args;
    va_start (args, events);
    char *arg;
    while ((arg = va_arg (args, char *)) && argc < 31)
        argv [argc++] = arg;
    va_end (args);
    argv [argc] = NULL;
    hub_run_argv (run, argv, NULL, 20000);
}

//  `cyclehub --cert SECRET FLAG VALUE status` against the hub; the exit code.
static int
s_status_with (s_hub_t *hub, const char *secret, const char *flag, const char *value,
               const char *needle)
{
    char bin [PATH_MAX];
    hub_proc_bin (bin, sizeof bin, "clients/cyclehub");
    char *argv [] = { bin, "--api", hub->proc.api, "--events", hub->proc.events, "--timeout",
                      "3000", "--cert", (char *) secret, (char *) flag, (char *) value, "status",
                      NULL };
    hub_run_t run;
    hub_run_argv (&run, argv, NULL, 20000);
    int status = run.status;
    CHECK_MSG (!needle || (run.err && strstr (run.err, needle)),
               "%s %s: err '%s' (want '%s')", flag, value, run.err, needle);
    hub_run_free (&run);
    return status;
}

//  The broker's key in its two forms: the key itself (z85:KEY, or bare)
//  and its certificate file, never mistaken for each other. The broker's
//  key holds a '/', a Z85 character that once made it a path.
static void
s_server_key_forms (s_hub_t *hub, const char *secret, const char *broker_cert,
                    const char *broker_key)
{
    char prefixed [64];
    snprintf (prefixed, sizeof prefixed, "z85:%s", broker_key);
    CHECK (s_status_with (hub, secret, "--server-key", prefixed, NULL) == 0);
    CHECK (s_status_with (hub, secret, "--server-key", broker_key, NULL) == 0);
    CHECK (s_status_with (hub, secret, "--server-key-file", broker_cert, NULL) == 0);
    //  A path given as a key, or a short key: refused, naming both forms
    CHECK (s_status_with (hub, secret, "--server-key", broker_cert, "--server-key-file PATH") == 2);
    CHECK (s_status_with (hub, secret, "--server-key", "z85:tooshort", "z85:KEY") == 2);
    CHECK (s_status_with (hub, secret, "--server-key-file", "/nonexistent/broker.cert",
                          "cannot read the broker's certificate") == 2);
    //  A bare value that is a key and also names a file is ambiguous
    const char *both = "0123456789abcdefghij0123456789abcdefghij";
    FILE *file = fopen (both, "w");
    REQUIRE (file);
    fclose (file);
    CHECK (s_status_with (hub, secret, "--server-key", both, "could be a key or a file") == 2);
    unlink (both);
    //  The environment takes the same two forms
    setenv ("CYCLEHUB_SERVER_KEY_FILE", broker_cert, 1);
    char bin [PATH_MAX];
    hub_proc_bin (bin, sizeof bin, "clients/cyclehub");
    char *argv [] = { bin, "--api", hub->proc.api, "--events", hub->proc.events,
                      "--cert", (char *) secret, "status", NULL };
    hub_run_t run;
    hub_run_argv (&run, argv, NULL, 20000);
    CHECK_MSG (run.status == 0, "CYCLEHUB_SERVER_KEY_FILE: %d %s", run.status, run.err);
    hub_run_free (&run);
    unsetenv ("CYCLEHUB_SERVER_KEY_FILE");
}

static void
test_cli_curve (void)
{
    s_hub_t hub = { 0 };
    char *dir = hub_test_tmpdir ("clicurve");
    REQUIRE (dir);
    snprintf (hub.dir, sizeof hub.dir, "%s", dir);
    free (dir);
    snprintf (hub.auth, sizeof hub.auth, "%s/auth", hub.dir);
    char path [PATH_MAX + 64], secret [PATH_MAX + 64], broker_cert [PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/agencies", hub.auth);
    REQUIRE (zsys_dir_create ("%s", path) == 0);
    hub_run_t run;
    //  Keys made by the CLI, as an operator and an agency would; the
    //  broker's made again until its public key holds a '/'
    snprintf (broker_cert, sizeof broker_cert, "%s/broker.cert", hub.auth);
    char broker_key [41] = "";
    for (int attempt = 0; attempt < 100 && !strchr (broker_key, '/'); attempt++) {
        snprintf (path, sizeof path, "%s/broker.cert_secret", hub.auth);
        unlink (path);
        unlink (broker_cert);
        snprintf (path, sizeof path, "%s/broker", hub.auth);
        s_cli (&run, NULL, NULL, "tcp://127.0.0.1:1", "tcp://127.0.0.1:1", "keys", "new", path, NULL);
        CHECK (run.status == 0);
        hub_run_free (&run);
        zcert_t *cert = zcert_load (broker_cert);
        REQUIRE (cert);
        snprintf (broker_key, sizeof broker_key, "%s", zcert_public_txt (cert));
        zcert_destroy (&cert);
    }
    REQUIRE (strchr (broker_key, '/'));
    snprintf (path, sizeof path, "%s/agencies/buyer", hub.auth);
    s_cli (&run, NULL, NULL, "tcp://127.0.0.1:1", "tcp://127.0.0.1:1", "keys", "new", path, NULL);
    CHECK (run.status == 0 && run.out && strstr (run.out, "public key"));
    hub_run_free (&run);
    //  ... never over existing files
    s_cli (&run, NULL, NULL, "tcp://127.0.0.1:1", "tcp://127.0.0.1:1", "keys", "new", path, NULL);
    CHECK (run.status == 2);
    hub_run_free (&run);
    snprintf (secret, sizeof secret, "%s/agencies/buyer.cert_secret", hub.auth);
    snprintf (path, sizeof path, "%s/agencies.cfg", hub.auth);
    FILE *file = fopen (path, "w");
    REQUIRE (file);
    fprintf (file, "agency\n    " BUYER "\n        roles = \"commissioner\"\n"
             "        ocid-prefixes = \"ocds-h6vhtk\"\n        cert = \"agencies/buyer.cert\"\n");
    fclose (file);
    //  s_hub_start needs the broker certificate under its usual name
    snprintf (hub.proc.store, sizeof hub.proc.store, "%s/store", hub.dir);
    snprintf (hub.proc.endpoints, sizeof hub.proc.endpoints, "%s/endpoints", hub.dir);
    snprintf (hub.proc.log, sizeof hub.proc.log, "%s/broker.log", hub.dir);
    snprintf (hub.proc.dir, sizeof hub.proc.dir, "%s", hub.dir);
    REQUIRE (s_hub_start (&hub) == 0);

    //  Publish over CURVE: the broker knows the buyer by its key
    s_cli (&run, secret, broker_cert, hub.proc.api, hub.proc.events,
           "commission", "open", "--commission", "ocds-h6vhtk-cli001", "--title", "Carers' support",
           "--buyer", BUYER, NULL);
    CHECK_MSG (run.status == 0 && run.out && strtoull (run.out, NULL, 10) == 1,
               "status %d out %s err %s", run.status, run.out, run.err);
    hub_run_free (&run);
    //  The same command without keys never reaches the broker's code: the
    //  client is told the broker wants CURVE (exit 5; test_cli_identity)
    char bin [PATH_MAX];
    hub_proc_bin (bin, sizeof bin, "clients/cyclehub");
    char *plain [] = { bin, "--api", hub.proc.api, "--agency", BUYER, "--timeout", "700",
                       "status", NULL };
    hub_run_argv (&run, plain, NULL, 20000);
    CHECK (run.status == 5);
    hub_run_free (&run);
    //  Half the CURVE flags is a usage error
    char *half [] = { bin, "--api", hub.proc.api, "--cert", secret, "status", NULL };
    hub_run_argv (&run, half, NULL, 20000);
    CHECK (run.status == 2);
    hub_run_free (&run);
    s_server_key_forms (&hub, secret, broker_cert, broker_key);
    //  Status and history over CURVE
    s_cli (&run, secret, broker_cert, hub.proc.api, hub.proc.events, "status", NULL);
    CHECK (run.status == 0 && run.out && strstr (run.out, "lastSeq"));
    hub_run_free (&run);
    s_cli (&run, secret, broker_cert, hub.proc.api, hub.proc.events, "history",
           "--commission", "ocds-h6vhtk-cli001", NULL);
    CHECK (run.status == 0 && run.out && strstr (run.out, "commission.opened"));
    hub_run_free (&run);
    //  Erase: a response that does not exist is refused with its reason
    s_cli (&run, secret, broker_cert, hub.proc.api, hub.proc.events, "erase",
           "--commission", "ocds-h6vhtk-cli001", "--consultation", "c-1", "--response", "r-9",
           "--reason", "request", NULL);
    CHECK (run.status == 1 && run.err && strstr (run.err, "INVALID_VALUE"));
    hub_run_free (&run);
    CHECK (hub_broker_stop (&hub.proc) == 0);
    s_hub_teardown (&hub);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    test_refusals ();
    test_curve ();
    test_access_curve ();
    test_cli_curve ();
    HUB_TEST_DONE ();
}
