import { findEntity, isConflict, type Tables } from './tables';

export const IDEMPOTENCY_TABLE = 'idempotencykeys';

export interface IdempotencyClaim {
  batchId: string;
  requestHash: string;
  claimedAt: string;
}

/** Maps (tenant, hash of Idempotency-Key) to the batch the first request created. */
export class IdempotencyStore {
  constructor(private readonly tables: Tables) {}

  /** Returns undefined when this request now owns the key, or the earlier claim when it does not. */
  async claim(tenantId: string, keyHash: string, claim: IdempotencyClaim): Promise<IdempotencyClaim | undefined> {
    const table = await this.tables.table(IDEMPOTENCY_TABLE);
    try {
      await table.createEntity({ partitionKey: tenantId, rowKey: keyHash, ...claim });
      return undefined;
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
    const existing = await findEntity<IdempotencyClaim>(table, tenantId, keyHash);
    // Gone between the two calls (deleted by hand): claim again.
    if (!existing) return this.claim(tenantId, keyHash, claim);
    return { batchId: existing.batchId, requestHash: existing.requestHash, claimedAt: existing.claimedAt };
  }

  /** Takes over a claim whose request died before it finished (same batch id, fresh time). */
  async renew(tenantId: string, keyHash: string, claim: IdempotencyClaim): Promise<void> {
    const table = await this.tables.table(IDEMPOTENCY_TABLE);
    await table.upsertEntity({ partitionKey: tenantId, rowKey: keyHash, ...claim }, 'Replace');
  }
}
