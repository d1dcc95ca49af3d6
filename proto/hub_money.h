/*  hub_money: the one place that knows money. Inside the protobuf an amount
    is integer minor units (pence); at every text edge (JSON, CLI flags,
    OCDS, webhooks) it is a decimal in the currency's major unit with at
    most as many decimals as ISO 4217 gives the currency: "450000.00" GBP
    is 45000000 minor units, "1000" JPY is 1000. No floating point anywhere.

    The currency table is ISO 4217 List one (proto/data/iso4217.csv, as
    published by the maintenance agency SIX), compiled in at build time.

        int64_t minor;
        char err [128];
        if (hub_money_parse ("450000.00", "GBP", &minor, err, sizeof err))
            ... err says why, e.g. "GBP has 2 decimal places; \"12.345\" has 3"
        char text [HUB_MONEY_TEXT_MAX];
        hub_money_format (minor, "GBP", text, sizeof text);     //  "450000.00"
*/
#ifndef HUB_MONEY_H
#define HUB_MONEY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

//  Room for any formatted amount: sign, 19 digits, point, NUL, with margin
#define HUB_MONEY_TEXT_MAX  32

//  One currency of ISO 4217 List one
typedef struct {
    const char *code;           //  alphabetic code, "GBP"
    int numeric;                //  numeric code, 826
    int minor_units;            //  decimal places, 0..4; -1 where ISO 4217 gives none (N.A.)
    const char *name;           //  the standard's name, "Pound Sterling"
} hub_currency_t;

/* The currency with alphabetic code `code` (exact, upper case), or NULL if
   it is not in ISO 4217 List one. The entry is static: never freed. */
const hub_currency_t *
    hub_money_currency (const char *code);

/* Returns 0 if an amount can be written in `code`: a List one currency with
   minor units. Otherwise -1, with a sentence in err (if err is not NULL)
   naming the code and why: not an ISO 4217 code, or one with no minor unit
   (gold, SDR, XXX). */
int
    hub_money_check_currency (const char *code, char *err, size_t errsize);

/* Parses text, a decimal amount in the major unit of `currency` ("450000",
   "450000.5", "450000.00"; at most the currency's decimal places), into
   exact minor units. Returns 0, or -1 with a sentence in err (if not NULL)
   when the currency is unusable (see hub_money_check_currency) or the text
   is empty, negative, has too many decimals, a space, a thousands
   separator, an exponent or anything else than digits and one point, or
   exceeds INT64_MAX minor units. *minor is set only on success. */
int
    hub_money_parse (const char *text, const char *currency, int64_t *minor,
                     char *err, size_t errsize);

/* Writes minor units of `currency` as a decimal in its major unit with
   exactly its decimal places ("450000.00" GBP, "1000" JPY; "-" first for a
   negative amount). Returns the length, or -1 if the currency is unusable
   or buf is too small (HUB_MONEY_TEXT_MAX always suffices). */
int
    hub_money_format (int64_t minor, const char *currency, char *buf, size_t size);

/* Like hub_money_format, without trailing zeros in the fraction (and
   without the point when nothing is left): "450000", "450000.5". This is
   the exact text of a JSON number, for OCDS. Same returns. */
int
    hub_money_format_number (int64_t minor, const char *currency, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
