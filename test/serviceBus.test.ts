import { InvocationContext } from '@azure/functions';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';

const KEY = Buffer.alloc(32, 7).toString('base64');
vi.hoisted(() => {
  // Service Bus mode for this file's function modules, which read settings when they load.
  process.env.AZURE_SERVICE_BUS_CONNECTION_STRING = 'Endpoint=sb://in-memory.test/;SharedAccessKeyName=k;SharedAccessKey=x';
  process.env.AZURE_SERVICE_BUS_QUEUE_NAME = 'batch-notifications-test';
  process.env.WEBHOOK_SECRET_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
});

import { completionQueue, definitions as submitDefinitions } from '../functions/submitBatch';
import { definitions as deliverDefinitions } from '../functions/deliverWebhook';
import { definitions as deadLetterDefinitions } from '../functions/deadLetters';
import { retryDelayMs } from '../shared/webhook/delivery';
import { openSecret } from '../shared/secretBox';
import { parseSettings } from '../shared/settings';
import { call, getStatus, submitBatch, useApp } from './support/harness';
import { InMemoryServiceBus } from './support/inMemoryServiceBus';
import { Receiver } from './support/receiver';

const SECRET = 'sb-secret-Zq9!distinctive';

/** Runs the registered queue-triggered function's real handler, as the host would. */
async function trigger(body: unknown, deliveryCount: number): Promise<void> {
  const d = deliverDefinitions[0];
  if (d.trigger !== 'serviceBusQueue') throw new Error('not a queue trigger');
  await d.options.handler(body, new InvocationContext({ functionName: d.name, triggerMetadata: { deliveryCount, messageId: 'm' } }));
}

