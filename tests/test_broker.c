/*  End-to-end tests of cyclehubd: a real broker process on a temp store,
    real DEALER and SUB sockets over tcp loopback on ports chosen at run
    time. A whole commissioning cycle, bad input of every kind, restart, and
    SIGKILL during a stream of publishes.
*/
#include <czmq.h>
#include <signal.h>
#include <sys/wait.h>
#include <lmdb.h>
#include "hub_proto.h"
#include "hub_test.h"
#include "hub_proc.h"

#define BUYER    "GB-LAE-E09000033"
#define PARTNER  "GB-NHS-RWE"
#define SUPPLIER "GB-COH-01234567"
#define OCID     "ocds-h6vhtk-056931"
#define DAY_MS   86400000LL
//  A standstill long enough at any time of year (8 UK working days), and the
//  clock offset a restarted broker runs with to be past it
#define STANDSTILL_MS  (21 * DAY_MS)
#define PAST_STANDSTILL "+22d"

//  Stops the broker with sig; returns its exit status (128+N if killed by N).
static int
s_broker_stop (hub_broker_proc_t *broker, int sig)
{
    int rc = broker->pid > 0? hub_proc_stop (broker->pid, sig, 15000): -1;
    broker->pid = 0;
    return rc;
}

static zsock_t *
s_client (const char *api, const char *agency)
{
    zsock_t *client = zsock_new (ZMQ_DEALER);
    zsock_set_plain_username (client, agency);
    zsock_set_plain_password (client, "dev");
    zsock_set_rcvtimeo (client, 5000);
    zsock_set_linger (client, 0);
    zsock_connect (client, "%s", api);
    return client;
}

static zsock_t *
s_subscriber (const char *events, const char *agency, const char *prefix)
{
    zsock_t *sub = zsock_new (ZMQ_SUB);
    zsock_set_plain_username (sub, agency);
    zsock_set_plain_password (sub, "dev");
    zsock_set_rcvtimeo (sub, 5000);
    zsock_set_rcvhwm (sub, 0);
    zsock_set_linger (sub, 0);
    zsock_set_subscribe (sub, prefix);
    zsock_connect (sub, "%s", events);
    return sub;
}

static void
s_send_request (zsock_t *client, const Cyclehub__V1__Request *request)
{
    size_t size = cyclehub__v1__request__get_packed_size (request);
    zframe_t *frame = zframe_new (NULL, size);
    cyclehub__v1__request__pack (request, zframe_data (frame));
    zframe_send (&frame, client, 0);
}

//  Receives one reply; NULL on timeout. Caller frees with free_unpacked.
static Cyclehub__V1__Reply *
s_recv_reply (zsock_t *client)
{
    zframe_t *frame = zframe_recv (client);
    if (!frame)
        return NULL;
    Cyclehub__V1__Reply *reply = cyclehub__v1__reply__unpack (NULL, zframe_size (frame), zframe_data (frame));
    zframe_destroy (&frame);
    return reply;
}

static uint64_t s_request_id = 0;

static Cyclehub__V1__Reply *
s_call (zsock_t *client, Cyclehub__V1__Request *request)
{
    request->request_id = ++s_request_id;
    s_send_request (client, request);
    Cyclehub__V1__Reply *reply = s_recv_reply (client);
    if (reply && reply->request_id != request->request_id) {
        fprintf (stderr, "reply %" PRIu64 " to request %" PRIu64 "\n", reply->request_id, request->request_id);
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        return NULL;
    }
    return reply;
}

//  Publishes env; returns the acked seq, or 0 and the reject code in *code.
static uint64_t
s_publish (zsock_t *client, Cyclehub__V1__Envelope *env, int *code)
{
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH;
    request.publish = env;
    Cyclehub__V1__Reply *reply = s_call (client, &request);
    uint64_t seq = 0;
    if (code)
        *code = -1;
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK) {
        seq = reply->ack->seq;
        if (code)
            *code = reply->ack->duplicate? 100: 0;
    }
    else
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT) {
        if (code)
            *code = reply->reject->code;
        if (getenv ("HUB_TEST_VERBOSE"))
            fprintf (stderr, "reject %s: %s (%s)\n", hub_proto_reject_name (reply->reject->code),
                     reply->reject->reason, reply->reject->field);
    }
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    return seq;
}

//  ---------------------------------------------------------------------------
//  Messages of a whole cycle, built on the stack

static int s_msg_counter = 0;
static char s_msg_ids [64][32];

static void
s_env (Cyclehub__V1__Envelope *env, const char *ocid)
{
    cyclehub__v1__envelope__init (env);
    int n = s_msg_counter++ % 64;
    snprintf (s_msg_ids [n], sizeof s_msg_ids [n], "m-%d-%d", (int) getpid (), s_msg_counter);
    env->msg_id = s_msg_ids [n];
    env->commission_id = (char *) ocid;
    env->sent_at_ms = zclock_time ();
}

//  A needs.assessed envelope for ocid, its body in *needs (the caller's)
static void
s_needs_assessed (Cyclehub__V1__Envelope *env, Cyclehub__V1__NeedsAssessed *needs,
                  const char *ocid, const char *population)
{
    s_env (env, ocid);
    cyclehub__v1__needs_assessed__init (needs);
    needs->population = (char *) population;
    env->body_case = CYCLEHUB__V1__ENVELOPE__BODY_NEEDS_ASSESSED;
    env->needs_assessed = needs;
}

static uint64_t
s_open_commission (zsock_t *client, const char *ocid, int *code)
{
    Cyclehub__V1__Envelope env;
    s_env (&env, ocid);
    Cyclehub__V1__CommissionOpened body = CYCLEHUB__V1__COMMISSION_OPENED__INIT;
    char *partners [] = { PARTNER };
    body.title = "Community mental health support";
    body.buyer = BUYER;
    body.partners = partners;
    body.n_partners = 1;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED;
    env.commission_opened = &body;
    return s_publish (client, &env, code);
}

typedef struct {
    const char *type;           //  expected type name
    const char *stage;          //  expected stage after it
} s_expect_t;

