import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { ItemError, ValidMemory } from '../validation';
import { findEntity, type Tables } from './tables';

export const MEMORY_TABLE = 'memories';

export interface StoredMemory {
  memory_id: string;
  batch_id: string;
  type: string;
  content: string;
  metadata: Record<string, unknown> | null;
  context: unknown[] | null;
  user_id: string | null;
  external_user_id: string | null;
  namespace_id: string | null;
  created_at: string;
}

export interface MemoryToStore extends ValidMemory {
  memoryId: string;
}

export interface StoreOutcome {
  /** index -> memory id, for the items that are durably stored */
  stored: Map<number, string>;
  failures: ItemError[];
  storageBytes: number;
}

// An entity-group transaction takes at most 100 operations and a 4 MiB body.
const MAX_TRANSACTION_ACTIONS = 100;
const MAX_TRANSACTION_BYTES = 3_500_000;
const PER_ACTION_OVERHEAD_BYTES = 512;
const STORE_FAILED = 'Failed to store memory';

function toEntity(tenantId: string, batchId: string, createdAt: string, m: MemoryToStore) {
  return {
    partitionKey: tenantId,
    rowKey: m.memoryId,
    batchId,
    index: m.index,
    type: m.type,
    content: m.content,
    metadata: m.metadata ? JSON.stringify(m.metadata) : undefined,
    context: m.context ? JSON.stringify(m.context) : undefined,
    userId: m.userId,
    externalUserId: m.externalUserId,
    namespaceId: m.namespaceId,
    createdAt,
  };
}

type MemoryEntity = ReturnType<typeof toEntity>;

/** Groups entities into transactions that respect both the action and the size limit. */
function chunk(entities: MemoryEntity[]): { entities: MemoryEntity[]; bytes: number }[] {
  const chunks: { entities: MemoryEntity[]; bytes: number }[] = [];
  let current: { entities: MemoryEntity[]; bytes: number } = { entities: [], bytes: 0 };
  for (const entity of entities) {
    const bytes = Buffer.byteLength(JSON.stringify(entity)) + PER_ACTION_OVERHEAD_BYTES;
    if (current.entities.length === MAX_TRANSACTION_ACTIONS || (current.entities.length > 0 && current.bytes + bytes > MAX_TRANSACTION_BYTES)) {
      chunks.push(current);
      current = { entities: [], bytes: 0 };
    }
    current.entities.push(entity);
    current.bytes += bytes;
  }
  if (current.entities.length > 0) chunks.push(current);
  return chunks;
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class MemoryStore {
  constructor(private readonly tables: Tables) {}

  /**
   * Upserts memories in entity-group transactions (one partition per tenant), `concurrency` at a
   * time. Upsert keeps a retried batch from duplicating rows, since memory ids are deterministic.
   * A failed transaction is retried item by item, so one bad entity cannot sink 99 good ones.
   */
  async storeAll(tenantId: string, batchId: string, createdAt: string, memories: MemoryToStore[], concurrency: number): Promise<StoreOutcome> {
    const table = await this.tables.table(MEMORY_TABLE);
    const outcome: StoreOutcome = { stored: new Map(), failures: [], storageBytes: 0 };
    const entities = memories.map((m) => toEntity(tenantId, batchId, createdAt, m));
    await forEachLimited(chunk(entities), concurrency, async ({ entities: group, bytes }) => {
      try {
        await table.submitTransaction(group.map((e): TransactionAction => ['upsert', e, 'Replace']));
        for (const e of group) outcome.stored.set(e.index, e.rowKey);
        outcome.storageBytes += bytes;
      } catch {
        await this.storeOneByOne(table, group, outcome);
      }
    });
    outcome.failures.sort((a, b) => a.index - b.index);
    return outcome;
  }

  private async storeOneByOne(table: TableClient, group: MemoryEntity[], outcome: StoreOutcome): Promise<void> {
    await forEachLimited(group, 8, async (e) => {
      try {
        await table.upsertEntity(e, 'Replace');
        outcome.stored.set(e.index, e.rowKey);
        outcome.storageBytes += Buffer.byteLength(JSON.stringify(e));
      } catch {
        outcome.failures.push({ index: e.index, error: STORE_FAILED });
      }
    });
  }

  async get(tenantId: string, memoryId: string): Promise<StoredMemory | undefined> {
    const table = await this.tables.table(MEMORY_TABLE);
    const entity = await findEntity(table, tenantId, memoryId);
    return entity && fromEntity(entity);
  }

  /** Every memory of a tenant's batch (a partition scan filtered by batch id), for tests and tools. */
  async listBatch(tenantId: string, batchId: string): Promise<StoredMemory[]> {
    const table = await this.tables.table(MEMORY_TABLE);
    const filter = odata`PartitionKey eq ${tenantId} and batchId eq ${batchId}`;
    const found: StoredMemory[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) found.push(fromEntity(e));
    return found;
  }
}

function fromEntity(e: Record<string, unknown>): StoredMemory {
  return {
    memory_id: e.rowKey as string,
    batch_id: e.batchId as string,
    type: e.type as string,
    content: e.content as string,
    metadata: typeof e.metadata === 'string' ? JSON.parse(e.metadata) : null,
    context: typeof e.context === 'string' ? JSON.parse(e.context) : null,
    user_id: (e.userId as string) ?? null,
    external_user_id: (e.externalUserId as string) ?? null,
    namespace_id: (e.namespaceId as string) ?? null,
    created_at: e.createdAt as string,
  };
}
