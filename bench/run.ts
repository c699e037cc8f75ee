import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { TableClient, type TransactionAction } from '@azure/data-tables';
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startAzurite } from '../scripts/azurite';

/**
 * `npm run bench`: each figure is a ratio against a baseline measured in the same run, on the same
 * machine, interleaved round by round so drift hits both sides. Writes bench/results.json.
 */
const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Metric {
  value: number;
  baseline: number;
  ratio: number;
  unit: string;
}
const metric = (value: number, baseline: number, unit: string): Metric => ({
  value: Math.round(value * 100) / 100,
  baseline: Math.round(baseline * 100) / 100,
  ratio: Math.round((value / baseline) * 1000) / 1000,
  unit,
});

async function deliveryThroughput(): Promise<Metric> {
  const receiver = fork(join(__dirname, 'receiverProcess.js'));
  const port = await new Promise<number>((resolve) => receiver.once('message', (p) => resolve(Number(p))));
  const ratios: number[] = [];
  const url = `http://127.0.0.1:${port}/webhook`;
  const body = JSON.stringify({
    batch_id: '01938a3c-6a41-7b7e-9c3f-1d2e3f4a5b6c', user_id: 'user_123', status: 'partial', total_memories: 25, successful_memories: 20, failed_memories: 5,
    errors: Array.from({ length: 5 }, (_, i) => ({ index: i * 5, error: 'Content size exceeds limit' })), completed_at: new Date().toISOString(), processing_time_ms: 1250,
    memory_ids: Array.from({ length: 20 }, (_, i) => `mem_01JD8X3K4M5N6P7Q8R9S0T${String(i).padStart(4, '0')}`), webhook_version: '1.0',
  });
  const { WebhookSender } = require(join(DIST, 'shared/webhook/sender')) as typeof import('../shared/webhook/sender');
  const sender = new WebhookSender({ allowHttp: true, allowPrivateNetworks: true }, 5000);
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const CONCURRENCY = 16;
  const N = 20_000;
  const bare = async () => {
    const res = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: agent });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`bare POST got ${res.statusCode}`);
  };
  const project = async () => {
    const result = await sender.send({ url, body, webhookId: 'msg_bench', secret: 'bench-secret' });
    if (!result.ok) throw new Error(`delivery failed: ${result.error}`);
  };
  const rate = async (send: () => Promise<void>) => {
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < N) await send();
    }));
    return N / ((performance.now() - started) / 1000);
  };
  await rate(bare);
  await rate(project); // warm both connection pools and the JIT
  const ours: number[] = [];
  const base: number[] = [];
  // ABBA order: drift during a round affects both sides alike.
  for (let round = 0; round < 6; round += 1) {
    if (round % 2 === 0) {
      base.push(await rate(bare));
      ours.push(await rate(project));
    } else {
      ours.push(await rate(project));
      base.push(await rate(bare));
    }
    ratios.push(ours[round] / base[round]);
  }
  console.log(`  per-round ratios: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
  await sender.close();
  await agent.close();
  receiver.kill();
  return metric(median(ours), median(base), 'deliveries/s');
}

function coldStart(): Metric {
  const env = { ...process.env, AzureWebJobsStorage: 'UseDevelopmentStorage=true', APPLICATIONINSIGHTS_CONNECTION_STRING: '' };
  const functions = readdirSync(join(DIST, 'functions')).filter((f) => f.endsWith('.js')).map((f) => join(DIST, 'functions', f));
  const time = (files: string[]) => {
    const started = performance.now();
    const result = spawnSync(process.execPath, ['-e', files.map((f) => `require(${JSON.stringify(f)});`).join('')], { env, cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    if (result.status !== 0) throw new Error(result.stderr.toString());
    return performance.now() - started;
  };
  const hello = [join(DIST, 'bench', 'helloFunction.js')];
  time(functions);
  time(hello);
  const ours: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < 21; i += 1) {
    base.push(time(hello));
    ours.push(time(functions));
  }
  return metric(median(ours), median(base), 'ms');
}

async function ingest1000(connectionString: string): Promise<Metric> {
  process.env.AzureWebJobsStorage = connectionString;
  process.env.API_KEYS = `bench:${createHash('sha256').update('bench-key').digest('hex')}`;
  const { definitions } = require(join(DIST, 'functions/submitBatch')) as typeof import('../functions/submitBatch');
  const { getApp } = require(join(DIST, 'shared/app')) as typeof import('../shared/app');
  const handler = definitions[0].options.handler;
  const memories = Array.from({ length: 1000 }, (_, i) => ({ content: `Memory ${i}: ${'meeting notes and follow-ups '.repeat(8)}`, type: 'text', metadata: { topics: 'product, planning', i } }));
  const body = JSON.stringify({ memories });
  const viaHandler = async () => {
    const req = new HttpRequest({ method: 'POST', url: 'http://localhost/api/v1/memory/batch', headers: { 'content-type': 'application/json', 'x-api-key': 'bench-key' }, body: { string: body } });
    const started = performance.now();
    const res = (await handler(req, new InvocationContext({ functionName: 'submitBatch' }))) as HttpResponseInit;
    if (res.status !== 200) throw new Error(`handler answered ${res.status}`);
    return performance.now() - started;
  };
  // The baseline: the same entities, straight through @azure/data-tables, same transaction size and concurrency.
  const table = TableClient.fromConnectionString(connectionString, 'rawbench', { allowInsecureConnection: true });
  await table.createTable().catch(() => undefined);
  let run = 0;
  const raw = async () => {
    run += 1;
    const createdAt = new Date().toISOString();
    const entities = memories.map((m, i) => ({ partitionKey: `raw${run}`, rowKey: `mem_${String(i).padStart(26, '0')}`, batchId: `b${run}`, index: i, type: m.type, content: m.content, metadata: JSON.stringify(m.metadata), createdAt }));
    const started = performance.now();
    const chunks = Array.from({ length: 10 }, (_, c) => entities.slice(c * 100, c * 100 + 100));
    let next = 0;
    await Promise.all(Array.from({ length: getApp().settings.batch.writeConcurrency }, async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++];
        await table.submitTransaction(chunk.map((e): TransactionAction => ['upsert', e, 'Replace']));
      }
    }));
    return performance.now() - started;
  };
  await viaHandler();
  await raw();
  const ours: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < 10; i += 1) {
    if (i % 2 === 0) {
      base.push(await raw());
      ours.push(await viaHandler());
    } else {
      ours.push(await viaHandler());
      base.push(await raw());
    }
  }
  return metric(median(ours), median(base), 'ms');
}

function peakRss(connectionString: string): Metric {
  const probe = (mode: string) => {
    const out = execFileSync(process.execPath, [join(__dirname, 'rssProbe.js'), mode], {
      env: { ...process.env, AzureWebJobsStorage: connectionString, BATCH_MAX_BODY_BYTES: String(10 * 1024 * 1024), APPLICATIONINSIGHTS_CONNECTION_STRING: '' },
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return JSON.parse(out.trim().split('\n').pop() as string) as { maxRssMb: number; bodyBytes: number };
  };
  const base = median([0, 1, 2].map(() => probe('build-only').maxRssMb));
  const ours = median([0, 1, 2].map(() => probe('submit').maxRssMb));
  return metric(ours, base, 'MiB');
}

async function main(): Promise<void> {
  const azurite = await startAzurite();
  try {
    const results: Record<string, Metric> = {};
    console.log('delivery_throughput ...');
    results.delivery_throughput = await deliveryThroughput();
    console.log('cold_start ...');
    results.cold_start = coldStart();
    console.log('ingest_1000 ...');
    results.ingest_1000 = await ingest1000(azurite.connectionString);
    console.log('peak_rss_mb ...');
    results.peak_rss_mb = peakRss(azurite.connectionString);
    mkdirSync(join(ROOT, 'bench'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.table(results);
    console.log('wrote bench/results.json');
  } finally {
    await azurite.stop();
  }
  process.exit(0);
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
