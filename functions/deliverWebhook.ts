import { loadApp, register } from '../shared/host';
import { serviceBusQueue } from '../shared/mode';

const serviceBus = serviceBusQueue();

/**
 * Service Bus mode only: one signed delivery attempt per completion event. Returning completes the
 * message; a throw abandons it (see shared/serviceBus/queueDelivery.ts for retries and dead-lettering).
 * Without the setting nothing is registered, so the app starts with no Service Bus at all.
 */
export const definitions = register(
  serviceBus
    ? [
        {
          name: 'deliverWebhook',
          trigger: 'serviceBusQueue',
          options: {
            connection: serviceBus.connection,
            queueName: serviceBus.queueName,
            cardinality: 'one',
            handler: async (message, context) => {
              const app = await loadApp();
              // The Node worker lower-cases the first letter of trigger metadata keys.
              const deliveryCount = Number(context.triggerMetadata?.deliveryCount ?? 1);
              await (app.serviceBus as NonNullable<typeof app.serviceBus>).delivery.handle(message, deliveryCount);
            },
          },
        },
      ]
    : [],
);
