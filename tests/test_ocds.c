/*  Tests of the OCDS export: a whole procurement history becomes a release
    package (and a record package) that the official OCDS 1.1.5 schema
    accepts, with stable ids, the expected tags, exact amounts, and the same
    bytes every time.
*/
#include "hub_ocds.h"
#include "hub_proto.h"
#include "hub_test.h"

#include <stdbool.h>
#include <sys/wait.h>
#include <jansson.h>

#define OCID_1  "ocds-h6vhtk-056931"     //  the full cycle, contract terminated
#define OCID_2  "ocds-h6vhtk-056932"     //  a procurement terminated before award
#define OCID_3  "ocds-h6vhtk-056933"     //  a direct award
#define OCID_4  "ocds-h6vhtk-056934"     //  no procurement at all
#define BUYER   "GB-LAE-E08000025"
#define NHS     "GB-NHS-QWE"
#define SUPPLIER "GB-COH-01234567"
#define CHARITY  "GB-CHC-1234567"

#define DAY_MS  86400000LL
#define T0_MS   1767225600000LL          //  2026-01-01T00:00:00Z

//  ----------------------------------------------------------------------
//  A history: packed events as a history page carries them

#define MAX_EVENTS 64

typedef struct {
    uint8_t *data [MAX_EVENTS];
    size_t size [MAX_EVENTS];
    size_t count;
    uint64_t seq;
    int64_t ms;
} history_t;

static void
s_push (history_t *h, const char *ocid, Cyclehub__V1__Envelope *env)
{
    REQUIRE (h->count < MAX_EVENTS);
    char msg_id [32];
    snprintf (msg_id, sizeof msg_id, "m%zu", h->count + 1);
    env->msg_id = msg_id;
    env->commission_id = (char *) ocid;
    Cyclehub__V1__Event ev = CYCLEHUB__V1__EVENT__INIT;
    ev.seq = ++h->seq;
    h->ms += DAY_MS + 123;             //  a millisecond part, to see it written
    ev.recorded_at_ms = h->ms;
    ev.sender = BUYER;
    ev.stage = CYCLEHUB__V1__STAGE__STAGE_DO;
    ev.type = (char *) hub_proto_type_name (env->body_case);
    ev.envelope = env;
    size_t size = cyclehub__v1__event__get_packed_size (&ev);
    h->data [h->count] = (uint8_t *) malloc (size);
    REQUIRE (h->data [h->count]);
    cyclehub__v1__event__pack (&ev, h->data [h->count]);
    h->size [h->count++] = size;
}

static void
s_history_free (history_t *h)
{
    for (size_t i = 0; i < h->count; i++)
        free (h->data [i]);
    h->count = 0;
}

static void
s_opened (history_t *h, const char *ocid, const char *buyer)
{
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    Cyclehub__V1__CommissionOpened m = CYCLEHUB__V1__COMMISSION_OPENED__INIT;
    m.title = "Community mental health support";
    m.buyer = (char *) buyer;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED;
    env.commission_opened = &m;
    s_push (h, ocid, &env);
}

static void
s_needs (history_t *h, const char *ocid)
{
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    Cyclehub__V1__NeedsAssessed m = CYCLEHUB__V1__NEEDS_ASSESSED__INIT;
    m.population = "Adults 18-64 in the borough";
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_NEEDS_ASSESSED;
    env.needs_assessed = &m;
    s_push (h, ocid, &env);
}

static void
s_planned (history_t *h, const char *ocid, const char *pid, Cyclehub__V1__NoticeKind kind,
           int64_t pence)
{
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    Cyclehub__V1__ProcurementPlanned m = CYCLEHUB__V1__PROCUREMENT_PLANNED__INIT;
    Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
    value.amount = pence;
    value.currency = "GBP";
    m.procurement_id = (char *) pid;
    m.title = "Recovery and wellbeing service";
    m.kind = kind;
    m.estimated_value = &value;
    m.expected_tender_ms = T0_MS + 60 * DAY_MS;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PROCUREMENT_PLANNED;
    env.procurement_planned = &m;
    s_push (h, ocid, &env);
}

static void
s_tender (history_t *h, const char *ocid, const char *pid, int64_t pence, const char *currency)
{
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    Cyclehub__V1__TenderPublished m = CYCLEHUB__V1__TENDER_PUBLISHED__INIT;
    Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
    Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
    value.amount = pence;
    value.currency = (char *) currency;
    period.start_ms = T0_MS + 60 * DAY_MS;
    period.end_ms = T0_MS + 90 * DAY_MS;
    m.procurement_id = (char *) pid;
    m.title = "Recovery and wellbeing service";
    m.description = "Community-based \"recovery\" support, with \\ and \u00e9 in the text";
    m.value = &value;
    m.procedure = CYCLEHUB__V1__PROCEDURE__PROCEDURE_OPEN;
    m.tender_period = &period;
    m.social_value_weight_pct = 10;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED;
    env.tender_published = &m;
    s_push (h, ocid, &env);
}

