/*  test_dash: the dashboard's renderer (broker/http/dashboard) on commissions
    built by the domain rules from tests/data/cycle and a few more messages:
    stage tags, timeline marks and boundaries, procurement paths and money,
    KPI chart points and their red/amber/green, what is waiting counted from
    now_ms, escaping of hostile text, no personal data, one h1 and headings
    in order, valid UTF-8, the sign-in form and its error, the CSP.
*/
#include "hub_test.h"
#include "hub_dash_fixture.h"

static bool
streq_safe (const char *a, const char *b)
{
    return a && b && strcmp (a, b) == 0;
}

static hub_dash_ctx_t
s_ctx (const char *now)
{
    return (hub_dash_ctx_t) { .now_ms = hub_fx_time (now), .root = "/dashboard",
                              .name_of = hub_fx_name, .events_url = "/v1/events" };
}

static size_t
s_count (const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr (p, needle)); p += strlen (needle))
        n++;
    return n;
}

//  One h1; after it a heading never skips a level going down (GOV.UK's error
//  summary, an h2, comes before the h1)
static bool
s_headings_ok (const char *html)
{
    int last = 0, h1 = 0;
    for (const char *p = html; (p = strstr (p, "<h")); p++) {
        if (p [2] < '1' || p [2] > '6' || (p [3] != ' ' && p [3] != '>'))
            continue;
        int level = p [2] - '0';
        h1 += level == 1;
        if (h1 && level > last + 1)
            return false;
        last = level;
    }
    return h1 == 1;
}

static void
s_page_checks (const char *html)
{
    REQUIRE (html);
    CHECK (strncmp (html, "<!DOCTYPE html>", 15) == 0);
    CHECK (strstr (html, "<html lang=\"en-GB\">"));
    CHECK (s_headings_ok (html));
    CHECK (hub_proto_utf8_valid (html, strlen (html)));
    CHECK (!strstr (html, "http://") && !strstr (html, "https://fonts"));   //  nothing fetched
}

