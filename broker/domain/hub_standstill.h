/*  hub_standstill: UK working days and the shortest standstill an award
    notice may carry (Procurement Act 2023, s.51: eight working days
    beginning with the day the notice is published). Pure: the bank
    holidays are a table built from data/uk-bank-holidays.csv.
*/
#ifndef HUB_STANDSTILL_H
#define HUB_STANDSTILL_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HUB_NATION_ENGLAND_WALES = 0,
    HUB_NATION_SCOTLAND = 1,
    HUB_NATION_NORTHERN_IRELAND = 2
} hub_nation_t;

/* Working days in a standstill (UK6 / s.51). */
#define HUB_STANDSTILL_WORKING_DAYS 8

/* The UK nation whose bank holidays apply to a buyer, from its org-id scheme:
   GB-LAS- (Scottish council) and GB-SC- (Scottish charity) are Scotland,
   GB-LANI- (Northern Ireland council) and GB-NIC- (NI charity) are Northern
   Ireland; every other scheme (GB-LAE-, GB-NHS-, GB-COH-, ...) is England and
   Wales. NULL is England and Wales. */
hub_nation_t
    hub_standstill_nation (const char *org_id);

/* "england-and-wales", "scotland" or "northern-ireland" (the CSV's names). */
const char *
    hub_standstill_nation_name (hub_nation_t nation);

/* True if the date (UK calendar) is a working day in `nation`: Monday to
   Friday and not one of its bank holidays. Dates outside the table's years
   are judged by the weekday alone; hub_standstill_end refuses them. */
bool
    hub_standstill_is_working_day (hub_nation_t nation, int year, int month, int day);

/* The earliest standstill end for an award notice published at notice_ms
   (UTC ms) by a buyer in `nation`. The rule: take the UK calendar date of
   notice_ms (Europe/London: GMT, or BST from the last Sunday of March to the
   last Sunday of October); counting that day if it is a working day, find
   the 8th working day; the standstill ends at the midnight (UK time) that
   closes it. A notice on Monday 2 March 2026 at 15:00 ends at midnight
   between Wednesday 11 and Thursday 12 March (2026-03-12T00:00:00Z).
   Returns 0 with *end_ms set, or -1 if the 8 working days leave the years
   the bank-holiday table covers (*end_ms then 0). */
int
    hub_standstill_end (int64_t notice_ms, hub_nation_t nation, int64_t *end_ms);

/* The table's first and last year (inclusive). */
int
    hub_standstill_first_year (void);
int
    hub_standstill_last_year (void);

#ifdef __cplusplus
}
#endif
#endif