static void
s_terminated (history_t *h, const char *ocid, const char *pid)
{
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    Cyclehub__V1__ProcurementTerminated m = CYCLEHUB__V1__PROCUREMENT_TERMINATED__INIT;
    m.procurement_id = (char *) pid;
    m.reason = "The service will be delivered in-house.";
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PROCUREMENT_TERMINATED;
    env.procurement_terminated = &m;
    s_push (h, ocid, &env);
}

static void
s_contract_changed (history_t *h, const char *ocid, const char *cid, int64_t pence,
                    const char *currency)
{
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    Cyclehub__V1__ContractChanged m = CYCLEHUB__V1__CONTRACT_CHANGED__INIT;
    Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
    value.amount = pence;
    value.currency = (char *) currency;
    m.contract_id = (char *) cid;
    m.description = "Extended by six months to cover winter demand.";
    m.new_value = &value;
    m.new_end_ms = T0_MS + 3 * 365 * DAY_MS;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_CHANGED;
    env.contract_changed = &m;
    s_push (h, ocid, &env);
}

//  The whole history of the test: four commissions, interleaved
static void
s_build_history (history_t *h)
{
    memset (h, 0, sizeof *h);
    h->ms = T0_MS;
    s_opened (h, OCID_1, BUYER);                                        //  1
    s_needs (h, OCID_1);                                                //  2
    s_planned (h, OCID_1, "P1", CYCLEHUB__V1__NOTICE_KIND__NOTICE_KIND_PIPELINE,
               125000000);                                              //  3 planning
    {   Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        Cyclehub__V1__MarketEngagement m = CYCLEHUB__V1__MARKET_ENGAGEMENT__INIT;
        Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
        period.start_ms = T0_MS + 10 * DAY_MS;
        period.end_ms = T0_MS + 30 * DAY_MS;
        m.procurement_id = "P1";
        m.description = "Provider event and questionnaire";
        m.period = &period;
        env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_MARKET_ENGAGEMENT;
        env.market_engagement = &m;
        s_push (h, OCID_1, &env);                                       //  4 planningUpdate
    }
    s_opened (h, OCID_2, NHS);                                          //  5
    s_tender (h, OCID_1, "P1", 123456789012345LL, "GBP");               //  6 tender
    {   Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        Cyclehub__V1__TenderAmended m = CYCLEHUB__V1__TENDER_AMENDED__INIT;
        Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
        value.amount = 1;
        value.currency = "GBP";
        m.procurement_id = "P1";
        m.description = "Deadline extended; value corrected.";
        m.value = &value;
        m.new_deadline_ms = T0_MS + 100 * DAY_MS;
        env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_TENDER_AMENDED;
        env.tender_amended = &m;
        s_push (h, OCID_1, &env);                                       //  7 tenderAmendment
    }
    s_planned (h, OCID_2, "P2", CYCLEHUB__V1__NOTICE_KIND__NOTICE_KIND_PLANNED_PROCUREMENT,
               5000000);                                                //  8 planning
    {   Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        Cyclehub__V1__TenderClosed m = CYCLEHUB__V1__TENDER_CLOSED__INIT;
        m.procurement_id = "P1";
        m.bids_received = 4;
        env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_TENDER_CLOSED;
        env.tender_closed = &m;
        s_push (h, OCID_1, &env);                                       //  9 tenderUpdate
    }
    {   Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        Cyclehub__V1__AwardMade m = CYCLEHUB__V1__AWARD_MADE__INIT;
        Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
        char *suppliers [] = { SUPPLIER };
        value.amount = 10;
        value.currency = "GBP";
        m.procurement_id = "P1";
        m.award_id = "A1";
        m.n_suppliers = 1;
        m.suppliers = suppliers;
        m.value = &value;
        m.standstill_ends_ms = T0_MS + 120 * DAY_MS;
        env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_AWARD_MADE;
        env.award_made = &m;
        s_push (h, OCID_1, &env);                                       //  10 award
    }
    s_tender (h, OCID_2, "P2", 5000000, "GBP");                         //  11 tender
    {   Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        Cyclehub__V1__ContractSigned m = CYCLEHUB__V1__CONTRACT_SIGNED__INIT;
        Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
        Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
        value.amount = 99999;
        value.currency = "GBP";
        period.start_ms = T0_MS + 130 * DAY_MS;
        period.end_ms = T0_MS + 2 * 365 * DAY_MS;
        m.contract_id = "C1";
        m.award_id = "A1";
        m.period = &period;
        m.value = &value;
        env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_SIGNED;
        env.contract_signed = &m;
        s_push (h, OCID_1, &env);                                       //  12 contract
    }
    s_terminated (h, OCID_2, "P2");                                     //  13 tenderCancellation
    s_contract_changed (h, OCID_1, "C1", 100000, "GBP");                //  14 contractAmendment
    {   Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        Cyclehub__V1__KpiReported m = CYCLEHUB__V1__KPI_REPORTED__INIT;
        Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
        period.start_ms = T0_MS + 130 * DAY_MS;
        period.end_ms = T0_MS + 220 * DAY_MS;
        m.contract_id = "C1";
        m.kpi_code = "KPI-1";
        m.period = &period;
        m.value = 0.1;
        m.target = 80;                  //  "%g" once wrote this "8e+01"
        m.rating = CYCLEHUB__V1__RATING__RATING_AMBER;
        env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_KPI_REPORTED;
        env.kpi_reported = &m;
        s_push (h, OCID_1, &env);                                       //  15 implementation
    }
    {   Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        Cyclehub__V1__MilestoneUpdated m = CYCLEHUB__V1__MILESTONE_UPDATED__INIT;
        m.contract_id = "C1";
        m.milestone_id = "M1";
        m.title = "Service mobilised";
        m.status = CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_COMPLETE;
        m.due_ms = T0_MS + 140 * DAY_MS;
        m.completed_ms = T0_MS + 138 * DAY_MS;
        env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_MILESTONE_UPDATED;
        env.milestone_updated = &m;
        s_push (h, OCID_1, &env);                                       //  16 implementation
    }
    {   Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        Cyclehub__V1__PaymentReported m = CYCLEHUB__V1__PAYMENT_REPORTED__INIT;
        Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
        value.amount = 250050;
        value.currency = "GBP";
        m.contract_id = "C1";
        m.payment_id = "PAY-1";
        m.amount = &value;
        m.invoice_received_ms = T0_MS + 150 * DAY_MS;
        m.paid_ms = T0_MS + 170 * DAY_MS;
        env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PAYMENT_REPORTED;
        env.payment_reported = &m;
        s_push (h, OCID_1, &env);                                       //  17 implementation
    }
    {   Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        Cyclehub__V1__SocialValueReported m = CYCLEHUB__V1__SOCIAL_VALUE_REPORTED__INIT;
        Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
        value.amount = 1234;
        value.currency = "GBP";
        m.contract_id = "C1";
        m.framework = "TOMs";
        m.measure_code = "NT1";
        m.unit = "people";
        m.quantity = 3;
        m.proxy_value = &value;
        env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_SOCIAL_VALUE_REPORTED;
        env.social_value_reported = &m;
        s_push (h, OCID_1, &env);                                       //  18 implementation
    }
    s_opened (h, OCID_3, BUYER);                                        //  19
    s_planned (h, OCID_3, "P3", CYCLEHUB__V1__NOTICE_KIND__NOTICE_KIND_PLANNED_PROCUREMENT,
               0);                                                      //  20 planning
    {   Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        Cyclehub__V1__DirectAward m = CYCLEHUB__V1__DIRECT_AWARD__INIT;
        Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
        char *suppliers [] = { CHARITY };
        value.amount = 4200000;
        value.currency = "GBP";
        m.procurement_id = "P3";
        m.award_id = "A3";
        m.n_suppliers = 1;
        m.suppliers = suppliers;
        m.value = &value;
        m.justification = "Extreme urgency: the incumbent provider failed.";
        m.standstill_ends_ms = T0_MS + 400 * DAY_MS;
        env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_DIRECT_AWARD;
        env.direct_award = &m;
        s_push (h, OCID_3, &env);                                       //  21 award
    }
    {   Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        Cyclehub__V1__ContractEnded m = CYCLEHUB__V1__CONTRACT_ENDED__INIT;
        m.contract_id = "C1";
        m.how = CYCLEHUB__V1__CONTRACT_END__CONTRACT_END_TERMINATED;
        m.reason = "Provider entered administration.";
        m.ended_at_ms = T0_MS + 500 * DAY_MS;
        env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_ENDED;
        env.contract_ended = &m;
        s_push (h, OCID_1, &env);                                       //  22 contractTermination
    }
    s_opened (h, OCID_4, NHS);                                          //  23
    s_needs (h, OCID_4);                                                //  24
}