static void
test_commission_page (void)
{
    hub_fx_t fx;
    REQUIRE (hub_fx_cycle (&fx) == 0 || (fprintf (stderr, "%s\n", fx.error), 0));
    CHECK (fx.n_events == 18);
    hub_dash_ctx_t ctx = s_ctx ("2026-10-06T09:00:00Z");
    hub_dash_commission_t c = hub_fx_view (&fx);
    char *html = hub_dash_render_commission (&ctx, &c);
    s_page_checks (html);
    //  The stage tag: analyse again, cycle 2
    CHECK (strstr (html, "<strong class=\"hub-tag hub-tag--analyse\" data-stage=\"analyse\">Analyse</strong>"
                         " <span class=\"hub-secondary\">cycle 2</span>"));
    //  A mark per event, each with its type
    CHECK (s_count (html, "<g class=\"hub-mark\"") == 18);
    const char *types [] = { "commission.opened", "consultation.response", "tender.amended",
                             "award.made", "contract.signed", "kpi.reported", "review.decision" };
    for (size_t i = 0; i < sizeof types / sizeof types [0]; i++) {
        char needle [128];
        snprintf (needle, sizeof needle, "data-type=\"%s\"><title>%s, ", types [i], types [i]);
        CHECK_MSG (strstr (html, needle), "%s", needle);
    }
    CHECK (strstr (html, "data-seq=\"14\" data-type=\"contract.signed\"><title>contract.signed, 15 May 2026</title>"));
    //  Bands and boundaries: analyse, plan, do, review, analyse; review -> analyse is the next cycle
    CHECK (s_count (html, "<g class=\"hub-band\"") == 5);
    CHECK (s_count (html, "<line class=\"hub-boundary") == 4);
    CHECK (s_count (html, "hub-boundary hub-boundary--cycle\" data-from=\"review\" data-to=\"analyse\"") == 1);
    CHECK (strstr (html, "Cycle 2 begins</text>"));
    CHECK (strstr (html, "<desc id=\"timeline-desc\">18 events. Analyse from 10 February 2026. Plan from 10 February 2026. "
                         "Do from 16 March 2026. Review from 5 October 2026. Analyse from 5 October 2026. </desc>"));
    //  The consultation and its Gunning checkpoints
    CHECK (strstr (html, "data-consultation=\"falls-consult-1\""));
    CHECK (strstr (html, "Outcome published</strong>"));
    CHECK (strstr (html, "<li>Opened in Plan</li><li>Closed 16 March 2026</li><li>Outcome published</li>"));
    CHECK (strstr (html, "1 February 2026 at 9am to 15 March 2026 at 5pm"));
    //  The procurement's path with its values, the standstill in UK time
    CHECK (strstr (html, "data-step=\"tender\"><span class=\"hub-step__name\">Tender</span> "
                         "<span class=\"hub-step__status\">Done</span>"));
    CHECK (strstr (html, "value \xC2\xA3" "125,000.00</span><span class=\"hub-step__detail\">amended to \xC2\xA3" "130,000.00"));
    CHECK (strstr (html, "ended midnight at the end of 14 May 2026"));
    CHECK (strstr (html, "hub-step hub-step--current\" data-step=\"ended\""));
    CHECK (strstr (html, "to Steady Steps CIC <span class=\"hub-secondary\">GB-COH-01234567</span>"));
    //  The contract: one KPI report, green, and social value
    CHECK (s_count (html, "<g class=\"hub-kpi__point\"") == 1);
    CHECK (strstr (html, "data-rating=\"green\" data-value=\"72.5\" data-target=\"70\""));
    CHECK (strstr (html, "Jul to Sep 2026: 72.5 against 70 (green)."));
    CHECK (strstr (html, "\xC2\xA3" "87,500.00"));
    //  Latest events, newest first
    const char *latest = strstr (html, "id=\"hub-events\"");
    REQUIRE (latest);
    CHECK (strstr (latest, "data-seq=\"18\"") < strstr (latest, "data-seq=\"17\""));
    //  The live status line and the script, with every type to listen for
    CHECK (strstr (html, "data-events=\"/v1/events\" data-commission=\"ocds-h6vhtk-056931\""));
    CHECK (strstr (html, " kpi.reported "));
    CHECK (strstr (html, "new EventSource("));
    free (html);

    //  Two more quarters: amber then red, in period order
    REQUIRE (hub_fx_more_reports (&fx) == 0 || (fprintf (stderr, "%s\n", fx.error), 0));
    c = hub_fx_view (&fx);
    html = hub_dash_render_commission (&ctx, &c);
    REQUIRE (html);
    CHECK (s_count (html, "<g class=\"hub-kpi__point\"") == 3);
    const char *g = strstr (html, "data-rating=\"green\" data-value=\"72.5\"");
    const char *a = strstr (html, "data-rating=\"amber\" data-value=\"64\"");
    const char *r = strstr (html, "data-rating=\"red\" data-value=\"52\"");
    CHECK (g && a && r && g < a && a < r);
    CHECK (strstr (html, "hub-kpi__bar hub-kpi__bar--green\"") && strstr (html, "fill=\"#00703c\""));
    CHECK (strstr (html, "hub-kpi__bar hub-kpi__bar--amber\"") && strstr (html, "fill=\"#b35c00\""));
    CHECK (strstr (html, "hub-kpi__bar hub-kpi__bar--red\"") && strstr (html, "fill=\"#d4351c\""));
    CHECK (strstr (html, ">Amber</text>") && strstr (html, ">Red</text>"));   //  not colour alone
    CHECK (strstr (html, "<table class=\"hub-visually-hidden\"><caption>Reported value against target"));
    free (html);
    hub_fx_destroy (&fx);
}

