/*  Tests of the access rules (broker/domain/hub_access): every cell of
    (role set x message type x relation to the commission) against a table
    written from the rules of the issue, not from the implementation; then
    dangling contracts, reasons, personal data and the role list syntax.
    The commission is built by hub_cycle_apply from real messages.
*/
#include "hub_access.h"
#include "hub_cycle.h"
#include "hub_validate.h"
#include "hub_commission.h"
#include "hub_test.h"

#define REJ(c)      CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##c
#define STAGE(s)    CYCLEHUB__V1__STAGE__STAGE_##s
#define BODY(t)     CYCLEHUB__V1__ENVELOPE__BODY_##t

#define CID         "ocds-h6vhtk-000042"
#define BUYER       "GB-LAE-E08000035"      //  opens the commission: its owner
#define PARTNER     "GB-NHS-QWO"            //  listed on commission.opened
#define PARTNER2    "GB-CHC-7654321"        //  listed too
#define SUPPLIER    "GB-CHC-1234567"        //  supplier of contract k-1
#define SUPPLIER2   "GB-COH-01234567"       //  supplier of contract k-2 only
#define OTHER       "GB-NIC-100001"         //  a registered agency with no relation
#define DAY         INT64_C (86400000)
#define NOW         (INT64_C (1735689600000) + 100 * DAY)

#define C   HUB_ROLE_COMMISSIONER
#define PA  HUB_ROLE_PARTNER
#define PR  HUB_ROLE_PROVIDER
#define OB  HUB_ROLE_OBSERVER
#define ANY (C | PA | PR | OB)

//  --------------------------------------------------------------------------
//  Messages, built generically from the Envelope's descriptor: each body is
//  an initialised message of its type, with the fields a test names set

typedef struct {
    Cyclehub__V1__Envelope env;
    ProtobufCMessage *body;         //  calloc'd; strings are static
    void *lists [4];                //  calloc'd repeated fields
    size_t n_lists;
} msg_t;

static const ProtobufCFieldDescriptor *
s_body_field (Cyclehub__V1__Envelope__BodyCase type)
{
    return protobuf_c_message_descriptor_get_field (&cyclehub__v1__envelope__descriptor, (unsigned) type);
}

static void
s_msg (msg_t *m, Cyclehub__V1__Envelope__BodyCase type)
{
    memset (m, 0, sizeof *m);
    cyclehub__v1__envelope__init (&m->env);
    m->env.msg_id = "m-1";
    m->env.commission_id = CID;
    m->env.sent_at_ms = NOW;
    m->env.body_case = type;
    const ProtobufCFieldDescriptor *field = s_body_field (type);
    REQUIRE (field && field->type == PROTOBUF_C_TYPE_MESSAGE);
    const ProtobufCMessageDescriptor *desc = field->descriptor;
    m->body = calloc (1, desc->sizeof_message);
    REQUIRE (m->body);
    protobuf_c_message_init (desc, m->body);
    *(ProtobufCMessage **) ((char *) &m->env + field->offset) = m->body;
}

static void
s_free (msg_t *m)
{
    free (m->body);
    for (size_t i = 0; i < m->n_lists; i++)
        free (m->lists [i]);
    memset (m, 0, sizeof *m);
}

static const ProtobufCFieldDescriptor *
s_field (msg_t *m, const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name (m->body->descriptor, name);
    REQUIRE (f);
    return f;
}

static void
s_set_str (msg_t *m, const char *name, const char *value)
{
    const ProtobufCFieldDescriptor *f = s_field (m, name);
    REQUIRE (f->type == PROTOBUF_C_TYPE_STRING && f->label != PROTOBUF_C_LABEL_REPEATED);
    *(const char **) ((char *) m->body + f->offset) = value;
}

static void
s_set_strs (msg_t *m, const char *name, size_t n, const char *a, const char *b)
{
    const ProtobufCFieldDescriptor *f = s_field (m, name);
    REQUIRE (f->label == PROTOBUF_C_LABEL_REPEATED && n <= 2 && m->n_lists < 4);
    const char **list = calloc (2, sizeof (char *));
    REQUIRE (list);
    list [0] = a;
    list [1] = b;
    m->lists [m->n_lists++] = list;
    *(size_t *) ((char *) m->body + f->quantifier_offset) = n;
    *(const char ***) ((char *) m->body + f->offset) = list;
}