//  The expected tag per seq ("" for no release)
static const char *s_expected_tags [] = {
    NULL, "", "", "planning", "planningUpdate", "", "tender", "tenderAmendment", "planning",
    "tenderUpdate", "award", "tender", "contract", "tenderCancellation", "contractAmendment",
    "implementation", "implementation", "implementation", "implementation", "", "planning",
    "award", "contractTermination", "", ""
};

static hub_ocds_t *
s_export (history_t *h, size_t upto, const char *only_ocid, bool record)
{
    hub_ocds_options_t options = { 0 };
    options.record = record;
    hub_ocds_t *ocds = hub_ocds_new (&options);
    REQUIRE (ocds);
    for (size_t i = 0; i < upto && i < h->count; i++) {
        Cyclehub__V1__Event *ev = cyclehub__v1__event__unpack (NULL, h->size [i], h->data [i]);
        REQUIRE (ev);
        bool mine = !only_ocid || strcmp (ev->envelope->commission_id, only_ocid) == 0;
        if (mine) {
            //  alternate the two ways in: unpacked and packed
            int rc = (i % 2)? hub_ocds_add (ocds, ev)
                            : hub_ocds_add_packed (ocds, h->data [i], h->size [i]);
            CHECK_MSG (rc == 0, "seq %zu: %s", i + 1, hub_ocds_error (ocds));
        }
        cyclehub__v1__event__free_unpacked (ev, NULL);
    }
    return ocds;
}