//  Publishes the whole cycle; fills expect[] and returns the count, or -1.
//  The dates are real: the consultation closes early (with its reason), the
//  tender period ends 1.5 s after it is published (the test waits for it),
//  and after the award `advance` (given the count so far) restarts the
//  broker with its clock past the standstill before the contract is signed.
static int
s_whole_cycle (zsock_t *buyer, zsock_t *partner, zsock_t *supplier, const char *ocid,
               s_expect_t *expect, uint64_t *first_seq, void (*advance) (void *, int),
               void *arg)
{
    int n = 0, code;
    int64_t now = zclock_time ();
    Cyclehub__V1__Envelope env;
    uint64_t seq = s_open_commission (buyer, ocid, &code);
    if (!seq)
        return -1;
    *first_seq = seq;
    expect [n++] = (s_expect_t) { "commission.opened", "analyse" };

    Cyclehub__V1__NeedsAssessed needs = CYCLEHUB__V1__NEEDS_ASSESSED__INIT;
    char *statements [] = { "Waiting times over 18 weeks", "Low uptake among young men" };
    needs.population = "Adults 18-64 in Tower Hamlets";
    needs.need_statements = statements;
    needs.n_need_statements = 2;
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_NEEDS_ASSESSED;
    env.needs_assessed = &needs;
    if (!s_publish (buyer, &env, &code))
        return -1;
    expect [n++] = (s_expect_t) { "needs.assessed", "analyse" };

    Cyclehub__V1__PrioritiesAgreed priorities = CYCLEHUB__V1__PRIORITIES_AGREED__INIT;
    char *items [] = { "Early intervention" };
    priorities.priorities = items;
    priorities.n_priorities = 1;
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PRIORITIES_AGREED;
    env.priorities_agreed = &priorities;
    if (!s_publish (buyer, &env, &code))
        return -1;
    expect [n++] = (s_expect_t) { "priorities.agreed", "plan" };

    Cyclehub__V1__ConsultationOpened opened = CYCLEHUB__V1__CONSULTATION_OPENED__INIT;
    opened.consultation_id = "c-1";
    opened.title = "Have your say";
    opened.opens_at_ms = now - DAY_MS;
    opened.closes_at_ms = now + 30 * DAY_MS;
    opened.audience = "Residents";
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_OPENED;
    env.consultation_opened = &opened;
    if (!s_publish (buyer, &env, &code))
        return -1;
    expect [n++] = (s_expect_t) { "consultation.opened", "plan" };

    for (int r = 0; r < 2; r++) {
        Cyclehub__V1__ResponseSubmitted response = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
        Cyclehub__V1__PersonalData personal = CYCLEHUB__V1__PERSONAL_DATA__INIT;
        char *free_text [] = { "My son waited eight months for help" };
        personal.full_name = "Ada Resident";
        personal.email = "ada@example.org";
        personal.free_text = free_text;
        personal.n_free_text = 1;
        response.consultation_id = "c-1";
        response.response_id = r == 0? "r-1": "r-2";
        response.respondent_type = CYCLEHUB__V1__RESPONDENT_TYPE__RESPONDENT_TYPE_RESIDENT;
        response.retention_until_ms = now + 365 * DAY_MS;
        response.personal = &personal;
        s_env (&env, ocid);
        env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED;
        env.response_submitted = &response;
        if (!s_publish (partner, &env, &code))
            return -1;
        expect [n++] = (s_expect_t) { "consultation.response", "plan" };
    }

    Cyclehub__V1__ConsultationClosed closed = CYCLEHUB__V1__CONSULTATION_CLOSED__INIT;
    closed.consultation_id = "c-1";
    closed.early_close_reason = "Enough responses to decide";
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_CLOSED;
    env.consultation_closed = &closed;
    if (!s_publish (buyer, &env, &code))
        return -1;
    expect [n++] = (s_expect_t) { "consultation.closed", "plan" };

    Cyclehub__V1__ConsultationOutcomePublished outcome = CYCLEHUB__V1__CONSULTATION_OUTCOME_PUBLISHED__INIT;
    outcome.consultation_id = "c-1";
    outcome.summary = "Evening sessions added";
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_OUTCOME;
    env.consultation_outcome = &outcome;
    if (!s_publish (buyer, &env, &code))
        return -1;
    expect [n++] = (s_expect_t) { "consultation.outcome", "plan" };

    Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
    value.amount = 125000000;
    value.currency = "GBP";
    Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
    period.start_ms = now - DAY_MS;
    period.end_ms = zclock_time () + 1500;
    Cyclehub__V1__TenderPublished tender = CYCLEHUB__V1__TENDER_PUBLISHED__INIT;
    tender.procurement_id = "p-1";
    tender.title = "Community mental health service";
    tender.value = &value;
    tender.procedure = CYCLEHUB__V1__PROCEDURE__PROCEDURE_OPEN;
    tender.tender_period = &period;
    tender.social_value_weight_pct = 10;
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED;
    env.tender_published = &tender;
    if (!s_publish (buyer, &env, &code))
        return -1;
    expect [n++] = (s_expect_t) { "tender.published", "do" };

    Cyclehub__V1__TenderAmended amended = CYCLEHUB__V1__TENDER_AMENDED__INIT;
    amended.procurement_id = "p-1";
    amended.description = "Clarified TUPE information";
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_TENDER_AMENDED;
    env.tender_amended = &amended;
    if (!s_publish (buyer, &env, &code))
        return -1;
    expect [n++] = (s_expect_t) { "tender.amended", "do" };
    while (zclock_time () <= period.end_ms + 50)
        zclock_sleep (50);          //  tender.closed only once the period has ended

    Cyclehub__V1__TenderClosed tender_closed = CYCLEHUB__V1__TENDER_CLOSED__INIT;
    tender_closed.procurement_id = "p-1";
    tender_closed.bids_received = 4;
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_TENDER_CLOSED;
    env.tender_closed = &tender_closed;
    if (!s_publish (buyer, &env, &code))
        return -1;
    expect [n++] = (s_expect_t) { "tender.closed", "do" };

    Cyclehub__V1__AwardMade award = CYCLEHUB__V1__AWARD_MADE__INIT;
    char *suppliers [] = { SUPPLIER };
    award.procurement_id = "p-1";
    award.award_id = "a-1";
    award.suppliers = suppliers;
    award.n_suppliers = 1;
    award.value = &value;
    award.standstill_ends_ms = zclock_time () + STANDSTILL_MS;
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_AWARD_MADE;
    env.award_made = &award;
    if (!s_publish (buyer, &env, &code))
        return -1;
    expect [n++] = (s_expect_t) { "award.made", "do" };
    advance (arg, n);               //  the broker's clock past the standstill

    Cyclehub__V1__Period contract_period = CYCLEHUB__V1__PERIOD__INIT;
    contract_period.start_ms = now;
    contract_period.end_ms = now + 3 * 365 * DAY_MS;
    Cyclehub__V1__ContractSigned contract = CYCLEHUB__V1__CONTRACT_SIGNED__INIT;
    contract.contract_id = "k-1";
    contract.award_id = "a-1";
    contract.period = &contract_period;
    contract.value = &value;
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_SIGNED;
    env.contract_signed = &contract;
    if (!s_publish (buyer, &env, &code))
        return -1;
    expect [n++] = (s_expect_t) { "contract.signed", "do" };

    Cyclehub__V1__Period quarter = CYCLEHUB__V1__PERIOD__INIT;
    quarter.start_ms = now;
    quarter.end_ms = now + 90 * DAY_MS;
    Cyclehub__V1__KpiReported kpi = CYCLEHUB__V1__KPI_REPORTED__INIT;
    kpi.contract_id = "k-1";
    kpi.kpi_code = "KPI-1";
    kpi.period = &quarter;
    kpi.value = 0.92;
    kpi.target = 0.9;
    kpi.rating = CYCLEHUB__V1__RATING__RATING_GREEN;
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_KPI_REPORTED;
    env.kpi_reported = &kpi;
    if (!s_publish (supplier, &env, &code))
        return -1;
    expect [n++] = (s_expect_t) { "kpi.reported", "do" };

    Cyclehub__V1__SocialValueReported social = CYCLEHUB__V1__SOCIAL_VALUE_REPORTED__INIT;
    Cyclehub__V1__Money proxy = CYCLEHUB__V1__MONEY__INIT;
    proxy.amount = 3500000;
    proxy.currency = "GBP";
    social.contract_id = "k-1";
    social.framework = "TOMs";
    social.measure_code = "NT1";
    social.unit = "FTE";
    social.quantity = 3;
    social.proxy_value = &proxy;
    social.period = &quarter;
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_SOCIAL_VALUE_REPORTED;
    env.social_value_reported = &social;
    if (!s_publish (supplier, &env, &code))
        return -1;
    expect [n++] = (s_expect_t) { "social_value.reported", "do" };

    Cyclehub__V1__EvaluationPublished evaluation = CYCLEHUB__V1__EVALUATION_PUBLISHED__INIT;
    evaluation.title = "Year one evaluation";
    evaluation.summary = "Targets met";
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_EVALUATION_PUBLISHED;
    env.evaluation_published = &evaluation;
    if (!s_publish (buyer, &env, &code))
        return -1;
    expect [n++] = (s_expect_t) { "evaluation.published", "review" };

    Cyclehub__V1__ReviewDecision decision = CYCLEHUB__V1__REVIEW_DECISION__INIT;
    decision.decision = CYCLEHUB__V1__DECISION__DECISION_RECOMMISSION;
    decision.reason = "Demand is rising";
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_REVIEW_DECISION;
    env.review_decision = &decision;
    if (!s_publish (buyer, &env, &code))
        return -1;
    expect [n++] = (s_expect_t) { "review.decision", "analyse" };
    return n;
}

