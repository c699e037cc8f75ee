import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebhookSender } from '../shared/webhook/sender';
import { getStatus, submitBatch, useApp } from './support/harness';
import { Receiver } from './support/receiver';

const SECRET = 'your-secret-key';

/** Runs the guide's verify_webhook_signature (kept verbatim in examples/webhook_example.py) with python3. */
function seedVerifies(body: string, signature: string, secret: string): boolean {
  const file = join(mkdtempSync(join(tmpdir(), 'wh-')), 'body.json');
  writeFileSync(file, body, 'utf8');
  const script = [
    'import sys',
    `sys.path.insert(0, ${JSON.stringify(join(__dirname, '..', 'examples'))})`,
    'from webhook_example import verify_webhook_signature',
    'print(verify_webhook_signature(open(sys.argv[1], encoding="utf-8").read(), sys.argv[2], sys.argv[3]))',
  ].join('\n');
  return execFileSync('python3', ['-c', script, file, signature, secret], { encoding: 'utf8' }).trim() === 'True';
}

describe('signed completion webhooks, direct delivery to a real receiver', () => {
  let app: ReturnType<typeof useApp>;
  let receiver: Receiver;

  beforeAll(() => {
    app = useApp({ WEBHOOK_TIMEOUT_MS: '300', WEBHOOK_RETRY_DELAY: '0.05', LOG_LEVEL: 'DEBUG', MEMORY_MAX_CONTENT_CHARS: '50' });
  });
  afterEach(async () => {
    await app.direct.drain();
    await receiver?.stop();
  });

  async function deliver(memories: unknown[], script: ConstructorParameters<typeof Receiver>[0] = [], extra: object = {}) {
    receiver = await new Receiver(script).start();
    const res = await submitBatch({ memories, webhook_url: receiver.url, webhook_secret: SECRET, user_id: 'user_123', ...extra });
    await app.direct.drain();
    return { res, status: await getStatus(res.body.batch_id) };
  }

  it('sends the seed payload and headers; the seed verifier and standardwebhooks both accept', async () => {
    const { res } = await deliver([{ content: 'Meeting notes', type: 'text', metadata: { topics: 'product, planning' } }]);
    const [request] = receiver.requests;
    expect(receiver.requests).toHaveLength(1);
    const payload = JSON.parse(request.body);
    expect(Object.keys(payload)).toEqual([
      'batch_id', 'user_id', 'status', 'total_memories', 'successful_memories', 'failed_memories', 'errors', 'completed_at', 'processing_time_ms', 'memory_ids', 'webhook_version',
    ]);
    expect(payload).toMatchObject({ batch_id: res.body.batch_id, user_id: 'user_123', status: 'completed', total_memories: 1, successful_memories: 1, failed_memories: 0, errors: [], memory_ids: res.body.memory_ids, webhook_version: '1.0' });
    expect(payload.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const h = request.headers;
    expect(h['content-type']).toBe('application/json');
    expect(h['user-agent']).toBe('PaprMemory-BatchWebhook/1.0');
    expect(h['x-webhook-event']).toBe('batch.completed');
    expect(h['x-webhook-secret']).toBe(SECRET);
    expect(Number(h['x-webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(h['x-webhook-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(seedVerifies(request.body, h['x-webhook-signature'] as string, SECRET)).toBe(true);
    expect(seedVerifies(request.body, h['x-webhook-signature'] as string, 'wrong-secret')).toBe(false);

    expect(h['webhook-id']).toBe(`msg_${res.body.batch_id}`);
    expect(h['webhook-timestamp']).toBe(h['x-webhook-timestamp']);
    expect(h['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const verified = new Webhook(SECRET, { format: 'raw' }).verify(request.body, h as Record<string, string>);
    expect(verified).toEqual(payload);
    expect(() => new Webhook('other', { format: 'raw' }).verify(request.body, h as Record<string, string>)).toThrow();
  });

  it('decodes a whsec_ secret as Standard Webhooks prescribes', async () => {
    const whsec = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    await deliver([{ content: 'a' }], [], { webhook_secret: whsec });
    const [request] = receiver.requests;
    expect(new Webhook(whsec).verify(request.body, request.headers as Record<string, string>)).toBeTruthy();
    expect(seedVerifies(request.body, request.headers['x-webhook-signature'] as string, whsec)).toBe(true);
  });

  it('sends partial and failed payloads with consistent counts', async () => {
    const { res: partial } = await deliver([{ content: 'ok' }, { content: 'x'.repeat(51) }, { content: 'ok' }, { content: 'y', type: 'video' }]);
    const p = JSON.parse(receiver.requests[0].body);
    expect(p).toMatchObject({ status: 'partial', total_memories: 4, successful_memories: 2, failed_memories: 2, memory_ids: partial.body.memory_ids });
    expect(p.errors).toEqual([{ index: 1, error: 'Content size exceeds limit' }, { index: 3, error: 'Invalid memory type' }]);
    expect(p.memory_ids).toHaveLength(p.successful_memories);
    await receiver.stop();

    await deliver([{ content: '' }, { content: 'z', type: 'nope' }]);
    const f = JSON.parse(receiver.requests[0].body);
    expect(f).toMatchObject({ status: 'failed', total_memories: 2, successful_memories: 0, failed_memories: 2, memory_ids: [] });
    expect(f.errors).toEqual([{ index: -1, error: 'All batch items failed' }, { index: 0, error: 'Missing content' }, { index: 1, error: 'Invalid memory type' }]);
  });

  it('answers the batch before delivery finishes: a hanging receiver does not delay the response', async () => {
    receiver = await new Receiver(['hang', 'hang', 'hang', 'hang']).start();
    const started = Date.now();
    const res = await submitBatch({ memories: [{ content: 'quick' }], webhook_url: receiver.url });
    expect(Date.now() - started).toBeLessThan(300);
    expect(res.body.webhook.state).toBe('pending');
  });

  it('retries after a 500 and a timeout, succeeds on the third attempt, and the status lists all three', async () => {
    const { status } = await deliver([{ content: 'retry me' }], [500, 'hang', 200]);
    expect(receiver.requests).toHaveLength(3);
    const ids = new Set(receiver.requests.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
    const webhook = status.body.webhook;
    expect(webhook.state).toBe('delivered');
    expect(webhook.attempts.map((a: any) => [a.attempt, a.status_code, a.error])).toEqual([
      [1, 500, 'HTTP 500'],
      [2, null, 'timeout after 300 ms'],
      [3, 200, null],
    ]);
    for (const a of webhook.attempts) {
      expect(a.at).toMatch(/Z$/);
      expect(a.duration_ms).toBeGreaterThanOrEqual(0);
    }
    expect(webhook.attempts[1].duration_ms).toBeGreaterThanOrEqual(250);
    // backoff 50 ms then 100 ms between attempts
    expect(receiver.requests[2].at - receiver.requests[1].at).toBeGreaterThanOrEqual(90);
  });

  it.each([
    [204, 'HTTP 204'],
    [301, 'HTTP 301'],
  ])('treats %s as a failure and ends failed after 1 + WEBHOOK_MAX_RETRIES attempts', async (code, error) => {
    const behaviour = code === 301 ? { redirect: 'http://127.0.0.1:9/' } : code;
    receiver = await new Receiver([], behaviour).start();
    const res = await submitBatch({ memories: [{ content: 'x' }], webhook_url: receiver.url, webhook_secret: SECRET });
    await app.direct.drain();
    const final = (await getStatus(res.body.batch_id)).body.webhook;
    expect(receiver.requests).toHaveLength(4);
    expect(final.state).toBe('failed');
    expect(final.attempts).toHaveLength(4);
    expect(final.last_error).toBe(error);
    expect(final.next_attempt_at).toBeNull();
  });

  it('logs the seed lines, adds per-attempt detail at DEBUG, and never logs the secret', async () => {
    app.logs.length = 0;
    const { res } = await deliver([{ content: 'log me' }], [500, 'reset', 200]);
    const id = res.body.batch_id;
    expect(app.logs).toContain(`WARN Failed to send webhook for batch ${id}`);
    expect(app.logs.some((l) => l.startsWith('ERROR Error sending webhook notification: '))).toBe(true);
    expect(app.logs).toContain(`INFO Webhook sent successfully for batch ${id}`);
    expect(app.logs.filter((l) => l.startsWith(`DEBUG Webhook attempt`))).toHaveLength(3);
    expect(app.logs.join('\n')).not.toContain(SECRET);
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    expect(JSON.stringify((await getStatus(id)).body)).not.toContain(SECRET);
    expect(JSON.stringify(await app.batches.get('tenant-a', id))).not.toContain(SECRET);
  });

  it('sends no signature headers when no secret was given', async () => {
    receiver = await new Receiver().start();
    await submitBatch({ memories: [{ content: 'unsigned' }], webhook_url: receiver.url });
    await app.direct.drain();
    const h = receiver.requests[0].headers;
    expect(h['x-webhook-secret']).toBeUndefined();
    expect(h['x-webhook-signature']).toBeUndefined();
    expect(h['webhook-signature']).toBeUndefined();
    expect(h['webhook-id']).toMatch(/^msg_/);
  });
});

describe('SSRF protection (private networks not allowed)', () => {
  const victim = new Receiver();
  let port: number;
  // A resolver standing in for DNS: names the test controls, answered per call.
  const answers = new Map<string, string[]>();
  const resolver = async (host: string) => {
    const next = answers.get(host)?.shift();
    if (!next) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return [{ address: next, family: next.includes(':') ? 6 : 4 }];
  };
  let app: ReturnType<typeof useApp>;

  beforeAll(async () => {
    await victim.start();
    port = Number(new URL(victim.url).port);
    app = useApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', WEBHOOK_ALLOW_HTTP: 'true' }, { resolver });
  });
  afterAll(() => victim.stop());

  const forms = [
    '127.0.0.1',
    'localhost',
    '[::1]',
    '0.0.0.0',
    '10.0.0.1',
    '192.168.1.1',
    '172.16.5.4',
    '169.254.169.254',
    '0x7f000001',
    '2130706433',
    '017700000001',
    '127.1',
    '[::ffff:127.0.0.1]',
    '[::ffff:7f00:1]',
    '[fd00::1]',
    '[fe80::1]',
    '100.64.0.1',
    '224.0.0.1',
    'private.example.test',
  ];

  it.each(forms)('refuses %s at submit time with a 400 and at delivery time, and nothing reaches the receiver', async (host) => {
    answers.set('private.example.test', ['127.0.0.1', '127.0.0.1']);
    const url = `http://${host}:${port}/webhook`;
    const res = await submitBatch({ memories: [{ content: 'x' }], webhook_url: url });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_webhook_url');

    const sender = new WebhookSender({ allowHttp: true, allowPrivateNetworks: false }, 1000, resolver);
    const attempt = await sender.send({ url, body: '{}', webhookId: 'msg_x' });
    await sender.close();
    expect(attempt.ok).toBe(false);
    expect(attempt.error).toMatch(/blocked|ENOTFOUND/);
    expect(victim.requests).toHaveLength(0);
  });

  it('refuses a name that resolves to a public address at submit time and a private one at delivery (DNS rebinding)', async () => {
    answers.set('rebind.example.test', ['93.184.216.34', '127.0.0.1']);
    const url = `http://rebind.example.test:${port}/webhook`;
    const sender = new WebhookSender({ allowHttp: true, allowPrivateNetworks: false }, 1000, resolver);
    await (await import('../shared/webhook/urlPolicy')).checkWebhookUrl(url, { allowHttp: true, allowPrivateNetworks: false }, resolver);
    const attempt = await sender.send({ url, body: '{}', webhookId: 'msg_x' });
    await sender.close();
    expect(attempt.error).toContain('blocked');
    expect(victim.requests).toHaveLength(0);
  });

  it('does not follow a redirect to a private address', async () => {
    const open = useApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_MAX_RETRIES: '0' });
    const redirector = await new Receiver([], { redirect: victim.url, status: 302 }).start();
    const res = await submitBatch({ memories: [{ content: 'x' }], webhook_url: redirector.url });
    await open.direct.drain();
    expect(redirector.requests).toHaveLength(1);
    expect(victim.requests).toHaveLength(0);
    expect((await getStatus(res.body.batch_id)).body.webhook.last_error).toBe('HTTP 302');
    await redirector.stop();
    app = useApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', WEBHOOK_ALLOW_HTTP: 'true' }, { resolver });
  });

  it('requires https unless WEBHOOK_ALLOW_HTTP is set', async () => {
    useApp({ WEBHOOK_ALLOW_HTTP: 'false', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
    const res = await submitBatch({ memories: [{ content: 'x' }], webhook_url: victim.url });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('https');
    app = useApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', WEBHOOK_ALLOW_HTTP: 'true' }, { resolver });
  });
});
