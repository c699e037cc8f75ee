import { createHmac } from 'node:crypto';

export const USER_AGENT = 'PaprMemory-BatchWebhook/1.0';
export const WEBHOOK_EVENT = 'batch.completed';

/**
 * The key for Standard Webhooks signatures: a `whsec_<base64>` secret is decoded as that standard
 * prescribes; any other secret is used as its UTF-8 bytes, the same key as X-Webhook-Signature.
 */
export function standardWebhooksKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

/**
 * Headers for one delivery attempt. `body` holds the exact bytes sent: both signatures are
 * computed over them, never over a re-serialisation.
 */
export function webhookHeaders(body: Buffer, webhookId: string, secret: string | undefined, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'x-webhook-event': WEBHOOK_EVENT,
    'x-webhook-timestamp': timestamp,
    'webhook-id': webhookId,
    'webhook-timestamp': timestamp,
  };
  if (secret) {
    headers['x-webhook-secret'] = secret;
    headers['x-webhook-signature'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const standard = createHmac('sha256', standardWebhooksKey(secret)).update(`${webhookId}.${timestamp}.`).update(body).digest('base64');
    headers['webhook-signature'] = `v1,${standard}`;
  }
  return headers;
}