//  Pages through history from `from` (with an optional commission filter);
//  returns the events unpacked, in order, into out (up to max).
static int
s_history (zsock_t *client, uint64_t from, const char *commission, Cyclehub__V1__Event **out, int max)
{
    int count = 0;
    while (count < max) {
        Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
        query.from_seq = from;
        query.limit = 7;            //  small pages: exercise paging
        query.commission_id = (char *) (commission? commission: "");
        Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
        request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
        request.history = &query;
        Cyclehub__V1__Reply *reply = s_call (client, &request);
        if (!reply || reply->body_case != CYCLEHUB__V1__REPLY__BODY_PAGE) {
            if (reply)
                cyclehub__v1__reply__free_unpacked (reply, NULL);
            return -1;
        }
        Cyclehub__V1__HistoryPage *page = reply->page;
        for (size_t i = 0; i < page->n_events && count < max; i++)
            out [count++] = cyclehub__v1__event__unpack (NULL, page->events [i].len, page->events [i].data);
        bool end = page->end;
        from = page->next_seq;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        if (end)
            break;
    }
    return count;
}

//  The live side of test_whole_cycle: the broker, the subscribers, and how
//  many events each has checked so far
typedef struct {
    hub_broker_proc_t *broker;
    zsock_t *all;                   //  every topic
    zsock_t *do_only;               //  "do/OCID/" (and $heartbeat, to see it reconnect)
    s_expect_t *expect;
    uint64_t first;
    int seen, do_seen;
} s_live_t;

