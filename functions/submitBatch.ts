import { submitBatch } from '../shared/batchProcessor';
import { getApp } from '../shared/app';
import { httpHandler, json, readBody, register, tenantOf } from '../shared/host';
import { parseContentType } from '../shared/validation';
import { batchResponse, httpStatusFor } from '../shared/views';

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
      handler: httpHandler(async (request) => {
        const app = getApp();
        const tenantId = await tenantOf(request);
        parseContentType(request.headers.get('content-type'));
        const body = await readBody(request, app.settings.batch.maxBodyBytes);
        const outcome = await submitBatch(app.processor, { tenantId, body, idempotencyKey: request.headers.get('idempotency-key') ?? undefined });
        if (outcome.job) app.direct.start(outcome.job);
        return json(httpStatusFor(outcome.record), batchResponse(outcome.record), outcome.replayed ? { 'idempotent-replayed': 'true' } : {});
      }),
    },
  },
]);
