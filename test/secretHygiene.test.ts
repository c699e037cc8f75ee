import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.AZURE_SERVICE_BUS_CONNECTION_STRING = 'Endpoint=sb://in-memory.test/;SharedAccessKeyName=k;SharedAccessKey=x';
  process.env.WEBHOOK_SECRET_ENCRYPTION_KEY = Buffer.alloc(32, 9).toString('base64');
});

import { completionQueue } from '../functions/submitBatch';
import { definitions as deliverDefinitions } from '../functions/deliverWebhook';
import type { Telemetry } from '../shared/telemetry';
import { call, getMemory, getStatus, submitBatch, useApp } from './support/harness';
import { InMemoryServiceBus } from './support/inMemoryServiceBus';
import { Receiver } from './support/receiver';

const SECRET = 'S3cr3t-Canary-7f1e9c-do-not-leak';

/**
 * A full Service Bus scenario (delivery, retries, dead-lettering, replay, status reads) with a
 * distinctive secret, scanning everything the service emits or keeps. The secret may appear only
 * in the X-Webhook-Secret header the guide requires; in the queue it exists only sealed.
 */
describe('secret hygiene', () => {
  const bus = new InMemoryServiceBus(3);
  const seen: { where: string; text: string }[] = [];
  const record = (where: string, value: unknown) => seen.push({ where, text: typeof value === 'string' ? value : JSON.stringify(value) });
  const telemetry: Telemetry = { event: (name, p) => record(`telemetry ${name}`, p), metric: (name, v, p) => record(`metric ${name}`, { v, p }) };
  const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => record(`console.${level}`, args.map(String).join(' '))),
  );
  let app: ReturnType<typeof useApp>;
  let receiver: Receiver;

  beforeAll(async () => {
    app = useApp({ LOG_LEVEL: 'DEBUG', WEBHOOK_RETRY_DELAY: '0.01', WEBHOOK_SERVICE_BUS_MAX_RETRIES: '2', WEBHOOK_TIMEOUT_MS: '300' }, { serviceBusPort: bus, telemetry });
    receiver = await new Receiver([200, 500, 'hang', 'reset'], 200).start();
  });
  afterAll(async () => {
    consoleSpies.forEach((s) => s.mockRestore());
    await receiver.stop();
  });

  it('appears only in the X-Webhook-Secret header', async () => {
    const trigger = (body: unknown, deliveryCount: number) =>
      (deliverDefinitions[0].options.handler as (m: unknown, c: InvocationContext) => Promise<void>)(body, new InvocationContext({ functionName: 'deliverWebhook', triggerMetadata: { deliveryCount } }));
    const submit = async (content: string) => {
      const res = await submitBatch({ memories: [{ content }, { content: 'bad', type: 'nope' }], webhook_url: receiver.url, webhook_secret: SECRET }, { 'idempotency-key': content });
      record('POST response', res.body);
      record('POST headers', res.headers);
      bus.sendFromOutputBinding(res.context.extraOutputs.get(completionQueue!));
      return res.body.batch_id as string;
    };
    const ok = await submit('delivered at once');
    await bus.runTrigger(trigger);
    const doomed = await submit('dead-lettered');
    await bus.runTrigger(trigger);
    expect(bus.deadLetterQueue).toHaveLength(1);
    record('dead-letter list', (await call('listDeadLetters', { method: 'GET' })).body);
    record('replay', (await call('replayDeadLetters', { method: 'POST' })).body);
    await bus.runTrigger(trigger);
    record('retry POST', (await submitBatch({ memories: [{ content: 'delivered at once' }, { content: 'bad', type: 'nope' }], webhook_url: receiver.url, webhook_secret: SECRET }, { 'idempotency-key': 'delivered at once' })).body);
    for (const id of [ok, doomed]) {
      const status = (await getStatus(id)).body;
      record('status', status);
      record('memory', (await getMemory(status.memory_ids[0])).body);
    }
    for (const table of ['memories', 'batches', 'idempotencykeys', 'apikeys']) {
      for await (const entity of (await app.tables.table(table)).listEntities()) record(`table ${table}`, entity);
    }
    bus.wire.forEach((m) => record('queue message', m));
    (await bus.peekDeadLetters(10)).forEach((m) => record('dead letter', m));
    app.logs.forEach((l) => record('log', l));

    expect(seen.filter((s) => s.where === 'log').length).toBeGreaterThan(5);
    expect(seen.some((s) => s.where.startsWith('telemetry'))).toBe(true);
    expect(seen.filter((s) => s.where === 'queue message').length).toBeGreaterThanOrEqual(4);
    const leaks = seen.filter((s) => s.text.includes(SECRET)).map((s) => s.where);
    expect(leaks).toEqual([]);

    // Where it must be: the header, on every request that reached the receiver.
    expect(receiver.requests.length).toBeGreaterThanOrEqual(4);
    for (const r of receiver.requests) {
      const { 'x-webhook-secret': header, ...rest } = r.headers;
      expect(header).toBe(SECRET);
      expect(JSON.stringify(rest) + r.body).not.toContain(SECRET);
    }
  });
});
