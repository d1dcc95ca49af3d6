/*  hub_query: the read side of the api socket: history pages, commission
    state and status. Each builds one packed Reply from a read snapshot.
*/
#ifndef HUB_QUERY_H
#define HUB_QUERY_H

#include <czmq.h>
#include "hub_broker.h"
#include "hub_verdict.h"
#include "hub_latency.h"
#include "cyclehub.pb-c.h"

/* A growable byte buffer the reply builders write into. */
typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} hub_buf_t;

/* Ensures room for `more` bytes past size; returns 0 or -1 (out of memory). */
int
    hub_buf_reserve (hub_buf_t *self, size_t more);
void
    hub_buf_free (hub_buf_t *self);

/* Broker figures a status reply reports. */
typedef struct {
    int64_t started_ms;
    double publish_rate;
    uint64_t subscribers;               //  events connections holding a subscription
    int64_t last_commit_ms;             //  when events were last committed (0 = never)
    hub_latency_t *latency;             //  the publish path's latency budget, or NULL
    uint64_t batches;                   //  commits handed to the writer
    uint64_t batch_requests;            //  requests in them
} hub_query_figures_t;

/* Each writes a packed Reply for request_id into out (replacing its
   content). On a request that cannot be served they write a Reject reply. */
/* History pages follow the stream's visibility rule: personal fields are
   redacted in every event of a commission whose owner is not `reader`.
   A page is built where it is sent from, so its Reply starts at the
   returned offset in out->data (0 for a refusal), and out->size counts
   from out->data. */
size_t
    hub_query_history (hub_store_t *store, const hub_broker_config_t *config,
                       uint64_t request_id, const Cyclehub__V1__HistoryQuery *query,
                       const char *reader, hub_buf_t *out);
void
    hub_query_commission (hub_store_t *store, uint64_t request_id,
                          const Cyclehub__V1__CommissionQuery *query, hub_buf_t *out);
/* The reply to a PublishBatch: one result per envelope, in order. */
void
    hub_query_ack_batch (uint64_t request_id, Cyclehub__V1__PublishResult **results,
                         size_t count, hub_buf_t *out);
void
    hub_query_status (hub_store_t *store, uint64_t request_id,
                      const hub_query_figures_t *figures, hub_buf_t *out);

/* The commission list (hub_query_list.c): a page of summaries of the
   stored commission states matching the query's stage and agency, in id
   order. */
void
    hub_query_commissions (hub_store_t *store, uint64_t request_id,
                           const Cyclehub__V1__CommissionListQuery *query, hub_buf_t *out);

/* Writes a packed Reply carrying an Ack or a Reject. */
void
    hub_query_ack (uint64_t request_id, uint64_t seq, bool duplicate, hub_buf_t *out);
void
    hub_query_reject (uint64_t request_id, const hub_verdict_t *verdict, hub_buf_t *out);

#endif
