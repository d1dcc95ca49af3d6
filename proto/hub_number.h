/*  hub_number: a measured number (a KPI value, a quantity: a double in the
    protobuf) written for people, in the one way every output uses:
    "80", "80.5", "0.125", never "8e+01". Money never comes here: see
    hub_money.
*/
#ifndef HUB_NUMBER_H
#define HUB_NUMBER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

//  Room for any number this writes, with its NUL
#define HUB_NUMBER_TEXT_MAX 40

/* Writes d with the fewest decimals that read back as the same double, in
   plain notation ("80", "80.5", "-0.001"); numbers too large or too small
   for that (magnitude >= 1e15 or < 1e-6) in the shortest exponent form
   ("1e+20"); NaN and infinities as "NaN", "Infinity", "-Infinity".
   Returns the length, or -1 if buf is too small (HUB_NUMBER_TEXT_MAX
   always suffices). */
int
    hub_number_format (double d, char *buf, size_t size);

/* A size in bytes for people, in decimal units as disks are sold: "512
   bytes", "1.5 kB", "950.0 MB", "17.2 GB" (one decimal from kB up to TB).
   The dashboard and the CLI write the store's size so. Truncated to size. */
void
    hub_number_bytes (uint64_t n, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
