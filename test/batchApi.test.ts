import { beforeAll, describe, expect, it } from 'vitest';
import { getMemory, getStatus, KEY_A, KEY_B, submitBatch, useApp, call } from './support/harness';

const text = (content: string, extra: object = {}) => ({ content, type: 'text', ...extra });

describe('POST /v1/memory/batch against Azurite', () => {
  let app: ReturnType<typeof useApp>;
  beforeAll(() => {
    app = useApp({ MEMORY_MAX_CONTENT_CHARS: '100', BATCH_MAX_MEMORIES: '50', BATCH_MAX_BODY_BYTES: '20000' });
  });

  it('stores an all-valid batch and reports completed with ids in input order', async () => {
    const res = await submitBatch({
      memories: [text('Meeting notes', { metadata: { topics: 'product, planning' } }), { content: 'const x = 1', type: 'code_snippet' }, { content: 'Doc', type: 'document', metadata: { topics: ['a', 'b'], customMetadata: { n: 1 } } }],
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('success');
    expect(res.body.batch_status).toBe('completed');
    expect(res.body.batch_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.body.total_successful).toBe(3);
    expect(res.body.memory_ids).toHaveLength(3);
    expect(res.body.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    for (const id of res.body.memory_ids) expect(id).toMatch(/^mem_[0-9A-HJKMNP-TV-Z]{26}$/);

    const stored = await Promise.all(res.body.memory_ids.map((id: string) => getMemory(id)));
    expect(stored.map((s) => s.body.content)).toEqual(['Meeting notes', 'const x = 1', 'Doc']);
    expect(stored[0].body.metadata).toEqual({ topics: 'product, planning' });
    expect(stored[2].body.metadata).toEqual({ topics: ['a', 'b'], customMetadata: { n: 1 } });
    expect(stored[1].body.type).toBe('code_snippet');
  });

  it('records bad items at their index with the seed wording and stores the rest', async () => {
    const res = await submitBatch({
      memories: [text('ok 0'), text('x'.repeat(101)), text('ok 2'), { content: 'y', type: 'video' }, 'not an object', { type: 'text' }, text('ok 6', { metadata: { a: { b: { c: { d: { e: { f: 1 } } } } } } })],
    });
    expect(res.status).toBe(207);
    expect(res.body.status).toBe('partial');
    expect(res.body.batch_status).toBe('partial');
    expect(res.body.errors.map((e: any) => [e.index, e.error])).toEqual([
      [1, 'Content size exceeds limit'],
      [3, 'Invalid memory type'],
      [4, 'Memory must be an object'],
      [5, 'Missing content'],
      [6, 'Metadata depth exceeds limit'],
    ]);
    expect(res.body.successful_memories).toBe(2);
    expect(res.body.failed_memories).toBe(5);
    const contents = await Promise.all(res.body.memory_ids.map(async (id: string) => (await getMemory(id)).body.content));
    expect(contents).toEqual(['ok 0', 'ok 2']);
    expect(await app.memories.listBatch('tenant-a', res.body.batch_id)).toHaveLength(2);
  });

  it('applies metadata limits to a "__proto__" key too (found by fuzzing)', async () => {
    const deepUnderProto = '{"memories":[{"content":"a","metadata":{"__proto__":[[[[[[1]]]]]]}},{"content":"b","metadata":{"__proto__":{"x":1}}}]}';
    const res = await submitBatch(deepUnderProto);
    expect(res.status).toBe(207);
    expect(res.body.errors.map((e: any) => [e.index, e.error])).toEqual([[0, 'Metadata depth exceeds limit']]);
    expect((await getMemory(res.body.memory_ids[0])).body.metadata).toEqual(JSON.parse('{"__proto__":{"x":1}}'));
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('answers 400 with "All batch items failed" when nothing could be stored', async () => {
    const res = await submitBatch({ memories: [{ content: 'a', type: 'bad' }, { content: '' }] });
    expect(res.status).toBe(400);
    expect(res.body.status).toBe('error');
    expect(res.body.batch_status).toBe('failed');
    expect(res.body.error).toBe('All batch items failed');
    expect(res.body.errors[0]).toMatchObject({ index: -1, error: 'All batch items failed' });
    expect(res.body.memory_ids).toEqual([]);
    expect(await app.memories.listBatch('tenant-a', res.body.batch_id)).toHaveLength(0);
    expect((await getStatus(res.body.batch_id)).body.status).toBe('failed');
  });

  it.each([
    ['not JSON', '{"memories": [', {}, 400, 'invalid_json'],
    ['wrong content type', JSON.stringify({ memories: [text('a')] }), { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
    ['no memories', JSON.stringify({ webhook_url: 'https://example.com' }), {}, 400, 'invalid_request'],
    ['empty memories', JSON.stringify({ memories: [] }), {}, 400, 'invalid_request'],
    ['memories not an array', JSON.stringify({ memories: 'x' }), {}, 400, 'invalid_request'],
    ['too many memories', JSON.stringify({ memories: Array.from({ length: 51 }, () => text('a')) }), {}, 413, 'too_many_memories'],
    ['body over the byte limit', JSON.stringify({ memories: [text('a'.repeat(30000))] }), {}, 413, 'payload_too_large'],
    ['webhook_url not a URL', JSON.stringify({ memories: [text('a')], webhook_url: 'not a url' }), {}, 400, 'invalid_webhook_url'],
    ['webhook_url with credentials', JSON.stringify({ memories: [text('a')], webhook_url: 'https://u:p@example.com/' }), {}, 400, 'invalid_webhook_url'],
    ['webhook_url of another scheme', JSON.stringify({ memories: [text('a')], webhook_url: 'ftp://example.com/' }), {}, 400, 'invalid_webhook_url'],
    ['webhook_secret not a string', JSON.stringify({ memories: [text('a')], webhook_secret: 5 }), {}, 400, 'invalid_request'],
    ['body is an array', JSON.stringify([text('a')]), {}, 400, 'invalid_request'],
  ])('rejects %s whole with a JSON error', async (_name, body, headers, status, code) => {
    const before = (await app.batches.list('tenant-a')).length;
    const res = await submitBatch(body, headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    expect(res.body.error).toHaveProperty('details');
    expect((await app.batches.list('tenant-a')).length).toBe(before);
  });

  it('names the offending field of an envelope error', async () => {
    const res = await submitBatch({ memories: [text('a')], user_id: 42 });
    expect(res.body.error.details.issues[0].field).toBe('user_id');
    expect(res.body.error.message).toContain('user_id');
  });

  it('returns the original batch for a retried Idempotency-Key, storing nothing twice', async () => {
    const body = { memories: [text('once'), text('twice?')] };
    const first = await submitBatch(body, { 'idempotency-key': 'retry-1' });
    const tablesBefore = app.tables.requestCount;
    const second = await submitBatch(body, { 'idempotency-key': 'retry-1' });
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body.batch_id).toBe(first.body.batch_id);
    expect(second.body.memory_ids).toEqual(first.body.memory_ids);
    expect(app.tables.requestCount - tablesBefore).toBeLessThanOrEqual(3);
    expect(await app.memories.listBatch('tenant-a', first.body.batch_id)).toHaveLength(2);
    const other = await submitBatch({ memories: [text('different')] }, { 'idempotency-key': 'retry-1' });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  it('answers 409 while the first request with a key is in flight, and resumes a claim whose request died', async () => {
    const { createHash } = await import('node:crypto');
    const { newBatchId } = await import('../shared/ids');
    const body = JSON.stringify({ memories: [text('resumed')] });
    const sha = (v: string) => createHash('sha256').update(v).digest('hex');
    const idempotency = await app.tables.table('idempotencykeys');

    const inFlight = newBatchId();
    await idempotency.createEntity({ partitionKey: 'tenant-a', rowKey: sha('in-flight'), batchId: inFlight, requestHash: sha(body), claimedAt: new Date().toISOString() });
    const busy = await submitBatch(body, { 'idempotency-key': 'in-flight' });
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('idempotency_in_progress');

    const died = newBatchId(Date.now() - 11 * 60 * 1000);
    await idempotency.createEntity({ partitionKey: 'tenant-a', rowKey: sha('died'), batchId: died, requestHash: sha(body), claimedAt: new Date(Date.now() - 11 * 60 * 1000).toISOString() });
    const resumed = await submitBatch(body, { 'idempotency-key': 'died' });
    expect(resumed.status).toBe(200);
    expect(resumed.body.batch_id).toBe(died);
    const again = await submitBatch(body, { 'idempotency-key': 'died' });
    expect(again.body.batch_id).toBe(died);
    expect(await app.memories.listBatch('tenant-a', died)).toHaveLength(1);
  });

  it('writes 1,000 memories in entity-group transactions, not 1,000 round trips', async () => {
    const big = useApp({ BATCH_MAX_MEMORIES: '1000', BATCH_MAX_BODY_BYTES: String(10 * 1024 * 1024) });
    await submitBatch({ memories: [text('warm-up')] }); // tables exist before counting
    const before = big.tables.requestCount;
    const started = performance.now();
    const res = await submitBatch({ memories: Array.from({ length: 1000 }, (_, i) => text(`memory number ${i} `.repeat(20))) });
    const ms = performance.now() - started;
    const roundTrips = big.tables.requestCount - before;
    console.log(`1,000-memory batch into Azurite: ${ms.toFixed(0)} ms, ${roundTrips} storage round trips`);
    expect(res.status).toBe(200);
    expect(res.body.successful_memories).toBe(1000);
    expect(roundTrips).toBeLessThanOrEqual(12); // 10 transactions of 100 + the batch record
    expect(await big.memories.listBatch('tenant-a', res.body.batch_id)).toHaveLength(1000);
    app = useApp({ MEMORY_MAX_CONTENT_CHARS: '100', BATCH_MAX_MEMORIES: '50', BATCH_MAX_BODY_BYTES: '20000' });
  });
});

describe('GET status and memory', () => {
  beforeAll(() => useApp());

  it('returns the stored record with per-item outcome on both routes', async () => {
    const res = await submitBatch({ memories: [text('a'), { content: 'b', type: 'nope' }] });
    const status = await getStatus(res.body.batch_id);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      batch_id: res.body.batch_id,
      status: 'partial',
      total_memories: 2,
      successful_memories: 1,
      failed_memories: 1,
      memory_ids: res.body.memory_ids,
      progress: { total: 2, processed: 2, successful: 1, failed: 1, percent: 100 },
    });
    expect(status.body.items).toEqual([
      { index: 0, status: 'stored', memory_id: res.body.memory_ids[0] },
      { index: 1, status: 'failed', error: 'Invalid memory type' },
    ]);
    const alias = await call('getBatch', { params: { batch_id: res.body.batch_id }, headers: { 'x-api-key': KEY_A } });
    expect(alias.body).toEqual(status.body);
  });

  it('answers 404 JSON for unknown and malformed batch ids', async () => {
    for (const id of ['0192f000-0000-7000-8000-000000000000', 'nope']) {
      const res = await getStatus(id);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('batch_not_found');
    }
  });

  it('hides a batch from another user_id and from another tenant', async () => {
    const res = await submitBatch({ memories: [text('private')], user_id: 'alice' });
    expect((await getStatus(res.body.batch_id, KEY_A, { user_id: 'alice' })).status).toBe(200);
    expect((await getStatus(res.body.batch_id, KEY_A, { user_id: 'mallory' })).status).toBe(404);
    expect((await getStatus(res.body.batch_id, KEY_B)).status).toBe(404);
    expect((await getMemory(res.body.memory_ids[0], KEY_B)).status).toBe(404);
    expect((await getMemory(res.body.memory_ids[0], KEY_A)).body.content).toBe('private');
  });

  it('answers 404 JSON for an unknown memory', async () => {
    const res = await getMemory('mem_01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('memory_not_found');
  });

  it('answers 401 JSON without a key or with a wrong one, and accepts Bearer', async () => {
    expect((await submitBatch({ memories: [text('a')] }, {}, '')).status).toBe(401);
    const wrong = await submitBatch({ memories: [text('a')] }, {}, 'wrong-key');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthorized');
    const bearer = await call('submitBatch', {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY_B}` },
      body: JSON.stringify({ memories: [text('via bearer')] }),
    });
    expect(bearer.status).toBe(200);
    expect((await getStatus(bearer.body.batch_id, KEY_B)).status).toBe(200);
  });
});