static void
s_set_int (msg_t *m, const char *name, int value)
{
    const ProtobufCFieldDescriptor *f = s_field (m, name);
    REQUIRE (f->type == PROTOBUF_C_TYPE_ENUM || f->type == PROTOBUF_C_TYPE_UINT32);
    *(int *) ((char *) m->body + f->offset) = value;
}

//  The message of `type` each cell sends: monitoring names contract k-1
//  (supplier SUPPLIER), commission.opened names BUYER as its buyer
static void
s_cell_msg (msg_t *m, Cyclehub__V1__Envelope__BodyCase type, const char *contract)
{
    s_msg (m, type);
    if (type == BODY (COMMISSION_OPENED)) {
        s_set_str (m, "buyer", BUYER);
        s_set_str (m, "title", "Community mental health support");
        s_set_strs (m, "partners", 2, PARTNER, PARTNER2);
    }
    if (protobuf_c_message_descriptor_get_field_by_name (m->body->descriptor, "contract_id"))
        s_set_str (m, "contract_id", contract);
}

//  Applies a fixture step at `at`, which must be accepted
static void
s_must_at (hub_commission_t **c, msg_t *m, const char *sender, int64_t at, int line)
{
    hub_verdict_t v;
    if (hub_cycle_apply (c, &m->env, sender, at, NULL, &v) != 0) {
        fprintf (stderr, "FATAL line %d: fixture step %s rejected: %s: %s\n", line,
                 hub_proto_type_name (m->env.body_case), hub_proto_reject_name (v.code), v.reason);
        exit (1);
    }
    s_free (m);
}
#define MUST(c, m) s_must_at (c, m, BUYER, NOW, __LINE__)
#define MUST_AT(c, m, at) s_must_at (c, m, BUYER, at, __LINE__)

//  A procurement run from tender to an active contract for one supplier,
//  each step when its dates allow it: the tender period over, the award's
//  standstill (of at least 8 working days) over before the contract
static void
s_contract (hub_commission_t **c, const char *procurement, const char *award,
            const char *contract, const char *supplier)
{
    msg_t m;
    s_msg (&m, BODY (TENDER_PUBLISHED));
    s_set_str (&m, "procurement_id", procurement);
    s_set_str (&m, "title", "Crisis support");
    Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
    period.start_ms = NOW - 60 * DAY;
    period.end_ms = NOW - 30 * DAY;
    m.env.tender_published->tender_period = &period;
    MUST_AT (c, &m, NOW - 60 * DAY);
    s_msg (&m, BODY (TENDER_CLOSED));
    s_set_str (&m, "procurement_id", procurement);
    s_set_int (&m, "bids_received", 3);
    MUST_AT (c, &m, NOW - 30 * DAY);
    s_msg (&m, BODY (AWARD_MADE));
    s_set_str (&m, "procurement_id", procurement);
    s_set_str (&m, "award_id", award);
    s_set_strs (&m, "suppliers", 1, supplier, NULL);
    m.env.award_made->standstill_ends_ms = NOW - 10 * DAY;
    MUST_AT (c, &m, NOW - 30 * DAY);
    s_msg (&m, BODY (CONTRACT_SIGNED));
    s_set_str (&m, "contract_id", contract);
    s_set_str (&m, "award_id", award);
    MUST (c, &m);
}

//  The commission every cell is checked against: opened by BUYER with
//  PARTNER and PARTNER2, in do, with k-1 (SUPPLIER) and k-2 (SUPPLIER2) active
static hub_commission_t *
s_commission (void)
{
    hub_commission_t *c = NULL;
    msg_t m;
    s_cell_msg (&m, BODY (COMMISSION_OPENED), NULL);
    MUST (&c, &m);
    s_msg (&m, BODY (PRIORITIES_AGREED));
    MUST (&c, &m);
    s_contract (&c, "p-1", "a-1", "k-1", SUPPLIER);
    s_contract (&c, "p-2", "a-2", "k-2", SUPPLIER2);
    REQUIRE (hub_commission_stage (c) == STAGE (DO));
    REQUIRE (strcmp (hub_commission_owner (c), BUYER) == 0);
    REQUIRE (hub_commission_is_partner (c, PARTNER));
    REQUIRE (hub_commission_contract_status (c, "k-1") == CYCLEHUB__V1__CONTRACT_STATE__STATUS__STATUS_ACTIVE);
    REQUIRE (hub_commission_is_contract_supplier (c, "k-1", SUPPLIER));
    REQUIRE (!hub_commission_is_contract_supplier (c, "k-1", SUPPLIER2));
    return c;
}