//  Receives and checks the events up to n (of expect) on both subscribers
static void
s_drain (s_live_t *live, int n)
{
    //  By time as well as by count: heartbeats keep arriving, so a missed
    //  event must fail the check, not spin until ctest's timeout
    int64_t deadline = zclock_mono () + 20000;
    while (live->seen < n) {
        char *topic = NULL;
        zframe_t *frame = NULL;
        if (zsock_recv (live->all, "sf", &topic, &frame) != 0)
            break;
        if (zclock_mono () > deadline) {
            zstr_free (&topic);
            zframe_destroy (&frame);
            CHECK_MSG (false, "live events: %d of %d within 20 s", live->seen, n);
            break;
        }
        if (streq (topic, "$heartbeat")) {
            zstr_free (&topic);
            zframe_destroy (&frame);
            continue;
        }
        s_expect_t *want_event = &live->expect [live->seen];
        Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (NULL, zframe_size (frame), zframe_data (frame));
        REQUIRE (event);
        char want [256];
        snprintf (want, sizeof want, "%s/%s/%s", want_event->stage, OCID, want_event->type);
        CHECK_MSG (streq (topic, want), "topic %s, want %s", topic, want);
        CHECK (event->seq == live->first + (uint64_t) live->seen);
        CHECK (streq (event->type, want_event->type));
        CHECK (streq (hub_proto_stage_name (event->stage), want_event->stage));
        //  The stream never carries personal data
        CHECK (memmem (zframe_data (frame), zframe_size (frame), "Ada Resident", 12) == NULL);
        CHECK (memmem (zframe_data (frame), zframe_size (frame), "eight months", 12) == NULL);
        if (streq (event->type, "consultation.response")) {
            CHECK (event->envelope->response_submitted->personal
                && event->envelope->response_submitted->personal->redacted);
            CHECK (streq (event->sender, PARTNER));
        }
        if (streq (event->type, "tender.published")) {
            CHECK (event->change && event->change->from == CYCLEHUB__V1__STAGE__STAGE_PLAN
                && event->change->to == CYCLEHUB__V1__STAGE__STAGE_DO);
        }
        cyclehub__v1__event__free_unpacked (event, NULL);
        zstr_free (&topic);
        zframe_destroy (&frame);
        live->seen++;
    }
    CHECK (live->seen == n);
    //  The prefix subscriber sees exactly the events in stage do
    int want_do = 0;
    for (int i = 0; i < n; i++)
        want_do += streq (live->expect [i].stage, "do");
    while (live->do_seen < want_do) {
        char *topic = NULL;
        zframe_t *frame = NULL;
        if (zsock_recv (live->do_only, "sf", &topic, &frame) != 0)
            break;
        if (zclock_mono () > deadline) {
            zstr_free (&topic);
            zframe_destroy (&frame);
            CHECK_MSG (false, "live do events: %d of %d within 20 s", live->do_seen, want_do);
            break;
        }
        if (!streq (topic, "$heartbeat")) {
            CHECK (strncmp (topic, "do/" OCID "/", 3 + strlen (OCID) + 1) == 0);
            live->do_seen++;
        }
        zstr_free (&topic);
        zframe_destroy (&frame);
    }
    CHECK (live->do_seen == want_do);
}

//  Drops whatever a subscriber has queued
static void
s_discard (zsock_t *sub)
{
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    while (zmq_msg_recv (&msg, zsock_resolve (sub), ZMQ_DONTWAIT) >= 0)
        ;
    zmq_msg_close (&msg);
}

//  Waits for a heartbeat on a subscriber: it is connected (again)
static bool
s_heartbeat (zsock_t *sub)
{
    for (int i = 0; i < 20; i++) {
        char *topic = NULL;
        zframe_t *frame = NULL;
        if (zsock_recv (sub, "sf", &topic, &frame) != 0)
            return false;
        bool beat = streq (topic, "$heartbeat");
        zstr_free (&topic);
        zframe_destroy (&frame);
        if (beat)
            return true;
    }
    return false;
}

//  After the award: checks the events so far, restarts the broker on the
//  same store and ports with its clock past the standstill (cyclehubd
//  --clock-offset), and waits until both subscribers are back
static void
s_past_standstill (void *arg, int n)
{
    s_live_t *live = (s_live_t *) arg;
    s_drain (live, n);
    CHECK (s_broker_stop (live->broker, SIGTERM) == 0);
    //  Heartbeats the stopped broker sent after the last event are still
    //  queued: without this, one of them would pass for the new broker's
    //  below, and events published before the subscribers are back be lost
    s_discard (live->all);
    s_discard (live->do_only);
    const char *offset [] = { "--clock-offset", PAST_STANDSTILL, NULL };
    REQUIRE (hub_broker_start_with (live->broker, "restart", offset) == 0);
    CHECK (s_heartbeat (live->all));
    CHECK (s_heartbeat (live->do_only));
}

static void
test_whole_cycle (void)
{
    hub_broker_proc_t broker = { 0 };
    REQUIRE (hub_broker_start (&broker, "broker-cycle") == 0);
    zsock_t *buyer = s_client (broker.api, BUYER);
    zsock_t *partner = s_client (broker.api, PARTNER);
    zsock_t *supplier = s_client (broker.api, SUPPLIER);
    zsock_t *all = s_subscriber (broker.events, PARTNER, "");
    zsock_t *do_only = s_subscriber (broker.events, PARTNER, "do/" OCID "/");
    zsock_set_subscribe (do_only, "$heartbeat");
    zclock_sleep (300);         //  let the subscriptions reach the broker

    s_expect_t expect [64];
    s_live_t live = { &broker, all, do_only, expect, 1, 0, 0 };
    uint64_t first = 0;
    int n = s_whole_cycle (buyer, partner, supplier, OCID, expect, &first, s_past_standstill, &live);
    REQUIRE (n > 0);
    CHECK (first == 1);
    //  Every event reaches the subscribers on its topic, seqs consecutive
    s_drain (&live, n);

    //  History returns the same events, in order, with personal data intact
    //  for this reader (the stored bytes are complete)
    Cyclehub__V1__Event *events [64];
    int got = s_history (buyer, 0, NULL, events, 64);
    CHECK (got == n);
    for (int i = 0; i < got; i++) {
        CHECK (events [i] && events [i]->seq == first + (uint64_t) i);
        CHECK (events [i] && streq (events [i]->type, expect [i].type));
        if (events [i])
            cyclehub__v1__event__free_unpacked (events [i], NULL);
    }
    //  The commission's state: analyse again, second cycle
    Cyclehub__V1__CommissionQuery cq = CYCLEHUB__V1__COMMISSION_QUERY__INIT;
    cq.commission_id = OCID;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_COMMISSION;
    request.commission = &cq;
    Cyclehub__V1__Reply *reply = s_call (buyer, &request);
    REQUIRE (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_COMMISSION);
    CHECK (reply->commission->stage == CYCLEHUB__V1__STAGE__STAGE_ANALYSE);
    CHECK (reply->commission->cycle == 2);
    CHECK (streq (reply->commission->owner, BUYER));
    CHECK (reply->commission->last_seq == first + (uint64_t) n - 1);
    cyclehub__v1__reply__free_unpacked (reply, NULL);

    //  Status counts what was stored
    Cyclehub__V1__StatusQuery sq = CYCLEHUB__V1__STATUS_QUERY__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_STATUS;
    request.status = &sq;
    reply = s_call (buyer, &request);
    REQUIRE (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_STATUS);
    CHECK (reply->status->last_seq == (uint64_t) n);
    CHECK (reply->status->commissions == 1);
    uint64_t responses = 0;
    for (size_t i = 0; i < reply->status->n_per_type; i++)
        if (streq (reply->status->per_type [i]->key, "consultation.response"))
            responses = reply->status->per_type [i]->count;
    CHECK (responses == 2);
    cyclehub__v1__reply__free_unpacked (reply, NULL);

    //  A heartbeat carries the last seq
    bool beat = false;
    for (int i = 0; i < 5 && !beat; i++) {
        char *topic = NULL;
        zframe_t *frame = NULL;
        if (zsock_recv (all, "sf", &topic, &frame) != 0)
            break;
        if (streq (topic, "$heartbeat")) {
            Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (NULL, zframe_size (frame), zframe_data (frame));
            CHECK (event && event->seq == (uint64_t) n);
            if (event)
                cyclehub__v1__event__free_unpacked (event, NULL);
            beat = true;
        }
        zstr_free (&topic);
        zframe_destroy (&frame);
    }
    CHECK (beat);

    zsock_destroy (&do_only);
    zsock_destroy (&all);
    zsock_destroy (&supplier);
    zsock_destroy (&partner);
    zsock_destroy (&buyer);
    CHECK (s_broker_stop (&broker, SIGTERM) == 0);

    //  Restart on the same store: seq and state continue
    REQUIRE (hub_broker_start (&broker, "restart") == 0);     //  same store and ports
    buyer = s_client (broker.api, BUYER);
    Cyclehub__V1__Envelope env;
    Cyclehub__V1__NeedsAssessed needs;
    s_needs_assessed (&env, &needs, OCID, "Adults, second cycle");
    int code;
    CHECK (s_publish (buyer, &env, &code) == (uint64_t) n + 1);
    //  The state survived: tender.amended is illegal in analyse
    Cyclehub__V1__TenderAmended amended = CYCLEHUB__V1__TENDER_AMENDED__INIT;
    amended.procurement_id = "p-1";
    amended.description = "late";
    s_env (&env, OCID);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_TENDER_AMENDED;
    env.tender_amended = &amended;
    CHECK (s_publish (buyer, &env, &code) == 0);
    CHECK (code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_ILLEGAL_TRANSITION);
    zsock_destroy (&buyer);
    CHECK (s_broker_stop (&broker, SIGINT) == 0);
    hub_broker_cleanup (&broker);
}

