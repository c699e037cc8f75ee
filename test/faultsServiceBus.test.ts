import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.AZURE_SERVICE_BUS_CONNECTION_STRING = 'Endpoint=sb://in-memory.test/;SharedAccessKeyName=k;SharedAccessKey=x';
  process.env.WEBHOOK_SECRET_ENCRYPTION_KEY = Buffer.alloc(32, 3).toString('base64');
});

import { completionQueue } from '../functions/submitBatch';
import { definitions as deliverDefinitions } from '../functions/deliverWebhook';
import { call, getStatus, submitBatch, useApp } from './support/harness';
import { chaos, label, seededRandom } from './support/chaos';
import { InMemoryServiceBus } from './support/inMemoryServiceBus';
import { Receiver } from './support/receiver';

const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 2 ** 31);
const BATCHES = 200;

/**
 * Service Bus mode through the in-memory Service Bus fake (the one boundary that cannot run here):
 * 200 batches, a randomly failing receiver that also goes down for a while. Afterwards each batch
 * is delivered or dead-lettered with its last error; nothing is left in the queue.
 */
describe(`fault injection, Service Bus mode via the in-memory fake (seed ${SEED})`, () => {
  const bus = new InMemoryServiceBus(10);
  const receiver = new Receiver([], chaos(seededRandom(SEED)));

  beforeAll(async () => {
    useApp({ WEBHOOK_TIMEOUT_MS: '500', WEBHOOK_RETRY_DELAY: '0.05', WEBHOOK_MAX_RETRY_DELAY: '1' }, { serviceBusPort: bus });
    await receiver.start();
  });
  afterAll(() => receiver.stop().catch(() => undefined));

  it('ends every batch delivered or dead-lettered with its last error, one webhook-id per batch', async () => {
    const ids: string[] = [];
    for (let i = 0; i < BATCHES; i += 1) {
      const res = await submitBatch({ memories: [{ content: `sb fault ${i}` }], webhook_url: receiver.url, webhook_secret: 'sb-fault-secret' });
      bus.sendFromOutputBinding(res.context.extraOutputs.get(completionQueue!));
      ids.push(res.body.batch_id);
    }
    const handler = deliverDefinitions[0].options.handler as (m: unknown, c: InvocationContext) => Promise<void>;
    const run = bus.runTrigger((body, deliveryCount) => handler(body, new InvocationContext({ functionName: 'deliverWebhook', triggerMetadata: { deliveryCount } })), 60_000);
    await new Promise((r) => setTimeout(r, 200));
    await receiver.outage(500);
    await run;

    expect(bus.queue).toHaveLength(0);
    const dead = (await call('listDeadLetters', { method: 'GET', query: { max: '500' } })).body.dead_letters as { batch_id: string; reason: string; last_error: string }[];
    const deadIds = new Set(dead.map((d) => d.batch_id));
    const outcome = { delivered: 0, dead_lettered: 0 };
    for (const id of ids) {
      const webhook = (await getStatus(id)).body.webhook;
      if (deadIds.has(id)) {
        expect(webhook.state).toBe('failed');
        expect(webhook.attempts).toHaveLength(6);
        expect(dead.find((d) => d.batch_id === id)).toMatchObject({ reason: 'MaxDeliveryCountExceeded', last_error: expect.any(String) });
        outcome.dead_lettered += 1;
      } else {
        expect(webhook.state).toBe('delivered');
        outcome.delivered += 1;
      }
      const requests = receiver.requests.filter((r) => JSON.parse(r.body).batch_id === id);
      expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([`msg_${id}`]));
    }
    const answers: Record<string, number> = {};
    for (const a of receiver.answered) answers[label(a)] = (answers[label(a)] ?? 0) + 1;
    console.log(`fault injection (Service Bus fake, seed ${SEED}): ${BATCHES} batches -> ${outcome.delivered} delivered, ${outcome.dead_lettered} dead-lettered, ${bus.queue.length} left in queue; ${bus.scheduled.length} retries scheduled; receiver answers ${JSON.stringify(answers)}`);
    expect(outcome.delivered + outcome.dead_lettered).toBe(BATCHES);
  }, 120_000);
});
