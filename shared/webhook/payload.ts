import type { BatchRecord } from '../storage/batchStore';
import type { ItemError } from '../validation';

export const WEBHOOK_VERSION = '1.0';
export const ALL_ITEMS_FAILED: ItemError = { index: -1, error: 'All batch items failed' };

/** The seed's payload, field for field and in the seed's order. */
export interface WebhookPayload {
  batch_id: string;
  user_id: string;
  status: BatchRecord['status'];
  total_memories: number;
  successful_memories: number;
  failed_memories: number;
  errors: ItemError[];
  completed_at: string;
  processing_time_ms: number;
  memory_ids: string[];
  webhook_version: typeof WEBHOOK_VERSION;
}

/** A failed batch's errors start with the seed's batch-level entry, then the per-item ones. */
export function reportedErrors(record: Pick<BatchRecord, 'status' | 'errors'>): ItemError[] {
  return record.status === 'failed' ? [ALL_ITEMS_FAILED, ...record.errors] : record.errors;
}

export function buildPayload(record: BatchRecord): WebhookPayload {
  return {
    batch_id: record.batch_id,
    user_id: record.user_id,
    status: record.status,
    total_memories: record.total_memories,
    successful_memories: record.successful_memories,
    failed_memories: record.failed_memories,
    errors: reportedErrors(record),
    completed_at: record.completed_at,
    processing_time_ms: record.processing_time_ms,
    memory_ids: record.memory_ids,
    webhook_version: WEBHOOK_VERSION,
  };
}
