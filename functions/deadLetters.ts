import { ApiError } from '../shared/errors';
import { httpHandler, json, loadApp, register } from '../shared/host';
import { serviceBusQueue } from '../shared/mode';

const serviceBus = serviceBusQueue();

async function deadLetters() {
  const sb = (await loadApp()).serviceBus;
  if (!sb) throw new ApiError(404, 'not_found', 'Service Bus delivery is not configured');
  return sb.deadLetters;
}

/**
 * Admin endpoints over the completion queue's dead-letter queue (Service Bus mode only). They need
 * the host's admin (master) key: `authLevel: 'admin'`.
 */
export const definitions = register(
  serviceBus
    ? [
        {
          name: 'listDeadLetters',
          trigger: 'http',
          options: {
            route: 'v1/admin/webhooks/dead-letters',
            methods: ['GET'],
            authLevel: 'admin',
            handler: httpHandler(async (request) => {
              const max = Math.min(Math.max(Number(request.query.get('max') ?? 100) || 100, 1), 500);
              return json(200, { dead_letters: await (await deadLetters()).list(max) });
            }),
          },
        },
        {
          name: 'replayDeadLetters',
          trigger: 'http',
          options: {
            route: 'v1/admin/webhooks/dead-letters/replay',
            methods: ['POST'],
            authLevel: 'admin',
            handler: httpHandler(async (request) => {
              // All dead letters, or one batch's: ?batch_id=... or a JSON body { "batch_id": "..." }.
              const body = (await request.text()).trim();
              const fromBody = body ? (JSON.parse(body) as { batch_id?: unknown }).batch_id : undefined;
              const batchId = request.query.get('batch_id') ?? (typeof fromBody === 'string' ? fromBody : undefined);
              return json(200, await (await deadLetters()).replay(batchId));
            }),
          },
        },
      ]
    : [],
);
