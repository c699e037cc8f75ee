import { odata } from '@azure/data-tables';
import type { ItemError } from '../validation';
import { findEntity, isConflict, packJson, unpackJson, type Tables } from './tables';

export const BATCH_TABLE = 'batches';

/** The seed's vocabulary, used by the batch record, the status endpoint and the webhook payload. */
export type BatchStatus = 'completed' | 'partial' | 'failed';
export type DeliveryState = 'pending' | 'retrying' | 'delivered' | 'failed';
export type DeliveryMode = 'direct' | 'service_bus';

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface WebhookDelivery {
  mode: DeliveryMode;
  url: string;
  signed: boolean;
  webhook_id: string;
  state: DeliveryState;
  max_attempts: number;
  attempts: DeliveryAttempt[];
  /** Attempts of earlier rounds, before a dead-letter replay restarted the count. */
  previous_attempts?: DeliveryAttempt[];
  last_error: string | null;
  next_attempt_at: string | null;
  updated_at: string;
}

export interface BatchRecord {
  batch_id: string;
  tenant_id: string;
  user_id: string;
  request_user_id: string | null;
  external_user_id: string | null;
  namespace_id: string | null;
  status: BatchStatus;
  total_memories: number;
  successful_memories: number;
  failed_memories: number;
  errors: ItemError[];
  memory_ids: string[];
  created_at: string;
  completed_at: string;
  processing_time_ms: number;
  total_content_size: number;
  total_storage_size: number;
  webhook: WebhookDelivery | null;
}

const SCALARS = [
  'tenant_id',
  'user_id',
  'request_user_id',
  'external_user_id',
  'namespace_id',
  'status',
  'total_memories',
  'successful_memories',
  'failed_memories',
  'created_at',
  'completed_at',
  'processing_time_ms',
  'total_content_size',
  'total_storage_size',
] as const;

function toEntity(record: BatchRecord) {
  const entity: Record<string, unknown> & { partitionKey: string; rowKey: string } = { partitionKey: record.tenant_id, rowKey: record.batch_id };
  for (const key of SCALARS) if (record[key] !== null) entity[key] = record[key];
  return { ...entity, ...packJson('errors', record.errors), ...packJson('memory_ids', record.memory_ids), ...packJson('webhook', record.webhook) };
}

function fromEntity(e: Record<string, unknown>): BatchRecord {
  const record: Record<string, unknown> = { batch_id: e.rowKey };
  for (const key of SCALARS) record[key] = e[key] ?? null;
  record.errors = unpackJson(e, 'errors') ?? [];
  record.memory_ids = unpackJson(e, 'memory_ids') ?? [];
  record.webhook = unpackJson(e, 'webhook') ?? null;
  return record as unknown as BatchRecord;
}

export class BatchStore {
  constructor(private readonly tables: Tables) {}

  async save(record: BatchRecord): Promise<void> {
    const table = await this.tables.table(BATCH_TABLE);
    await table.upsertEntity(toEntity(record), 'Replace');
  }

  async get(tenantId: string, batchId: string): Promise<BatchRecord | undefined> {
    const table = await this.tables.table(BATCH_TABLE);
    const entity = await findEntity(table, tenantId, batchId);
    return entity && fromEntity(entity);
  }

  /** Every batch of a tenant (tools and tests; the API reads single batches). */
  async list(tenantId: string): Promise<BatchRecord[]> {
    const table = await this.tables.table(BATCH_TABLE);
    const records: BatchRecord[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${tenantId}` } })) {
      records.push(fromEntity(e));
    }
    return records;
  }

  /**
   * Read-modify-write of the delivery state under the entity's ETag, retried on a concurrent
   * update: a redelivered Service Bus message and its scheduled successor may race.
   */
  async updateDelivery(tenantId: string, batchId: string, change: (delivery: WebhookDelivery) => WebhookDelivery): Promise<WebhookDelivery | undefined> {
    const table = await this.tables.table(BATCH_TABLE);
    for (let tries = 0; tries < 10; tries += 1) {
      const entity = await findEntity(table, tenantId, batchId);
      if (!entity) return undefined;
      const current = unpackJson<WebhookDelivery | null>(entity, 'webhook');
      if (!current) return undefined;
      const next = change(current);
      try {
        await table.updateEntity({ partitionKey: tenantId, rowKey: batchId, ...packJson('webhook', next) }, 'Merge', { etag: entity.etag });
        return next;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    throw new Error(`Could not update the delivery state of batch ${batchId}: too many concurrent updates`);
  }
}
