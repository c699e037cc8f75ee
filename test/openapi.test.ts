import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchResponseSchema, batchStatusSchema, errorSchema, memorySchema } from '../shared/apiSchemas';
import { buildOpenApi } from '../shared/openapi';
import { allDefinitions, getMemory, getStatus, submitBatch, useApp } from './support/harness';

describe('openapi.json', () => {
  beforeAll(() => useApp());

  it('is what the zod schemas generate (run `npm run openapi` after changing them)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'));
    expect(committed).toEqual(buildOpenApi());
  });

  it('describes every public HTTP route the app registers, with its method', () => {
    const paths = buildOpenApi().paths as Record<string, Record<string, unknown>>;
    const publicRoutes = allDefinitions.filter((d) => d.trigger === 'http' && d.options.authLevel === 'anonymous');
    for (const d of publicRoutes) {
      if (d.trigger !== 'http') continue;
      expect(Object.keys(paths[`/${d.options.route}`] ?? {})).toEqual((d.options.methods ?? []).map((m) => m.toLowerCase()));
    }
    expect(Object.keys(paths)).toHaveLength(publicRoutes.length);
  });

  it('matches real responses: completed, partial, failed, status, memory, errors', async () => {
    const completed = await submitBatch({ memories: [{ content: 'a', metadata: { topics: 'x, y' } }] });
    const partial = await submitBatch({ memories: [{ content: 'a' }, { content: 'b', type: 'bad' }], webhook_url: 'http://127.0.0.1:9/hook' });
    const failed = await submitBatch({ memories: [{ content: '' }] });
    for (const res of [completed, partial, failed]) batchResponseSchema.parse(res.body);
    batchStatusSchema.parse((await getStatus(partial.body.batch_id)).body);
    memorySchema.parse((await getMemory(completed.body.memory_ids[0])).body);
    errorSchema.parse((await submitBatch('not json')).body);
    errorSchema.parse((await getStatus('00000000-0000-7000-8000-000000000000')).body);
  });
});
