import { output } from '@azure/functions';
import { httpHandler, json, loadApp, readBody, register, tenantOf } from '../shared/host';
import { serviceBusQueue } from '../shared/mode';
import { batchResponse, httpStatusFor } from '../shared/views';

/** Service Bus mode: the completion event leaves through the output binding, sent when the function succeeds. */
const queue = serviceBusQueue();
export const completionQueue = queue ? output.serviceBusQueue(queue) : undefined;

// Imported on first use, not at start-up (cold start): validation and storage pull in zod and the Azure SDK.
const domain = async () => ({
  ...(await import('../shared/batchProcessor.js')),
  ...(await import('../shared/validation.js')),
  ...(await import('../shared/serviceBus/event.js')),
});

/** POST /api/v1/memory/batch: validate, store, answer, and hand the notification to delivery. */
export const definitions = register([
  {
    name: 'submitBatch',
    trigger: 'http',
    options: {
      route: 'v1/memory/batch',
      methods: ['POST'],
      // Papr clients authenticate with X-API-Key, checked by the app, not with function keys.
      authLevel: 'anonymous',
      extraOutputs: completionQueue ? [completionQueue] : [],
      handler: httpHandler(async (request, context) => {
        const [app, { parseContentType, submitBatch, completionEvent }] = await Promise.all([loadApp(), domain()]);
        const tenantId = await tenantOf(request);
        parseContentType(request.headers.get('content-type'));
        const body = await readBody(request, app.settings.batch.maxBodyBytes);
        const outcome = await submitBatch(app.processor, { tenantId, body, idempotencyKey: request.headers.get('idempotency-key') ?? undefined });
        if (outcome.job && completionQueue && app.serviceBus) context.extraOutputs.set(completionQueue, completionEvent(outcome.job, app.serviceBus.secretKey));
        else if (outcome.job) app.direct.start(outcome.job);
        return json(httpStatusFor(outcome.record), batchResponse(outcome.record), outcome.replayed ? { 'idempotent-replayed': 'true' } : {});
      }),
    },
  },
]);
