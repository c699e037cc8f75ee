import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { freePort } from '../scripts/azurite';
import { createWebhookReceiver, type BatchCompleted } from '../examples/webhook-receiver';
import { startProcess, type Started } from './support/processes';
import { Receiver } from './support/receiver';

const ROOT = join(__dirname, '..');
const KEY = 'e2e-key';
const SECRET = 'e2e-secret';

/** The app started exactly as the README says (`npm start`), driven over HTTP like a client would. */
describe('end to end: npm start, HTTP clients, real receivers', () => {
  let app: Started;
  let base: string;
  let python: Started;
  let pythonUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    app = startProcess('npm', ['start'], {
      PORT: String(port),
      START_WITH: 'builtin',
      AzureWebJobsStorage: inject('storageConnection'),
      API_KEYS: `e2e-tenant:${createHash('sha256').update(KEY).digest('hex')}`,
      WEBHOOK_RETRY_DELAY: '0.1',
      WEBHOOK_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'INFO',
    }, ROOT);
    base = (await app.waitFor(/Ready on (http:\/\/\S+)/, 90_000))[1];
    python = startProcess('python3', [join(ROOT, 'examples/webhook_example.py'), '--port', '0', '--secret', SECRET], {}, ROOT);
    pythonUrl = `${(await python.waitFor(/listening on (http:\/\/\S+)\/webhook/))[1]}/webhook`;
  }, 120_000);

  afterAll(async () => {
    await python?.stop();
    await app?.stop();
    expect(app.output()).toContain('Shutting down...');
  });

  const post = async (body: unknown) => {
    const res = await fetch(`${base}/api/v1/memory/batch`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEY }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const status = async (id: string) => (await (await fetch(`${base}/api/v1/memory/batch/status/${id}`, { headers: { 'x-api-key': KEY } })).json()) as any;

  it('prints its mode and routes', () => {
    expect(app.output()).toMatch(/Mode: built-in local host/);
    expect(app.output()).toContain(`${base}/api/v1/memory/batch`);
  });

  it('a completed batch reaches the Python example receiver, which verifies it', async () => {
    const res = await post({ memories: [{ content: 'Meeting notes from the product planning session', type: 'text', metadata: { topics: 'product, planning' } }], webhook_url: pythonUrl, webhook_secret: SECRET });
    expect(res.status).toBe(200);
    await python.waitFor(new RegExp(`verified batch ${res.body.batch_id} status=completed stored=1/1`), 10_000);
  });

  it('partial and failed batches reach the TypeScript example receiver, verified and de-duplicated', async () => {
    const events: BatchCompleted[] = [];
    const server = createWebhookReceiver(SECRET, (e) => events.push(e));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/webhook`;

    const partial = await post({ memories: [{ content: 'ok' }, { content: 'bad', type: 'video' }], webhook_url: url, webhook_secret: SECRET });
    expect(partial.status).toBe(207);
    const failed = await post({ memories: [{ content: '' }], webhook_url: url, webhook_secret: SECRET });
    expect(failed.status).toBe(400);
    const deadline = Date.now() + 10_000;
    while (events.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    server.close();
    expect(events.map((e) => [e.batch_id, e.status]).sort()).toEqual(
      [[partial.body.batch_id, 'partial'], [failed.body.batch_id, 'failed']].sort(),
    );
    expect(events.find((e) => e.status === 'failed')!.errors[0]).toEqual({ index: -1, error: 'All batch items failed' });
  });

  it('a receiver that fails and then recovers gets the webhook; the status endpoint shows every attempt', async () => {
    const flaky = await new Receiver([500, 503], 200).start();
    const res = await post({ memories: [{ content: 'eventually' }], webhook_url: flaky.url, webhook_secret: SECRET });
    await flaky.waitFor(3, 15_000);
    let webhook;
    for (let i = 0; i < 50 && webhook?.state !== 'delivered'; i += 1) {
      webhook = (await status(res.body.batch_id)).webhook;
      await new Promise((r) => setTimeout(r, 100));
    }
    await flaky.stop();
    expect(webhook.state).toBe('delivered');
    expect(webhook.attempts.map((a: any) => a.status_code)).toEqual([500, 503, 200]);
    expect(new Set(flaky.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(app.output()).toContain(`Webhook sent successfully for batch ${res.body.batch_id}`);
    expect(app.output()).toContain(`Failed to send webhook for batch ${res.body.batch_id}`);
    expect(app.output()).not.toContain(SECRET);
  });
});