static void
test_waiting (void)
{
    hub_fx_t fx;
    hub_dash_wait_t w [8];
    REQUIRE (hub_fx_carers (&fx) == 0 || (fprintf (stderr, "%s\n", fx.error), 0));
    hub_dash_commission_t c = hub_fx_view (&fx);
    //  Before the opening date, then open, then past its closing date
    CHECK (hub_dash_waiting (&c, hub_fx_time ("2027-05-03T12:00:00Z"), w, 8) == 1
        && w [0].kind == HUB_DASH_WAIT_CONSULTATION_OPENS);
    CHECK (hub_dash_waiting (&c, hub_fx_time ("2027-05-19T10:00:00Z"), w, 8) == 1
        && w [0].kind == HUB_DASH_WAIT_CONSULTATION_CLOSES
        && w [0].at_ms == hub_fx_time ("2027-05-28T17:00:00Z") && !w [0].overdue
        && streq_safe (w [0].item, "carers-1"));
    CHECK (hub_dash_waiting (&c, hub_fx_time ("2027-06-01T10:00:00Z"), w, 8) == 1
        && w [0].kind == HUB_DASH_WAIT_CONSULTATION_TO_CLOSE && w [0].overdue);
    hub_dash_ctx_t ctx = s_ctx ("2027-05-19T10:00:00Z");
    char *html = hub_dash_render_commissions (&ctx, &c, 1);
    s_page_checks (html);
    CHECK (strstr (html, "closes in 10 days (28 May 2027 at 6pm)"));     //  BST: 17:00 UTC is 6pm
    CHECK (strstr (html, "<td class=\"hub-table__cell\">28 May 2027</td>"));
    free (html);
    hub_fx_destroy (&fx);

    REQUIRE (hub_fx_homecare (&fx) == 0 || (fprintf (stderr, "%s\n", fx.error), 0));
    c = hub_fx_view (&fx);
    //  lot-a's contract started 1 April 2026 and was never reported on: the
    //  first quarter's report fell due 92 + 30 days later
    int64_t kpi_due = hub_fx_time ("2026-04-01T00:00:00Z") + 122 * 86400000LL;
    size_t n = hub_dash_waiting (&c, hub_fx_time ("2027-05-20T10:00:00Z"), w, 8);
    CHECK (n == 2);
    CHECK (w [0].kind == HUB_DASH_WAIT_KPI_OVERDUE && w [0].overdue && w [0].at_ms == kpi_due
        && streq_safe (w [0].item, "contract-a"));
    CHECK (w [1].kind == HUB_DASH_WAIT_STANDSTILL_ENDS && w [1].at_ms == hub_fx_time ("2027-05-21T23:00:00Z"));
    //  Before the due date the report is due, not overdue
    n = hub_dash_waiting (&c, kpi_due - 1, w, 8);
    CHECK (n == 2 && w [0].kind == HUB_DASH_WAIT_KPI_DUE && !w [0].overdue);
    //  After the standstill the contract can be signed
    n = hub_dash_waiting (&c, hub_fx_time ("2027-05-22T10:00:00Z"), w, 8);
    CHECK (n == 2 && w [1].kind == HUB_DASH_WAIT_CONTRACT_TO_SIGN && !w [1].overdue);
    //  max smaller than the count: the most urgent first, the count in all
    CHECK (hub_dash_waiting (&c, hub_fx_time ("2027-05-20T10:00:00Z"), w, 1) == 2
        && w [0].kind == HUB_DASH_WAIT_KPI_OVERDUE);
    CHECK (hub_dash_waiting (&c, hub_fx_time ("2027-05-20T10:00:00Z"), NULL, 0) == 2);
    ctx = s_ctx ("2027-05-20T10:00:00Z");
    html = hub_dash_render_commissions (&ctx, &c, 1);
    REQUIRE (html);
    CHECK (strstr (html, "Overdue</strong> Contract <span class=\"hub-id\">contract-a</span>: "
                         "KPI report overdue since 31 July 2026"));
    CHECK (strstr (html, "standstill ends midnight at the end of 21 May 2027"));
    CHECK (strstr (html, "<td class=\"hub-table__cell\">21 May 2027</td>"));   //  next deadline (UK date)
    CHECK (strstr (html, "University Hospitals of Leicester NHS Trust <span class=\"hub-secondary\">GB-NHS-RWE</span>"));
    free (html);
    //  A KPI report falls due on a day, the same in both columns: the quarter
    //  after the one reported (to 30 September 2026), plus 30 days
    hub_fx_destroy (&fx);
    REQUIRE (hub_fx_cycle (&fx) == 0);
    c = hub_fx_view (&fx);
    ctx = s_ctx ("2026-11-01T00:00:00Z");
    html = hub_dash_render_commissions (&ctx, &c, 1);
    REQUIRE (html);
    CHECK (strstr (html, "<td class=\"hub-table__cell\">30 January 2027</td>"));
    CHECK (strstr (html, "next KPI report due by 30 January 2027"));
    free (html);
    hub_fx_destroy (&fx);
}

