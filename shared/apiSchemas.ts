import { z } from 'zod';

/**
 * The API's response shapes. views.ts builds its bodies as these types (so the compiler keeps them
 * in step), the tests parse real responses with them, and openapi.json is generated from them.
 */
const itemError = z.object({ index: z.number().int(), error: z.string() });

const deliveryAttempt = z.object({
  attempt: z.number().int(),
  at: z.string(),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number(),
});

export const webhookStateSchema = z
  .object({
    mode: z.enum(['direct', 'service_bus']),
    signed: z.boolean(),
    webhook_id: z.string(),
    state: z.enum(['pending', 'retrying', 'delivered', 'failed']),
    max_attempts: z.number().int(),
    attempts: z.array(deliveryAttempt),
    previous_attempts: z.array(deliveryAttempt).optional().describe('Attempts before a dead-letter replay'),
    last_error: z.string().nullable(),
    next_attempt_at: z.string().nullable(),
    updated_at: z.string(),
    target_host: z.string(),
  })
  .strict();

const batchFields = {
  user_id: z.string(),
  total_memories: z.number().int(),
  successful_memories: z.number().int(),
  failed_memories: z.number().int(),
  memory_ids: z.array(z.string()),
  completed_at: z.string().describe('ISO-8601 UTC with milliseconds'),
  processing_time_ms: z.number(),
  webhook: webhookStateSchema.nullable(),
};

/** Papr's BatchMemoryResponse plus this service's batch fields. */
export const batchResponseSchema = z
  .object({
    batch_id: z.string().uuid(),
    code: z.number().int(),
    status: z.enum(['success', 'partial', 'error']),
    message: z.string().nullable(),
    error: z.string().nullable(),
    details: z.null(),
    successful: z.array(
      z.object({
        code: z.number().int(),
        status: z.string(),
        data: z.array(z.object({ memoryId: z.string(), objectId: z.string(), createdAt: z.string() }).strict()),
      }).strict(),
    ),
    errors: z.array(itemError.extend({ code: z.number().int(), status: z.string() }).strict()),
    total_processed: z.number().int(),
    total_successful: z.number().int(),
    total_failed: z.number().int(),
    total_content_size: z.number().int(),
    total_storage_size: z.number().int(),
    batch_status: z.enum(['completed', 'partial', 'failed']),
    ...batchFields,
  })
  .strict();

export const batchStatusSchema = z
  .object({
    batch_id: z.string().uuid(),
    status: z.enum(['completed', 'partial', 'failed']),
    progress: z.object({ total: z.number(), processed: z.number(), successful: z.number(), failed: z.number(), percent: z.number() }).strict(),
    errors: z.array(itemError.strict()),
    items: z.array(
      z.union([
        z.object({ index: z.number().int(), status: z.literal('stored'), memory_id: z.string() }).strict(),
        z.object({ index: z.number().int(), status: z.literal('failed'), error: z.string() }).strict(),
      ]),
    ),
    created_at: z.string(),
    namespace_id: z.string().nullable(),
    external_user_id: z.string().nullable(),
    ...batchFields,
  })
  .strict();

export const memorySchema = z
  .object({
    memory_id: z.string(),
    batch_id: z.string(),
    type: z.enum(['text', 'code_snippet', 'document']),
    content: z.string(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    context: z.array(z.unknown()).nullable(),
    user_id: z.string().nullable(),
    external_user_id: z.string().nullable(),
    namespace_id: z.string().nullable(),
    created_at: z.string(),
  })
  .strict();

export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown() }).strict() }).strict();

export type BatchResponse = z.infer<typeof batchResponseSchema>;
export type BatchStatusView = z.infer<typeof batchStatusSchema>;
