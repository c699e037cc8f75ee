import Papr, { AuthenticationError, BadRequestError, NotFoundError } from '@papr/memory';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../scripts/localHost';
import { allDefinitions, KEY_A, KEY_B, useApp } from './support/harness';
import { Receiver } from './support/receiver';

/** The official @papr/memory client, unchanged, against the app served by the built-in local host. */
describe('@papr/memory SDK against the running app', () => {
  let host: LocalHost;
  let app: ReturnType<typeof useApp>;
  let clientA: Papr;
  let clientB: Papr;
  const receiver = new Receiver();

  beforeAll(async () => {
    app = useApp({ MEMORY_MAX_CONTENT_CHARS: '200' });
    host = await startLocalHost(allDefinitions, 0);
    await receiver.start();
    clientA = new Papr({ xAPIKey: KEY_A, baseURL: `${host.url}/api`, maxRetries: 0 });
    clientB = new Papr({ xAPIKey: KEY_B, baseURL: `${host.url}/api`, maxRetries: 0 });
  });
  afterAll(async () => {
    await app.direct.drain();
    await host.close();
    await receiver.stop();
  });

  it('addBatch with valid items returns a success BatchMemoryResponse', async () => {
    const res = await clientA.memory.addBatch({
      memories: [
        { content: 'Meeting notes from the product planning session', type: 'text', metadata: { topics: ['product', 'planning'], customMetadata: { priority: 1 } } },
        { content: 'def f(): pass', type: 'code_snippet', external_user_id: 'ext-1', context: [{ role: 'user', content: 'hi' }] },
        { content: 'Default type' },
      ],
      batch_size: 10,
      external_user_id: 'ext-batch',
      namespace_id: 'ns-1',
      organization_id: 'ignored-org',
      graph_generation: { mode: 'auto' },
      memory_policy: { mode: 'auto' } as never,
    });
    expect(res.status).toBe('success');
    expect(res.code).toBe(200);
    expect(res.total_processed).toBe(3);
    expect(res.total_successful).toBe(3);
    expect(res.total_failed).toBe(0);
    expect(res.errors).toEqual([]);
    expect(res.successful).toHaveLength(3);
    const ids = res.successful!.map((s) => s.data![0].memoryId);
    expect(ids).toEqual((res as { memory_ids?: string[] }).memory_ids);
    for (const s of res.successful!) expect(s).toMatchObject({ code: 200, status: 'success', data: [{ memoryId: expect.stringMatching(/^mem_/), createdAt: expect.any(String) }] });
    expect(res.total_content_size).toBeGreaterThan(0);
    expect(res.total_storage_size).toBeGreaterThan(0);

    const stored = await app.memories.get('tenant-a', ids[1]);
    expect(stored).toMatchObject({ type: 'code_snippet', external_user_id: 'ext-1', namespace_id: 'ns-1', context: [{ role: 'user', content: 'hi' }] });
    expect((await app.memories.get('tenant-a', ids[2]))?.type).toBe('text');
    expect((await app.memories.get('tenant-a', ids[0]))?.metadata).toEqual({ topics: ['product', 'planning'], customMetadata: { priority: 1 } });
  });

  it('addBatch with mixed items returns partial (207) with per-item errors', async () => {
    const res = await clientA.memory.addBatch({ memories: [{ content: 'fine' }, { content: 'x'.repeat(201) }, { content: 'bad', type: 'audio' as never }] });
    expect(res.status).toBe('partial');
    expect(res.code).toBe(207);
    expect(res.total_successful).toBe(1);
    expect(res.total_failed).toBe(2);
    expect(res.errors).toEqual([
      { index: 1, error: 'Content size exceeds limit', code: 422, status: 'error' },
      { index: 2, error: 'Invalid memory type', code: 422, status: 'error' },
    ]);
  });

  it('addBatch with only invalid items raises the SDK BadRequestError carrying "All batch items failed"', async () => {
    const error = await clientA.memory.addBatch({ memories: [{ content: '' }, { content: 'y', type: 'nope' as never }] }).catch((e) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({ status: 'error', error: 'All batch items failed', total_failed: 2, errors: [{ index: -1, error: 'All batch items failed' }, { index: 0 }, { index: 1 }] });
  });

  it('retrieveBatchStatus returns progress and per-item outcome; other tenants get NotFoundError', async () => {
    const added = await clientA.memory.addBatch({ memories: [{ content: 'one' }, { content: 'two', type: 'wrong' as never }] });
    const status = await clientA.memory.retrieveBatchStatus(added.batch_id!);
    expect(status).toMatchObject({ batch_id: added.batch_id, status: 'partial', progress: { total: 2, successful: 1, failed: 1 } });
    expect((status as { items: unknown[] }).items).toHaveLength(2);
    await expect(clientB.memory.retrieveBatchStatus(added.batch_id!)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('raises AuthenticationError for a wrong key and NotFoundError for an unknown batch', async () => {
    const wrong = new Papr({ xAPIKey: 'not-a-key', baseURL: `${host.url}/api`, maxRetries: 0 });
    await expect(wrong.memory.addBatch({ memories: [{ content: 'a' }] })).rejects.toBeInstanceOf(AuthenticationError);
    await expect(clientA.memory.retrieveBatchStatus('01900000-0000-7000-8000-000000000000')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('tenant isolation: key B reads neither key A batches nor memories', async () => {
    const added = await clientA.memory.addBatch({ memories: [{ content: 'tenant A secret note' }] });
    const memoryId = added.successful![0].data![0].memoryId;
    const asB = await fetch(`${host.url}/api/v1/memory/${memoryId}`, { headers: { 'x-api-key': KEY_B } });
    expect(asB.status).toBe(404);
    const asA = await fetch(`${host.url}/api/v1/memory/${memoryId}`, { headers: { 'x-api-key': KEY_A } });
    expect((await asA.json()).content).toBe('tenant A secret note');
    const legacyAsB = await fetch(`${host.url}/api/v1/memory/batch/${added.batch_id}`, { headers: { 'x-api-key': KEY_B } });
    expect(legacyAsB.status).toBe(404);
  });

  it('a batch with webhook_url still produces the signed webhook, user_id falling back to external_user_id', async () => {
    const secret = 'papr-sdk-secret';
    const added = await clientA.memory.addBatch({ memories: [{ content: 'notify me' }], webhook_url: receiver.url, webhook_secret: secret, external_user_id: 'ext-42' });
    const [delivery] = await receiver.waitFor(1);
    const payload = JSON.parse(delivery.body);
    expect(payload).toMatchObject({ batch_id: added.batch_id, user_id: 'ext-42', status: 'completed', webhook_version: '1.0' });
    expect(delivery.headers['x-webhook-signature']).toBe(`sha256=${createHmac('sha256', secret).update(delivery.body).digest('hex')}`);
  });

  it('user_id in the webhook is the tenant id when neither user_id nor external_user_id is given', async () => {
    receiver.requests.length = 0;
    await clientA.memory.addBatch({ memories: [{ content: 'whose?' }], webhook_url: receiver.url });
    const [delivery] = await receiver.waitFor(1);
    expect(JSON.parse(delivery.body).user_id).toBe('tenant-a');
  });
});
