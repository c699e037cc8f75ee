import type { DeadLetteredMessage, LockedDeadLetter, ServiceBusPort } from '../../shared/serviceBus/port';

interface Stored {
  id: number;
  body: string;
  availableAt: number;
  enqueuedAt: Date;
  deliveryCount: number;
  locked: boolean;
  reason?: string;
  description?: string;
}

/**
 * IN-MEMORY STAND-IN for Azure Service Bus (no Service Bus or emulator runs on build machines).
 * It mimics what the app relies on: bodies travel as JSON; scheduled messages stay invisible until
 * their time; the trigger's peek-lock completes on return and abandons on throw, redelivering at
 * once with deliveryCount + 1; at maxDeliveryCount a message moves to the dead-letter queue with
 * reason MaxDeliveryCountExceeded.
 */
export class InMemoryServiceBus implements ServiceBusPort {
  readonly queue: Stored[] = [];
  readonly deadLetterQueue: Stored[] = [];
  /** Every schedule call: the body, when it was asked for, and for when. */
  readonly scheduled: { body: any; requestedAt: number; at: number }[] = [];
  /** Every message body that ever entered either queue, as sent on the wire. */
  readonly wire: string[] = [];
  failSends = false;
  private nextId = 1;

  constructor(readonly maxDeliveryCount = 10) {}

  private enqueue(body: unknown, availableAt: number): void {
    const json = JSON.stringify(body);
    this.wire.push(json);
    this.queue.push({ id: this.nextId++, body: json, availableAt, enqueuedAt: new Date(), deliveryCount: 0, locked: false });
  }

  /** What the Functions host does with a value set on the output binding, once the function succeeded. */
  sendFromOutputBinding(body: unknown): void {
    this.enqueue(body, Date.now());
  }

  async schedule(body: unknown, at: Date): Promise<void> {
    if (this.failSends) throw new Error('in-memory Service Bus: send refused');
    this.scheduled.push({ body: JSON.parse(JSON.stringify(body)), requestedAt: Date.now(), at: at.getTime() });
    this.enqueue(body, at.getTime());
  }

  async send(body: unknown): Promise<void> {
    if (this.failSends) throw new Error('in-memory Service Bus: send refused');
    this.enqueue(body, Date.now());
  }

  async peekDeadLetters(max: number): Promise<DeadLetteredMessage[]> {
    return this.deadLetterQueue.slice(0, max).map((m) => this.summary(m));
  }

  async receiveDeadLetters(max: number): Promise<LockedDeadLetter[]> {
    return this.deadLetterQueue
      .filter((m) => !m.locked)
      .slice(0, max)
      .map((m) => {
        m.locked = true;
        return {
          ...this.summary(m),
          complete: async () => void this.deadLetterQueue.splice(this.deadLetterQueue.indexOf(m), 1),
          abandon: async () => void ((m.locked = false), (m.deliveryCount += 1)),
        };
      });
  }

  async close(): Promise<void> {}

  private summary(m: Stored): DeadLetteredMessage {
    return { body: JSON.parse(m.body), messageId: String(m.id), reason: m.reason, description: m.description, enqueuedTimeUtc: m.enqueuedAt, deliveryCount: m.deliveryCount };
  }

  /**
   * Plays the queue trigger until no message is due and none is scheduled: each due message goes
   * to `handler` (the registered function's) with its delivery count.
   */
  async runTrigger(handler: (body: unknown, deliveryCount: number) => Promise<void>, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length > 0) {
      if (Date.now() > deadline) throw new Error(`in-memory Service Bus: ${this.queue.length} message(s) still queued`);
      const due = this.queue.filter((m) => m.availableAt <= Date.now());
      if (due.length === 0) {
        await new Promise((r) => setTimeout(r, Math.max(1, Math.min(...this.queue.map((m) => m.availableAt)) - Date.now())));
        continue;
      }
      await Promise.all(due.map((m) => this.deliver(m, handler)));
    }
  }

  private async deliver(m: Stored, handler: (body: unknown, deliveryCount: number) => Promise<void>): Promise<void> {
    m.deliveryCount += 1;
    m.availableAt = Number.POSITIVE_INFINITY; // locked while the handler runs
    try {
      await handler(JSON.parse(m.body), m.deliveryCount);
      this.queue.splice(this.queue.indexOf(m), 1);
    } catch {
      if (m.deliveryCount >= this.maxDeliveryCount) {
        this.queue.splice(this.queue.indexOf(m), 1);
        m.reason = 'MaxDeliveryCountExceeded';
        m.description = `Message could not be consumed after ${this.maxDeliveryCount} delivery attempts.`;
        this.deadLetterQueue.push(m);
      } else m.availableAt = Date.now();
    }
  }
}
