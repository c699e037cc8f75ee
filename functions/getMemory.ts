import { ApiError } from '../shared/errors';
import { httpHandler, json, loadApp, register, tenantOf } from '../shared/host';

/** GET /api/v1/memory/{memory_id}: one stored memory, visible to its own tenant only. */
export const definitions = register([
  {
    name: 'getMemory',
    trigger: 'http',
    options: {
      route: 'v1/memory/{memory_id}',
      methods: ['GET'],
      authLevel: 'anonymous',
      handler: httpHandler(async (request) => {
        const tenantId = await tenantOf(request);
        const memoryId = request.params.memory_id ?? '';
        const memory = /^mem_[0-9A-HJKMNP-TV-Z]{26}$/.test(memoryId) ? await (await loadApp()).memories.get(tenantId, memoryId) : undefined;
        if (!memory) throw new ApiError(404, 'memory_not_found', `No memory ${memoryId}`, { field: 'memory_id' });
        return json(200, memory);
      }),
    },
  },
]);