//  --------------------------------------------------------------------------
//  The table. For each message type and each relation to the commission, the
//  roles that let that relation publish it (0: that relation may not; ANY:
//  any role at all, i.e. any registered agency). From the issue:
//  - commission, consultation and procurement messages, evaluation, review
//    decision: the owner, holding commissioner
//  - partner.update: the owner (commissioner) or a listed partner (partner)
//  - monitoring (kpi, milestone, social value, payment): the contract's
//    supplier (provider), the buyer (commissioner) or a listed partner (partner)
//  - consultation.response: any registered agency that publishes; an
//    observer only reads (docs/protocol.md), so observer alone may not
//  - commission.opened: only its buyer, holding commissioner
//  - erasure.recorded: nobody

enum { R_OWNER, R_PARTNER, R_SUPPLIER, R_OTHER, R_COUNT };
static const char *s_rel_sender [R_COUNT] = { BUYER, PARTNER, SUPPLIER, OTHER };
static const char *s_rel_name [R_COUNT] = { "owner", "partner", "supplier", "unrelated" };

typedef struct {
    Cyclehub__V1__Envelope__BodyCase type;
    unsigned may [R_COUNT];         //  owner, partner, supplier, unrelated
    const char *rule;               //  words the reason of a refusal must hold
} row_t;

#define OWNER_ONLY  { C, 0, 0, 0 }
#define MONITORING  { C, PA, PR, 0 }
#define PUBLISHERS  (C | PA | PR)           //  every role but observer

static const row_t s_table [] = {
    //                                   owner partner supplier unrelated
    { BODY (COMMISSION_OPENED),      { C,    0,      0,       0   }, "opened by its buyer, a commissioner" },
    { BODY (NEEDS_ASSESSED),         OWNER_ONLY,                     "commission's owner" },
    { BODY (PRIORITIES_AGREED),      OWNER_ONLY,                     "commission's owner" },
    { BODY (STRATEGY_APPROVED),      OWNER_ONLY,                     "commission's owner" },
    { BODY (STAGE_CHANGE_REQUESTED), OWNER_ONLY,                     "commission's owner" },
    { BODY (PARTNER_UPDATE),         { C,    PA,     0,       0   }, "owner or a listed partner" },
    { BODY (CONSULTATION_OPENED),    OWNER_ONLY,                     "consultations are run by the commission's owner" },
    { BODY (RESPONSE_SUBMITTED),     { PUBLISHERS, PUBLISHERS, PUBLISHERS, PUBLISHERS },
                                     "observers only read" },
    { BODY (CONSULTATION_CLOSED),    OWNER_ONLY,                     "consultations are run by the commission's owner" },
    { BODY (CONSULTATION_OUTCOME),   OWNER_ONLY,                     "consultations are run by the commission's owner" },
    { BODY (PROCUREMENT_PLANNED),    OWNER_ONLY,                     "procurement notices come from the commission's owner" },
    { BODY (MARKET_ENGAGEMENT),      OWNER_ONLY,                     "procurement notices come from the commission's owner" },
    { BODY (TENDER_PUBLISHED),       OWNER_ONLY,                     "procurement notices come from the commission's owner" },
    { BODY (TENDER_AMENDED),         OWNER_ONLY,                     "procurement notices come from the commission's owner" },
    { BODY (TENDER_CLOSED),          OWNER_ONLY,                     "procurement notices come from the commission's owner" },
    { BODY (PROCUREMENT_TERMINATED), OWNER_ONLY,                     "procurement notices come from the commission's owner" },
    { BODY (DIRECT_AWARD),           OWNER_ONLY,                     "procurement notices come from the commission's owner" },
    { BODY (AWARD_MADE),             OWNER_ONLY,                     "procurement notices come from the commission's owner" },
    { BODY (CONTRACT_SIGNED),        OWNER_ONLY,                     "procurement notices come from the commission's owner" },
    { BODY (CONTRACT_CHANGED),       OWNER_ONLY,                     "procurement notices come from the commission's owner" },
    { BODY (CONTRACT_ENDED),         OWNER_ONLY,                     "procurement notices come from the commission's owner" },
    { BODY (KPI_REPORTED),           MONITORING,                     "contract's supplier, the buyer or a listed partner" },
    { BODY (MILESTONE_UPDATED),      MONITORING,                     "contract's supplier, the buyer or a listed partner" },
    { BODY (SOCIAL_VALUE_REPORTED),  MONITORING,                     "contract's supplier, the buyer or a listed partner" },
    { BODY (PAYMENT_REPORTED),       MONITORING,                     "contract's supplier, the buyer or a listed partner" },
    { BODY (EVALUATION_PUBLISHED),   OWNER_ONLY,                     "evaluations come from the commission's owner" },
    { BODY (REVIEW_DECISION),        OWNER_ONLY,                     "review decisions come from the commission's owner" },
    { BODY (ERASURE_RECORDED),       { 0,    0,      0,       0   }, "no agency may publish erasure.recorded" },
};
#define N_TABLE (sizeof s_table / sizeof s_table [0])