static void
test_commissions_list (void)
{
    hub_fx_t a, b, c;
    REQUIRE (hub_fx_cycle (&a) == 0 && hub_fx_carers (&b) == 0 && hub_fx_homecare (&c) == 0);
    hub_dash_commission_t list [3] = { hub_fx_view (&a), hub_fx_view (&b), hub_fx_view (&c) };
    hub_dash_ctx_t ctx = s_ctx ("2027-05-20T10:00:00Z");
    char *html = hub_dash_render_commissions (&ctx, list, 3);
    s_page_checks (html);
    CHECK (s_count (html, "<tr class=\"hub-table__row\"") == 3);
    CHECK (strstr (html, "data-stage=\"analyse\">Analyse</strong>"));
    CHECK (strstr (html, "data-stage=\"plan\">Plan</strong>"));
    CHECK (strstr (html, "data-stage=\"do\">Do</strong>"));
    CHECK (strstr (html, "<a href=\"/dashboard/commissions/ocds-h6vhtk-000102\">Carers&#39; breaks and respite</a>"));
    CHECK (strstr (html, "3 commissions on this hub. Deadlines are counted from 20 May 2027."));
    CHECK (strstr (html, "aria-current=\"page\">Commissions</a>"));
    free (html);
    //  No commission at all
    html = hub_dash_render_commissions (&ctx, NULL, 0);
    s_page_checks (html);
    CHECK (strstr (html, "No commission has been opened yet."));
    free (html);
    hub_fx_destroy (&a);
    hub_fx_destroy (&b);
    hub_fx_destroy (&c);
}

static void
test_no_personal_data (void)
{
    hub_fx_t a, b;
    REQUIRE (hub_fx_cycle (&a) == 0 && hub_fx_carers (&b) == 0);
    //  The events hold the personal data, unredacted, as the store keeps them
    CHECK (hub_proto_has_personal (&b.events [4]->base));
    CHECK (hub_proto_has_personal (&a.events [5]->base));
    hub_dash_ctx_t ctx = s_ctx ("2027-05-20T10:00:00Z");
    const char *personal [] = { "Zebedee", "zebedee@example.org", "07700 900123", "Secret Street",
                                "My private circumstances", "A Resident", "resident@example.org",
                                "Classes near the library please" };
    hub_dash_commission_t views [2] = { hub_fx_view (&a), hub_fx_view (&b) };
    for (int v = 0; v < 2; v++) {
        char *pages [2] = { hub_dash_render_commission (&ctx, &views [v]),
                            hub_dash_render_commissions (&ctx, &views [v], 1) };
        for (int p = 0; p < 2; p++) {
            REQUIRE (pages [p]);
            for (size_t i = 0; i < sizeof personal / sizeof personal [0]; i++)
                CHECK_MSG (!strstr (pages [p], personal [i]), "page %d/%d shows %s", v, p, personal [i]);
            free (pages [p]);
        }
    }
    //  The response is still listed, by its plain fields
    char *html = hub_dash_render_commission (&ctx, &views [1]);
    CHECK (strstr (html, "Response to consultation <span class=\"hub-id\">carers-1</span> from a carer"));
    free (html);
    hub_fx_destroy (&a);
    hub_fx_destroy (&b);
}

static const char *
s_hostile_name (const char *org_id, void *arg)
{
    (void) org_id;
    (void) arg;
    return "<img src=x onerror=alert(2)> \"Council\" & 'Co'";
}

