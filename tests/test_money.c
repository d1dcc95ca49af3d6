/*  Tests of hub_money: the ISO 4217 table as compiled from
    proto/data/iso4217.csv, exact parsing of major-unit decimals into minor
    units with every refusal and its sentence, and formatting back.
*/
#include "hub_money.h"
#include "hub_number.h"
#include "hub_test.h"

#include <math.h>

//  The table: codes of every minor-unit class, and codes it must not know
static void
s_test_currencies (void)
{
    static const struct { const char *code; int numeric; int minor; } known [] = {
        { "GBP", 826, 2 }, { "EUR", 978, 2 }, { "USD", 840, 2 }, { "JPY", 392, 0 },
        { "KRW", 410, 0 }, { "BHD", 48, 3 }, { "KWD", 414, 3 }, { "CLF", 990, 4 },
        { "UYW", 927, 4 }, { "ALL", 8, 2 }, { "XAU", 959, -1 }, { "XXX", 999, -1 },
    };
    for (size_t i = 0; i < sizeof known / sizeof known [0]; i++) {
        const hub_currency_t *c = hub_money_currency (known [i].code);
        CHECK_MSG (c && c->numeric == known [i].numeric && c->minor_units == known [i].minor,
                   "%s", known [i].code);
    }
    CHECK (strcmp (hub_money_currency ("GBP")->name, "Pound Sterling") == 0);
    //  the first and last rows of the file are reached (binary search ends)
    CHECK (hub_money_currency ("AED") && hub_money_currency ("ZWG"));
    static const char *unknown [] = {
        "XYZ", "gbp", "Gbp", "GB", "GBPP", "", "DEM", "ZZZ", "AAA", NULL
    };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown [0]; i++)
        CHECK_MSG (hub_money_currency (unknown [i]) == NULL, "%s", unknown [i]);

    char err [256];
    CHECK (hub_money_check_currency ("GBP", err, sizeof err) == 0);
    CHECK (hub_money_check_currency ("JPY", NULL, 0) == 0);
    CHECK (hub_money_check_currency ("XYZ", err, sizeof err) == -1
        && strstr (err, "\"XYZ\" is not an ISO 4217 currency code"));
    CHECK (hub_money_check_currency ("XAU", err, sizeof err) == -1
        && strstr (err, "XAU (Gold) has no minor unit in ISO 4217"));
    CHECK (hub_money_check_currency ("", err, sizeof err) == -1
        && strstr (err, "a currency is required"));
    CHECK (hub_money_check_currency (NULL, err, sizeof err) == -1
        && strstr (err, "a currency is required"));
}

//  Amounts read: text and currency to minor units
static void
s_test_parse_ok (void)
{
    static const struct { const char *text, *currency; int64_t minor; } table [] = {
        { "450000.00", "GBP", 45000000 },
        { "450000",    "GBP", 45000000 },
        { "450000.5",  "GBP", 45000050 },
        { "0.07",      "GBP", 7 },
        { "0",         "GBP", 0 },
        { "0.00",      "GBP", 0 },
        { "007",       "GBP", 700 },
        { "1000",      "JPY", 1000 },
        { "12.345",    "BHD", 12345 },
        { "12.3",      "BHD", 12300 },
        { "1.0001",    "CLF", 10001 },
        { "92233720368547758.07", "GBP", INT64_MAX },
        { "9223372036854775807",  "JPY", INT64_MAX },
    };
    for (size_t i = 0; i < sizeof table / sizeof table [0]; i++) {
        int64_t minor = -1;
        char err [256] = "";
        int rc = hub_money_parse (table [i].text, table [i].currency, &minor, err, sizeof err);
        CHECK_MSG (rc == 0 && minor == table [i].minor, "%s %s: rc %d minor %lld (%s)",
                   table [i].text, table [i].currency, rc, (long long) minor, err);
    }
}