//  Role sets: none, each alone, and combinations (HUB_ROLES_ALL_DEV is what
//  every PLAIN agency holds in development mode)
static const unsigned s_role_sets [] = {
    0, C, PA, PR, OB, C | OB, PA | PR, PA | OB, PR | OB, C | PA, HUB_ROLES_ALL_DEV, ANY
};
#define N_ROLE_SETS (sizeof s_role_sets / sizeof s_role_sets [0])

static void
test_table (void)
{
    //  The table covers every message type hub_proto knows, once
    size_t types = 0;
    for (size_t i = 0; hub_proto_type_at (i); i++, types++) {
        int found = 0;
        for (size_t r = 0; r < N_TABLE; r++)
            found += s_table [r].type == hub_proto_type_at (i);
        CHECK_MSG (found == 1, "%d table rows for %s", found,
                   hub_proto_type_name (hub_proto_type_at (i)));
    }
    CHECK (types == N_TABLE);

    hub_commission_t *c = s_commission ();
    uint8_t *before, *after;
    size_t before_size, after_size;
    REQUIRE (hub_commission_encode (c, &before, &before_size) == 0);
    size_t cells = 0, allowed = 0;
    for (size_t r = 0; r < N_TABLE; r++) {
        const row_t *row = &s_table [r];
        bool opened = row->type == BODY (COMMISSION_OPENED);
        for (int rel = 0; rel < R_COUNT; rel++)
            for (size_t k = 0; k < N_ROLE_SETS; k++) {
                unsigned roles = s_role_sets [k];
                bool want = (roles & row->may [rel]) != 0;
                msg_t m;
                s_cell_msg (&m, row->type, "k-1");
                if (opened)
                    m.env.commission_id = "ocds-h6vhtk-000043";
                hub_verdict_t v;
                hub_verdict_clear (&v);
                int rc = hub_access_check (opened? NULL: c, &m.env, s_rel_sender [rel], roles, &v);
                char have [64];
                hub_access_format_roles (roles, have, sizeof have);
                CHECK_MSG ((rc == 0) == want, "%s by the %s with roles {%s}: got %s (%s)",
                           hub_proto_type_name (row->type), s_rel_name [rel], have,
                           rc? "refused": "allowed", v.reason);
                if (rc == 0)
                    CHECK (v.code == 0);
                else {
                    CHECK (rc == -1);
                    CHECK (v.code == REJ (NOT_AUTHORISED));
                    //  The reason names the rule, the type and the sender
                    CHECK_MSG (strstr (v.reason, row->rule), "%s: reason does not name the rule: %s",
                               hub_proto_type_name (row->type), v.reason);
                    CHECK_MSG (strstr (v.reason, hub_proto_type_name (row->type)),
                               "reason does not name the type: %s", v.reason);
                    if (row->type != BODY (ERASURE_RECORDED))
                        CHECK_MSG (strstr (v.reason, s_rel_sender [rel]),
                                   "reason does not name the sender: %s", v.reason);
                    if (roles && row->type != BODY (ERASURE_RECORDED))
                        CHECK_MSG (strstr (v.reason, have), "reason does not list the roles: %s", v.reason);
                }
                allowed += rc == 0;
                cells++;
                s_free (&m);
            }
    }
    //  Checking access never changes the state
    REQUIRE (hub_commission_encode (c, &after, &after_size) == 0);
    CHECK (before_size == after_size && memcmp (before, after, after_size) == 0);
    free (before);
    free (after);
    CHECK (cells == N_TABLE * R_COUNT * N_ROLE_SETS);
    printf ("access table: %zu types x %d relations x %zu role sets = %zu cells, %zu allowed\n",
            N_TABLE, R_COUNT, N_ROLE_SETS, cells, allowed);
    hub_commission_destroy (&c);
}

