/*  hub_number: doubles for people. See hub_number.h. "%g" alone writes 80
    as "8e+01" at low precision, so the plain form is searched for first.
*/
#include "hub_number.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int
hub_number_format (double d, char *buf, size_t size)
{
    char text [HUB_NUMBER_TEXT_MAX] = "";
    if (isnan (d))
        snprintf (text, sizeof text, "NaN");
    else
    if (isinf (d))
        snprintf (text, sizeof text, "%s", d > 0? "Infinity": "-Infinity");
    else {
        double magnitude = fabs (d);
        int precision = 0;
        if (magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15)) {
            //  Plain: at most 6 + 17 decimals reach the last significant digit
            for (; precision <= 23; precision++) {
                snprintf (text, sizeof text, "%.*f", precision, d);
                if (strtod (text, NULL) == d)
                    break;
            }
        }
        else
            for (precision = 1; precision <= 17; precision++) {
                snprintf (text, sizeof text, "%.*g", precision, d);
                if (strtod (text, NULL) == d)
                    break;
            }
    }
    int len = snprintf (buf, size, "%s", text);
    return len < 0 || (size_t) len >= size? -1: len;
}

void
hub_number_bytes (uint64_t n, char *buf, size_t size)
{
    static const char *unit [] = { "bytes", "kB", "MB", "GB", "TB" };
    double v = (double) n;
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        u++;
    }
    if (u == 0)
        snprintf (buf, size, "%" PRIu64 " bytes", n);
    else
        snprintf (buf, size, "%.1f %s", v, unit [u]);
}
