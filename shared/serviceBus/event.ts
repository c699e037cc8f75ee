import { z } from 'zod';
import { openSecret, sealSecret } from '../secretBox';
import type { DeliveryJob } from '../webhook/delivery';

/**
 * The completion event on the `batch-notifications` queue: everything one delivery attempt needs.
 * The output binding sends a body only, so the attempt counter lives in the body too.
 */
export const completionEventSchema = z.object({
  version: z.literal(1),
  type: z.literal('batch.completed'),
  tenant_id: z.string().min(1),
  batch_id: z.string().min(1),
  webhook_id: z.string().min(1),
  target_url: z.string().min(1),
  /** The exact payload bytes to send (as a string), identical on every attempt. */
  body: z.string(),
  attempt: z.number().int().min(1),
  /** The webhook secret sealed with WEBHOOK_SECRET_ENCRYPTION_KEY; never plain text. */
  sealed_secret: z.string().nullable(),
  /** The previous attempt's error, so a dead-lettered event says why on its own. */
  last_error: z.string().nullable(),
});

export type CompletionEvent = z.infer<typeof completionEventSchema>;

export function completionEvent(job: DeliveryJob, key: Buffer): CompletionEvent {
  return {
    version: 1,
    type: 'batch.completed',
    tenant_id: job.tenantId,
    batch_id: job.batchId,
    webhook_id: job.message.webhookId,
    target_url: job.message.url,
    body: job.message.body,
    attempt: 1,
    sealed_secret: job.message.secret ? sealSecret(job.message.secret, key, job.batchId) : null,
    last_error: null,
  };
}

export class PoisonEventError extends Error {}

/** Parses a queue message body (object, or JSON string/bytes) into an event. */
export function parseCompletionEvent(raw: unknown): CompletionEvent {
  let value = raw;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) value = Buffer.from(value).toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new PoisonEventError('Completion event is not JSON');
    }
  }
  const parsed = completionEventSchema.safeParse(value);
  if (!parsed.success) throw new PoisonEventError(`Not a completion event: ${parsed.error.issues[0].path.join('.')} ${parsed.error.issues[0].message}`);
  return parsed.data;
}

export function jobFromEvent(event: CompletionEvent, key: Buffer): DeliveryJob {
  return {
    tenantId: event.tenant_id,
    batchId: event.batch_id,
    message: {
      url: event.target_url,
      body: event.body,
      webhookId: event.webhook_id,
      secret: event.sealed_secret ? openSecret(event.sealed_secret, key, event.batch_id) : undefined,
    },
  };
}