static void
test_escaping (void)
{
    hub_fx_t fx;
    hub_fx_init (&fx, "ocds-h6vhtk-evil01", "2026-06-01T09:00:00Z");
    REQUIRE (hub_fx_apply (&fx, "commission.opened", HUB_FX_COUNCIL,
             "{\"title\":\"<script>alert('x')</script> & \\\"quoted\\\"\",\"buyer\":\"" HUB_FX_COUNCIL "\"}") == 0
          || (fprintf (stderr, "%s\n", fx.error), 0));
    REQUIRE (hub_fx_apply (&fx, "partner.update", HUB_FX_COUNCIL,
             "{\"title\":\"</title><svg onload=alert(3)>\",\"body\":\"b\"}") == 0
          || (fprintf (stderr, "%s\n", fx.error), 0));
    hub_dash_ctx_t ctx = s_ctx ("2026-06-02T09:00:00Z");
    ctx.name_of = s_hostile_name;
    ctx.viewer = HUB_FX_COUNCIL;
    ctx.root = "/x\"><script>";
    hub_dash_commission_t c = hub_fx_view (&fx);
    char *pages [2] = { hub_dash_render_commission (&ctx, &c), hub_dash_render_commissions (&ctx, &c, 1) };
    for (int p = 0; p < 2; p++) {
        s_page_checks (pages [p]);
        CHECK (!strstr (pages [p], "<script>alert"));
        CHECK (!strstr (pages [p], "<img src=x"));
        CHECK (!strstr (pages [p], "<svg onload"));
        CHECK (!strstr (pages [p], "\"><script>"));
        CHECK (strstr (pages [p], "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"));
        CHECK (strstr (pages [p], "&lt;img src=x onerror=alert(2)&gt; &quot;Council&quot; &amp; &#39;Co&#39;"));
        CHECK (s_count (pages [p], "<script>") == 1);       //  only the page's own
        free (pages [p]);
    }
    //  Invalid UTF-8 and control characters in a state's text become U+FFFD
    Cyclehub__V1__CommissionState bad = *fx.unpacked;
    bad.title = "caf\xC3 \xED\xA0\x80 bell\x07 ok\xE2\x82\xAC";
    c.state = &bad;
    char *html = hub_dash_render_commissions (&ctx, &c, 1);
    REQUIRE (html);
    CHECK (hub_proto_utf8_valid (html, strlen (html)));
    CHECK (strstr (html, "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD bell\xEF\xBF\xBD ok\xE2\x82\xAC"));
    free (html);
    hub_fx_destroy (&fx);
}

