/*  hub_latency: log2 histograms of the publish path's stages (hub_latency.h).
*/
#include "hub_latency.h"
#include <time.h>

static const char *s_names [HUB_LATENCY_STAGES] = {
    "receive", "check", "wait_for_writer", "commit", "lmdb_commit", "handover", "reply",
    "in_broker", "cover"
};

int64_t
hub_latency_now (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

void
hub_latency_add (hub_latency_t *self, hub_latency_stage_t stage, int64_t us)
{
    uint64_t value = us > 0? (uint64_t) us: 0;
    //  Bucket i holds [2^(i-1), 2^i): the bit length of the value
    unsigned bucket = value? 64 - (unsigned) __builtin_clzll (value): 0;
    if (bucket >= HUB_LATENCY_BUCKETS)
        bucket = HUB_LATENCY_BUCKETS - 1;
    self->count [stage]++;
    self->total [stage] += value;
    if (value > self->max [stage])
        self->max [stage] = value;
    self->buckets [stage][bucket]++;
}

const char *
hub_latency_name (hub_latency_stage_t stage)
{
    return stage < HUB_LATENCY_STAGES? s_names [stage]: "";
}

//  The upper bound of the bucket holding the p-th percentile
static uint64_t
s_percentile (const uint64_t *buckets, uint64_t count, unsigned p)
{
    if (count == 0)
        return 0;
    uint64_t want = (count * p + 99) / 100, seen = 0;
    for (unsigned i = 0; i < HUB_LATENCY_BUCKETS; i++) {
        seen += buckets [i];
        if (seen >= want)
            return UINT64_C (1) << i;
    }
    return UINT64_C (1) << (HUB_LATENCY_BUCKETS - 1);
}

void
hub_latency_fill (hub_latency_t *self, Cyclehub__V1__Status *status)
{
    for (unsigned i = 0; i < HUB_LATENCY_STAGES; i++) {
        Cyclehub__V1__LatencyStage *stage = &self->stages [i];
        cyclehub__v1__latency_stage__init (stage);
        stage->stage = (char *) s_names [i];
        stage->count = self->count [i];
        stage->total_us = self->total [i];
        stage->max_us = self->max [i];
        stage->p50_us = s_percentile (self->buckets [i], self->count [i], 50);
        stage->p99_us = s_percentile (self->buckets [i], self->count [i], 99);
        stage->buckets = self->buckets [i];
        stage->n_buckets = HUB_LATENCY_BUCKETS;
        self->stage_ptrs [i] = stage;
    }
    status->latency = self->stage_ptrs;
    status->n_latency = HUB_LATENCY_STAGES;
}
