import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { loadDefinitions } from '../scripts/localHost';

/**
 * Peak RSS of one process: function modules and the app loaded and a maximum-size batch body
 * built (the baseline); with `submit`, the batch also goes through the HTTP handler into storage.
 * Prints maxRSS in MiB.
 */
async function main(): Promise<void> {
  const submit = process.argv[2] === 'submit';
  process.env.API_KEYS = `bench:${createHash('sha256').update('bench-key').digest('hex')}`;
  const definitions = loadDefinitions(join(__dirname, '..', 'functions'));
  (require(join(__dirname, '..', 'shared', 'app')) as typeof import('../shared/app')).getApp();
  const maxBytes = Number(process.env.BATCH_MAX_BODY_BYTES);
  const content = 'm'.repeat(Math.floor(maxBytes / 1000) - 100);
  const body = JSON.stringify({ memories: Array.from({ length: 1000 }, (_, i) => ({ content, type: 'text', metadata: { i } })) });
  if (submit) {
    const handler = definitions.find((d) => d.name === 'submitBatch')!.options.handler;
    const request = new HttpRequest({ method: 'POST', url: 'http://localhost/api/v1/memory/batch', headers: { 'content-type': 'application/json', 'x-api-key': 'bench-key' }, body: { string: body } });
    const response = (await handler(request, new InvocationContext({ functionName: 'submitBatch' }))) as HttpResponseInit;
    if (response.status !== 200) throw new Error(`batch answered ${response.status}: ${JSON.stringify(response.jsonBody).slice(0, 300)}`);
  }
  console.log(JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024, bodyBytes: Buffer.byteLength(body) }));
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
