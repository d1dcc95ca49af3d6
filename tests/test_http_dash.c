/*  test_http_dash: the dashboard served over real HTTP. A real cyclehubd
    (--plain, --http on loopback) holds the cycle of tests/data/cycle,
    published by the real CLI with the broker's clock set as cycle.txt
    says; libcurl then signs in with the development token and reads the
    pages. Checks: a page without a session redirects to /signin; a bad
    token is refused on the form; sign-in sets the HttpOnly SameSite=Strict
    cookie (without Secure on plain loopback http) and redirects to /;
    the pages render the commission with their CSP; a consultation
    response's personal data is on none of them although the viewer is
    the commission's owner; the cookie opens /v1/events but never a publish.
*/
#include "hub_test.h"
#include "hub_proc.h"
#include "hub_http_kit.h"
#include "hub_http_cycle.h"

#define OCID "ocds-h6vhtk-056931"

static kit_hub_t s_hub;

//  A GET or a form POST with an optional cookie header line.
static void
s_request (const char *method, const char *path, const char *cookie, const char *form,
           kit_response_t *r)
{
    memset (r, 0, sizeof *r);
    CURL *curl = curl_easy_init ();
    char url [1024];
    snprintf (url, sizeof url, "%s%s", s_hub.url, path);
    curl_easy_setopt (curl, CURLOPT_URL, url);
    curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
    if (cookie)
        curl_easy_setopt (curl, CURLOPT_COOKIE, cookie);
    if (form)
        curl_easy_setopt (curl, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, kit_write_body);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, r);
    curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, kit_write_header);
    curl_easy_setopt (curl, CURLOPT_HEADERDATA, r);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_perform (curl);   //  an event stream ends by the timeout
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_cleanup (curl);
    if (r->body)
        r->json = json_loads (r->body, 0, NULL);
}

static void
s_no_personal_data (const kit_response_t *r, const char *page)
{
    CHECK_MSG (r->body && !strstr (r->body, "A Resident") && !strstr (r->body, "resident@example")
               && !strstr (r->body, "library please"), "%s shows personal data", page);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    curl_global_init (CURL_GLOBAL_ALL);
    (void) kit_token;               //  the kit's CURVE helpers: unused in --plain
    (void) kit_socket;
    kit_setup (&s_hub, "http-dash");
    REQUIRE (kit_start (&s_hub, true, NULL) == 0);
    kit_publish_cycle (&s_hub, OCID);

    //  No session: the pages send the viewer to the sign-in
    kit_response_t r;
    const char *pages [] = { "/", "/commissions/" OCID, "/hub" };
    for (int i = 0; i < 3; i++) {
        s_request ("GET", pages [i], NULL, NULL, &r);
        CHECK_MSG (r.status == 303 && strstr (r.headers, "Location: /signin"), "%s: %ld",
                   pages [i], r.status);
        kit_response_free (&r);
    }
    s_request ("GET", "/", "chub_session=chub_000000000000_notatoken", NULL, &r);
    CHECK (r.status == 303 && strstr (r.headers, "Location: /signin"));
    kit_response_free (&r);
    //  The form, and a bad token on it
    s_request ("GET", "/signin", NULL, NULL, &r);
    CHECK (r.status == 200 && r.body && strstr (r.body, "<form") && strstr (r.body, "token"));
    CHECK (strstr (r.headers, "Content-Security-Policy: ") != NULL);
    kit_response_free (&r);
    s_request ("POST", "/signin", NULL, "token=chub_000000000000_wrong", &r);
    CHECK (r.status == 401 && r.body && strstr (r.body, "not valid"));
    CHECK (!strstr (r.headers, "Set-Cookie"));
    kit_response_free (&r);

    //  Sign-in: the cookie, and back to /
    char form [300], cookie [300];
    snprintf (form, sizeof form, "token=%s", s_hub.dev_token);
    s_request ("POST", "/signin", NULL, form, &r);
    CHECK_MSG (r.status == 303 && strstr (r.headers, "Location: /"), "%ld %s", r.status, r.headers);
    char expect [400];
    snprintf (expect, sizeof expect, "Set-Cookie: chub_session=%s; HttpOnly; SameSite=Strict; "
              "Path=/\r\n", s_hub.dev_token);
    CHECK_MSG (strstr (r.headers, expect) != NULL, "%s", r.headers);
    kit_response_free (&r);
    snprintf (cookie, sizeof cookie, "chub_session=%s", s_hub.dev_token);

    s_request ("GET", "/", cookie, NULL, &r);
    CHECK_MSG (r.status == 200 && r.body && strstr (r.body, OCID)
               && strstr (r.body, "Community falls prevention"), "%ld", r.status);
    CHECK (strstr (r.headers, "Content-Type: text/html") && strstr (r.headers,
                                                                   "Content-Security-Policy: "));
    CHECK (strstr (r.body, "/v1/events") != NULL);
    s_no_personal_data (&r, "/");
    kit_response_free (&r);
    s_request ("GET", "/commissions/" OCID, cookie, NULL, &r);
    CHECK (r.status == 200 && r.body && strstr (r.body, "Community falls prevention")
           && strstr (r.body, "<svg") && strstr (r.body, "tender.published"));
    s_no_personal_data (&r, "/commissions/" OCID);
    kit_response_free (&r);
    s_request ("GET", "/hub", cookie, NULL, &r);
    CHECK (r.status == 200 && r.body && strstr (r.body, "<h1"));
    kit_response_free (&r);
    s_request ("GET", "/commissions/ocds-h6vhtk-nosuch", cookie, NULL, &r);
    CHECK (r.status == 404 && streq (kit_str (&r, "code"), "UNKNOWN_COMMISSION"));
    kit_response_free (&r);
    //  The data is there, for the owner's own API reads: the pages left it out
    kit_http (&s_hub, "GET", "/v1/history?type=consultation.response", s_hub.dev_token, NULL,
              NULL, &r);
    CHECK (r.status == 200 && r.body && strstr (r.body, "A Resident"));
    kit_response_free (&r);
    //  A system's Authorization header reads the pages as well
    kit_http (&s_hub, "GET", "/hub", s_hub.dev_token, NULL, NULL, &r);
    CHECK (r.status == 200 && strstr (r.headers, "text/html"));
    kit_response_free (&r);

    //  The cookie opens the page's event stream (redacted), never a publish
    s_request ("GET", "/v1/events?after_seq=0&topic=plan/", cookie, NULL, &r);
    CHECK (r.status == 200 && r.body && strstr (r.body, "event: consultation.response"));
    s_no_personal_data (&r, "/v1/events");
    kit_response_free (&r);
    s_request ("POST", "/v1/messages/needs.assessed?commission=" OCID, cookie, "{}", &r);
    CHECK (r.status == 401);
    kit_response_free (&r);

    kit_teardown (&s_hub);
    curl_global_cleanup ();
    HUB_TEST_DONE ();
}