//  --------------------------------------------------------------------------
//  Contracts: the supplier relation is per contract

static void
test_contracts (void)
{
    static const Cyclehub__V1__Envelope__BodyCase reports [] = {
        BODY (KPI_REPORTED), BODY (MILESTONE_UPDATED), BODY (SOCIAL_VALUE_REPORTED),
        BODY (PAYMENT_REPORTED)
    };
    hub_commission_t *c = s_commission ();
    hub_verdict_t v;
    for (size_t i = 0; i < sizeof reports / sizeof reports [0]; i++) {
        msg_t m;
        //  The supplier of k-2 may not report on k-1, nor k-1's on k-2
        s_cell_msg (&m, reports [i], "k-1");
        CHECK (hub_access_check (c, &m.env, SUPPLIER2, PR, &v) == -1);
        CHECK (v.code == REJ (NOT_AUTHORISED));
        CHECK (hub_access_check (c, &m.env, SUPPLIER, PR, &v) == 0);
        s_free (&m);
        s_cell_msg (&m, reports [i], "k-2");
        CHECK (hub_access_check (c, &m.env, SUPPLIER, PR | OB, &v) == -1);
        CHECK (hub_access_check (c, &m.env, SUPPLIER2, PR, &v) == 0);
        //  A second partner listed is a partner too
        CHECK (hub_access_check (c, &m.env, PARTNER2, PA, &v) == 0);
        s_free (&m);

        //  A contract the commission does not have passes access, whoever
        //  sends it; the state machine then names the dangling reference
        s_cell_msg (&m, reports [i], "k-nope");
        static const char *senders [] = { BUYER, PARTNER, SUPPLIER, OTHER };
        for (size_t s = 0; s < 4; s++) {
            hub_verdict_clear (&v);
            CHECK (hub_access_check (c, &m.env, senders [s], OB, &v) == 0);
            CHECK (v.code == 0);
        }
        hub_commission_t *was = c;
        CHECK (hub_cycle_apply (&c, &m.env, OTHER, NOW, NULL, &v) == -1);
        CHECK (c == was);
        CHECK (v.code == REJ (INVALID_VALUE));
        CHECK (strstr (v.reason, "has no contract k-nope"));
        //  ... but not for an agency that holds no role at all
        CHECK (hub_access_check (c, &m.env, OTHER, 0, &v) == -1);
        CHECK (v.code == REJ (NOT_AUTHORISED));
        s_free (&m);
    }
    //  A report the access rules let through is accepted by the state machine
    msg_t m;
    s_cell_msg (&m, BODY (KPI_REPORTED), "k-1");
    s_set_str (&m, "kpi_code", "KPI-1");
    CHECK (hub_access_check (c, &m.env, SUPPLIER, PR, &v) == 0);
    CHECK (hub_cycle_apply (&c, &m.env, SUPPLIER, NOW, NULL, &v) == 0);
    s_free (&m);
    //  An ended contract's supplier is still its supplier: the state machine
    //  refuses the report because the contract is not active
    s_msg (&m, BODY (CONTRACT_ENDED));
    s_set_str (&m, "contract_id", "k-2");
    s_set_int (&m, "how", CYCLEHUB__V1__CONTRACT_END__CONTRACT_END_EXPIRED);
    MUST (&c, &m);
    s_cell_msg (&m, BODY (PAYMENT_REPORTED), "k-2");
    CHECK (hub_access_check (c, &m.env, SUPPLIER2, PR, &v) == 0);
    CHECK (hub_cycle_apply (&c, &m.env, SUPPLIER2, NOW, NULL, &v) == -1);
    CHECK (v.code == REJ (ILLEGAL_TRANSITION));
    s_free (&m);
    hub_commission_destroy (&c);
}

