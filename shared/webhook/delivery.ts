import type { Logger } from '../log';
import type { BatchStore, DeliveryState, WebhookDelivery } from '../storage/batchStore';
import type { Telemetry } from '../telemetry';
import type { AttemptResult, WebhookMessage, WebhookSender } from './sender';

/** One batch's notification: where the batch lives and what to send. */
export interface DeliveryJob {
  tenantId: string;
  batchId: string;
  message: WebhookMessage;
}

export interface DeliveryDeps {
  sender: WebhookSender;
  batches: BatchStore;
  logger: Logger;
  telemetry: Telemetry;
}

/**
 * Exponential backoff: base * 2^(attempt-1) seconds before attempt+1, capped. With jitter, the
 * delay is drawn uniformly from [delay/2, delay] ("equal jitter"), so retries of many batches
 * that failed together spread out instead of arriving at the receiver in one wave.
 */
export function retryDelayMs(attempt: number, baseSeconds: number, capSeconds: number, jitter: number | null): number {
  const full = Math.min(baseSeconds * 2 ** (attempt - 1), capSeconds) * 1000;
  return jitter === null ? full : Math.round(full / 2 + (full / 2) * jitter);
}

/**
 * Makes attempt `attempt` of `maxAttempts`, logs it with the seed's lines, records it on the batch
 * and reports it. Both delivery modes call this: one implementation of signing, sending and
 * bookkeeping. `nextDelayMs` is the wait before the next attempt, or null when this is the last.
 */
export async function attemptDelivery(deps: DeliveryDeps, job: DeliveryJob, attempt: number, maxAttempts: number, nextDelayMs: number | null): Promise<AttemptResult> {
  const { logger, telemetry } = deps;
  const result = await deps.sender.send(job.message);
  const at = new Date();
  let state: DeliveryState;
  if (result.ok) {
    state = 'delivered';
    logger.info(`Webhook sent successfully for batch ${job.batchId}`);
  } else {
    state = nextDelayMs === null ? 'failed' : 'retrying';
    if (result.statusCode !== null) logger.warn(`Failed to send webhook for batch ${job.batchId}`);
    else logger.error(`Error sending webhook notification: ${result.error}`);
  }
  logger.debug(
    `Webhook attempt ${attempt}/${maxAttempts} for batch ${job.batchId}: ${result.statusCode !== null ? `HTTP ${result.statusCode}` : result.error} in ${result.durationMs} ms` +
      (state === 'retrying' ? `; next attempt in ${((nextDelayMs as number) / 1000).toFixed(1)} s` : ''),
  );

  await deps.batches.updateDelivery(job.tenantId, job.batchId, (d): WebhookDelivery => ({
    ...d,
    // A Service Bus redelivery can repeat an attempt number; keep its latest outcome only.
    attempts: [...d.attempts.filter((a) => a.attempt !== attempt), { attempt, at: at.toISOString(), status_code: result.statusCode, error: result.error, duration_ms: result.durationMs }].sort(
      (a, b) => a.attempt - b.attempt,
    ),
    // A late-arriving failure must not undo a delivery that already succeeded.
    state: d.state === 'delivered' ? 'delivered' : state,
    last_error: result.ok ? d.last_error : result.error,
    next_attempt_at: state === 'retrying' ? new Date(at.getTime() + (nextDelayMs as number)).toISOString() : null,
    updated_at: at.toISOString(),
  }));

  const properties = { batch_id: job.batchId, attempt, status_code: result.statusCode, duration_ms: result.durationMs };
  if (result.ok) {
    telemetry.event('WebhookDelivered', properties);
    telemetry.metric('WebhookDeliveryLatencyMs', result.durationMs);
  } else if (state === 'retrying') telemetry.event('WebhookRetryScheduled', { ...properties, error: result.error, delay_ms: nextDelayMs });
  else telemetry.event('WebhookFailed', { ...properties, error: result.error });
  return result;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Direct mode (no Service Bus): attempts run in this process after the HTTP response went out.
 * What that cannot guarantee is in docs/operations.md: a restart or scale-in loses pending retries.
 */
export class DirectDelivery {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: DeliveryDeps,
    private readonly maxRetries: number,
    private readonly baseDelaySeconds: number,
    private readonly capSeconds: number,
  ) {}

  get maxAttempts(): number {
    return this.maxRetries + 1;
  }

  start(job: DeliveryJob): void {
    const run = this.run(job)
      .catch((e: Error) => this.deps.logger.error(`Error sending webhook notification: ${e.message}`))
      .finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  /** Resolves when every started delivery has finished (tests and graceful shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async run(job: DeliveryJob): Promise<void> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      const delay = attempt < this.maxAttempts ? retryDelayMs(attempt, this.baseDelaySeconds, this.capSeconds, null) : null;
      const result = await attemptDelivery(this.deps, job, attempt, this.maxAttempts, delay);
      if (result.ok || delay === null) return;
      await sleep(delay);
    }
  }
}
