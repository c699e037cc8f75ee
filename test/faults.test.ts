import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../scripts/localHost';
import { allDefinitions, KEY_A, useApp } from './support/harness';
import { chaos, label, seededRandom } from './support/chaos';
import { Receiver } from './support/receiver';

const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 2 ** 31);
const BATCHES = 200;

/**
 * Direct mode through the running app (the built-in host over HTTP): 200 batches notify a
 * receiver that randomly fails, hangs, resets, answers 204/301, and goes down for a while.
 * Afterwards no batch may be lost or stuck: each is delivered, or failed with its last error.
 */
describe(`fault injection, direct mode (seed ${SEED})`, () => {
  let host: LocalHost;
  let app: ReturnType<typeof useApp>;
  const receiver = new Receiver([], chaos(seededRandom(SEED)));

  beforeAll(async () => {
    app = useApp({ WEBHOOK_TIMEOUT_MS: '500', WEBHOOK_RETRY_DELAY: '0.1', WEBHOOK_MAX_RETRIES: '3' });
    host = await startLocalHost(allDefinitions, 0);
    await receiver.start();
  });
  afterAll(async () => {
    await host.close();
    await receiver.stop().catch(() => undefined);
  });

  it('ends every batch delivered or failed-with-error, one webhook-id per batch', async () => {
    const post = async (i: number) => {
      const res = await fetch(`${host.url}/api/v1/memory/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEY_A },
        body: JSON.stringify({ memories: [{ content: `fault batch ${i}` }], webhook_url: receiver.url, webhook_secret: 'fault-secret' }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { batch_id: string }).batch_id;
    };
    const first = await Promise.all(Array.from({ length: BATCHES / 2 }, (_, i) => post(i)));
    await receiver.outage(300); // down for a while, then back
    const second = await Promise.all(Array.from({ length: BATCHES / 2 }, (_, i) => post(BATCHES / 2 + i)));
    await app.direct.drain();
    const ids = [...first, ...second];

    const outcome = { delivered: 0, failed: 0 };
    const lastErrors: Record<string, number> = {};
    for (const id of ids) {
      const res = await fetch(`${host.url}/api/v1/memory/batch/status/${id}`, { headers: { 'x-api-key': KEY_A } });
      const webhook = ((await res.json()) as { webhook: { state: string; last_error: string | null; attempts: unknown[] } }).webhook;
      expect(['delivered', 'failed']).toContain(webhook.state);
      if (webhook.state === 'failed') {
        expect(webhook.last_error).toBeTruthy();
        expect(webhook.attempts).toHaveLength(4);
        lastErrors[webhook.last_error as string] = (lastErrors[webhook.last_error as string] ?? 0) + 1;
      }
      outcome[webhook.state as 'delivered' | 'failed'] += 1;
      const requests = receiver.requests.filter((r) => JSON.parse(r.body).batch_id === id);
      expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([`msg_${id}`]));
      expect(requests.length).toBeLessThanOrEqual(4);
    }
    const answers: Record<string, number> = {};
    for (const a of receiver.answered) answers[label(a)] = (answers[label(a)] ?? 0) + 1;
    console.log(`fault injection (direct, seed ${SEED}): ${ids.length} batches -> ${outcome.delivered} delivered, ${outcome.failed} failed, 0 pending; receiver answers ${JSON.stringify(answers)}; last errors of failed ${JSON.stringify(lastErrors)}`);
    expect(outcome.delivered + outcome.failed).toBe(BATCHES);
    expect(outcome.delivered).toBeGreaterThan(0);
  }, 120_000);
});
