/*  test_dash_browser: the dashboard's pages in a real browser. Renders the
    commissions, commission, hub and sign-in pages of the test commissions
    (tests/hub_dash_fixture.h) into a temp directory, serves them on
    loopback with the renderer's own Content-Security-Policy and a stand-in
    event stream (tests/dash_sse_server.py), loads each in Debian's headless
    chromium and checks the DOM after the scripts ran (--dump-dom): stage
    tags, timeline marks, the KPI chart, a live event added by the script.

    The screenshots of docs/img/ come from the live broker: test_dash_live.py.
    Without chromium it prints why and exits 77 (ctest: skipped).
*/
#include <signal.h>
#include <sys/wait.h>
#include "hub_test.h"
#include "hub_dash_fixture.h"

#define NOW "2027-05-20T10:00:00Z"

static const char *s_chromium_flags =
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync "
    "--hide-scrollbars --force-device-scale-factor=1";

static void
s_write (const char *dir, const char *name, char *html)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen (path, "w");
    REQUIRE (file && html);
    fputs (html, file);
    fclose (file);
    free (html);
}

//  Starts the page server; returns its pid and sets *port
static pid_t
s_serve (const char *dir, const char *csp, int *port)
{
    char script [PATH_MAX];
    const char *src = getenv ("HUB_SRC_DIR");
    snprintf (script, sizeof script, "%s/tests/dash_sse_server.py", src && *src? src: "..");
    int fds [2];
    REQUIRE (pipe (fds) == 0);
    pid_t pid = fork ();
    REQUIRE (pid >= 0);
    if (pid == 0) {
        dup2 (fds [1], 1);
        close (fds [0]);
        execlp ("python3", "python3", script, dir, csp, (char *) NULL);
        _exit (127);
    }
    close (fds [1]);
    FILE *out = fdopen (fds [0], "r");
    REQUIRE (out && fscanf (out, "%d", port) == 1);
    fclose (out);
    return pid;
}

//  Runs chromium on a URL with extra flags; returns its stdout (the caller frees)
static char *
s_chromium (const char *profile, const char *extra, const char *url)
{
    char cmd [4096];
    snprintf (cmd, sizeof cmd, "timeout 120 chromium %s --user-data-dir=%s %s '%s' 2>/dev/null",
              s_chromium_flags, profile, extra, url);
    FILE *pipe_ = popen (cmd, "r");
    REQUIRE (pipe_);
    size_t cap = 1 << 20, len = 0;
    char *out = malloc (cap);
    size_t got;
    while ((got = fread (out + len, 1, cap - len - 1, pipe_)) > 0) {
        len += got;
        if (len + 1 == cap)
            out = realloc (out, cap *= 2);
    }
    out [len] = 0;
    pclose (pipe_);
    return out;
}

static size_t
s_count (const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr (p, needle)); p += strlen (needle))
        n++;
    return n;
}

static void
s_check_commissions (const char *dom)
{
    CHECK (s_count (dom, "<tr class=\"hub-table__row\"") == 3);
    CHECK (strstr (dom, "data-stage=\"analyse\">Analyse</strong>"));
    CHECK (strstr (dom, "data-stage=\"plan\">Plan</strong>"));
    CHECK (strstr (dom, "data-stage=\"do\">Do</strong>"));
    CHECK (strstr (dom, "KPI report overdue since 31 July 2026"));
    CHECK (strstr (dom, "closes in 10 days (28 May 2027 at 6pm)"));
    //  The script ran under the CSP: the no-JavaScript sentence was replaced
    CHECK (strstr (dom, "id=\"hub-live\"") && !strstr (dom, "Live updates need JavaScript"));
}

static void
s_check_commission (const char *dom)
{
    CHECK (strstr (dom, "data-stage=\"analyse\">Analyse</strong>"));
    CHECK_MSG (s_count (dom, "<g class=\"hub-mark\"") == 21, "%zu marks", s_count (dom, "<g class=\"hub-mark\""));
    CHECK (s_count (dom, "<g class=\"hub-band\"") == 5);
    CHECK (strstr (dom, "hub-boundary hub-boundary--cycle"));
    CHECK (s_count (dom, "<g class=\"hub-kpi__point\"") == 3);
    CHECK (strstr (dom, "data-rating=\"green\" data-value=\"72.5\""));
    CHECK (strstr (dom, "data-rating=\"amber\" data-value=\"64\""));
    CHECK (strstr (dom, "data-rating=\"red\" data-value=\"52\""));
    //  The live event of this commission was added on top; the other's was not
    const char *list = strstr (dom, "id=\"hub-events\"");
    CHECK (list && strstr (list, "<li class=\"hub-event hub-event--new\" data-seq=\"19\" data-type=\"kpi.reported\">"));
    CHECK (list && strstr (list, "data-seq=\"19\"") < strstr (list, "data-seq=\"21\""));
    CHECK (!strstr (dom, "data-seq=\"20\" data-type=\"partner.update\""));
    CHECK (!strstr (dom, "Live updates need JavaScript"));
    CHECK (!strstr (dom, "A Resident") && !strstr (dom, "resident@example.org"));
}

