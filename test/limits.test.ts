import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../scripts/localHost';
import { allDefinitions, call, KEY_A, submitBatch, useApp } from './support/harness';

/** Limits are enforced before the expensive work: nothing is stored, nothing oversized is buffered. */
describe('limits', () => {
  let app: ReturnType<typeof useApp>;
  let host: LocalHost;
  const LIMIT = 64 * 1024;

  beforeAll(async () => {
    app = useApp({ BATCH_MAX_BODY_BYTES: String(LIMIT), BATCH_MAX_MEMORIES: '10', MEMORY_MAX_CONTENT_CHARS: '100', MEMORY_MAX_METADATA_CHARS: '200', MEMORY_MAX_METADATA_DEPTH: '3' });
    host = await startLocalHost(allDefinitions, 0);
    await submitBatch({ memories: [{ content: 'warm-up' }] }); // tables exist
  });
  afterAll(() => host.close());

  it('refuses a declared Content-Length over the limit with 413 before reading or storing anything', async () => {
    const before = app.tables.requestCount;
    const res = await call('submitBatch', { headers: { 'content-type': 'application/json', 'x-api-key': KEY_A, 'content-length': String(LIMIT + 1) }, body: '{"memories":[{"content":"a"}]}' });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'payload_too_large', details: { limit: LIMIT } });
    expect(app.tables.requestCount).toBe(before);
  });

  it('cuts off an endless streamed body part-way with 413 (never buffered whole)', async () => {
    const { port } = new URL(host.url);
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const result = await new Promise<{ status: number; sent: number; body: string }>((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/memory/batch', headers: { 'content-type': 'application/json', 'x-api-key': KEY_A } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => (resolve({ status: res.statusCode ?? 0, sent, body }), req.destroy()));
        answered = true;
      });
      req.on('error', (e) => (sent > LIMIT ? undefined : reject(e)));
      const pump = () => {
        while (sent < 1600 * LIMIT && !answered && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return req.once('drain', pump);
        }
      };
      req.write('{"memories":[{"content":"');
      pump();
    });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body).error.code).toBe('payload_too_large');
    // The client meant to send 100 MiB; it was answered after what the socket buffers took.
    expect(result.sent).toBeLessThan(320 * LIMIT);
  });

  it('refuses too many memories with 413 before validating or storing any', async () => {
    const before = app.tables.requestCount;
    const res = await submitBatch({ memories: Array.from({ length: 11 }, () => ({ content: 'x' })) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('too_many_memories');
    expect(app.tables.requestCount).toBe(before);
  });

  it('reports oversized content and oversized or too-deep metadata per item, storing the rest', async () => {
    const res = await submitBatch({
      memories: [
        { content: 'x'.repeat(101) },
        { content: 'ok', metadata: { big: 'y'.repeat(300) } },
        { content: 'ok', metadata: { a: { b: { c: { d: 1 } } } } },
        { content: 'fine', metadata: { a: { b: 1 } } },
      ],
    });
    expect(res.body.errors.map((e: any) => e.error)).toEqual(['Content size exceeds limit', 'Metadata size exceeds limit', 'Metadata depth exceeds limit']);
    expect(res.body.successful_memories).toBe(1);
  });

  it('refuses a hostile deeply nested body as invalid JSON or per item, never with a 5xx', async () => {
    const nested = `{"memories":[{"content":"a","metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}]}`;
    const res = await submitBatch(nested);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[1]?.error ?? res.body.error.code).toMatch(/Metadata depth exceeds limit|invalid_json/);
  });
});
