import { InvocationContext } from '@azure/functions';
import type { ServiceBusReceivedMessage, ServiceBusSender } from '@azure/service-bus';
import { createServiceBusClient } from '../shared/serviceBus/azureServiceBus';
import type { FunctionDefinition } from '../shared/host';
import type { Settings } from '../shared/settings';

export interface LocalQueue {
  sendOutput(queueName: string, value: unknown): Promise<void>;
  close(): Promise<void>;
}

/**
 * Without Core Tools, plays the Service Bus side of the host: consumes the queue in peek-lock
 * mode, calls the queue-triggered function's handler with the trigger metadata the host would
 * pass, completes on return and abandons on throw.
 */
export function consumeQueue(definitions: FunctionDefinition[], sb: NonNullable<Settings['serviceBus']>): LocalQueue {
  const client = createServiceBusClient(sb);
  const senders = new Map<string, ServiceBusSender>();
  const triggered = definitions.filter((d): d is Extract<FunctionDefinition, { trigger: 'serviceBusQueue' }> => d.trigger === 'serviceBusQueue');
  const receivers = triggered.map((d) => {
    const receiver = client.createReceiver(d.options.queueName, { receiveMode: 'peekLock' });
    receiver.subscribe(
      {
        processMessage: async (message: ServiceBusReceivedMessage) => {
          const context = new InvocationContext({
            functionName: d.name,
            triggerMetadata: { deliveryCount: message.deliveryCount, messageId: message.messageId, enqueuedTimeUtc: message.enqueuedTimeUtc?.toISOString() },
          });
          try {
            await d.options.handler(message.body, context);
            await receiver.completeMessage(message);
          } catch (e) {
            console.warn(`${d.name} failed (delivery ${message.deliveryCount}): ${(e as Error).message}`);
            await receiver.abandonMessage(message);
          }
        },
        processError: async ({ error }) => console.error(`Service Bus receiver error: ${error.message}`),
      },
      { autoCompleteMessages: false, maxConcurrentCalls: 16 },
    );
    return receiver;
  });
  return {
    // The output binding's side: what an HTTP function set on a Service Bus output is sent after it succeeded.
    sendOutput: async (queueName, value) => {
      let sender = senders.get(queueName);
      if (!sender) senders.set(queueName, (sender = client.createSender(queueName)));
      await sender.sendMessages((Array.isArray(value) ? value : [value]).map((body) => ({ body, contentType: 'application/json' })));
    },
    close: async () => {
      await Promise.all([...receivers, ...senders.values()].map((r) => r.close()));
      await client.close();
    },
  };
}
