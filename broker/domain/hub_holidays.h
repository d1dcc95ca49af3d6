/*  hub_holidays: the UK bank holidays by nation, as a table generated at
    build time from data/uk-bank-holidays.csv (GOV.UK's list). Private to
    hub_domain: hub_standstill.h is the way in.
*/
#ifndef HUB_HOLIDAYS_H
#define HUB_HOLIDAYS_H

#include <stddef.h>

typedef struct {
    int nation;                     //  hub_nation_t
    int ymd;                        //  the date as YYYYMMDD
} hub_holiday_t;

//  Sorted by nation, then date; every nation covers first_year..last_year
extern const hub_holiday_t hub_holidays [];
extern const size_t hub_holidays_count;
extern const int hub_holidays_first_year;
extern const int hub_holidays_last_year;

#endif
