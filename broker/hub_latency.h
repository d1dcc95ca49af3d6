/*  hub_latency: the publish path's latency budget. A few log2 histograms
    of microseconds, one per stage (draining the api socket, the checks,
    waiting for the commit in flight, the writer's transaction and its
    LMDB commit, the hand-over back to the broker thread, the replies, the
    wait for the sync that covers a commit's meta page), so
    `cyclehub status` shows where an ack's time goes. Fixed arrays: adding
    a sample is a few instructions and never allocates. Owned by the
    broker thread (the writer's times are handed over with its batch).
*/
#ifndef HUB_LATENCY_H
#define HUB_LATENCY_H

#include <stdint.h>
#include "cyclehub.pb-c.h"

typedef enum {
    HUB_LATENCY_RECEIVE,        //  one drain of a socket: reading the waiting requests
    HUB_LATENCY_CHECK,          //  one drain: checking what it read
    HUB_LATENCY_WAIT,           //  a batch's first request to its hand-over to the writer
    HUB_LATENCY_COMMIT,         //  the writer's transaction (index writes and the LMDB commit)
    HUB_LATENCY_SYNC,           //  its LMDB commit alone: page writes and two fdatasync
                                //  (one with --defer-meta-sync)
    HUB_LATENCY_HANDOVER,       //  the writer done to the broker thread taking the batch back
    HUB_LATENCY_REPLY,          //  a batch's replies and events sent
    HUB_LATENCY_IN_BROKER,      //  one publish: received to its reply sent
    HUB_LATENCY_COVER,          //  a committed batch waiting for the sync of its meta page
                                //  (--defer-meta-sync: the next commit's, or an explicit one)
    HUB_LATENCY_STAGES
} hub_latency_stage_t;

#define HUB_LATENCY_BUCKETS 32  //  under 1 us, under 2 us, ... under 2^31 us

typedef struct {
    uint64_t count [HUB_LATENCY_STAGES];
    uint64_t total [HUB_LATENCY_STAGES];
    uint64_t max [HUB_LATENCY_STAGES];
    uint64_t buckets [HUB_LATENCY_STAGES][HUB_LATENCY_BUCKETS];
    //  Scratch for hub_latency_fill: the reply borrows it
    Cyclehub__V1__LatencyStage stages [HUB_LATENCY_STAGES];
    Cyclehub__V1__LatencyStage *stage_ptrs [HUB_LATENCY_STAGES];
} hub_latency_t;

/* Microseconds of the monotonic clock. */
int64_t
    hub_latency_now (void);

/* Adds one sample of `us` microseconds (negative counts as 0). */
void
    hub_latency_add (hub_latency_t *self, hub_latency_stage_t stage, int64_t us);

/* The stage's name in status replies ("receive", "check", ...). */
const char *
    hub_latency_name (hub_latency_stage_t stage);

/* Points status->latency at one LatencyStage per stage, kept in self: valid
   until the next hub_latency_fill or add. */
void
    hub_latency_fill (hub_latency_t *self, Cyclehub__V1__Status *status);

#endif