//  --------------------------------------------------------------------------
//  Edges: unknown commission, opening, no identity, the buyer also a partner

static void
test_edges (void)
{
    hub_verdict_t v;
    msg_t m;
    //  No commission yet: access passes, the state machine says UNKNOWN_COMMISSION
    s_cell_msg (&m, BODY (NEEDS_ASSESSED), NULL);
    CHECK (hub_access_check (NULL, &m.env, OTHER, C, &v) == 0);
    hub_commission_t *none = NULL;
    CHECK (hub_cycle_apply (&none, &m.env, OTHER, NOW, NULL, &v) == -1);
    CHECK (v.code == REJ (UNKNOWN_COMMISSION) && none == NULL);
    //  No identity, or no role: refused, naming the rule
    CHECK (hub_access_check (NULL, &m.env, NULL, C, &v) == -1);
    CHECK (v.code == REJ (NOT_AUTHORISED) && strstr (v.reason, "no registered agency identity"));
    CHECK (strstr (v.reason, "commission's owner"));
    CHECK (hub_access_check (NULL, &m.env, "", C, &v) == -1);
    CHECK (hub_access_check (NULL, &m.env, BUYER, 0, &v) == -1);
    CHECK (strstr (v.reason, "holds no role") && strstr (v.reason, "commission's owner"));
    s_free (&m);

    //  commission.opened: the sender must be the buyer it names, as a commissioner
    s_cell_msg (&m, BODY (COMMISSION_OPENED), NULL);
    s_set_str (&m, "buyer", OTHER);
    CHECK (hub_access_check (NULL, &m.env, OTHER, C, &v) == 0);
    CHECK (hub_access_check (NULL, &m.env, BUYER, C, &v) == -1);
    CHECK (strstr (v.reason, "opened by its buyer"));
    CHECK (hub_access_check (NULL, &m.env, OTHER, PA | PR | OB, &v) == -1);
    CHECK (strstr (v.reason, "its roles: partner,provider,observer"));
    //  An envelope whose body member is missing does not crash the check
    m.env.commission_opened = NULL;
    CHECK (hub_access_check (NULL, &m.env, OTHER, C, &v) == -1);
    s_free (&m);
    s_msg (&m, BODY (KPI_REPORTED));
    m.env.kpi_reported = NULL;
    hub_commission_t *c = s_commission ();
    CHECK (hub_access_check (c, &m.env, OTHER, PR, &v) == -1);
    CHECK (hub_access_check (c, &m.env, BUYER, C, &v) == 0);
    s_free (&m);
    //  No body at all
    Cyclehub__V1__Envelope empty = CYCLEHUB__V1__ENVELOPE__INIT;
    empty.commission_id = CID;
    CHECK (hub_access_check (c, &empty, BUYER, ANY, &v) == -1);
    CHECK (v.code == REJ (NOT_AUTHORISED));
    hub_commission_destroy (&c);

    //  A buyer that lists itself as a partner may post updates with either role
    c = NULL;
    s_cell_msg (&m, BODY (COMMISSION_OPENED), NULL);
    s_set_strs (&m, "partners", 2, BUYER, PARTNER);
    MUST (&c, &m);
    s_msg (&m, BODY (PARTNER_UPDATE));
    CHECK (hub_access_check (c, &m.env, BUYER, C, &v) == 0);
    CHECK (hub_access_check (c, &m.env, BUYER, PA, &v) == 0);
    CHECK (hub_access_check (c, &m.env, BUYER, OB, &v) == -1);
    s_free (&m);
    //  ... but a partner role does not make it the owner where the owner is needed
    s_msg (&m, BODY (STRATEGY_APPROVED));
    CHECK (hub_access_check (c, &m.env, BUYER, PA | PR | OB, &v) == -1);
    s_free (&m);
    hub_commission_destroy (&c);
}

//  --------------------------------------------------------------------------
//  Personal data: only the owner reads it