//  Sends raw bytes (any number of frames) and returns the reject code of the
//  reply, or -1 on no reply.
static int
s_raw (zsock_t *client, zmsg_t **msg_p)
{
    zmsg_send (msg_p, client);
    Cyclehub__V1__Reply *reply = s_recv_reply (client);
    int code = -1;
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT)
        code = reply->reject->code;
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    return code;
}

static void
test_bad_input (void)
{
    hub_broker_proc_t broker = { 0 };
    REQUIRE (hub_broker_start (&broker, "broker-bad") == 0);
    zsock_t *good = s_client (broker.api, BUYER);
    zsock_t *bad = s_client (broker.api, BUYER);
    const char *ocid = "ocds-h6vhtk-bad001";
    int code;
    REQUIRE (s_open_commission (good, ocid, &code) == 1);

    //  Random bytes
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, "\xff\xfe\x01garbage", 10);
    CHECK (s_raw (bad, &msg) == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_MALFORMED);
    //  An empty frame
    msg = zmsg_new ();
    zmsg_addmem (msg, NULL, 0);
    CHECK (s_raw (bad, &msg) == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_MALFORMED);
    //  Two frames
    msg = zmsg_new ();
    zmsg_addmem (msg, "\x08\x01", 2);
    zmsg_addmem (msg, "\x08\x01", 2);
    CHECK (s_raw (bad, &msg) == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_MALFORMED);
    //  A request with no body
    msg = zmsg_new ();
    zmsg_addmem (msg, "\x08\x07", 2);
    CHECK (s_raw (bad, &msg) == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_UNKNOWN_TYPE);
    //  An unknown field (number 99)
    msg = zmsg_new ();
    zmsg_addmem (msg, "\x08\x07\x98\x06\x01", 5);
    CHECK (s_raw (bad, &msg) == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_MALFORMED);
    //  Over the broker's limit (2 MiB > 1 MiB), under the socket's
    size_t big = 2 * 1024 * 1024;
    char *bytes = calloc (1, big);
    msg = zmsg_new ();
    zmsg_addmem (msg, bytes, big);
    CHECK (s_raw (bad, &msg) == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_TOO_LARGE);
    free (bytes);

    //  A publish with no body, an unknown commission, the broker-only type
    Cyclehub__V1__Envelope env;
    s_env (&env, ocid);
    CHECK (s_publish (bad, &env, &code) == 0 && code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_UNKNOWN_TYPE);
    Cyclehub__V1__NeedsAssessed needs = CYCLEHUB__V1__NEEDS_ASSESSED__INIT;
    needs.population = "Everyone";
    s_env (&env, "ocds-h6vhtk-nosuch");
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_NEEDS_ASSESSED;
    env.needs_assessed = &needs;
    CHECK (s_publish (bad, &env, &code) == 0 && code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_UNKNOWN_COMMISSION);
    Cyclehub__V1__ErasureRecorded erasure = CYCLEHUB__V1__ERASURE_RECORDED__INIT;
    erasure.target_seq = 1;
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_ERASURE_RECORDED;
    env.erasure_recorded = &erasure;
    CHECK (s_publish (bad, &env, &code) == 0 && code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_UNKNOWN_TYPE);
    //  A malformed ocid
    s_env (&env, "not-an-ocid");
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_NEEDS_ASSESSED;
    env.needs_assessed = &needs;
    CHECK (s_publish (bad, &env, &code) == 0 && code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INVALID_VALUE);
    //  An illegal transition: a tender in analyse
    Cyclehub__V1__TenderAmended amended = CYCLEHUB__V1__TENDER_AMENDED__INIT;
    amended.procurement_id = "p-1";
    amended.description = "x";
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_TENDER_AMENDED;
    env.tender_amended = &amended;
    CHECK (s_publish (bad, &env, &code) == 0 && code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_ILLEGAL_TRANSITION);

    //  Dedupe: the same msg_id and bytes give the original seq, duplicate
    s_env (&env, ocid);
    env.sent_at_ms = 1764000000000LL;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_NEEDS_ASSESSED;
    env.needs_assessed = &needs;
    uint64_t seq = s_publish (good, &env, &code);
    CHECK (seq == 2 && code == 0);
    CHECK (s_publish (good, &env, &code) == 2 && code == 100);
    //  ... also from another connection of the same agency
    CHECK (s_publish (bad, &env, &code) == 2 && code == 100);
    //  ... the same msg_id from another agency is another message
    //  (accepted as new, or refused by an access rule: never a duplicate)
    zsock_t *other = s_client (broker.api, PARTNER);
    uint64_t other_seq = s_publish (other, &env, &code);
    CHECK (code != 100 && other_seq != 2);
    uint64_t next = other_seq? other_seq + 1: 3;
    zsock_destroy (&other);
    //  ... and different content under the same msg_id is a conflict
    needs.population = "Someone else";
    CHECK (s_publish (good, &env, &code) == 0 && code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_DUPLICATE_CONFLICT);

    //  A frame over the socket's limit (4x the request limit) never reaches
    //  the broker's code: the peer is disconnected
    size_t huge = 10 * 1024 * 1024;
    bytes = calloc (1, huge);
    zsock_t *hostile = s_client (broker.api, BUYER);
    zsock_set_rcvtimeo (hostile, 500);
    msg = zmsg_new ();
    zmsg_addmem (msg, bytes, huge);
    CHECK (s_raw (hostile, &msg) == -1);
    zsock_destroy (&hostile);
    free (bytes);

    //  A connection without an identity (NULL mechanism) is never served
    zsock_t *anonymous = zsock_new (ZMQ_DEALER);
    zsock_set_rcvtimeo (anonymous, 500);
    zsock_set_linger (anonymous, 0);
    zsock_connect (anonymous, "%s", broker.api);
    msg = zmsg_new ();
    zmsg_addmem (msg, "\x08\x07", 2);
    CHECK (s_raw (anonymous, &msg) == -1);
    zsock_destroy (&anonymous);
    //  Nor one whose PLAIN username is not an org-id
    zsock_t *nobody = s_client (broker.api, "nobody");
    zsock_set_rcvtimeo (nobody, 500);
    msg = zmsg_new ();
    zmsg_addmem (msg, "\x08\x07", 2);
    CHECK (s_raw (nobody, &msg) == -1);
    zsock_destroy (&nobody);

    //  Through all of it, the good client is served
    needs.population = "Still here";
    s_env (&env, ocid);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_NEEDS_ASSESSED;
    env.needs_assessed = &needs;
    CHECK (s_publish (good, &env, &code) == next && code == 0);

    zsock_destroy (&bad);
    zsock_destroy (&good);
    CHECK (s_broker_stop (&broker, SIGTERM) == 0);
    hub_broker_cleanup (&broker);
}