//  Amounts refused, each with the sentence a person reads
static void
s_test_parse_refused (void)
{
    static const struct { const char *text, *currency, *says; } table [] = {
        { "12.345", "GBP", "GBP has 2 decimal places; \"12.345\" has 3" },
        { "19.990", "GBP", "GBP has 2 decimal places; \"19.990\" has 3" },
        { "1000.5", "JPY", "JPY has no decimal places: write a whole number, not \"1000.5\"" },
        { "1.0",    "JPY", "JPY has no decimal places" },
        { "1.23456", "CLF", "CLF has 4 decimal places; \"1.23456\" has 5" },
        { "",       "GBP", "an amount is required: give a decimal in GBP such as 450000.00" },
        { NULL,     "JPY", "an amount is required: give a decimal in JPY such as 1000" },
        { "-1",     "GBP", "\"-1\" is negative: an amount of money is zero or more" },
        { "-0.01",  "GBP", "is negative" },
        { "+1",     "GBP", "\"+1\" is not an amount: write digits with at most one decimal point" },
        { "1e5",    "GBP", "\"1e5\" is not an amount: it has an exponent" },
        { "1.5E2",  "GBP", "it has an exponent" },
        { " 12",    "GBP", "\" 12\" is not an amount: it contains a space" },
        { "12 ",    "GBP", "it contains a space" },
        { "450 000", "GBP", "it contains a space" },
        { "450,000.00", "GBP", "it contains a comma: write no thousands separators" },
        { "1.",     "GBP", "\"1.\" ends with a point" },
        { ".5",     "GBP", "\".5\" is not an amount: it starts with a point" },
        { "1.2.3",  "GBP", "\"1.2.3\" is not an amount" },
        { "ten",    "GBP", "\"ten\" is not an amount: write digits" },
        { "0x10",   "GBP", "\"0x10\" is not an amount" },
        { "£5",     "GBP", "is not an amount" },
        { "NaN",    "GBP", "is not an amount" },
        { "92233720368547758.08", "GBP",
          "\"92233720368547758.08\" is too large: the most is 92233720368547758.07 GBP" },
        { "9223372036854775808", "JPY", "is too large: the most is 9223372036854775807 JPY" },
        { "99999999999999999999999", "GBP", "is too large" },
        { "100000000000000000", "GBP", "is too large" },     //  fits, until scaled to pence
        { "5", "XYZ", "\"XYZ\" is not an ISO 4217 currency code" },
        { "5", "gbp", "\"gbp\" is not an ISO 4217 currency code" },
        { "5", "",    "a currency is required" },
        { "5", NULL,  "a currency is required" },
        { "5", "XAU", "XAU (Gold) has no minor unit" },
    };
    for (size_t i = 0; i < sizeof table / sizeof table [0]; i++) {
        int64_t minor = -12345;
        char err [256] = "";
        int rc = hub_money_parse (table [i].text, table [i].currency, &minor, err, sizeof err);
        CHECK_MSG (rc == -1 && minor == -12345 && strstr (err, table [i].says),
                   "%s %s: rc %d, said \"%s\"", table [i].text ? table [i].text: "(null)",
                   table [i].currency ? table [i].currency: "(null)", rc, err);
    }
    //  no error buffer: still refused, nothing written
    int64_t minor = 0;
    CHECK (hub_money_parse ("12.345", "GBP", &minor, NULL, 0) == -1 && minor == 0);
    //  a long bad text is cut in the sentence, and the sentence fits its buffer
    char err [64];
    CHECK (hub_money_parse ("1234567890123456789012345678901234567890123456789x", "GBP",
                            &minor, err, sizeof err) == -1 && strlen (err) < sizeof err);
}