describe('Service Bus mode (in-memory Service Bus fake at the SDK boundary)', () => {
  let bus: InMemoryServiceBus;
  let app: ReturnType<typeof useApp>;
  let receiver: Receiver;

  beforeAll(() => {
    bus = new InMemoryServiceBus(10);
    app = useApp({ WEBHOOK_RETRY_DELAY: '0.01', WEBHOOK_TIMEOUT_MS: '500' }, { serviceBusPort: bus });
  });
  afterEach(async () => {
    await receiver?.stop();
  });

  async function submitWithWebhook(script: ConstructorParameters<typeof Receiver>[0], fallback: ConstructorParameters<typeof Receiver>[1] = 200) {
    receiver = await new Receiver(script, fallback).start();
    const res = await submitBatch({ memories: [{ content: 'queued' }], webhook_url: receiver.url, webhook_secret: SECRET });
    const event = res.context.extraOutputs.get(completionQueue!);
    bus.sendFromOutputBinding(event);
    return { res, event: event as any };
  }

  it('binds the output and the trigger to the queue and connection setting from settings', () => {
    expect(completionQueue).toMatchObject({ type: 'serviceBus', queueName: 'batch-notifications-test', connection: 'AZURE_SERVICE_BUS_CONNECTION_STRING' });
    expect(submitDefinitions[0].options.extraOutputs).toEqual([completionQueue]);
    expect(deliverDefinitions).toHaveLength(1);
    expect(deliverDefinitions[0]).toMatchObject({ name: 'deliverWebhook', trigger: 'serviceBusQueue', options: { queueName: 'batch-notifications-test', connection: 'AZURE_SERVICE_BUS_CONNECTION_STRING', cardinality: 'one' } });
    expect(deadLetterDefinitions.map((d) => [d.name, d.options.route, (d.options as { authLevel?: string }).authLevel])).toEqual([
      ['listDeadLetters', 'v1/admin/webhooks/dead-letters', 'admin'],
      ['replayDeadLetters', 'v1/admin/webhooks/dead-letters/replay', 'admin'],
    ]);
  });

  it('turns on with the identity-based namespace setting too, and demands the encryption key', () => {
    const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', WEBHOOK_SECRET_ENCRYPTION_KEY: KEY };
    expect(parseSettings({ ...base, AZURE_SERVICE_BUS_CONNECTION_STRING__fullyQualifiedNamespace: 'ns.servicebus.windows.net' }).serviceBus).toMatchObject({
      fullyQualifiedNamespace: 'ns.servicebus.windows.net',
      queueName: 'batch-notifications',
    });
    expect(parseSettings({ AzureWebJobsStorage: 'x' }).serviceBus).toBeUndefined();
    expect(() => parseSettings({ AzureWebJobsStorage: 'x', AZURE_SERVICE_BUS_CONNECTION_STRING: 'Endpoint=sb://x/' })).toThrow(/WEBHOOK_SECRET_ENCRYPTION_KEY/);
  });

  it('the HTTP function emits exactly one completion event through the binding and does not call the receiver', async () => {
    const { res, event } = await submitWithWebhook([]);
    expect(Array.isArray(event)).toBe(false);
    expect(event).toMatchObject({ version: 1, type: 'batch.completed', batch_id: res.body.batch_id, webhook_id: `msg_${res.body.batch_id}`, target_url: receiver.url, attempt: 1, last_error: null });
    expect(JSON.parse(event.body)).toMatchObject({ batch_id: res.body.batch_id, status: 'completed', webhook_version: '1.0' });
    expect(JSON.stringify(event)).not.toContain(SECRET);
    expect(openSecret(event.sealed_secret, Buffer.from(KEY, 'base64'), res.body.batch_id)).toBe(SECRET);
    expect(() => openSecret(event.sealed_secret, Buffer.from(KEY, 'base64'), 'another-batch')).toThrow();
    await app.direct.drain();
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.requests).toHaveLength(0);
    expect(res.body.webhook).toMatchObject({ mode: 'service_bus', state: 'pending', max_attempts: 6 });
    bus.queue.length = 0;
  });

  it('delivers a signed webhook from the queue and completes the message', async () => {
    const { res } = await submitWithWebhook([200]);
    await bus.runTrigger(trigger);
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(new Webhook(SECRET, { format: 'raw' }).verify(request.body, request.headers as Record<string, string>)).toBeTruthy();
    expect(request.headers['user-agent']).toBe('PaprMemory-BatchWebhook/1.0');
    expect(request.headers['x-webhook-secret']).toBe(SECRET);
    expect(bus.queue).toHaveLength(0);
    expect(bus.deadLetterQueue).toHaveLength(0);
    expect((await getStatus(res.body.batch_id)).body.webhook).toMatchObject({ state: 'delivered', attempts: [{ attempt: 1, status_code: 200 }] });
  });

  it('keeps each scheduled retry inside its jitter bounds, then dead-letters with the reason and last error', async () => {
    bus.scheduled.length = 0;
    const { res } = await submitWithWebhook([], 500);
    await bus.runTrigger(trigger);

    // 1 + WEBHOOK_SERVICE_BUS_MAX_RETRIES attempts reach the receiver; redeliveries of the last do not.
    expect(receiver.requests).toHaveLength(6);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([`msg_${res.body.batch_id}`]));
    expect(bus.scheduled.map((s) => s.body.attempt)).toEqual([2, 3, 4, 5, 6]);
    bus.scheduled.forEach((s, i) => {
      const full = 0.01 * 2 ** i * 1000;
      const delay = s.at - s.requestedAt;
      expect(delay).toBeGreaterThanOrEqual(Math.floor(full / 2));
      expect(delay).toBeLessThanOrEqual(Math.ceil(full) + 1);
      expect(s.body.last_error).toBe('HTTP 500');
    });

    expect(bus.deadLetterQueue).toHaveLength(1);
    const [listed] = (await call('listDeadLetters', { method: 'GET' })).body.dead_letters;
    expect(listed).toMatchObject({ batch_id: res.body.batch_id, target_host: new URL(receiver.url).host, reason: 'MaxDeliveryCountExceeded', attempts: 6, last_error: 'HTTP 500' });
    expect(JSON.stringify(listed)).not.toContain(SECRET);
    const status = (await getStatus(res.body.batch_id)).body.webhook;
    expect(status.state).toBe('failed');
    expect(status.attempts.map((a: any) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const wire of bus.wire) expect(wire).not.toContain(SECRET);
  });

  it('jitter bounds for attempts 1..5 at the production defaults (1 s base)', () => {
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const full = 1000 * 2 ** (attempt - 1);
      expect(retryDelayMs(attempt, 1, 300, 0)).toBe(full / 2);
      expect(retryDelayMs(attempt, 1, 300, 0.999999)).toBeCloseTo(full, -1);
      expect(retryDelayMs(attempt, 1, 300, null)).toBe(full);
    }
    expect(retryDelayMs(20, 1, 300, null)).toBe(300_000);
  });

  it('replay moves a dead-lettered event back with the counter reset; a failing re-send leaves it dead-lettered', async () => {
    const [dead] = await bus.peekDeadLetters(1);
    const batchId = (dead.body as any).batch_id;
    receiver = await new Receiver([], 200).start();
    // Point the dead letter at the recovered receiver (the old one is gone with its port).
    bus.deadLetterQueue[0].body = JSON.stringify({ ...(dead.body as object), target_url: receiver.url });

    bus.failSends = true;
    const refused = await call('replayDeadLetters', { method: 'POST', query: { batch_id: batchId } });
    expect(refused.body).toEqual({ replayed: [], failed: [{ batch_id: batchId, error: 'in-memory Service Bus: send refused' }] });
    expect(bus.deadLetterQueue).toHaveLength(1);

    bus.failSends = false;
    const replayed = await call('replayDeadLetters', { method: 'POST', body: JSON.stringify({ batch_id: batchId }) });
    expect(replayed.body).toEqual({ replayed: [batchId], failed: [] });
    expect(bus.deadLetterQueue).toHaveLength(0);
    expect(JSON.parse(bus.queue[0].body)).toMatchObject({ batch_id: batchId, attempt: 1, last_error: null });

    await bus.runTrigger(trigger);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0].headers['webhook-id']).toBe(`msg_${batchId}`);
    const webhook = (await getStatus(batchId)).body.webhook;
    expect(webhook.state).toBe('delivered');
    expect(webhook.attempts.map((a: any) => [a.attempt, a.status_code])).toEqual([[1, 200]]);
    expect(webhook.previous_attempts.map((a: any) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
