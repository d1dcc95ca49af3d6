/*  cyclehubd: the cyclehub broker. Thin: settings (hub_settings: flags and
    config file, --check-config), logging, signals and --backup; the work is
    done by the hub_broker actor.
*/
#include "hub_broker.h"
#include "hub_log.h"
#include "hub_settings.h"
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>

//  Every connection costs a descriptor, and the usual soft limit (1024) is
//  far below what the hard limit allows: raise it, and say both
static void
s_raise_nofile (void)
{
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
        return;
    rlim_t soft = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY? 1048576: limit.rlim_max;
    int rc = limit.rlim_cur > soft? setrlimit (RLIMIT_NOFILE, &limit): 0;
    getrlimit (RLIMIT_NOFILE, &limit);
    if (rc)
        hub_log_warning ("cyclehubd: cannot raise the descriptor limit soft=%lu error=%s",
                         (unsigned long) soft, strerror (errno));
    hub_log_info ("cyclehubd: descriptors soft=%lu was=%lu hard=%lu%s",
                  (unsigned long) limit.rlim_cur, (unsigned long) soft,
                  (unsigned long) limit.rlim_max,
                  limit.rlim_cur < 4096? " (low: raise LimitNOFILE=, docs/operations.md)": "");
}

//  --backup: a copy of the store instead of a broker; the exit status
static int
s_backup (const hub_broker_config_t *config, const char *backup_dir)
{
    char error [512];
    if (hub_store_backup (config->store_dir, backup_dir, error, sizeof error)) {
        fprintf (stderr, "cyclehubd: backup failed: %s\n", error);
        return 1;
    }
    printf ("cyclehubd: backup of %s written to %s\n", config->store_dir, backup_dir);
    return 0;
}

//  Says where the broker listens, from its READY line (without "READY ")
static void
s_announce (const hub_broker_config_t *config, const char *ready, const char *endpoints_file)
{
    char api [256] = "", events [256] = "", http_url [400] = "", dev_token [128] = "";
    sscanf (ready, "%255s %255s %399s %127s", api, events, http_url, dev_token);
    hub_log_info ("cyclehubd: ready api=%s events=%s http=%s store=%s%s", api, events,
                  *http_url? http_url: "off", config->store_dir,
                  config->store.nosync? " nosync=1 (benchmarks only)": "");
    if (config->clock_offset_ms)
        hub_log_warning ("cyclehubd: clock offset %+lld ms in force: rules and recorded times use "
                      "the wall clock shifted by it (tests and rehearsals only)",
                      (long long) config->clock_offset_ms);
    if (endpoints_file) {
        char tmp [PATH_MAX];
        snprintf (tmp, sizeof tmp, "%s.tmp", endpoints_file);
        FILE *file = fopen (tmp, "w");
        //  HTTP: its URL on a third line, the development token on a fourth
        if (!file || fprintf (file, "%s\n%s\n%s%s%s%s", api, events, http_url, *http_url? "\n": "",
                              dev_token, *dev_token? "\n": "") < 0 || fclose (file) != 0
        ||  rename (tmp, endpoints_file) != 0)
            hub_log_error ("cyclehubd: cannot write endpoints_file=%s", endpoints_file);
    }
    if (*dev_token) {
        //  make run's tour: where the API is and the token to use (stdout)
        printf ("cyclehubd: HTTP API at %s\n"
                "cyclehubd: development token (agency %s): %s\n"
                "cyclehubd: try: curl -H 'Authorization: Bearer %s' %s/v1/status\n"
                "cyclehubd: dashboard at %s/ (sign in with the development token)\n",
                http_url, config->http.dev_agency? config->http.dev_agency: "GB-LAE-E09000033",
                dev_token, dev_token, http_url, http_url);
        fflush (stdout);
    }
}

//  Starts the broker and runs until SIGINT/SIGTERM (czmq sets
//  zsys_interrupted) or the actor's end; the exit status
static int
s_run (hub_broker_config_t *config, const char *endpoints_file)
{
    hub_log_info ("cyclehubd: start version=%s pid=%d mode=%s store=%s", HUB_VERSION,
                  (int) getpid (), config->auth_dir? "curve": config->plain? "plain": "none",
                  config->store_dir);
    s_raise_nofile ();
    zactor_t *broker = zactor_new (hub_broker_actor, config);
    char *status = broker? zstr_recv (broker): NULL;
    if (!status || strncmp (status, "READY ", 6) != 0) {
        fprintf (stderr, "cyclehubd: %s\n", status && strncmp (status, "ERROR ", 6) == 0
                 ? status + 6: "the broker did not start");
        zstr_free (&status);
        zactor_destroy (&broker);
        return 1;
    }
    s_announce (config, status + 6, endpoints_file);
    zstr_free (&status);

    zpoller_t *poller = zpoller_new (broker, NULL);
    const char *reason = "signal";
    while (!zsys_interrupted) {
        if (zpoller_wait (poller, 250)) {
            char *message = zstr_recv (broker);
            if (message)
                hub_log_error ("cyclehubd: broker ended error=\"%s\"", message);
            zstr_free (&message);
            reason = "error";
            break;
        }
    }
    zpoller_destroy (&poller);
    hub_log_info ("cyclehubd: shutdown reason=%s", reason);
    zactor_destroy (&broker);
    hub_log_info ("cyclehubd: stopped");
    //  A broker that ended by itself failed: non-zero, so that a supervisor
    //  (systemd's Restart=on-failure) starts it again
    return strcmp (reason, "error") == 0? 1: 0;
}

//  --check-config: the effective configuration on stdout, then the checks;
//  the exit status
static int
s_check_config (hub_settings_t *settings)
{
    hub_settings_print (settings, stdout);
    char err [1024];
    if (hub_settings_check (settings, err, sizeof err)) {
        fprintf (stderr, "cyclehubd: configuration refused: %s\n", err);
        return 2;
    }
    fprintf (stderr, "cyclehubd: configuration OK\n");
    return 0;
}

int
main (int argc, char *argv [])
{
    hub_settings_t *settings = hub_settings_new ();
    if (!settings)
        return 1;
    int status;
    if (hub_settings_parse (settings, argc, argv, &status)) {
        hub_settings_destroy (&settings);
        return status;
    }
    if (hub_settings_check_only (settings)) {
        status = s_check_config (settings);
        hub_settings_destroy (&settings);
        return status;
    }
    hub_broker_config_t *config = hub_settings_broker (settings);
    const char *backup_dir = hub_settings_backup_dir (settings);
    zsys_init ();
    zsys_set_logident ("cyclehubd");
    hub_log_set_verbose (config->verbose);
    if (backup_dir)
        status = s_backup (config, backup_dir);
    else
        status = s_run (config, hub_settings_endpoints_file (settings));
    hub_settings_destroy (&settings);
    return status;
}
