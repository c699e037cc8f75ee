import { output } from '@azure/functions';
import { submitBatch } from '../shared/batchProcessor';
import { getApp } from '../shared/app';
import { httpHandler, json, readBody, register, tenantOf } from '../shared/host';
import { completionEvent } from '../shared/serviceBus/event';
import { settings } from '../shared/settings';
import { parseContentType } from '../shared/validation';
import { batchResponse, httpStatusFor } from '../shared/views';

const serviceBus = settings().serviceBus;

/** Service Bus mode: the completion event leaves through the output binding, sent when the function succeeds. */
export const completionQueue = serviceBus ? output.serviceBusQueue({ queueName: serviceBus.queueName, connection: serviceBus.connectionSetting }) : undefined;

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
        const app = getApp();
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
