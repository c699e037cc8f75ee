import { ApiError } from '../shared/errors';
import { httpHandler, json, loadApp, register, tenantOf } from '../shared/host';
import { batchStatusView } from '../shared/views';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A batch's outcome and webhook delivery state, for its own tenant only. `?user_id=` narrows
 * further: a batch submitted for another user is then reported as not found.
 */
const handler = httpHandler(async (request) => {
  const tenantId = await tenantOf(request);
  const batchId = request.params.batch_id ?? '';
  const notFound = new ApiError(404, 'batch_not_found', `No batch ${batchId}`, { field: 'batch_id' });
  if (!UUID.test(batchId)) throw notFound;
  const record = await (await loadApp()).batches.get(tenantId, batchId.toLowerCase());
  const userId = request.query.get('user_id');
  if (!record || (userId !== null && userId !== record.user_id)) throw notFound;
  return json(200, batchStatusView(record));
});

export const definitions = register([
  // The Papr SDK's retrieveBatchStatus() route.
  { name: 'getBatchStatus', trigger: 'http', options: { route: 'v1/memory/batch/status/{batch_id}', methods: ['GET'], authLevel: 'anonymous', handler } },
  // The shorter route the first API version documented; same handler.
  { name: 'getBatch', trigger: 'http', options: { route: 'v1/memory/batch/{batch_id}', methods: ['GET'], authLevel: 'anonymous', handler } },
]);
