/*  replay: runs a libFuzzer target over saved inputs without libFuzzer, so
    the corpora are regression tests in every build (gcc, ASan). Arguments
    are corpus directories or single files; a directory's files run in name
    order. A crash or abort in the target fails the test with its stack.
*/
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
//  Weak: only targets that need a one-time setup define it
int LLVMFuzzerInitialize (int *argc, char ***argv) __attribute__ ((weak));

//  Runs one input file. Returns 0, or -1 if it cannot be read.
static int
s_run_file (const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file) {
        fprintf (stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    size_t size = 0, max = 4096;
    uint8_t *data = malloc (max);
    size_t got;
    while (data && (got = fread (data + size, 1, max - size, file)) > 0) {
        size += got;
        if (size == max) {
            uint8_t *bigger = realloc (data, max * 2);
            if (!bigger) {
                free (data);
                data = NULL;
            }
            else {
                data = bigger;
                max *= 2;
            }
        }
    }
    int failed = ferror (file) || !data;
    fclose (file);
    if (failed) {
        free (data);
        fprintf (stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    //  An exact-size copy, so ASan sees any read past the input's end
    uint8_t *exact = malloc (size? size: 1);
    if (!exact) {
        free (data);
        return -1;
    }
    memcpy (exact, data, size);
    free (data);
    LLVMFuzzerTestOneInput (exact, size);
    free (exact);
    return 0;
}

static int
s_compare (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

//  Runs every regular file of a directory, in name order; counts into *passed, *failed
static void
s_run_dir (const char *path, size_t *passed, size_t *failed)
{
    DIR *dir = opendir (path);
    if (!dir) {
        fprintf (stderr, "replay: cannot open directory %s\n", path);
        (*failed)++;
        return;
    }
    char **names = NULL;
    size_t n = 0, max = 0;
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        if (entry->d_name [0] == '.')
            continue;           //  ., .. and hidden files (editors, .gitkeep)
        if (n == max) {
            max = max? max * 2: 64;
            char **bigger = realloc (names, max * sizeof *names);
            if (!bigger)
                abort ();
            names = bigger;
        }
        size_t len = strlen (path) + 1 + strlen (entry->d_name) + 1;
        names [n] = malloc (len);
        if (!names [n])
            abort ();
        snprintf (names [n++], len, "%s/%s", path, entry->d_name);
    }
    closedir (dir);
    qsort (names, n, sizeof *names, s_compare);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat (names [i], &st) == 0 && S_ISREG (st.st_mode)) {
            if (s_run_file (names [i]) == 0)
                (*passed)++;
            else
                (*failed)++;
        }
        free (names [i]);
    }
    free (names);
}

int
main (int argc, char *argv [])
{
    if (argc < 2) {
        fprintf (stderr, "usage: %s corpus-dir-or-file...\n", argv [0]);
        return 2;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize (&argc, &argv);
    size_t passed = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat (argv [i], &st) != 0) {
            fprintf (stderr, "replay: no such file or directory: %s\n", argv [i]);
            failed++;
        }
        else
        if (S_ISDIR (st.st_mode))
            s_run_dir (argv [i], &passed, &failed);
        else
        if (s_run_file (argv [i]) == 0)
            passed++;
        else
            failed++;
    }
    if (passed + failed == 0) {
        fprintf (stderr, "replay: no inputs found\n");
        failed++;
    }
    printf ("%zu passed, %zu failed\n", passed, failed);
    return failed? 1: 0;
}
