/*  hub_dash_html: the output buffer, escaping, and the frame every page
    shares (head, header, navigation, footer, the live script). Data reaches
    a page only through hub_dash_text and hub_dash_url_segment, so escaping
    is decided here once.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hub_dash_priv.h"

static void
s_reserve (hub_dash_buf_t *b, size_t more)
{
    if (b->failed)
        return;
    if (b->len + more + 1 <= b->cap)
        return;
    size_t cap = b->cap? b->cap: 16384;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *data = realloc (b->data, cap);
    if (!data) {
        b->failed = true;
        return;
    }
    b->data = data;
    b->cap = cap;
}

static void
s_put (hub_dash_buf_t *b, const char *s, size_t n)
{
    s_reserve (b, n);
    if (b->failed)
        return;
    memcpy (b->data + b->len, s, n);
    b->len += n;
    b->data [b->len] = 0;
}

void
hub_dash_raw (hub_dash_buf_t *b, const char *markup)
{
    s_put (b, markup, strlen (markup));
}

void
hub_dash_rawf (hub_dash_buf_t *b, const char *fmt, ...)
{
    char small [512];
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (small, sizeof small, fmt, ap);
    va_end (ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t) n < sizeof small) {
        s_put (b, small, (size_t) n);
        return;
    }
    s_reserve (b, (size_t) n);
    if (b->failed)
        return;
    va_start (ap, fmt);
    vsnprintf (b->data + b->len, (size_t) n + 1, fmt, ap);
    va_end (ap);
    b->len += (size_t) n;
}

//  Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one
//  (overlong, surrogate, beyond U+10FFFF, truncated)
static size_t
s_utf8_len (const unsigned char *s)
{
    if (s [0] < 0x80)
        return 1;
    size_t n = s [0] >= 0xF0? 4: s [0] >= 0xE0? 3: s [0] >= 0xC2? 2: 0;
    if (n == 0 || s [0] > 0xF4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s [i] & 0xC0) != 0x80)
            return 0;
    if (n == 3 && s [0] == 0xE0 && s [1] < 0xA0)
        return 0;                           //  overlong
    if (n == 3 && s [0] == 0xED && s [1] >= 0xA0)
        return 0;                           //  surrogate
    if (n == 4 && s [0] == 0xF0 && s [1] < 0x90)
        return 0;                           //  overlong
    if (n == 4 && s [0] == 0xF4 && s [1] >= 0x90)
        return 0;                           //  beyond U+10FFFF
    return n;
}

void
hub_dash_text (hub_dash_buf_t *b, const char *data)
{
    if (!data)
        return;
    const unsigned char *s = (const unsigned char *) data;
    while (*s) {
        const char *esc = NULL;
        switch (*s) {
            case '&':  esc = "&amp;"; break;
            case '<':  esc = "&lt;"; break;
            case '>':  esc = "&gt;"; break;
            case '"':  esc = "&quot;"; break;
            case '\'': esc = "&#39;"; break;
            default: break;
        }
        if (esc) {
            hub_dash_raw (b, esc);
            s++;
            continue;
        }
        size_t n = s_utf8_len (s);
        bool control = n == 1 && ((*s < 0x20 && *s != '\t' && *s != '\n') || *s == 0x7F);
        if (n == 0 || control) {
            hub_dash_raw (b, "\xEF\xBF\xBD");
            s++;
            continue;
        }
        s_put (b, (const char *) s, n);
        s += n;
    }
}

void
hub_dash_url_segment (hub_dash_buf_t *b, const char *data)
{
    static const char hex [] = "0123456789ABCDEF";
    for (const unsigned char *s = (const unsigned char *) (data? data: ""); *s; s++) {
        bool plain = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
                  || (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_' || *s == '~';
        if (plain)
            s_put (b, (const char *) s, 1);
        else {
            char pct [3] = { '%', hex [*s >> 4], hex [*s & 15] };
            s_put (b, pct, 3);
        }
    }
}

char *
hub_dash_buf_finish (hub_dash_buf_t *b)
{
    if (b->failed || !b->data) {
        free (b->data);
        b->data = NULL;
        return NULL;
    }
    char *out = b->data;
    b->data = NULL;
    return out;
}

void
hub_dash_href (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const char *path)
{
    hub_dash_text (b, ctx->root? ctx->root: "");
    hub_dash_raw (b, path);
}

static void
s_nav_item (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const char *path,
            const char *label, bool current)
{
    hub_dash_raw (b, "<li class=\"hub-nav__item\"><a class=\"hub-nav__link\" href=\"");
    hub_dash_href (b, ctx, path);
    hub_dash_rawf (b, "\"%s>%s</a></li>", current? " aria-current=\"page\"": "", label);
}

void
hub_dash_page_begin (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx,
                     const char *title, const char *current)
{
    hub_dash_raw (b, "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
    hub_dash_text (b, title);
    hub_dash_raw (b, " \xE2\x80\x93 cyclehub</title>\n<style>");
    hub_dash_raw (b, hub_dash_css);
    hub_dash_raw (b, "</style>\n</head>\n<body>\n"
                     "<a href=\"#main-content\" class=\"hub-skip-link\">Skip to main content</a>\n"
                     "<header class=\"hub-header\"><div class=\"hub-width hub-header__inner\">"
                     "<a class=\"hub-header__name\" href=\"");
    hub_dash_href (b, ctx, "/");
    hub_dash_raw (b, "\">cyclehub <span class=\"hub-header__service\">Commissioning dashboard</span></a>");
    if (current) {
        hub_dash_raw (b, "<nav aria-label=\"Dashboard\"><ul class=\"hub-nav\">");
        s_nav_item (b, ctx, "/", "Commissions", strcmp (current, "commissions") == 0);
        s_nav_item (b, ctx, "/hub", "Hub status", strcmp (current, "hub") == 0);
        hub_dash_raw (b, "</ul></nav>");
    }
    if (ctx->viewer && *ctx->viewer) {
        hub_dash_raw (b, "<p class=\"hub-header__viewer\">Signed in as ");
        hub_dash_agency (b, ctx, ctx->viewer);
        hub_dash_raw (b, "</p>");
    }
    hub_dash_raw (b, "</div></header>\n<div class=\"hub-width\">\n"
                     "<main class=\"hub-main\" id=\"main-content\">\n");
}

void
hub_dash_live_status (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const char *commission_id)
{
    if (!ctx->events_url)
        return;
    //  The script reads these; the message types are listed because the
    //  stream names each event by its type (EventSource needs one listener each)
    hub_dash_raw (b, "<p class=\"hub-live\" id=\"hub-live\" role=\"status\" data-events=\"");
    hub_dash_text (b, ctx->events_url);
    hub_dash_raw (b, "\" data-commission=\"");
    hub_dash_text (b, commission_id? commission_id: "");
    hub_dash_raw (b, "\" data-types=\"");
    const hub_type_t *t;
    for (size_t i = 0; (t = hub_types_at (i)); i++) {
        hub_dash_raw (b, i? " ": "");
        hub_dash_text (b, t->name);
    }
    hub_dash_raw (b, "\">Live updates need JavaScript; reload the page to see new events.</p>\n");
}

void
hub_dash_page_end (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx)
{
    hub_dash_raw (b, "</main>\n</div>\n<footer class=\"hub-footer\"><div class=\"hub-width\">"
                     "<p>cyclehub: the message hub of the commissioning cycle. Times are UK time. "
                     "Personal data from consultation responses is never shown here.</p>"
                     "</div></footer>\n");
    if (ctx->events_url) {
        hub_dash_raw (b, "<script>");
        hub_dash_raw (b, hub_dash_script);
        hub_dash_raw (b, "</script>\n");
    }
    hub_dash_raw (b, "</body>\n</html>\n");
}
