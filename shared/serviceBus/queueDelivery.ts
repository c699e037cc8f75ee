import { attemptDelivery, retryDelayMs, type DeliveryDeps } from '../webhook/delivery';
import { jobFromEvent, parseCompletionEvent, type CompletionEvent } from './event';
import type { ServiceBusPort } from './port';

/** Thrown to make the platform abandon the message; at `maxDeliveryCount` it is dead-lettered. */
export class DeliveryExhaustedError extends Error {}

export interface QueueDeliveryOptions {
  secretKey: Buffer;
  maxRetries: number;
  baseDelaySeconds: number;
  capSeconds: number;
}

/**
 * Service Bus mode: one signed attempt per queue message. Service Bus triggers support no retry
 * policy and abandon-with-delay does not exist, so a failed attempt schedules its successor as a
 * new message at now + backoff with jitter, and the original completes only after that succeeded.
 * The last attempt throws instead: the message is abandoned until the queue's maxDeliveryCount
 * moves it to the dead-letter queue, where it can be inspected and replayed.
 */
export class QueueDelivery {
  constructor(
    private readonly deps: DeliveryDeps,
    private readonly port: ServiceBusPort,
    private readonly options: QueueDeliveryOptions,
  ) {}

  get maxAttempts(): number {
    return this.options.maxRetries + 1;
  }

  async handle(raw: unknown, deliveryCount: number): Promise<void> {
    const event = parseCompletionEvent(raw);
    const job = jobFromEvent(event, this.options.secretKey);
    const isLast = event.attempt >= this.maxAttempts;

    // A redelivered last attempt that already failed goes straight back to the platform: the
    // receiver is not called again while the message makes its way to the dead-letter queue.
    if (isLast && deliveryCount > 1) {
      const record = await this.deps.batches.get(event.tenant_id, event.batch_id);
      const done = record?.webhook?.attempts.find((a) => a.attempt === event.attempt);
      if (done?.error) throw this.exhausted(event, done.error);
    }

    const delay = isLast ? null : retryDelayMs(event.attempt, this.options.baseDelaySeconds, this.options.capSeconds, Math.random());
    const result = await attemptDelivery(this.deps, job, event.attempt, this.maxAttempts, delay);
    if (result.ok) return;
    if (delay !== null) {
      const next: CompletionEvent = { ...event, attempt: event.attempt + 1, last_error: result.error };
      await this.port.schedule(next, new Date(Date.now() + delay));
      return;
    }
    this.deps.telemetry.event('WebhookDeadLettered', { batch_id: event.batch_id, attempt: event.attempt, status_code: result.statusCode, error: result.error });
    throw this.exhausted(event, result.error ?? 'unknown error');
  }

  private exhausted(event: CompletionEvent, error: string): DeliveryExhaustedError {
    return new DeliveryExhaustedError(`Webhook for batch ${event.batch_id} failed after ${event.attempt} attempts; last error: ${error}`);
  }
}
