/*  hub_test: the small shared kit of the test programs.
    CHECK keeps going and counts failures; REQUIRE stops the test. Each test
    program ends with HUB_TEST_DONE, which prints "N passed, N failed" and
    exits non-zero on any failure.
*/
#ifndef HUB_TEST_H
#define HUB_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>
#include <limits.h>

static int hub_test_passed = 0;
static int hub_test_failed = 0;

#define CHECK(cond) do { \
    if (cond) hub_test_passed++; \
    else { hub_test_failed++; \
        fprintf (stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_MSG(cond, ...) do { \
    if (cond) hub_test_passed++; \
    else { hub_test_failed++; \
        fprintf (stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
        fprintf (stderr, __VA_ARGS__); fputc ('\n', stderr); } \
} while (0)

#define REQUIRE(cond) do { \
    if (cond) hub_test_passed++; \
    else { fprintf (stderr, "FATAL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
        exit (1); } \
} while (0)

#define HUB_TEST_DONE() do { \
    printf ("%d passed, %d failed\n", hub_test_passed, hub_test_failed); \
    return hub_test_failed? 1: 0; \
} while (0)

/* A fresh temporary directory (mkdtemp under $TMPDIR or /tmp); the caller
   frees the string. */
static inline char *
hub_test_tmpdir (const char *tag)
{
    const char *base = getenv ("TMPDIR");
    char tmpl [PATH_MAX];
    snprintf (tmpl, sizeof tmpl, "%s/cyclehub-%s-XXXXXX", base && *base? base: "/tmp", tag);
    char *dir = mkdtemp (tmpl);
    return dir? strdup (dir): NULL;
}

/* Removes a directory tree (tests only). */
static inline void
hub_test_rmtree (const char *dir)
{
    char cmd [PATH_MAX + 16];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system (cmd) != 0)
        fprintf (stderr, "warning: could not remove %s\n", dir);
}

#endif
