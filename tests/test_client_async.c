/*  test_client_async: libcyclehub's publisher against a real cyclehubd.
    Sync and async publishes (a window, a completion handler or polling),
    dense seqs, retries answered as duplicates, reused msg_ids rejected,
    re-sends after a stalled broker stored once, a broker that is down or
    restarted, and the typed envelope helpers, money and time parsing.
*/
#include <czmq.h>
#include "hub_test.h"
#include "hub_proc.h"
#include "cyclehub.h"

#define COMMISSION "ocds-h6vhtk-async01"
#define BUYER      "GB-LAE-E09000033"

typedef struct {
    uint64_t seqs [4096];           //  by token
    int acked, rejected, duplicates, calls;
} s_tally_t;

static void
s_on_result (const hub_result_t *result, void *arg)
{
    s_tally_t *tally = arg;
    tally->calls++;
    if (result->rc == HUB_OK) {
        tally->acked++;
        tally->duplicates += result->duplicate;
        if (result->token < 4096)
            tally->seqs [result->token] = result->seq;
    }
    else
        tally->rejected++;
}

static Cyclehub__V1__Envelope *
s_update (const char *msg_id, const char *title)
{
    Cyclehub__V1__Envelope *env = hub_envelope_new (COMMISSION, msg_id);
    Cyclehub__V1__PartnerUpdatePosted *update = hub_envelope_partner_update (env);
    REQUIRE (update);
    hub_set_string (&update->title, title);
    hub_add_string (&update->n_links, &update->links, "https://example.org/update");
    return env;
}

static void
s_helpers (void)
{
    //  The edge conversions reach a partner through cyclehub.h (their
    //  tables of cases are in test_money.c and test_time.c)
    int64_t minor = 0, ms = 0;
    CHECK (hub_money_parse ("125000.00", "GBP", &minor, NULL, 0) == 0 && minor == 12500000);
    CHECK (hub_time_parse ("2026-03-01T09:00:00Z", &ms, NULL, 0) == 0
           && ms == INT64_C (1772355600000));

    //  Bodies: replacing one frees the old; set_body takes ownership
    Cyclehub__V1__Envelope *env = hub_envelope_new (COMMISSION, NULL);
    Cyclehub__V1__TenderPublished *tender = hub_envelope_tender_published (env);
    REQUIRE (tender);
    tender->value = hub_money_new (100, "GBP");
    CHECK (env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED);
    CHECK (hub_envelope_get_body (env) == &tender->base);
    Cyclehub__V1__TenderClosed *closed = malloc (sizeof *closed);
    cyclehub__v1__tender_closed__init (closed);
    ProtobufCMessage *body = &closed->base;
    CHECK (hub_envelope_set_body (env, &body) == 0 && body == NULL);
    CHECK (env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_TENDER_CLOSED && env->tender_closed == closed);
    Cyclehub__V1__Money *money = hub_money_new (1, "GBP");
    body = &money->base;
    CHECK (hub_envelope_set_body (env, &body) == -1 && body);
    protobuf_c_message_free_unpacked (body, NULL);
    hub_envelope_destroy (&env);
    CHECK (env == NULL);
}