//  A broker of its own with OCID opened by BUYER; returns BUYER's client
static zsock_t *
s_broker_with_commission (hub_broker_proc_t *broker, const char *tag)
{
    REQUIRE (hub_broker_start (broker, tag) == 0);
    zsock_t *buyer = s_client (broker->api, BUYER);
    int code;
    REQUIRE (s_open_commission (buyer, OCID, &code) == 1);
    return buyer;
}

//  Replies to one connection come in the order of its requests: a status
//  asked for right after a publish, while that publish's batch commits,
//  is answered after the publish's ack, never before it.
static void
test_reply_order (void)
{
    hub_broker_proc_t broker = { 0 };
    zsock_t *buyer = s_broker_with_commission (&broker, "broker-order");
    Cyclehub__V1__StatusQuery status = CYCLEHUB__V1__STATUS_QUERY__INIT;
    uint64_t id = 1000;
    int in_order = 0, acks = 0;
    for (int round = 0; round < 20; round++) {
        Cyclehub__V1__Envelope env;
        Cyclehub__V1__NeedsAssessed needs;
        s_needs_assessed (&env, &needs, OCID, "Adults in the borough");
        Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
        request.request_id = ++id;
        request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH;
        request.publish = &env;
        s_send_request (buyer, &request);
        //  Past the publish's drain, within its commit (two fsyncs): the
        //  status then lands in the next batch, alone (some rounds at least)
        usleep (150);
        Cyclehub__V1__Request ask = CYCLEHUB__V1__REQUEST__INIT;
        ask.request_id = ++id;
        ask.body_case = CYCLEHUB__V1__REQUEST__BODY_STATUS;
        ask.status = &status;
        s_send_request (buyer, &ask);
        for (uint64_t expect = id - 1; expect <= id; expect++) {
            Cyclehub__V1__Reply *reply = s_recv_reply (buyer);
            if (!reply)
                break;
            in_order += reply->request_id == expect;
            acks += reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK;
            cyclehub__v1__reply__free_unpacked (reply, NULL);
        }
    }
    CHECK_MSG (in_order == 40 && acks == 20, "%d of 40 replies in order, %d acks", in_order, acks);
    zsock_destroy (&buyer);
    CHECK (s_broker_stop (&broker, SIGTERM) == 0);
    hub_broker_cleanup (&broker);
}

//  More history requests at once than the reader thread's queue holds: the
//  broker answers the rest itself (hub_query_history's page moved to the
//  front of its reply). Every request gets its own well-formed page.
static void
test_history_burst (void)
{
    hub_broker_proc_t broker = { 0 };
    zsock_t *reader = s_broker_with_commission (&broker, "broker-burst");
    enum { N = 4000 };
    Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    query.from_seq = 1;
    query.limit = 1;
    for (uint64_t id = 1; id <= N; id++) {
        Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
        request.request_id = id;
        request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
        request.history = &query;
        s_send_request (reader, &request);
    }
    static bool seen [N + 1];
    int pages = 0, other = 0;
    for (int i = 0; i < N; i++) {
        Cyclehub__V1__Reply *reply = s_recv_reply (reader);
        if (!reply)
            break;
        uint64_t id = reply->request_id;
        bool page = id >= 1 && id <= N && !seen [id]
                 && reply->body_case == CYCLEHUB__V1__REPLY__BODY_PAGE
                 && reply->page->n_events == 1 && reply->page->last_seq == 1;
        if (page)
            seen [id] = true;
        pages += page;
        other += !page;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    }
    CHECK_MSG (pages == N && other == 0, "%d pages of %d, %d other replies", pages, N, other);
    zsock_destroy (&reader);
    CHECK (s_broker_stop (&broker, SIGTERM) == 0);
    hub_broker_cleanup (&broker);
}

