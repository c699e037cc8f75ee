import { z } from 'zod';
import { batchResponseSchema, batchStatusSchema, errorSchema, memorySchema } from './apiSchemas';
import { parseSettings } from './settings';
import { batchRequestSchema, memoryItemSchema } from './validation';

/**
 * The OpenAPI 3.1 description of the HTTP API, generated from the same zod schemas that validate
 * requests and type responses. `npm run openapi` writes it to openapi.json; a test fails when the
 * committed file and the schemas differ.
 */
export function buildOpenApi(): Record<string, unknown> {
  const defaults = parseSettings({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' });
  const limits = { maxMemories: defaults.batch.maxMemories, ...defaults.memory };
  const request = batchRequestSchema.extend({ memories: z.array(memoryItemSchema(limits)).min(1).max(limits.maxMemories) });
  const schema = (s: z.ZodType, io: 'input' | 'output' = 'output') => {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
    return rest;
  };
  const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
  const error = (description: string) => ({ description, ...json('Error') });
  const auth = [{ ApiKey: [] }, { Bearer: [] }];
  const batchIdParam = { name: 'batch_id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
  const statusOperation = (operationId: string, summary: string) => ({
    get: {
      operationId,
      summary,
      security: auth,
      parameters: [batchIdParam, { name: 'user_id', in: 'query', required: false, schema: { type: 'string' } }],
      responses: { 200: { description: 'The batch', ...json('BatchStatus') }, 401: error('Missing or wrong API key'), 404: error('No such batch for this tenant') },
    },
  });
  return {
    openapi: '3.1.0',
    info: { title: 'Batch memory API', version: '1.0.0', description: 'Papr-compatible batch memory ingestion with signed completion webhooks.' },
    servers: [{ url: 'http://localhost:7071/api' }],
    components: {
      securitySchemes: { ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' }, Bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        BatchRequest: schema(request, 'input'),
        BatchMemoryResponse: schema(batchResponseSchema),
        BatchStatus: schema(batchStatusSchema),
        Memory: schema(memorySchema),
        Error: schema(errorSchema),
      },
    },
    paths: {
      '/v1/memory/batch': {
        post: {
          operationId: 'addBatch',
          summary: 'Submit a batch of memories',
          security: auth,
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }],
          requestBody: { required: true, ...json('BatchRequest') },
          responses: {
            200: { description: 'Every memory stored (status success)', ...json('BatchMemoryResponse') },
            207: { description: 'Some memories stored (status partial)', ...json('BatchMemoryResponse') },
            400: { description: 'No memory stored (status error, "All batch items failed"), or a malformed request (Error)', content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/BatchMemoryResponse' }, { $ref: '#/components/schemas/Error' }] } } } },
            401: error('Missing or wrong API key'),
            409: error('Same Idempotency-Key still in progress'),
            413: error('Body or memory count over the limit'),
            415: error('Content-Type is not application/json'),
            422: error('Idempotency-Key reused with a different body'),
            503: error('Storage unavailable; retry with the same Idempotency-Key'),
          },
        },
      },
      '/v1/memory/batch/status/{batch_id}': statusOperation('retrieveBatchStatus', 'Batch progress, per-item outcome and webhook delivery'),
      '/v1/memory/batch/{batch_id}': statusOperation('getBatch', 'Same as /v1/memory/batch/status/{batch_id}'),
      '/v1/memory/{memory_id}': {
        get: {
          operationId: 'getMemory',
          summary: 'One stored memory',
          security: auth,
          parameters: [{ name: 'memory_id', in: 'path', required: true, schema: { type: 'string', pattern: '^mem_[0-9A-HJKMNP-TV-Z]{26}$' } }],
          responses: { 200: { description: 'The memory', ...json('Memory') }, 401: error('Missing or wrong API key'), 404: error('No such memory for this tenant') },
        },
      },
    },
  };
}
