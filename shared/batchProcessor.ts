import { createHash } from 'node:crypto';
import { ApiError } from './errors';
import { memoryId, newBatchId, webhookId } from './ids';
import type { Logger } from './log';
import type { BatchRecord, BatchStatus, BatchStore, DeliveryMode } from './storage/batchStore';
import type { IdempotencyStore } from './storage/idempotencyStore';
import type { MemoryStore } from './storage/memoryStore';
import type { Telemetry } from './telemetry';
import { parseBatchRequest, validateMemories, type BatchRequest, type ValidationLimits } from './validation';
import type { DeliveryJob } from './webhook/delivery';
import { buildPayload } from './webhook/payload';
import { checkWebhookUrl, WebhookUrlError, type Resolver, type UrlPolicy } from './webhook/urlPolicy';

export interface ProcessorDeps {
  limits: ValidationLimits;
  writeConcurrency: number;
  urlPolicy: UrlPolicy;
  resolver: Resolver;
  memories: MemoryStore;
  batches: BatchStore;
  idempotency: IdempotencyStore;
  telemetry: Telemetry;
  logger: Logger;
  delivery: { mode: DeliveryMode; maxAttempts: number };
}

export interface SubmitInput {
  tenantId: string;
  body: Buffer;
  idempotencyKey?: string;
}

export interface SubmitOutcome {
  record: BatchRecord;
  /** True when an Idempotency-Key matched an earlier request: nothing was stored again. */
  replayed: boolean;
  /** The notification to deliver, when the batch asked for one and this request created it. */
  job?: DeliveryJob;
}

/** A claim older than this belongs to a request that died; a retry may take the batch over. */
const IDEMPOTENCY_LEASE_MS = 10 * 60 * 1000;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** request -> validate -> store -> batch record -> delivery job. */
export async function submitBatch(deps: ProcessorDeps, input: SubmitInput): Promise<SubmitOutcome> {
  const request = parseBatchRequest(input.body, deps.limits);
  if (request.webhook_url) await checkUrl(deps, request.webhook_url);

  let batchId = newBatchId();
  if (input.idempotencyKey !== undefined) {
    const earlier = await claimIdempotencyKey(deps, input, batchId);
    if (earlier?.record) return { record: earlier.record, replayed: true };
    if (earlier) batchId = earlier.batchId;
  }
  const record = await processAndStore(deps, input.tenantId, batchId, request);
  return { record, replayed: false, job: deliveryJob(record, request) };
}

async function checkUrl(deps: ProcessorDeps, url: string): Promise<void> {
  try {
    await checkWebhookUrl(url, deps.urlPolicy, deps.resolver);
  } catch (e) {
    if (e instanceof WebhookUrlError) throw new ApiError(400, 'invalid_webhook_url', e.message, { field: 'webhook_url' });
    throw e;
  }
}

/** Undefined: this request owns the key. Otherwise the earlier batch (finished, or to resume). */
async function claimIdempotencyKey(deps: ProcessorDeps, input: SubmitInput, batchId: string): Promise<{ batchId: string; record?: BatchRecord } | undefined> {
  const key = input.idempotencyKey as string;
  if (key.length === 0 || key.length > 255) {
    throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 characters', { field: 'Idempotency-Key' });
  }
  const keyHash = sha256(key);
  const claim = { batchId, requestHash: sha256(input.body), claimedAt: new Date().toISOString() };
  const earlier = await deps.idempotency.claim(input.tenantId, keyHash, claim);
  if (!earlier) return undefined;
  if (earlier.requestHash !== claim.requestHash) {
    throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request body', { field: 'Idempotency-Key' });
  }
  const record = await deps.batches.get(input.tenantId, earlier.batchId);
  if (record) return { batchId: earlier.batchId, record };
  if (Date.now() - Date.parse(earlier.claimedAt) < IDEMPOTENCY_LEASE_MS) {
    throw new ApiError(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly', { field: 'Idempotency-Key' });
  }
  await deps.idempotency.renew(input.tenantId, keyHash, { ...claim, batchId: earlier.batchId });
  return { batchId: earlier.batchId };
}

async function processAndStore(deps: ProcessorDeps, tenantId: string, batchId: string, request: BatchRequest): Promise<BatchRecord> {
  const startedAt = Date.now();
  const createdAt = new Date(startedAt).toISOString();
  const { valid, errors } = validateMemories(request.memories, deps.limits);
  const toStore = valid.map((m) => ({
    ...m,
    memoryId: memoryId(batchId, m.index),
    externalUserId: m.externalUserId ?? request.external_user_id ?? undefined,
    userId: m.userId ?? request.user_id ?? undefined,
    namespaceId: m.namespaceId ?? request.namespace_id ?? undefined,
  }));
  const outcome = await deps.memories.storeAll(tenantId, batchId, createdAt, toStore, deps.writeConcurrency);
  const allErrors = [...errors, ...outcome.failures].sort((a, b) => a.index - b.index);
  const stored = toStore.filter((m) => outcome.stored.has(m.index));
  const total = request.memories.length;
  const status: BatchStatus = stored.length === total ? 'completed' : stored.length === 0 ? 'failed' : 'partial';
  const completedAt = new Date();

  const record: BatchRecord = {
    batch_id: batchId,
    tenant_id: tenantId,
    user_id: request.user_id ?? request.external_user_id ?? tenantId,
    request_user_id: request.user_id ?? null,
    external_user_id: request.external_user_id ?? null,
    namespace_id: request.namespace_id ?? null,
    status,
    total_memories: total,
    successful_memories: stored.length,
    failed_memories: total - stored.length,
    errors: allErrors,
    memory_ids: stored.map((m) => m.memoryId),
    created_at: createdAt,
    completed_at: completedAt.toISOString(),
    processing_time_ms: completedAt.getTime() - startedAt,
    total_content_size: stored.reduce((sum, m) => sum + Buffer.byteLength(m.content), 0),
    total_storage_size: outcome.storageBytes,
    webhook: request.webhook_url
      ? {
          mode: deps.delivery.mode,
          url: request.webhook_url,
          signed: Boolean(request.webhook_secret),
          webhook_id: webhookId(batchId),
          state: 'pending',
          max_attempts: deps.delivery.maxAttempts,
          attempts: [],
          last_error: null,
          next_attempt_at: null,
          updated_at: completedAt.toISOString(),
        }
      : null,
  };
  await deps.batches.save(record);
  deps.telemetry.event('BatchProcessed', {
    batch_id: batchId,
    status,
    total_memories: total,
    successful_memories: stored.length,
    failed_memories: record.failed_memories,
    processing_time_ms: record.processing_time_ms,
  });
  deps.telemetry.metric('BatchProcessingTimeMs', record.processing_time_ms);
  deps.logger.info(`Batch ${batchId} ${status}: ${stored.length}/${total} memories stored in ${record.processing_time_ms} ms`);
  return record;
}

function deliveryJob(record: BatchRecord, request: BatchRequest): DeliveryJob | undefined {
  if (!record.webhook) return undefined;
  return {
    tenantId: record.tenant_id,
    batchId: record.batch_id,
    message: {
      url: record.webhook.url,
      body: JSON.stringify(buildPayload(record)),
      webhookId: record.webhook.webhook_id,
      secret: request.webhook_secret ?? undefined,
    },
  };
}