//  The content digest as brokers before 2026-12 computed and stored it with
//  each dedupe key (two FNV-1a lanes over the envelope's bytes)
static void
s_legacy_digest (const uint8_t *data, size_t size, uint8_t digest [16])
{
    uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL ^ size;
    for (size_t i = 0; i < size; i++) {
        a = (a ^ data [i]) * 0x100000001b3ULL;
        b = (b ^ data [i] ^ (b >> 29)) * 0x100000001b3ULL;
    }
    memcpy (digest, &a, 8);
    memcpy (digest + 8, &b, 8);
}

//  A store written before the digest changed: a retry of a message stored
//  then is still a duplicate (not a conflict), and other content under its
//  msg_id still a conflict. The store's dedupe entry is given the digest an
//  older broker wrote, through LMDB, while the broker is stopped.
static void
test_legacy_digest (void)
{
    hub_broker_proc_t broker = { 0 };
    zsock_t *buyer = s_broker_with_commission (&broker, "broker-digest");
    int code;
    Cyclehub__V1__Envelope env;
    Cyclehub__V1__NeedsAssessed needs;
    s_needs_assessed (&env, &needs, OCID, "Adults in the borough");
    REQUIRE (s_publish (buyer, &env, &code) == 2 && code == 0);
    zsock_destroy (&buyer);
    CHECK (s_broker_stop (&broker, SIGTERM) == 0);

    uint8_t packed [1024], legacy [16];
    size_t size = cyclehub__v1__envelope__pack (&env, packed);
    s_legacy_digest (packed, size, legacy);
    char key [128];
    size_t key_len = (size_t) snprintf (key, sizeof key, "%s%c%s", BUYER, 0, env.msg_id);
    MDB_env *mdb;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = { key_len, key }, v;
    REQUIRE (mdb_env_create (&mdb) == 0 && mdb_env_set_maxdbs (mdb, 16) == 0
          && mdb_env_open (mdb, broker.store, 0, 0600) == 0
          && mdb_txn_begin (mdb, NULL, 0, &txn) == 0
          && mdb_dbi_open (txn, "dedupe", 0, &dbi) == 0
          && mdb_get (txn, dbi, &k, &v) == 0 && v.mv_size == 8 + 16);
    uint8_t value [24];
    memcpy (value, v.mv_data, sizeof value);
    //  The broker stored a digest of its own, not the old one: else this
    //  test would not reach the old function
    CHECK (memcmp (value + 8, legacy, 16) != 0);
    memcpy (value + 8, legacy, 16);
    v.mv_size = sizeof value;
    v.mv_data = value;
    REQUIRE (mdb_put (txn, dbi, &k, &v, 0) == 0 && mdb_txn_commit (txn) == 0);
    mdb_env_close (mdb);

    REQUIRE (hub_broker_start (&broker, "restart") == 0);     //  same store and ports
    buyer = s_client (broker.api, BUYER);
    CHECK_MSG (s_publish (buyer, &env, &code) == 2 && code == 100,
               "a retry of a message stored with the old digest: code %d", code);
    needs.population = "Someone else";
    CHECK (s_publish (buyer, &env, &code) == 0
        && code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_DUPLICATE_CONFLICT);
    zsock_destroy (&buyer);
    CHECK (s_broker_stop (&broker, SIGTERM) == 0);
    hub_broker_cleanup (&broker);
}

//  SIGKILL while a publisher streams with many publishes in flight: every
//  acked seq is present and intact after a restart.
static void
test_kill_during_stream (void)
{
    hub_broker_proc_t broker = { 0 };
    REQUIRE (hub_broker_start (&broker, "broker-kill") == 0);
    zsock_t *client = s_client (broker.api, BUYER);
    const char *ocid = "ocds-h6vhtk-kill01";
    int code;
    REQUIRE (s_open_commission (client, ocid, &code) == 1);

    //  msg_id -> acked seq, for the publishes of the stream
    enum { TOTAL = 20000, WINDOW = 500 };
    uint64_t *acked = calloc (TOTAL, sizeof (uint64_t));
    Cyclehub__V1__NeedsAssessed needs = CYCLEHUB__V1__NEEDS_ASSESSED__INIT;
    char population [64];
    needs.population = population;
    int sent = 0, replies = 0;
    bool killed = false;
    zsock_set_rcvtimeo (client, 2000);
    while (replies < sent || sent < TOTAL) {
        while (sent < TOTAL && sent - replies < WINDOW) {
            char msg_id [32];
            snprintf (msg_id, sizeof msg_id, "k-%d", sent);
            snprintf (population, sizeof population, "population %d", sent);
            Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
            env.msg_id = msg_id;
            env.commission_id = (char *) ocid;
            env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_NEEDS_ASSESSED;
            env.needs_assessed = &needs;
            Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
            request.request_id = (uint64_t) sent + 1;
            request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH;
            request.publish = &env;
            s_send_request (client, &request);
            sent++;
        }
        Cyclehub__V1__Reply *reply = s_recv_reply (client);
        if (!reply)
            break;              //  the broker is gone
        if (reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK
        &&  reply->request_id >= 1 && reply->request_id <= TOTAL)
            acked [reply->request_id - 1] = reply->ack->seq;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        replies++;
        if (!killed && replies == TOTAL / 4) {
            kill (broker.pid, SIGKILL);
            killed = true;
        }
    }
    s_broker_stop (&broker, SIGKILL);
    zsock_destroy (&client);
    int count = 0;
    for (int i = 0; i < TOTAL; i++)
        count += acked [i] != 0;
    CHECK (killed);
    CHECK (count >= TOTAL / 4);

    REQUIRE (hub_broker_start (&broker, "restart") == 0);     //  same store and ports
    client = s_client (broker.api, BUYER);
    int intact = 0;
    for (int i = 0; i < TOTAL; i++) {
        if (!acked [i])
            continue;
        //  Re-sending the same bytes gives the same seq back: it is stored
        char msg_id [32];
        snprintf (msg_id, sizeof msg_id, "k-%d", i);
        snprintf (population, sizeof population, "population %d", i);
        Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        env.msg_id = msg_id;
        env.commission_id = (char *) ocid;
        env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_NEEDS_ASSESSED;
        env.needs_assessed = &needs;
        uint64_t seq = s_publish (client, &env, &code);
        if (seq == acked [i] && code == 100)
            intact++;
        else
            CHECK_MSG (false, "acked k-%d seq %" PRIu64 " came back as %" PRIu64 " code %d",
                       i, acked [i], seq, code);
        if (i % 97 != 0)
            continue;
        //  ... and the stored event holds that message
        Cyclehub__V1__Event *events [1];
        if (s_history (client, acked [i], NULL, events, 1) == 1) {
            CHECK (events [0]->seq == acked [i]);
            CHECK (streq (events [0]->envelope->needs_assessed->population, population));
            cyclehub__v1__event__free_unpacked (events [0], NULL);
        }
        else
            CHECK_MSG (false, "seq %" PRIu64 " not in history", acked [i]);
    }
    CHECK (intact == count);
    zsock_destroy (&client);
    CHECK (s_broker_stop (&broker, SIGTERM) == 0);
    hub_broker_cleanup (&broker);
    free (acked);
}