static void
s_check_hub (const char *dom)
{
    CHECK (strstr (dom, "<h1 class=\"hub-heading-xl\">Hub status</h1>"));
    CHECK (strstr (dom, "data-headroom=\"62\""));
    CHECK (strstr (dom, "data-stage=\"do\">Do</strong>"));
}

static void
s_pages (const char *dir)
{
    hub_fx_t a, b, c;
    REQUIRE (hub_fx_cycle (&a) == 0 || (fprintf (stderr, "%s\n", a.error), 0));
    REQUIRE (hub_fx_more_reports (&a) == 0 || (fprintf (stderr, "%s\n", a.error), 0));
    REQUIRE (hub_fx_carers (&b) == 0 && hub_fx_homecare (&c) == 0);
    hub_dash_ctx_t ctx = { .now_ms = hub_fx_time ("2027-05-19T10:00:00Z"), .root = "",
                           .name_of = hub_fx_name, .viewer = HUB_FX_COUNCIL, .events_url = "/v1/events" };
    hub_dash_commission_t list [3] = { hub_fx_view (&a), hub_fx_view (&b), hub_fx_view (&c) };
    s_write (dir, "commissions.html", hub_dash_render_commissions (&ctx, list, 3));
    s_write (dir, "commission.html", hub_dash_render_commission (&ctx, &list [0]));
    Cyclehub__V1__Count t [3] = { CYCLEHUB__V1__COUNT__INIT, CYCLEHUB__V1__COUNT__INIT, CYCLEHUB__V1__COUNT__INIT };
    t [0].key = "analyse"; t [0].count = 5; t [1].key = "plan"; t [1].count = 12; t [2].key = "do"; t [2].count = 17;
    Cyclehub__V1__Count *per_stage [] = { &t [0], &t [1], &t [2] };
    Cyclehub__V1__Status st = CYCLEHUB__V1__STATUS__INIT;
    st.last_seq = 34; st.uptime_ms = 3 * 86400000LL + 5 * 3600000LL; st.store_bytes = 38 * 1000 * 1000;
    st.commissions = 3; st.per_stage = per_stage; st.n_per_stage = 3; st.publish_rate = 0.4;
    st.hub_id = "hub-london-1";
    const Cyclehub__V1__CommissionState *states [] = { a.unpacked, b.unpacked, c.unpacked };
    hub_dash_hub_t hub = { &st, 100 * 1000 * 1000, 6, ctx.now_ms - 4000, states, 3 };
    s_write (dir, "hub.html", hub_dash_render_hub (&ctx, &hub));
    s_write (dir, "sign-in.html", hub_dash_render_signin (&ctx, "The token is not valid, or it was revoked"));
    hub_fx_destroy (&a);
    hub_fx_destroy (&b);
    hub_fx_destroy (&c);
}

int
main (void)
{
    if (system ("command -v chromium >/dev/null 2>&1") != 0) {
        printf ("SKIP: chromium is not installed (scripts/deps.sh installs Debian's chromium)\n");
        return 77;
    }
    char *dir = hub_test_tmpdir ("dash");
    char *profile = hub_test_tmpdir ("chromium");
    REQUIRE (dir && profile);
    s_pages (dir);
    char csp [HUB_DASH_CSP_MAX];
    REQUIRE (hub_dash_csp (csp, sizeof csp) > 0);
    int port = 0;
    pid_t server = s_serve (dir, csp, &port);
    char url [256];
    const char *pages [] = { "commissions", "commission", "hub", "sign-in" };
    for (size_t i = 0; i < 4; i++) {
        snprintf (url, sizeof url, "http://127.0.0.1:%d/%s.html", port, pages [i]);
        //  Virtual time runs until the page is idle: the stand-in stream sends
        //  its events, holds a second and closes
        char *dom = s_chromium (profile, "--virtual-time-budget=5000 --dump-dom", url);
        CHECK_MSG (strstr (dom, "</html>"), "no DOM for %s", pages [i]);
        if (i == 0) s_check_commissions (dom);
        if (i == 1) s_check_commission (dom);
        if (i == 2) s_check_hub (dom);
        if (i == 3) CHECK (strstr (dom, "There is a problem") && strstr (dom, "name=\"token\""));
        free (dom);
    }
    kill (server, SIGTERM);
    waitpid (server, NULL, 0);
    hub_test_rmtree (dir);
    hub_test_rmtree (profile);
    free (dir);
    free (profile);
    HUB_TEST_DONE ();
}