int
main (void)
{
    s_helpers ();

    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start (&broker, "client-async") == 0);

    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = broker.api;
    options.events_endpoint = broker.events;
    options.agency = BUYER;
    options.window = 32;
    options.timeout_ms = 10000;
    hub_client_t *client = hub_client_new (&options);
    REQUIRE (client);
    CHECK (streq (hub_client_agency (client), BUYER));

    //  Sync: open the commission
    Cyclehub__V1__Envelope *env = hub_envelope_new (COMMISSION, "open-1");
    Cyclehub__V1__CommissionOpened *opened = hub_envelope_commission_opened (env);
    hub_set_string (&opened->title, "Async commission");
    hub_set_string (&opened->buyer, BUYER);
    hub_result_t result;
    int rc = hub_client_publish (client, env, &result);
    CHECK_MSG (rc == HUB_OK && result.seq == 1 && !result.duplicate, "rc %d %s", rc, result.reason);
    CHECK (streq (result.msg_id, "open-1"));
    hub_envelope_destroy (&env);

    //  Async with a handler: N publishes, all acked, dense seqs in order
    enum { N = 600 };
    s_tally_t *tally = calloc (1, sizeof *tally);
    hub_client_set_handler (client, s_on_result, tally);
    uint64_t first_token = 0;
    int64_t start = zclock_mono ();
    for (int i = 0; i < N; i++) {
        char title [64];
        snprintf (title, sizeof title, "update %d", i);
        env = s_update (NULL, title);
        uint64_t token;
        char msg_id [129];
        rc = hub_client_publish_async (client, env, &token, msg_id);
        CHECK_MSG (rc == HUB_OK, "publish %d: %s", i, hub_strerror (rc));
        CHECK (*msg_id);
        if (i == 0)
            first_token = token;
        CHECK (hub_client_in_flight (client) <= 32);
        hub_envelope_destroy (&env);
    }
    CHECK (hub_client_flush (client, -1) == HUB_OK);
    CHECK (hub_client_in_flight (client) == 0);
    CHECK_MSG (tally->acked == N && tally->rejected == 0 && tally->duplicates == 0,
               "acked %d rejected %d duplicates %d", tally->acked, tally->rejected,
               tally->duplicates);
    bool dense = true;
    for (int i = 0; i < N; i++)
        dense &= tally->seqs [first_token + i] == (uint64_t) i + 2;
    CHECK (dense);
    printf ("async: %d publishes in %lld ms\n", N, (long long) (zclock_mono () - start));

    //  Async without a handler: completions by polling
    hub_client_set_handler (client, NULL, NULL);
    for (int i = 0; i < 50; i++) {
        env = s_update (NULL, "polled");
        CHECK (hub_client_publish_async (client, env, NULL, NULL) == HUB_OK);
        hub_envelope_destroy (&env);
    }
    int polled = 0;
    uint64_t last_seq = N + 1;
    while (hub_client_poll (client, &result, 5000) == HUB_OK) {
        CHECK (result.rc == HUB_OK && result.seq == last_seq + 1);
        last_seq = result.seq;
        if (++polled == 50)
            break;
    }
    CHECK (polled == 50);
    CHECK (hub_client_poll (client, &result, 0) == HUB_TIMEOUT);

    //  A retry with the same msg_id: the original seq, duplicate; other
    //  content under it: DUPLICATE_CONFLICT; missing body: EINVAL
    env = s_update ("retry-1", "first");
    CHECK (hub_client_publish (client, env, &result) == HUB_OK && !result.duplicate);
    uint64_t retry_seq = result.seq;
    CHECK (hub_client_publish (client, env, &result) == HUB_OK && result.duplicate
           && result.seq == retry_seq);
    hub_envelope_destroy (&env);
    env = s_update ("retry-1", "second");
    rc = hub_client_publish (client, env, &result);
    CHECK_MSG (rc == HUB_REJECTED
               && result.code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_DUPLICATE_CONFLICT,
               "rc %d code %d", rc, result.code);
    CHECK (*result.reason);
    hub_envelope_destroy (&env);
    env = hub_envelope_new (COMMISSION, NULL);
    CHECK (hub_client_publish (client, env, &result) == HUB_EINVAL);
    hub_envelope_destroy (&env);
    //  A domain rejection in an async window comes back through poll
    env = hub_envelope_new (COMMISSION, NULL);
    hub_envelope_review_decision (env)->decision = CYCLEHUB__V1__DECISION__DECISION_RECOMMISSION;
    hub_set_string (&env->review_decision->reason, "too early");
    CHECK (hub_client_publish_async (client, env, NULL, NULL) == HUB_OK);
    hub_envelope_destroy (&env);
    CHECK (hub_client_flush (client, -1) == HUB_OK);
    rc = hub_client_poll (client, &result, 0);
    CHECK_MSG (rc == HUB_OK && result.rc == HUB_REJECTED
               && result.code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_ILLEGAL_TRANSITION
               && *result.reason, "rc %d result %d code %d reason %s field %s", rc, result.rc,
               result.code, result.reason, result.field);

    //  A stalled broker: publishes are re-sent on a fresh connection after
    //  resend_ms, and each is stored once
    Cyclehub__V1__Reply *reply = NULL;
    CHECK (hub_client_status (client, &reply, NULL) == HUB_OK);
    uint64_t before = reply? reply->status->last_seq: 0;
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    hub_client_destroy (&client);
    options.resend_ms = 300;
    options.timeout_ms = 1500;
    client = hub_client_new (&options);
    REQUIRE (client);
    memset (tally, 0, sizeof *tally);
    hub_client_set_handler (client, s_on_result, tally);
    kill (broker.pid, SIGSTOP);
    for (int i = 0; i < 20; i++) {
        env = s_update (NULL, "stalled");
        CHECK (hub_client_publish_async (client, env, NULL, NULL) == HUB_OK);
        hub_envelope_destroy (&env);
    }
    rc = hub_client_flush (client, 1000);
    CHECK_MSG (rc == HUB_TIMEOUT || rc == HUB_UNREACHABLE, "flush while stalled: %d", rc);
    CHECK (hub_client_in_flight (client) == 20);
    kill (broker.pid, SIGCONT);
    rc = hub_client_flush (client, 10000);
    CHECK_MSG (rc == HUB_OK && tally->acked == 20, "flush after: rc %d acked %d", rc, tally->acked);
    CHECK (hub_client_status (client, &reply, NULL) == HUB_OK);
    CHECK_MSG (reply && reply->status->last_seq == before + 20, "stored %llu, want %llu",
               reply? (unsigned long long) reply->status->last_seq: 0ULL,
               (unsigned long long) before + 20);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    bool unique = true;
    for (int i = 1; i <= 20; i++)
        for (int k = i + 1; k <= 20; k++)
            unique &= tally->seqs [i] != tally->seqs [k];
    CHECK (unique);

    //  The broker down: a clear error within the timeout; back up: works again
    CHECK (hub_broker_stop (&broker) == 0);
    start = zclock_mono ();
    env = s_update (NULL, "while down");
    rc = hub_client_publish (client, env, &result);
    int64_t took = zclock_mono () - start;
    CHECK_MSG (rc == HUB_UNREACHABLE || rc == HUB_TIMEOUT, "rc %d", rc);
    CHECK_MSG (took < 1500 + 500, "took %lld ms", (long long) took);
    CHECK (*hub_strerror (rc));
    REQUIRE (hub_broker_start (&broker, "client-async") == 0);
    rc = hub_client_publish (client, env, &result);
    CHECK_MSG (rc == HUB_OK && result.seq == before + 21, "after restart: rc %d seq %llu", rc,
               (unsigned long long) result.seq);
    hub_envelope_destroy (&env);

    hub_client_destroy (&client);
    CHECK (client == NULL);
    free (tally);
    hub_broker_cleanup (&broker);
    HUB_TEST_DONE ();
}
