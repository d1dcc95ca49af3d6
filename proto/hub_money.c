/*  hub_money: ISO 4217 currencies and exact decimal amounts. See hub_money.h.
    Amounts are read and written digit by digit on integers, so no amount
    ever passes through a binary float.
*/
#include "hub_money.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ISO 4217 List one, sorted by code (the generator checks the order)
static const hub_currency_t s_currencies [] = {
#include "hub_iso4217.inc"
};
#define S_CURRENCIES  (sizeof s_currencies / sizeof s_currencies [0])

static void
    s_say (char *err, size_t errsize, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_say (char *err, size_t errsize, const char *format, ...)
{
    if (!err || errsize == 0)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (err, errsize, format, args);
    va_end (args);
}

//  Copies up to 40 bytes of text for a sentence, control bytes as '?'
static const char *
s_quote (const char *text, char *buf, size_t size)
{
    size_t i = 0;
    for (; text [i] && i < 40 && i + 1 < size; i++)
        buf [i] = (unsigned char) text [i] < 0x20 || text [i] == 0x7F? '?': text [i];
    buf [i] = 0;
    return buf;
}

static int
s_compare (const void *key, const void *item)
{
    return strcmp ((const char *) key, ((const hub_currency_t *) item)->code);
}

const hub_currency_t *
hub_money_currency (const char *code)
{
    if (!code || strlen (code) != 3)
        return NULL;
    return bsearch (code, s_currencies, S_CURRENCIES, sizeof s_currencies [0], s_compare);
}

int
hub_money_check_currency (const char *code, char *err, size_t errsize)
{
    const hub_currency_t *currency = hub_money_currency (code);
    if (!code || !*code) {
        s_say (err, errsize, "a currency is required: give an ISO 4217 code such as GBP");
        return -1;
    }
    if (!currency) {
        s_say (err, errsize, "\"%.16s\" is not an ISO 4217 currency code: use one of "
               "List one, such as GBP, EUR or USD", code);
        return -1;
    }
    if (currency->minor_units < 0) {
        s_say (err, errsize, "%s (%s) has no minor unit in ISO 4217, so no amount can be "
               "written in it: use a currency such as GBP", currency->code, currency->name);
        return -1;
    }
    return 0;
}

//  The sentence for text that is not a plain decimal, by its first fault
static void
s_say_shape (const char *text, const char *quoted, char *err, size_t errsize)
{
    const char *why = "write digits with at most one decimal point, e.g. 450000.00";
    if (strpbrk (text, " \t\r\n"))
        why = "it contains a space: write digits only, e.g. 450000.00";
    else
    if (strchr (text, ','))
        why = "it contains a comma: write no thousands separators, e.g. 450000.00";
    else
    if (strpbrk (text, "eE") && strpbrk (text, "0123456789"))
        why = "it has an exponent: write the amount in full, e.g. 450000.00";
    else
    if (text [0] == '.')
        why = "it starts with a point: write a digit before it, e.g. 0.50";
    s_say (err, errsize, "\"%s\" is not an amount: %s", quoted, why);
}

int
hub_money_parse (const char *text, const char *currency, int64_t *minor,
                 char *err, size_t errsize)
{
    if (hub_money_check_currency (currency, err, errsize))
        return -1;
    int places = hub_money_currency (currency)->minor_units;
    if (!text || !*text) {
        s_say (err, errsize, "an amount is required: give a decimal in %s such as %s",
               currency, places? "450000.00": "1000");
        return -1;
    }
    char quoted [48];
    s_quote (text, quoted, sizeof quoted);
    if (text [0] == '-') {
        s_say (err, errsize, "\"%s\" is negative: an amount of money is zero or more", quoted);
        return -1;
    }
    //  Whole part, then the fraction, accumulated as minor units
    const char *s = text;
    uint64_t value = 0;
    bool overflow = false;
    int decimals = -1;          //  digits after the point; -1: no point
    for (; *s; s++) {
        if (*s == '.' && decimals < 0 && s != text) {
            decimals = 0;
            continue;
        }
        if (*s < '0' || *s > '9') {
            s_say_shape (text, quoted, err, errsize);
            return -1;
        }
        if (decimals >= 0)
            decimals++;
        if (value > (UINT64_MAX - 9) / 10)
            overflow = true;
        else
            value = value * 10 + (uint64_t) (*s - '0');
    }
    if (decimals == 0) {
        s_say (err, errsize, "\"%s\" ends with a point: write the decimals after it, "
               "or leave the point out", quoted);
        return -1;
    }
    if (decimals > places) {
        if (places == 0)
            s_say (err, errsize, "%s has no decimal places: write a whole number, not "
                   "\"%s\"", currency, quoted);
        else
            s_say (err, errsize, "%s has %d decimal place%s; \"%s\" has %d",
                   currency, places, places == 1? "": "s", quoted, decimals);
        return -1;
    }
    for (int i = decimals < 0? 0: decimals; i < places && !overflow; i++) {
        if (value > UINT64_MAX / 10)
            overflow = true;
        else
            value *= 10;
    }
    if (overflow || value > (uint64_t) INT64_MAX) {
        char most [HUB_MONEY_TEXT_MAX];
        hub_money_format (INT64_MAX, currency, most, sizeof most);
        s_say (err, errsize, "\"%s\" is too large: the most is %s %s", quoted, most, currency);
        return -1;
    }
    *minor = (int64_t) value;
    return 0;
}

//  Writes minor units with the currency's places; trims zeros if asked
static int
s_format (int64_t minor, const char *currency, bool trim, char *buf, size_t size)
{
    const hub_currency_t *entry = hub_money_currency (currency);
    if (!entry || entry->minor_units < 0 || !buf)
        return -1;
    uint64_t scale = 1;
    for (int i = 0; i < entry->minor_units; i++)
        scale *= 10;
    uint64_t magnitude = minor < 0? (uint64_t) 0 - (uint64_t) minor: (uint64_t) minor;
    char fraction [8] = "";
    int places = entry->minor_units;
    uint64_t rest = magnitude % scale;
    for (int i = places - 1; i >= 0; i--, rest /= 10)
        fraction [i] = (char) ('0' + rest % 10);
    if (trim)
        while (places > 0 && fraction [places - 1] == '0')
            fraction [--places] = 0;
    int len = snprintf (buf, size, "%s%" PRIu64 "%s%s", minor < 0? "-": "",
                        magnitude / scale, places? ".": "", fraction);
    return len < 0 || (size_t) len >= size? -1: len;
}

int
hub_money_format (int64_t minor, const char *currency, char *buf, size_t size)
{
    return s_format (minor, currency, false, buf, size);
}

int
hub_money_format_number (int64_t minor, const char *currency, char *buf, size_t size)
{
    return s_format (minor, currency, true, buf, size);
}
