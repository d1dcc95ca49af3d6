/*  hub_erase: the erasure of a consultation response's personal data, on
    its owner's request or by the retention sweep, prepared in slots of the
    publish path's open batch (hub_batch.h). Whether a request is well formed
    and allowed is the domain's (hub_erasure.h); this finds the stored
    response and builds its redacted replacement and the erasure.recorded
    audit envelope. The caller accepts a prepared slot with hub_batch_accept
    in the commission's current stage, so the redacted event replaces the
    stored one and the audit event is appended in one transaction.
*/
#ifndef HUB_ERASE_H
#define HUB_ERASE_H

#include "hub_batch.h"

/* Prepares the erasure `slot` asks for: an erase request that passed
   hub_erasure_check_request and hub_erasure_check_allowed. If the response
   is erased already, or an accepted slot of `open` or `committing` (NULL
   when no batch is committing) erases it, the slot becomes a
   HUB_SLOT_DUPLICATE acked with the seq of that erasure's audit event.
   Otherwise the slot gets the replacement and the audit envelope
   (requested by the slot's sender, sent at `now_ms`), commission_id,
   msg_id, type, target_seq and digest. Returns 0 when the slot is ready to
   accept, or -1 when it is answered: HUB_SLOT_DUPLICATE, or
   HUB_SLOT_REJECT with INVALID_VALUE (the commission has no such stored
   response), MISSING_FIELD (the request names several: hub_erasure_choose)
   or INTERNAL (it cannot be read, or out of memory). The response is found
   in the store's responses index, not by scanning. */
int
    hub_erase_prepare (hub_store_t *store, hub_store_txn_t *snapshot, hub_batch_t *open,
                       hub_batch_t *committing, hub_slot_t *slot, int64_t now_ms);

/* One slice of the retention sweep: scans up to 5000 consultation
   responses from *from_seq in `snapshot` and, until `open` is full, adds to
   it an erasure slot (not routed, requested by HUB_ERASURE_RETENTION_BY)
   for each response that hub_erasure_due at now_ms, still holds personal
   data and is not erased by an accepted slot of open or committing. Each
   added slot is ready to accept, as from hub_erase_prepare. Sets *from_seq
   to where the next slice starts (1 after the end of the log; unchanged if
   the store cannot be read). Returns the number of slots added. */
size_t
    hub_erase_sweep (hub_store_t *store, hub_store_txn_t *snapshot, hub_batch_t *open,
                     hub_batch_t *committing, int64_t now_ms, uint64_t *from_seq);

#endif