//  ----------------------------------------------------------------------
//  The validator

static const char *
s_validator (void)
{
    static char path [PATH_MAX];
    const char *src = getenv ("HUB_SRC_DIR");
    if (src && *src) {
        snprintf (path, sizeof path, "%s/scripts/ocds-validate", src);
        if (access (path, R_OK) == 0)
            return path;
    }
    return HUB_OCDS_VALIDATOR;
}

static bool
s_validator_ready (void)
{
    if (access (s_validator (), R_OK) != 0) {
        CHECK_MSG (false, "the OCDS validator %s is missing (scripts/ocds-validate in the source tree)",
                   s_validator ());
        return false;
    }
    int rc = system ("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null");
    if (rc != 0) {
        CHECK_MSG (false, "/usr/bin/python3 cannot import jsonschema: install python3-jsonschema "
                   "(apt-get install -y python3-jsonschema, or scripts/deps.sh as root)");
        return false;
    }
    return true;
}

//  Runs the validator over a file (or "-" with the text piped in through
//  `pipe_from`, a shell command); returns its exit status, output in out.
static int
s_validate (const char *file, const char *pipe_from, char *out, size_t size)
{
    char cmd [PATH_MAX * 3];
    if (pipe_from)
        snprintf (cmd, sizeof cmd, "%s | /usr/bin/python3 '%s' - 2>&1", pipe_from, s_validator ());
    else
        snprintf (cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' 2>&1", s_validator (), file);
    FILE *p = popen (cmd, "r");
    REQUIRE (p);
    size_t n = fread (out, 1, size - 1, p);
    out [n] = 0;
    int status = pclose (p);
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

static void
s_write (const char *path, const char *text)
{
    FILE *f = fopen (path, "w");
    REQUIRE (f);
    fputs (text, f);
    fputc ('\n', f);
    fclose (f);
}

//  ----------------------------------------------------------------------

static void
s_test_release_package (history_t *h, const char *dir, bool have_validator)
{
    hub_ocds_t *ocds = s_export (h, h->count, NULL, false);
    CHECK (hub_ocds_release_count (ocds) == 18);
    char *pretty = hub_ocds_package (ocds, HUB_OCDS_PRETTY);
    char *compact = hub_ocds_package (ocds, 0);
    REQUIRE (pretty && compact);

    //  deterministic: the same converter twice, and a fresh one fed the same events
    char *again = hub_ocds_package (ocds, HUB_OCDS_PRETTY);
    CHECK (again && strcmp (pretty, again) == 0);
    free (again);
    hub_ocds_t *other = s_export (h, h->count, NULL, false);
    again = hub_ocds_package (other, HUB_OCDS_PRETTY);
    CHECK (again && strcmp (pretty, again) == 0);
    free (again);
    hub_ocds_destroy (&other);
    CHECK (other == NULL);
    CHECK (strchr (compact, '\n') == NULL);
    CHECK (strchr (pretty, '\n') != NULL);

    //  the golden file holds the bytes: any change to the output shows here
    char golden [PATH_MAX];
    snprintf (golden, sizeof golden, "%s/release-package.json", HUB_OCDS_TEST_DATA);
    if (getenv ("HUB_OCDS_REGEN"))
        s_write (golden, pretty);
    FILE *f = fopen (golden, "r");
    CHECK_MSG (f, "golden file %s missing (HUB_OCDS_REGEN=1 writes it)", golden);
    if (f) {
        char *want = (char *) calloc (1, 1 << 20);
        size_t n = fread (want, 1, (1 << 20) - 1, f);
        fclose (f);
        if (n && want [n - 1] == '\n')
            want [n - 1] = 0;
        CHECK_MSG (strcmp (want, pretty) == 0, "output differs from %s", golden);
        free (want);
    }

    //  amounts: exact decimals in major units from integer pence, as bare
    //  JSON numbers without trailing zeros
    CHECK (strstr (compact, "\"value\":{\"amount\":1250000,\"currency\":\"GBP\"}"));
    CHECK (strstr (compact, "\"amount\":1234567890123.45,"));
    CHECK (strstr (compact, "\"amount\":0.01,"));
    CHECK (strstr (compact, "\"amount\":0.1,"));
    CHECK (strstr (compact, "\"amount\":999.99,"));
    CHECK (strstr (compact, "\"amount\":1000,"));
    CHECK (strstr (compact, "\"amount\":2500.5,"));
    CHECK (strstr (compact, "\"amount\":42000,"));
    CHECK (strstr (compact, ".00,") == NULL && strstr (compact, "0000000001") == NULL);
    CHECK (strstr (compact, "proxy value 12.34 GBP"));
    CHECK (strstr (pretty, "\"amount\": 0.01,"));
    CHECK (strstr (compact, "\\u0000") == NULL);
    CHECK (strstr (compact, "\\\"recovery\\\" support, with \\\\ and \u00e9"));
    CHECK (strstr (compact, "\"description\":\"Value 0.1 against target 80\""));

    //  the structure
    json_error_t error;
    json_t *root = json_loads (compact, 0, &error);
    CHECK_MSG (root, "%s", error.text);
    json_t *releases = json_object_get (root, "releases");
    CHECK (json_array_size (releases) == 18);
    CHECK (strcmp (json_string_value (json_object_get (root, "version")), "1.1") == 0);
    CHECK (strcmp (json_string_value (json_object_get (root, "uri")), "urn:cyclehub:ocds") == 0);
    CHECK (strcmp (json_string_value (json_object_get (json_object_get (root, "publisher"),
                                                      "name")), "cyclehub") == 0);
    //  the latest event's time (seq 24), not the clock
    CHECK (strcmp (json_string_value (json_object_get (root, "publishedDate")),
                   "2026-01-25T00:00:02.952Z") == 0);
    size_t i;
    json_t *rel;
    size_t at = 0;
    json_array_foreach (releases, i, rel) {
        const char *id = json_string_value (json_object_get (rel, "id"));
        const char *ocid = json_string_value (json_object_get (rel, "ocid"));
        REQUIRE (id && ocid);
        //  "<ocid>-<seq>": find the seq and the tag expected for it
        CHECK (strncmp (id, ocid, strlen (ocid)) == 0 && id [strlen (ocid)] == '-');
        size_t seq = (size_t) strtoul (id + strlen (ocid) + 1, NULL, 10);
        CHECK (seq > at);                          //  in seq order, so unique
        at = seq;
        REQUIRE (seq < sizeof s_expected_tags / sizeof s_expected_tags [0]);
        json_t *tag = json_object_get (rel, "tag");
        CHECK_MSG (json_array_size (tag) == 1
                && strcmp (json_string_value (json_array_get (tag, 0)), s_expected_tags [seq]) == 0,
                   "release %s: tag %s, expected %s", id,
                   json_string_value (json_array_get (tag, 0)), s_expected_tags [seq]);
        CHECK (strcmp (json_string_value (json_object_get (rel, "initiationType")), "tender") == 0);
        json_t *buyer = json_object_get (rel, "buyer");
        CHECK (strcmp (json_string_value (json_object_get (buyer, "id")),
                       strcmp (ocid, OCID_2) == 0? NHS: BUYER) == 0);
        for (size_t j = 0; j < i; j++)
            CHECK (strcmp (id, json_string_value (json_object_get (json_array_get (releases, j),
                                                                   "id"))) != 0);
    }
    //  a few mapped fields
    json_t *tender_rel = json_array_get (releases, 2);         //  seq 6
    json_t *tender = json_object_get (tender_rel, "tender");
    CHECK (strcmp (json_string_value (json_object_get (tender, "id")), "P1") == 0);
    CHECK (strcmp (json_string_value (json_object_get (tender, "status")), "active") == 0);
    CHECK (strcmp (json_string_value (json_object_get (tender, "procurementMethod")), "open") == 0);
    CHECK (strcmp (json_string_value (json_object_get (tender_rel, "date")),
                   "2026-01-07T00:00:00.738Z") == 0);
    json_t *parties = json_object_get (json_array_get (releases, 17), "parties");   //  seq 22
    CHECK (json_array_size (parties) == 2);
    json_t *party = json_array_get (parties, 0);
    CHECK (strcmp (json_string_value (json_object_get (party, "id")), BUYER) == 0);
    CHECK (strcmp (json_string_value (json_object_get (json_object_get (party, "identifier"),
                                                      "scheme")), "GB-LAE") == 0);
    CHECK (strcmp (json_string_value (json_object_get (json_object_get (party, "identifier"),
                                                      "id")), "E08000025") == 0);
    char *roles = json_dumps (json_object_get (party, "roles"), JSON_COMPACT);
    CHECK (roles && strcmp (roles, "[\"buyer\",\"procuringEntity\",\"payer\"]") == 0);
    free (roles);
    roles = json_dumps (json_object_get (json_array_get (parties, 1), "roles"), JSON_COMPACT);
    CHECK (roles && strcmp (roles, "[\"supplier\",\"payee\"]") == 0);
    free (roles);
    json_t *direct = json_object_get (json_array_get (releases, 16), "tender");     //  seq 21
    CHECK (strcmp (json_string_value (json_object_get (direct, "procurementMethod")), "direct") == 0);
    json_decref (root);

    //  the official schema accepts it
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/release-package.json", dir);
    s_write (path, pretty);
    if (have_validator) {
        char out [8192];
        int rc = s_validate (path, NULL, out, sizeof out);
        CHECK_MSG (rc == 0, "validator exit %d:\n%s", rc, out);
        CHECK (strstr (out, "valid OCDS 1.1.5 release package (18 releases)"));
        //  and the compact form too
        snprintf (path, sizeof path, "%s/release-package-compact.json", dir);
        s_write (path, compact);
        rc = s_validate (path, NULL, out, sizeof out);
        CHECK_MSG (rc == 0, "validator exit %d:\n%s", rc, out);
    }
    free (pretty);
    free (compact);
    hub_ocds_destroy (&ocds);
    hub_ocds_destroy (&ocds);          //  idempotent
}

static void
s_test_record_package (history_t *h, const char *dir, bool have_validator)
{
    hub_ocds_t *ocds = s_export (h, h->count, NULL, true);
    char *text = hub_ocds_package (ocds, HUB_OCDS_PRETTY);
    REQUIRE (text);
    char *again = hub_ocds_package (ocds, HUB_OCDS_PRETTY);
    CHECK (again && strcmp (text, again) == 0);
    free (again);
    json_error_t error;
    json_t *root = json_loads (text, 0, &error);
    REQUIRE (root);
    json_t *records = json_object_get (root, "records");
    CHECK (json_array_size (records) == 3);        //  the commission without procurement has none
    json_t *record = json_array_get (records, 0);
    CHECK (strcmp (json_string_value (json_object_get (record, "ocid")), OCID_1) == 0);
    CHECK (json_array_size (json_object_get (record, "releases")) == 13);
    json_t *compiled = json_object_get (record, "compiledRelease");
    CHECK (strcmp (json_string_value (json_array_get (json_object_get (compiled, "tag"), 0)),
                   "compiled") == 0);
    CHECK (strcmp (json_string_value (json_object_get (compiled, "date")),
                   "2026-01-23T00:00:02.706Z") == 0);
    json_t *tender = json_object_get (compiled, "tender");
    CHECK (strcmp (json_string_value (json_object_get (tender, "status")), "complete") == 0);
    CHECK (strcmp (json_string_value (json_object_get (tender, "title")),
                   "Recovery and wellbeing service") == 0);
    CHECK (json_array_size (json_object_get (tender, "amendments")) == 1);
    CHECK (json_integer_value (json_object_get (tender, "numberOfTenderers")) == 4);
    //  the amendment's deadline merged over the published period's end
    json_t *period = json_object_get (tender, "tenderPeriod");
    CHECK (strcmp (json_string_value (json_object_get (period, "startDate")),
                   "2026-03-02T00:00:00.000Z") == 0);
    CHECK (strcmp (json_string_value (json_object_get (period, "endDate")),
                   "2026-04-11T00:00:00.000Z") == 0);
    json_t *award = json_array_get (json_object_get (compiled, "awards"), 0);
    CHECK (json_array_size (json_object_get (compiled, "awards")) == 1);
    CHECK (strcmp (json_string_value (json_object_get (award, "status")), "active") == 0);
    json_t *contracts = json_object_get (compiled, "contracts");
    CHECK (json_array_size (contracts) == 1);
    json_t *contract = json_array_get (contracts, 0);
    CHECK (strcmp (json_string_value (json_object_get (contract, "status")), "terminated") == 0);
    json_t *impl = json_object_get (contract, "implementation");
    CHECK (json_array_size (json_object_get (impl, "milestones")) == 3);
    CHECK (json_array_size (json_object_get (impl, "transactions")) == 1);
    CHECK (json_array_size (json_object_get (compiled, "parties")) == 2);
    //  the amount in the compiled release is exact too
    CHECK (strstr (text, "\"amount\": 1000,"));
    json_decref (root);

    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/record-package.json", dir);
    s_write (path, text);
    if (have_validator) {
        //  validate.py knows release packages only: check every embedded
        //  release and every compiledRelease against the release schema by
        //  wrapping them in a release package
        char wrap [PATH_MAX * 2];
        snprintf (wrap, sizeof wrap,
                  "/usr/bin/python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); "
                  "r=[x for rec in p[\"records\"] for x in rec[\"releases\"]+[rec[\"compiledRelease\"]]]; "
                  "json.dump(dict(uri=p[\"uri\"],version=p[\"version\"],publisher=p[\"publisher\"],"
                  "publishedDate=p[\"publishedDate\"],releases=r),sys.stdout)' '%s'", path);
        char out [8192];
        int rc = s_validate (NULL, wrap, out, sizeof out);
        CHECK_MSG (rc == 0, "validator exit %d:\n%s", rc, out);
        CHECK (strstr (out, "valid OCDS 1.1.5 release package (21 releases)"));
    }
    free (text);
    hub_ocds_destroy (&ocds);
}

static void
s_test_no_procurement (history_t *h, const char *dir, bool have_validator)
{
    hub_ocds_t *ocds = s_export (h, h->count, OCID_4, false);
    CHECK (hub_ocds_release_count (ocds) == 0);
    char *text = hub_ocds_package (ocds, 0);
    REQUIRE (text);
    CHECK (strstr (text, "\"releases\":[]"));
    CHECK (strstr (text, "\"uri\":\"urn:cyclehub:ocds:" OCID_4 "\""));
    CHECK (strstr (text, "\"publishedDate\":\"2026-01-25T00:00:02.952Z\""));
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/empty.json", dir);
    s_write (path, text);
    if (have_validator) {
        //  OCDS asks for at least one release: the one complaint there may be
        char out [8192];
        int rc = s_validate (path, NULL, out, sizeof out);
        CHECK (rc == 1);
        char want [PATH_MAX + 64];
        snprintf (want, sizeof want, "%s: /releases: [] is too short\n", path);
        CHECK_MSG (strcmp (out, want) == 0, "validator said:\n%s", out);
    }
    free (text);
    hub_ocds_destroy (&ocds);

    //  record mode: no record
    hub_ocds_options_t options = { .record = true };
    ocds = hub_ocds_new (&options);
    REQUIRE (ocds);
    text = hub_ocds_package (ocds, 0);
    CHECK (text && strstr (text, "\"records\":[]"));
    CHECK (text && strstr (text, "\"publishedDate\":\"1970-01-01T00:00:00.000Z\""));
    free (text);
    hub_ocds_destroy (&ocds);
}

static void
s_test_options_and_currencies (bool have_validator, const char *dir)
{
    hub_ocds_options_t options = {
        .publisher_name = "Borough Council",
        .publisher_uri = "https://council.example/",
        .uri = "https://council.example/ocds/056931.json",
        .published_date = "2026-06-01T12:00:00Z"
    };
    hub_ocds_t *ocds = hub_ocds_new (&options);
    REQUIRE (ocds);
    history_t h;
    memset (&h, 0, sizeof h);
    h.ms = T0_MS;
    s_opened (&h, OCID_1, BUYER);
    s_tender (&h, OCID_1, "PJ", 12345, "JPY");             //  no minor unit
    s_tender (&h, OCID_1, "PB", 12345, "BHD");             //  three decimals
    s_tender (&h, OCID_1, "PG", 123456789012345LL, "GBP");
    s_tender (&h, OCID_1, "PZ", 7, "GBP");
    s_tender (&h, OCID_1, "PH", 45000050, "GBP");
    s_tender (&h, OCID_1, "PK", 12300, "KWD");
    for (size_t i = 0; i < h.count; i++)
        CHECK_MSG (hub_ocds_add_packed (ocds, h.data [i], h.size [i]) == 0, "%s",
                   hub_ocds_error (ocds));
    char *text = hub_ocds_package (ocds, 0);
    REQUIRE (text);
    CHECK (strstr (text, "{\"amount\":12345,\"currency\":\"JPY\"}"));
    CHECK (strstr (text, "{\"amount\":12.345,\"currency\":\"BHD\"}"));
    CHECK (strstr (text, "{\"amount\":1234567890123.45,\"currency\":\"GBP\"}"));
    CHECK (strstr (text, "{\"amount\":0.07,\"currency\":\"GBP\"}"));
    CHECK (strstr (text, "{\"amount\":450000.5,\"currency\":\"GBP\"}"));
    CHECK (strstr (text, "{\"amount\":12.3,\"currency\":\"KWD\"}"));
    CHECK (strstr (text, "\"uri\":\"https://council.example/ocds/056931.json\""));
    CHECK (strstr (text, "\"publisher\":{\"name\":\"Borough Council\",\"uri\":\"https://council.example/\"}"));
    CHECK (strstr (text, "\"publishedDate\":\"2026-06-01T12:00:00Z\""));
    if (have_validator) {
        char path [PATH_MAX];
        snprintf (path, sizeof path, "%s/options.json", dir);
        s_write (path, text);
        char out [8192];
        int rc = s_validate (path, NULL, out, sizeof out);
        CHECK_MSG (rc == 0, "validator exit %d:\n%s", rc, out);
    }
    free (text);
    hub_ocds_destroy (&ocds);
    s_history_free (&h);
}

static void
s_test_errors (void)
{
    hub_ocds_t *ocds = hub_ocds_new (NULL);
    REQUIRE (ocds);
    history_t h;
    memset (&h, 0, sizeof h);
    h.ms = T0_MS;
    s_tender (&h, OCID_1, "P1", 100, "GBP");                    //  1: before opened
    s_opened (&h, OCID_1, BUYER);                               //  2
    s_contract_changed (&h, OCID_1, "C9", 100, "GBP");          //  3: unknown contract
    s_tender (&h, OCID_1, "P1", 100, "ZZZ");                    //  4: not a currency
    s_tender (&h, OCID_1, "P1", 100, "");                       //  5: no currency
    s_tender (&h, OCID_1, "P1", 100, "GBP");                    //  6: fine

    CHECK (hub_ocds_add_packed (ocds, h.data [0], h.size [0]) == -1);
    CHECK (strstr (hub_ocds_error (ocds), "event 1: tender.published comes before commission "
                   OCID_1 " was opened"));
    CHECK (hub_ocds_add_packed (ocds, h.data [1], h.size [1]) == 0);
    CHECK (*hub_ocds_error (ocds) == 0);
    CHECK (hub_ocds_add_packed (ocds, h.data [2], h.size [2]) == -1);
    CHECK (strstr (hub_ocds_error (ocds), "contract \"C9\""));
    CHECK (hub_ocds_add_packed (ocds, h.data [3], h.size [3]) == -1);
    CHECK (strstr (hub_ocds_error (ocds), "event 4: tender_published.value.currency: \"ZZZ\" "
                   "is not an ISO 4217 currency code"));
    CHECK (hub_ocds_add_packed (ocds, h.data [4], h.size [4]) == -1);
    CHECK (strstr (hub_ocds_error (ocds), "tender_published.value has an amount but no currency"));
    CHECK (hub_ocds_release_count (ocds) == 0);
    CHECK (hub_ocds_add_packed (ocds, h.data [5], h.size [5]) == 0);
    CHECK (hub_ocds_release_count (ocds) == 1);
    //  the same event again, or an older one: out of order
    CHECK (hub_ocds_add_packed (ocds, h.data [5], h.size [5]) == -1);
    CHECK (strstr (hub_ocds_error (ocds), "event 6: is not after the last event taken (seq 6)"));
    CHECK (hub_ocds_add_packed (ocds, h.data [1], h.size [1]) == -1);
    CHECK (hub_ocds_release_count (ocds) == 1);
    //  not an Event at all, and no event
    const uint8_t junk [] = { 0xff, 0xff, 0xff };
    CHECK (hub_ocds_add_packed (ocds, junk, sizeof junk) == -1);
    CHECK (strstr (hub_ocds_error (ocds), "not a packed cyclehub.v1.Event"));
    CHECK (hub_ocds_add (ocds, NULL) == -1);
    Cyclehub__V1__Event empty = CYCLEHUB__V1__EVENT__INIT;
    empty.seq = 99;
    CHECK (hub_ocds_add (ocds, &empty) == -1);
    CHECK (strstr (hub_ocds_error (ocds), "has no envelope body"));
    //  failures left nothing behind: one release, from seq 6
    char *text = hub_ocds_package (ocds, 0);
    CHECK (text && strstr (text, "\"id\":\"" OCID_1 "-6\""));
    CHECK (text && !strstr (text, "-1\""));
    free (text);
    hub_ocds_destroy (&ocds);
    s_history_free (&h);
}

int
main (void)
{
    char *dir = hub_test_tmpdir ("ocds");
    REQUIRE (dir);
    bool have_validator = s_validator_ready ();
    history_t h;
    s_build_history (&h);

    s_test_release_package (&h, dir, have_validator);
    s_test_record_package (&h, dir, have_validator);
    s_test_no_procurement (&h, dir, have_validator);
    s_test_options_and_currencies (have_validator, dir);
    s_test_errors ();

    s_history_free (&h);
    if (hub_test_failed == 0)
        hub_test_rmtree (dir);
    else
        fprintf (stderr, "test_ocds: packages kept in %s\n", dir);
    free (dir);
    HUB_TEST_DONE ();
}
