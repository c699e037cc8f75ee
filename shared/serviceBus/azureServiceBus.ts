import { ServiceBusClient, type ServiceBusReceivedMessage, type ServiceBusSender } from '@azure/service-bus';
import type { DeadLetteredMessage, LockedDeadLetter, ServiceBusPort } from './port';

const RECEIVE_WAIT_MS = 3000;

/** A client from a connection string, or from a namespace with managed identity (AZURE_CLIENT_ID picks a user-assigned one). */
export function createServiceBusClient(connection: { connectionString?: string; fullyQualifiedNamespace?: string }): ServiceBusClient {
  if (connection.connectionString) return new ServiceBusClient(connection.connectionString);
  // Loaded only for identity-based connections.
  const { DefaultAzureCredential } = require('@azure/identity') as typeof import('@azure/identity');
  return new ServiceBusClient(connection.fullyQualifiedNamespace as string, new DefaultAzureCredential());
}

function summary(m: ServiceBusReceivedMessage): DeadLetteredMessage {
  return {
    body: m.body,
    messageId: m.messageId === undefined ? undefined : String(m.messageId),
    reason: m.deadLetterReason,
    description: m.deadLetterErrorDescription,
    enqueuedTimeUtc: m.enqueuedTimeUtc,
    deliveryCount: m.deliveryCount,
    sequenceNumber: m.sequenceNumber?.toString(),
  };
}

/** The real Service Bus, through @azure/service-bus (connection string, or namespace + managed identity). */
export class AzureServiceBusPort implements ServiceBusPort {
  private readonly client: ServiceBusClient;
  private sender?: ServiceBusSender;

  constructor(
    connection: { connectionString?: string; fullyQualifiedNamespace?: string },
    private readonly queueName: string,
  ) {
    this.client = createServiceBusClient(connection);
  }

  /** One sender (one AMQP link) per process, opened on first use. */
  private queueSender(): ServiceBusSender {
    this.sender ??= this.client.createSender(this.queueName);
    return this.sender;
  }

  async schedule(body: unknown, at: Date): Promise<void> {
    await this.queueSender().scheduleMessages({ body, contentType: 'application/json' }, at);
  }

  async send(body: unknown): Promise<void> {
    await this.queueSender().sendMessages({ body, contentType: 'application/json' });
  }

  async peekDeadLetters(max: number): Promise<DeadLetteredMessage[]> {
    const receiver = this.client.createReceiver(this.queueName, { subQueueType: 'deadLetter' });
    try {
      return (await receiver.peekMessages(max)).map(summary);
    } finally {
      await receiver.close();
    }
  }

  async receiveDeadLetters(max: number): Promise<LockedDeadLetter[]> {
    const receiver = this.client.createReceiver(this.queueName, { subQueueType: 'deadLetter', receiveMode: 'peekLock' });
    const messages = await receiver.receiveMessages(max, { maxWaitTimeInMs: RECEIVE_WAIT_MS });
    let open = messages.length;
    const settled = async () => {
      open -= 1;
      if (open === 0) await receiver.close();
    };
    if (open === 0) await receiver.close();
    return messages.map((m) => ({
      ...summary(m),
      complete: async () => (await receiver.completeMessage(m), await settled()),
      abandon: async () => (await receiver.abandonMessage(m), await settled()),
    }));
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