//  The command line: --help, bad flags, and a config file that sets the
//  endpoints, the store and the mode
static void
test_command_line (void)
{
    char bin [PATH_MAX];
    hub_proc_bin (bin, sizeof bin, "broker/cyclehubd");
    hub_run_t run;
    char *help [] = { bin, "--help", NULL };
    hub_run_argv (&run, help, NULL, 10000);
    CHECK (run.status == 0 && run.out && strstr (run.out, "--api ENDPOINT")
        && strstr (run.out, "tcp://127.0.0.1:7400") && strstr (run.out, "--backup DIR"));
    hub_run_free (&run);
    char *unknown [] = { bin, "--no-such-flag", NULL };
    hub_run_argv (&run, unknown, NULL, 10000);
    CHECK (run.status == 2 && run.err && strstr (run.err, "cyclehubd --help"));
    hub_run_free (&run);
    char *bad_max [] = { bin, "--plain", "--map-max", "lots", NULL };
    hub_run_argv (&run, bad_max, NULL, 10000);
    CHECK (run.status == 2 && run.err && strstr (run.err, "--map-max"));
    hub_run_free (&run);
    //  The rehearsal clock: in --help, and a bad duration is refused before starting
    hub_run_argv (&run, help, NULL, 10000);
    CHECK (run.status == 0 && strstr (run.out, "--clock-offset DURATION"));
    hub_run_free (&run);
    const char *bad_offsets [] = { "12", "+12x", "12d3", "d", "+36501d", "" };
    for (size_t i = 0; i < sizeof bad_offsets / sizeof bad_offsets [0]; i++) {
        char *bad_offset [] = { bin, "--plain", "--clock-offset", (char *) bad_offsets [i], NULL };
        hub_run_argv (&run, bad_offset, NULL, 10000);
        CHECK_MSG (run.status == 2 && run.err && strstr (run.err, "--clock-offset takes"),
                   "--clock-offset '%s': status %d", bad_offsets [i], run.status);
        hub_run_free (&run);
    }
    char *both [] = { bin, "--plain", "--auth", "/nonexistent", NULL };
    hub_run_argv (&run, both, NULL, 10000);
    CHECK (run.status == 2 && run.err && strstr (run.err, "exclude"));
    hub_run_free (&run);
    char *no_config [] = { bin, "--config", "/nonexistent/cyclehubd.cfg", NULL };
    hub_run_argv (&run, no_config, NULL, 10000);
    CHECK (run.status == 2 && run.err && strstr (run.err, "cannot read config file"));
    hub_run_free (&run);

    //  A config file: the broker listens where it says, with its store
    char *dir = hub_test_tmpdir ("broker-config");
    REQUIRE (dir);
    int api_port = hub_proc_free_port (), events_port = hub_proc_free_port ();
    REQUIRE (api_port && events_port && api_port != events_port);
    char config [PATH_MAX + 32], endpoints [PATH_MAX + 32], store [PATH_MAX + 32], log [PATH_MAX + 32];
    snprintf (config, sizeof config, "%s/cyclehubd.cfg", dir);
    snprintf (endpoints, sizeof endpoints, "%s/endpoints", dir);
    snprintf (store, sizeof store, "%s/from-config", dir);
    snprintf (log, sizeof log, "%s/broker.log", dir);
    FILE *file = fopen (config, "w");
    REQUIRE (file);
    fprintf (file, "cyclehubd\n    api = tcp://127.0.0.1:%d\n    events = tcp://127.0.0.1:%d\n"
             "    store = %s\n    plain = 1\n    clock_offset = -90m\n", api_port, events_port, store);
    fclose (file);
    char *argv [] = { bin, "--config", config, "--endpoints-file", endpoints, NULL };
    char out [PATH_MAX + 32];
    snprintf (out, sizeof out, "%s/broker.out", dir);
    pid_t pid = hub_proc_spawn (argv, NULL, out, log);
    REQUIRE (pid > 0);
    char *text = NULL;
    for (int i = 0; i < 500 && !text; i++) {
        text = hub_proc_slurp (endpoints);
        if (!text)
            hub_proc_sleep_ms (10);
    }
    char want [128];
    snprintf (want, sizeof want, "tcp://127.0.0.1:%d\ntcp://127.0.0.1:%d\n", api_port, events_port);
    CHECK_MSG (text && streq (text, want), "endpoints %s", text? text: "(none)");
    free (text);
    char data [PATH_MAX + 48];
    snprintf (data, sizeof data, "%s/data.mdb", store);
    CHECK (access (data, F_OK) == 0);
    //  ... and runs its clock 90 minutes behind, saying so
    char *logged = hub_proc_slurp (out);
    CHECK_MSG (logged && strstr (logged, "clock offset -5400000 ms in force"), "log: %s",
               logged? logged: "(none)");
    free (logged);
    CHECK (hub_proc_stop (pid, SIGTERM, 15000) == 0);
    hub_test_rmtree (dir);
    free (dir);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    test_command_line ();
    test_whole_cycle ();
    test_bad_input ();
    test_legacy_digest ();
    test_reply_order ();
    test_history_burst ();
    test_kill_during_stream ();
    HUB_TEST_DONE ();
}
