import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueDelivery } from '../shared/serviceBus/queueDelivery';
import { completionEvent } from '../shared/serviceBus/event';
import type { Telemetry, TelemetryEventName } from '../shared/telemetry';
import { submitBatch, useApp } from './support/harness';
import { InMemoryServiceBus } from './support/inMemoryServiceBus';
import { Receiver } from './support/receiver';

const SECRET = 'telemetry-secret-XYZ';

class RecordingTelemetry implements Telemetry {
  readonly events: { name: TelemetryEventName; properties: Record<string, unknown> }[] = [];
  readonly metrics: { name: string; value: number }[] = [];
  event(name: TelemetryEventName, properties: Record<string, unknown>) {
    this.events.push({ name, properties });
  }
  metric(name: string, value: number) {
    this.metrics.push({ name, value });
  }
  named(name: TelemetryEventName) {
    return this.events.filter((e) => e.name === name).map((e) => e.properties);
  }
}

describe('telemetry (through the Telemetry interface the App Insights adapter implements)', () => {
  let receiver: Receiver;
  afterEach(() => receiver?.stop());

  it('tracks BatchProcessed, WebhookRetryScheduled, WebhookDelivered with ids, status, attempt, HTTP status and duration only', async () => {
    const telemetry = new RecordingTelemetry();
    const app = useApp({ WEBHOOK_RETRY_DELAY: '0.01' }, { telemetry });
    receiver = await new Receiver([500], 200).start();
    const res = await submitBatch({ memories: [{ content: 'secret content of a memory' }, { content: 'x', type: 'bad' }], webhook_url: receiver.url, webhook_secret: SECRET });
    await app.direct.drain();
    const id = res.body.batch_id;
    expect(telemetry.named('BatchProcessed')).toEqual([{ batch_id: id, status: 'partial', total_memories: 2, successful_memories: 1, failed_memories: 1, processing_time_ms: expect.any(Number) }]);
    expect(telemetry.named('WebhookRetryScheduled')).toEqual([{ batch_id: id, attempt: 1, status_code: 500, duration_ms: expect.any(Number), error: 'HTTP 500', delay_ms: 10 }]);
    expect(telemetry.named('WebhookDelivered')).toEqual([{ batch_id: id, attempt: 2, status_code: 200, duration_ms: expect.any(Number) }]);
    expect(telemetry.metrics.map((m) => m.name).sort()).toEqual(['BatchProcessingTimeMs', 'WebhookDeliveryLatencyMs']);
    const everything = JSON.stringify(telemetry);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain('secret content');
    expect(everything).not.toContain(receiver.url);
  });

  it('tracks WebhookFailed for a direct delivery that ran out of retries', async () => {
    const telemetry = new RecordingTelemetry();
    const app = useApp({ WEBHOOK_RETRY_DELAY: '0.01', WEBHOOK_MAX_RETRIES: '1' }, { telemetry });
    receiver = await new Receiver([], 503).start();
    const res = await submitBatch({ memories: [{ content: 'a' }], webhook_url: receiver.url });
    await app.direct.drain();
    expect(telemetry.named('WebhookFailed')).toEqual([{ batch_id: res.body.batch_id, attempt: 2, status_code: 503, duration_ms: expect.any(Number), error: 'HTTP 503' }]);
  });

  it('tracks WebhookDeadLettered when the Service Bus path gives up', async () => {
    const telemetry = new RecordingTelemetry();
    const app = useApp({ WEBHOOK_RETRY_DELAY: '0.01' }, { telemetry });
    receiver = await new Receiver([], 500).start();
    const res = await submitBatch({ memories: [{ content: 'a' }], webhook_url: receiver.url });
    await app.direct.drain();
    telemetry.events.length = 0;
    const bus = new InMemoryServiceBus(3);
    const key = Buffer.alloc(32, 1);
    const queue = new QueueDelivery(app.delivery, bus, { secretKey: key, maxRetries: 1, baseDelaySeconds: 0.01, capSeconds: 1 });
    const job = { tenantId: 'tenant-a', batchId: res.body.batch_id, message: { url: receiver.url, body: '{}', webhookId: 'msg_t' } };
    bus.sendFromOutputBinding(completionEvent(job, key));
    await bus.runTrigger((body, count) => queue.handle(body, count));
    expect(telemetry.named('WebhookDeadLettered')).toEqual([{ batch_id: res.body.batch_id, attempt: 2, status_code: 500, error: 'HTTP 500' }]);
    expect(bus.deadLetterQueue).toHaveLength(1);
  });

  it('loads applicationinsights only when APPLICATIONINSIGHTS_CONNECTION_STRING is set', () => {
    const probe = `
      for (const f of require('fs').readdirSync('dist/functions').filter((f) => f.endsWith('.js'))) require('./dist/functions/' + f);
      require('./dist/shared/app').getApp();
      console.log(Object.keys(require.cache).some((k) => k.includes('node_modules/applicationinsights/')));`;
    const run = (env: Record<string, string>) =>
      execFileSync(process.execPath, ['-e', probe], { cwd: join(__dirname, '..'), env: { ...process.env, ...env }, encoding: 'utf8' }).trim().split('\n').pop();
    expect(run({})).toBe('false');
    expect(run({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/' })).toBe('true');
  });
});