//  Minor units written back in major units
static void
s_test_format (void)
{
    static const struct { int64_t minor; const char *currency, *text, *number; } table [] = {
        { 45000000, "GBP", "450000.00", "450000" },
        { 45000050, "GBP", "450000.50", "450000.5" },
        { 7,        "GBP", "0.07",      "0.07" },
        { 0,        "GBP", "0.00",      "0" },
        { 1000,     "JPY", "1000",      "1000" },
        { 0,        "JPY", "0",         "0" },
        { 12345,    "BHD", "12.345",    "12.345" },
        { 12300,    "BHD", "12.300",    "12.3" },
        { 10001,    "CLF", "1.0001",    "1.0001" },
        { -150,     "GBP", "-1.50",     "-1.5" },
        { INT64_MAX, "GBP", "92233720368547758.07", "92233720368547758.07" },
        { INT64_MIN, "GBP", "-92233720368547758.08", "-92233720368547758.08" },
    };
    for (size_t i = 0; i < sizeof table / sizeof table [0]; i++) {
        char text [HUB_MONEY_TEXT_MAX], number [HUB_MONEY_TEXT_MAX];
        int len = hub_money_format (table [i].minor, table [i].currency, text, sizeof text);
        int nlen = hub_money_format_number (table [i].minor, table [i].currency,
                                            number, sizeof number);
        CHECK_MSG (len == (int) strlen (table [i].text) && strcmp (text, table [i].text) == 0,
                   "%lld %s gave %s", (long long) table [i].minor, table [i].currency, text);
        CHECK_MSG (nlen == (int) strlen (table [i].number)
                   && strcmp (number, table [i].number) == 0,
                   "%lld %s gave %s", (long long) table [i].minor, table [i].currency, number);
        //  every non-negative amount reads back exactly
        int64_t back;
        if (table [i].minor >= 0)
            CHECK (hub_money_parse (text, table [i].currency, &back, NULL, 0) == 0
                && back == table [i].minor);
    }
    char buf [HUB_MONEY_TEXT_MAX];
    CHECK (hub_money_format (100, "XYZ", buf, sizeof buf) == -1);
    CHECK (hub_money_format (100, "XAU", buf, sizeof buf) == -1);
    CHECK (hub_money_format (100, NULL, buf, sizeof buf) == -1);
    CHECK (hub_money_format (45000000, "GBP", buf, 9) == -1);     //  "450000.00" needs 10
    CHECK (hub_money_format (45000000, "GBP", buf, 10) == 9);
    CHECK (hub_money_format_number (45000000, "GBP", buf, 6) == -1);
}

//  Numbers for people: the one helper behind "target 80", not "8e+01"
static void
s_test_number (void)
{
    static const struct { double d; const char *text; } table [] = {
        { 80, "80" }, { 80.5, "80.5" }, { 0, "0" }, { 0.1, "0.1" }, { -3.25, "-3.25" },
        { 1e6, "1000000" }, { 0.125, "0.125" }, { 123456789012345.0, "123456789012345" },
        { 1e-6, "0.000001" }, { 1e20, "1e+20" }, { 1e-7, "1e-07" },
        { 1.0 / 3.0, "0.3333333333333333" }, { NAN, "NaN" }, { INFINITY, "Infinity" },
        { -INFINITY, "-Infinity" },
    };
    for (size_t i = 0; i < sizeof table / sizeof table [0]; i++) {
        char text [HUB_NUMBER_TEXT_MAX];
        int len = hub_number_format (table [i].d, text, sizeof text);
        CHECK_MSG (len > 0 && strcmp (text, table [i].text) == 0,
                   "%s gave %s", table [i].text, text);
    }
    char small [3];
    CHECK (hub_number_format (80.5, small, sizeof small) == -1);
    //  the longest plain forms fit the documented room
    char text [HUB_NUMBER_TEXT_MAX];
    CHECK (hub_number_format (-999999999999999.9, text, sizeof text) > 0);
    CHECK (hub_number_format (-1.2345678901234567e-6, text, sizeof text) > 0);

    //  Sizes: decimal units, one decimal from kB on, truncated to the room
    static const struct { uint64_t n; const char *text; } sizes [] = {
        { 0, "0 bytes" }, { 999, "999 bytes" }, { 1000, "1.0 kB" }, { 1500, "1.5 kB" },
        { 950000000, "950.0 MB" }, { 17179869184ull, "17.2 GB" },
        { 2500000000000000ull, "2500.0 TB" },
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes [0]; i++) {
        hub_number_bytes (sizes [i].n, text, sizeof text);
        CHECK_MSG (strcmp (text, sizes [i].text) == 0, "%s gave %s", sizes [i].text, text);
    }
    hub_number_bytes (1500, small, sizeof small);
    CHECK (strcmp (small, "1.") == 0);
}

int
main (void)
{
    s_test_currencies ();
    s_test_parse_ok ();
    s_test_parse_refused ();
    s_test_format ();
    s_test_number ();
    HUB_TEST_DONE ();
}
