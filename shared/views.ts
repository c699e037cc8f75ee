import type { BatchResponse, BatchStatusView } from './apiSchemas';
import type { BatchRecord, BatchStatus } from './storage/batchStore';
import { reportedErrors } from './webhook/payload';

/**
 * The Papr SDK's `BatchMemoryResponse` status words for the seed's batch statuses
 * (completed -> success, partial -> partial, failed -> error), and the HTTP status that goes with each.
 */
const PAPR_STATUS: Record<BatchStatus, { status: 'success' | 'partial' | 'error'; code: number; message: string }> = {
  completed: { status: 'success', code: 200, message: 'All memories were stored' },
  partial: { status: 'partial', code: 207, message: 'Some memories were stored; see errors' },
  failed: { status: 'error', code: 400, message: 'No memory was stored' },
};

export function httpStatusFor(record: BatchRecord): number {
  return PAPR_STATUS[record.status].code;
}

function webhookView(record: BatchRecord) {
  if (!record.webhook) return null;
  const { url, ...delivery } = record.webhook;
  return { ...delivery, target_host: new URL(url).host };
}

/** Seed-vocabulary fields shared by the POST response and the status endpoint. */
function batchFields(record: BatchRecord) {
  return {
    user_id: record.user_id,
    total_memories: record.total_memories,
    successful_memories: record.successful_memories,
    failed_memories: record.failed_memories,
    memory_ids: record.memory_ids,
    completed_at: record.completed_at,
    processing_time_ms: record.processing_time_ms,
    webhook: webhookView(record),
  };
}

/** A valid Papr `BatchMemoryResponse`, plus this service's batch fields. */
export function batchResponse(record: BatchRecord): BatchResponse {
  const papr = PAPR_STATUS[record.status];
  return {
    batch_id: record.batch_id,
    code: papr.code,
    status: papr.status,
    message: papr.message,
    error: record.status === 'failed' ? 'All batch items failed' : null,
    details: null,
    successful: record.memory_ids.map((id) => ({ code: 200, status: 'success', data: [{ memoryId: id, objectId: id, createdAt: record.created_at }] })),
    errors: reportedErrors(record).map((e) => ({ ...e, code: e.index === -1 ? 400 : 422, status: 'error' })),
    total_processed: record.total_memories,
    total_successful: record.successful_memories,
    total_failed: record.failed_memories,
    total_content_size: record.total_content_size,
    total_storage_size: record.total_storage_size,
    batch_status: record.status,
    ...batchFields(record),
  };
}

/** Progress and per-item outcome, for GET /v1/memory/batch/status/{batch_id}. */
export function batchStatusView(record: BatchRecord): BatchStatusView {
  const errorsByIndex = new Map(record.errors.map((e) => [e.index, e.error]));
  const ids = record.memory_ids[Symbol.iterator]();
  const items = Array.from({ length: record.total_memories }, (_, index) =>
    errorsByIndex.has(index)
      ? { index, status: 'failed' as const, error: errorsByIndex.get(index) as string }
      : { index, status: 'stored' as const, memory_id: ids.next().value as string },
  );
  return {
    batch_id: record.batch_id,
    status: record.status,
    progress: { total: record.total_memories, processed: record.total_memories, successful: record.successful_memories, failed: record.failed_memories, percent: 100 },
    errors: reportedErrors(record),
    items,
    created_at: record.created_at,
    namespace_id: record.namespace_id,
    external_user_id: record.external_user_id,
    ...batchFields(record),
  };
}