static void
test_sees_personal (void)
{
    hub_commission_t *c = s_commission ();
    CHECK (hub_access_sees_personal (c, BUYER));
    CHECK (!hub_access_sees_personal (c, PARTNER));
    CHECK (!hub_access_sees_personal (c, PARTNER2));
    CHECK (!hub_access_sees_personal (c, SUPPLIER));
    CHECK (!hub_access_sees_personal (c, OTHER));
    CHECK (!hub_access_sees_personal (c, ""));
    CHECK (!hub_access_sees_personal (c, NULL));
    CHECK (!hub_access_sees_personal (NULL, BUYER));
    //  A prefix of the owner's org-id is someone else
    CHECK (!hub_access_sees_personal (c, "GB-LAE-E0800003"));
    hub_commission_destroy (&c);
}

//  --------------------------------------------------------------------------
//  Observers read; they publish nothing, not even a consultation response

static void
test_observer (void)
{
    hub_commission_t *c = s_commission ();
    hub_verdict_t v;
    msg_t m;
    s_cell_msg (&m, BODY (RESPONSE_SUBMITTED), NULL);
    CHECK (hub_access_check (c, &m.env, OTHER, OB, &v) == -1);
    CHECK (v.code == REJ (NOT_AUTHORISED));
    CHECK (strstr (v.reason, OTHER " may not publish consultation.response"));
    CHECK (strstr (v.reason, "observers only read"));
    CHECK (strstr (v.reason, "its roles: observer"));
    //  ... whatever its relation to the commission
    CHECK (hub_access_check (c, &m.env, PARTNER, OB, &v) == -1);
    //  An agency holding another role besides may respond
    CHECK (hub_access_check (c, &m.env, OTHER, PR | OB, &v) == 0);
    CHECK (hub_access_check (c, &m.env, OTHER, PA, &v) == 0);
    s_free (&m);
    hub_commission_destroy (&c);
}

//  --------------------------------------------------------------------------
//  ocid prefixes: a commissioner opens commissions under its own prefixes

static void
test_prefixes (void)
{
    static const struct {
        const char *text;
        int rc;
    } lists [] = {
        { "ocds-h6vhtk",                 0 },
        { "ocds-h6vhtk,ocds-abc123",     0 },
        { " ocds-h6vhtk , ocds-abc123 ", 0 },
        { "",                            -1 },
        { ",",                           -1 },
        { "ocds-h6vhtk,",                -1 },
        { "ocds-h6vhtk,,ocds-abc123",    -1 },
        { "ocds-H6VHTK",                 -1 },
        { "ocds-h6vht",                  -1 },
        { "ocds-h6vhtk1",                -1 },
        { "ocds-h6vhtk-",                -1 },
        { "ocid-h6vhtk",                 -1 },
        { "ocds-h6v_tk",                 -1 },
        { "ocds-h6vhtk ocds-abc123",     -1 },
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists [0]; i++)
        CHECK_MSG (hub_access_parse_prefixes (lists [i].text) == lists [i].rc,
                   "parse prefixes \"%s\"", lists [i].text);
    CHECK (hub_access_parse_prefixes (NULL) == -1);

    hub_verdict_t v;
    const char *mine = "ocds-abc123, ocds-h6vhtk";
    CHECK (hub_access_check_prefix ("ocds-h6vhtk-000042", BUYER, mine, &v) == 0);
    CHECK (hub_access_check_prefix ("ocds-abc123-x", BUYER, mine, &v) == 0);
    //  Another publisher's prefix: refused, naming the prefix and the registry
    hub_verdict_clear (&v);
    CHECK (hub_access_check_prefix ("ocds-zzz999-000042", BUYER, mine, &v) == -1);
    CHECK (v.code == REJ (NOT_AUTHORISED));
    CHECK (strcmp (v.field, "commission_id") == 0);
    CHECK (strstr (v.reason, "ocid prefix ocds-zzz999 is not registered to " BUYER));
    CHECK (strstr (v.reason, "agencies.cfg"));
    CHECK (strstr (v.reason, "ocid-prefixes"));
    //  A prefix of a prefix, or one that merely starts the same, is not it
    CHECK (hub_access_check_prefix ("ocds-abc12-x", BUYER, mine, &v) == -1);
    CHECK (hub_access_check_prefix ("ocds-abc1234-x", BUYER, "ocds-abc123", &v) == -1);
    //  No prefix registered: nothing may be opened, and the reason says so
    CHECK (hub_access_check_prefix ("ocds-h6vhtk-000042", BUYER, "", &v) == -1);
    CHECK (strstr (v.reason, "no prefix"));
    //  Development mode (no registry): any prefix
    CHECK (hub_access_check_prefix ("ocds-zzz999-000042", BUYER, NULL, &v) == 0);
    //  A malformed ocid is refused, never read past its end
    CHECK (hub_access_check_prefix ("ocds", BUYER, mine, &v) == -1);
    CHECK (hub_access_check_prefix (NULL, BUYER, mine, &v) == -1);
}

