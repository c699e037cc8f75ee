/**
 * A batch-completion webhook receiver in TypeScript (Node's http module only).
 *
 *   WEBHOOK_SECRET=your-secret-key PORT=8000 npx tsx examples/webhook-receiver.ts
 *
 * It verifies X-Webhook-Signature with a constant-time compare, refuses stale timestamps,
 * ignores repeats of a webhook-id (retries and replays reuse it), and answers 200 at once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';

const MAX_AGE_SECONDS = 300;
const MAX_BODY_BYTES = 1024 * 1024;

export interface BatchCompleted {
  batch_id: string;
  user_id: string;
  status: 'completed' | 'partial' | 'failed';
  total_memories: number;
  successful_memories: number;
  failed_memories: number;
  errors: { index: number; error: string }[];
  completed_at: string;
  processing_time_ms: number;
  memory_ids: string[];
  webhook_version: string;
}

export function signatureIsValid(body: Buffer, header: string | undefined, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const received = Buffer.from(header ?? '');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

export function createWebhookReceiver(secret: string, onEvent: (event: BatchCompleted) => void): Server {
  const seen = new Map<string, number>();
  return createServer((req, res) => {
    const reply = (status: number, message: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message }));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!signatureIsValid(body, req.headers['x-webhook-signature'] as string | undefined, secret)) return reply(401, 'bad signature');
      const timestamp = Number(req.headers['x-webhook-timestamp']);
      if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > MAX_AGE_SECONDS) return reply(400, 'stale timestamp');
      const id = String(req.headers['webhook-id'] ?? '');
      if (seen.has(id)) return reply(200, 'duplicate ignored');
      seen.set(id, Date.now());
      for (const [old, at] of seen) if (Date.now() - at > 2 * MAX_AGE_SECONDS * 1000) seen.delete(old);
      reply(200, 'ok'); // answer first; handle the event after
      onEvent(JSON.parse(body.toString('utf8')) as BatchCompleted);
    });
  });
}

if (process.argv[1]?.endsWith('webhook-receiver.ts')) {
  const port = Number(process.env.PORT ?? 8000);
  createWebhookReceiver(process.env.WEBHOOK_SECRET ?? 'your-secret-key', (e) =>
    console.log(`verified batch ${e.batch_id} status=${e.status} stored=${e.successful_memories}/${e.total_memories}`),
  ).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/webhook`));
}