static void
test_hub_page (void)
{
    Cyclehub__V1__Count s1 = CYCLEHUB__V1__COUNT__INIT, s2 = CYCLEHUB__V1__COUNT__INIT;
    Cyclehub__V1__Count t1 = CYCLEHUB__V1__COUNT__INIT;
    s1.key = "plan"; s1.count = 7; s2.key = "do"; s2.count = 11;
    t1.key = "tender.published"; t1.count = 3;
    Cyclehub__V1__Count *per_stage [] = { &s1, &s2 }, *per_type [] = { &t1 };
    Cyclehub__V1__Status st = CYCLEHUB__V1__STATUS__INIT;
    st.last_seq = 18; st.uptime_ms = 90000000; st.store_bytes = 950000000; st.commissions = 3;
    st.n_per_stage = 2; st.per_stage = per_stage; st.n_per_type = 1; st.per_type = per_type;
    st.publish_rate = 12.5; st.hub_id = "hub-<1>";
    hub_fx_t a, b;
    REQUIRE (hub_fx_cycle (&a) == 0 && hub_fx_carers (&b) == 0);
    const Cyclehub__V1__CommissionState *states [] = { a.unpacked, b.unpacked };
    hub_dash_hub_t hub = { &st, 1000000000, 4, hub_fx_time ("2027-05-20T09:59:58Z"), states, 2 };
    hub_dash_ctx_t ctx = s_ctx ("2027-05-20T10:00:00Z");
    char *html = hub_dash_render_hub (&ctx, &hub);
    s_page_checks (html);
    CHECK (strstr (html, "hub-&lt;1&gt;"));
    CHECK (strstr (html, "Events stored</dt><dd class=\"hub-summary__value\">18 "));
    CHECK (strstr (html, "950.0 MB of 1.0 GB"));
    CHECK (strstr (html, "data-headroom=\"5\">50.0 MB free (5%) <strong class=\"hub-tag hub-tag--red\">Low</strong>"));
    CHECK (strstr (html, "Connected subscribers</dt><dd class=\"hub-summary__value\">4<"));
    CHECK (strstr (html, "Last commit</dt><dd class=\"hub-summary__value\">20 May 2027 at 10:59am<"));
    CHECK (strstr (html, "data-stage=\"analyse\">Analyse</strong></td><td class=\"hub-table__cell hub-table__cell--numeric\">1<"));
    CHECK (strstr (html, "data-stage=\"plan\">Plan</strong></td><td class=\"hub-table__cell hub-table__cell--numeric\">1<"));
    CHECK (strstr (html, "tender.published</td><td class=\"hub-table__cell hub-table__cell--numeric\">3<"));
    //  Events by stage: in the cycle's order, tagged, a stage without events a 0
    const char *by_stage = strstr (html, "id=\"hub-per-stage\"");
    CHECK (by_stage);
    const char *plan = by_stage? strstr (by_stage, "data-stage=\"plan\">Plan</strong></td><td "
                                         "class=\"hub-table__cell hub-table__cell--numeric\">7<"): NULL;
    const char *dos = by_stage? strstr (by_stage, "data-stage=\"do\">Do</strong></td><td "
                                        "class=\"hub-table__cell hub-table__cell--numeric\">11<"): NULL;
    CHECK (plan && dos && plan < dos);
    CHECK (by_stage && strstr (by_stage, "data-stage=\"review\">Review</strong></td><td "
                                         "class=\"hub-table__cell hub-table__cell--numeric\">0<"));
    CHECK (strstr (html, "Running for</dt><dd class=\"hub-summary__value\">1 day 1 hour<"));
    free (html);
    //  What is unknown is left out
    hub = (hub_dash_hub_t) { &st, 0, -1, 0, NULL, 0 };
    html = hub_dash_render_hub (&ctx, &hub);
    s_page_checks (html);
    CHECK (!strstr (html, "Headroom") && !strstr (html, "subscribers") && !strstr (html, "Last commit")
        && !strstr (html, "Commissions per stage"));
    free (html);
    hub.status = NULL;
    CHECK (hub_dash_render_hub (&ctx, &hub) == NULL);
    hub_fx_destroy (&a);
    hub_fx_destroy (&b);
}

static void
test_signin (void)
{
    hub_dash_ctx_t ctx = { .root = "/dashboard" };
    char *html = hub_dash_render_signin (&ctx, NULL);
    s_page_checks (html);
    CHECK (strstr (html, "<form method=\"post\" action=\"/dashboard/sign-in\""));
    CHECK (strstr (html, "<label class=\"hub-label\" for=\"token\">Access token</label>"));
    CHECK (strstr (html, "id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\""));
    CHECK (!strstr (html, "There is a problem") && !strstr (html, "<script>"));
    CHECK (!strstr (html, "value="));                     //  a token is never written back
    free (html);
    html = hub_dash_render_signin (&ctx, "The token <b>is</b> not valid");
    s_page_checks (html);
    CHECK (strstr (html, "<title>Error: Sign in"));
    CHECK (strstr (html, "role=\"alert\""));
    CHECK (strstr (html, "<a href=\"#token\">The token &lt;b&gt;is&lt;/b&gt; not valid</a>"));
    CHECK (strstr (html, "aria-describedby=\"token-hint token-error\""));
    free (html);
}

static void
test_csp (void)
{
    char csp [HUB_DASH_CSP_MAX], small [40];
    int n = hub_dash_csp (csp, sizeof csp);
    CHECK (n > 0 && (size_t) n == strlen (csp));
    CHECK (strstr (csp, "default-src 'none'; style-src 'sha256-"));
    CHECK (strstr (csp, "script-src 'sha256-") && strstr (csp, "connect-src 'self'"));
    CHECK (!strstr (csp, "unsafe-inline"));
    CHECK (hub_dash_csp (small, sizeof small) == -1);
}

int
main (void)
{
    test_commission_page ();
    test_waiting ();
    test_commissions_list ();
    test_no_personal_data ();
    test_escaping ();
    test_hub_page ();
    test_signin ();
    test_csp ();
    HUB_TEST_DONE ();
}
