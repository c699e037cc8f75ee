import type { BatchStore } from '../storage/batchStore';
import { parseCompletionEvent, type CompletionEvent } from './event';
import type { DeadLetteredMessage, ServiceBusPort } from './port';

export interface DeadLetterSummary {
  batch_id: string | null;
  target_host: string | null;
  reason: string | null;
  description: string | null;
  attempts: number | null;
  last_error: string | null;
  enqueued_at: string | null;
  message_id: string | null;
}

export interface ReplayReport {
  replayed: string[];
  failed: { batch_id: string | null; error: string }[];
}

function eventOf(message: DeadLetteredMessage): CompletionEvent | undefined {
  try {
    return parseCompletionEvent(message.body);
  } catch {
    return undefined;
  }
}

/**
 * The seed's promise for the dead-letter queue: inspect failed webhooks, reprocess them, analyse
 * the failures. Shared by the admin HTTP functions and `npm run dlq`. Never shows the secret.
 */
export class DeadLetters {
  constructor(
    private readonly port: ServiceBusPort,
    private readonly batches: BatchStore,
  ) {}

  async list(max = 100): Promise<DeadLetterSummary[]> {
    const messages = await this.port.peekDeadLetters(max);
    return Promise.all(
      messages.map(async (m) => {
        const event = eventOf(m);
        const record = event ? await this.batches.get(event.tenant_id, event.batch_id) : undefined;
        const attempts = record?.webhook?.attempts ?? [];
        return {
          batch_id: event?.batch_id ?? null,
          target_host: event ? safeHost(event.target_url) : null,
          reason: m.reason ?? null,
          description: m.description ?? null,
          attempts: attempts.length || (event?.attempt ?? null),
          last_error: record?.webhook?.last_error ?? event?.last_error ?? null,
          enqueued_at: m.enqueuedTimeUtc?.toISOString() ?? null,
          message_id: m.messageId ?? null,
        };
      }),
    );
  }

  /**
   * Moves dead-lettered events (all, or one batch's) back to the main queue with the attempt
   * counter reset. A dead letter is removed only after its re-send succeeded; otherwise it is
   * abandoned and stays in the dead-letter queue.
   */
  async replay(batchId?: string, max = 100): Promise<ReplayReport> {
    const report: ReplayReport = { replayed: [], failed: [] };
    const messages = await this.port.receiveDeadLetters(max);
    for (const m of messages) {
      const event = eventOf(m);
      if (!event || (batchId && event.batch_id !== batchId)) {
        await m.abandon();
        if (!event && !batchId) report.failed.push({ batch_id: null, error: 'not a completion event; left in the dead-letter queue' });
        continue;
      }
      try {
        await this.port.send({ ...event, attempt: 1, last_error: null });
      } catch (e) {
        await m.abandon();
        report.failed.push({ batch_id: event.batch_id, error: (e as Error).message });
        continue;
      }
      await m.complete();
      // The replayed event counts attempts from 1 again; the earlier round's attempts are kept apart.
      await this.batches.updateDelivery(event.tenant_id, event.batch_id, (d) => ({
        ...d,
        state: 'pending',
        attempts: [],
        previous_attempts: [...(d.previous_attempts ?? []), ...d.attempts],
        next_attempt_at: null,
        updated_at: new Date().toISOString(),
      }));
      report.replayed.push(event.batch_id);
    }
    return report;
  }
}

function safeHost(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}
