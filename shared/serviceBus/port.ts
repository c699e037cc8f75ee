/**
 * The few Service Bus operations the app performs itself (the trigger and the output binding are
 * the Functions host's). Production uses `AzureServiceBusPort`; tests use an in-memory queue,
 * because no Service Bus or emulator can run on the build machines.
 */
export interface DeadLetteredMessage {
  body: unknown;
  messageId?: string;
  reason?: string;
  description?: string;
  enqueuedTimeUtc?: Date;
  deliveryCount?: number;
  sequenceNumber?: string;
}

/** A dead-lettered message received under a lock: settle it with exactly one of these. */
export interface LockedDeadLetter extends DeadLetteredMessage {
  complete(): Promise<void>;
  abandon(): Promise<void>;
}

export interface ServiceBusPort {
  /** Enqueues `body` on the main queue, invisible until `at`. */
  schedule(body: unknown, at: Date): Promise<void>;
  /** Enqueues `body` on the main queue now. */
  send(body: unknown): Promise<void>;
  /** Reads dead letters without locking or removing them. */
  peekDeadLetters(max: number): Promise<DeadLetteredMessage[]>;
  /** Receives dead letters in peek-lock mode, to move them back. */
  receiveDeadLetters(max: number): Promise<LockedDeadLetter[]>;
  close(): Promise<void>;
}
