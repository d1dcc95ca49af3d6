/*  hub_settings: cyclehubd's settings, from one table (hub_settings.c).

    Each row of the table is one flag: its name, its key in the config
    file (czmq zconfig, section 'cyclehubd'), the function that parses its
    value and its help. --help, the config file's keys, --check-config's
    listing and the docs' reference (checked by test_config) all come from
    it: to add a flag, add a row. A few rows are commands rather than
    settings (--config, --check-config, --backup, --help) and have no key.

    Precedence: default < config file < flag. An unknown flag, an unknown
    section or key in the file, or a bad value is refused with a sentence
    naming it (the file's line when it has one) on stderr, exit status 2.
*/
#ifndef HUB_SETTINGS_H
#define HUB_SETTINGS_H

#include <stdio.h>
#include "hub_broker.h"

typedef struct _hub_settings_t hub_settings_t;

/* The defaults (hub_broker_config_default). NULL if out of memory. */
hub_settings_t *
    hub_settings_new (void);

/* Frees the settings and the config file's strings; NULLs *self_p. */
void
    hub_settings_destroy (hub_settings_t **self_p);

/* Reads argv: the config file named by --config first, then every flag
   over it. Returns 0, or -1 when main must exit with *status: 0 after
   --help (the usage printed), 2 after a usage or config error (the reason
   printed on stderr). argv's strings must outlive self. */
int
    hub_settings_parse (hub_settings_t *self, int argc, char *argv [], int *status);

/* The broker's configuration, borrowed: pointers into it live as long as
   self. */
hub_broker_config_t *
    hub_settings_broker (hub_settings_t *self);

/* --endpoints-file (NULL: none), --backup (NULL: run a broker). */
const char *
    hub_settings_endpoints_file (hub_settings_t *self);
const char *
    hub_settings_backup_dir (hub_settings_t *self);

/* True when --check-config was given: check, print, exit. */
bool
    hub_settings_check_only (hub_settings_t *self);

/* Prints the effective configuration as a config file that loads again:
   every key with its value and, in a comment, where it came from
   (default, the file and line, or the flag). */
void
    hub_settings_print (hub_settings_t *self, FILE *out);

/* The cheap checks of what the broker would meet at start, without binding
   a socket or opening the store for writing (hub_settings_check.c): the
   mode (--auth or --plain; plain on loopback only), the auth directory's
   certificate and registry, the store directory (usable, private, a store
   of this format), the TLS files (readable, both or neither). 0, or -1
   with the reason in err. */
int
    hub_settings_check (hub_settings_t *self, char *err, size_t errsize);

/* The --help text, from the table. */
void
    hub_settings_usage (FILE *out);

#endif