//  --------------------------------------------------------------------------
//  Role lists

static void
test_roles (void)
{
    static const struct {
        const char *text;
        int rc;
        unsigned roles;
    } cases [] = {
        { "commissioner",                        0, C },
        { "partner",                             0, PA },
        { "provider",                            0, PR },
        { "observer",                            0, OB },
        { "commissioner,partner",                0, C | PA },
        { "commissioner,partner,provider",       0, HUB_ROLES_ALL_DEV },
        { "observer,provider,partner,commissioner", 0, ANY },
        { " commissioner , partner ",            0, C | PA },
        { "partner,partner",                     0, PA },
        { "",                                    -1, 0 },
        { " ",                                   -1, 0 },
        { ",",                                   -1, 0 },
        { "commissioner,",                       -1, 0 },
        { ",partner",                            -1, 0 },
        { "commissioner,,partner",               -1, 0 },
        { "commissioner, ,partner",              -1, 0 },
        { "admin",                               -1, 0 },
        { "commissioner,admin",                  -1, 0 },
        { "Commissioner",                        -1, 0 },
        { "commission",                          -1, 0 },
        { "commissioners",                       -1, 0 },
        { "commissioner partner",                -1, 0 },
        { "\tpartner",                           -1, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        unsigned roles = 0xdead;
        int rc = hub_access_parse_roles (cases [i].text, &roles);
        CHECK_MSG (rc == cases [i].rc, "parse \"%s\": %d", cases [i].text, rc);
        CHECK_MSG (roles == (rc == 0? cases [i].roles: 0xdead),
                   "parse \"%s\": roles %#x", cases [i].text, roles);
    }
    unsigned roles = 0xdead;
    CHECK (hub_access_parse_roles (NULL, &roles) == -1 && roles == 0xdead);

    char buf [64];
    hub_access_format_roles (0, buf, sizeof buf);
    CHECK (strcmp (buf, "") == 0);
    hub_access_format_roles (C, buf, sizeof buf);
    CHECK (strcmp (buf, "commissioner") == 0);
    hub_access_format_roles (OB | PA, buf, sizeof buf);
    CHECK (strcmp (buf, "partner,observer") == 0);
    hub_access_format_roles (ANY, buf, sizeof buf);
    CHECK (strcmp (buf, "commissioner,partner,provider,observer") == 0);
    hub_access_format_roles (ANY | 0x100, buf, sizeof buf);
    CHECK (strcmp (buf, "commissioner,partner,provider,observer") == 0);
    //  Every role set formats to a list that parses back to it
    for (unsigned set = 1; set <= ANY; set++) {
        hub_access_format_roles (set, buf, sizeof buf);
        CHECK (hub_access_parse_roles (buf, &roles) == 0 && roles == set);
    }
    //  A small buffer truncates but stays terminated
    char small [8];
    memset (small, 'x', sizeof small);
    hub_access_format_roles (ANY, small, sizeof small);
    CHECK (small [sizeof small - 1] == 0 && strncmp (small, "commiss", 7) == 0);
    memset (small, 'x', sizeof small);
    hub_access_format_roles (ANY, small, 1);
    CHECK (small [0] == 0 && small [1] == 'x');
    hub_access_format_roles (ANY, small, 0);
    CHECK (small [0] == 0 && small [1] == 'x');
    hub_access_format_roles (ANY, NULL, 8);
}

int
main (void)
{
    test_table ();
    test_contracts ();
    test_edges ();
    test_sees_personal ();
    test_observer ();
    test_prefixes ();
    test_roles ();
    HUB_TEST_DONE ();
}
