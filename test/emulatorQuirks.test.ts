import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../scripts/azurite';
import { getMemory, submitBatch, useApp } from './support/harness';

/**
 * Azurite 3.37 fails an entity-group transaction that contains U+2028 (LINE SEPARATOR) and from
 * then on rejects every transaction. The service must still store every valid item: a failed
 * transaction is retried entity by entity. Runs on its own Azurite, which this poisons.
 */
describe('storage fallback when a transaction fails (Azurite U+2028 bug)', () => {
  let azurite: RunningAzurite;
  let app: ReturnType<typeof useApp>;
  beforeAll(async () => {
    azurite = await startAzurite();
    app = useApp({ AzureWebJobsStorage: azurite.connectionString });
  }, 60_000);
  afterAll(() => azurite.stop());

  it('stores items whose transaction failed, one by one, and reports the batch completed', async () => {
    const content = 'line one\u2028line two';
    const res = await submitBatch({ memories: [{ content }, { content: 'neighbour in the same transaction' }] });
    expect(res.status).toBe(200);
    expect(res.body.successful_memories).toBe(2);
    expect((await getMemory(res.body.memory_ids[0])).body.content).toBe(content);
    // Later batches still land, although every transaction now fails in this emulator.
    const later = await submitBatch({ memories: [{ content: 'after' }] });
    expect(later.status).toBe(200);
    expect(await app.memories.listBatch('tenant-a', later.body.batch_id)).toHaveLength(1);
  }, 60_000);
});
