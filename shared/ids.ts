import { createHash, randomBytes } from 'node:crypto';
import { encodeTime } from 'ulid';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A UUIDv7 (RFC 9562): time-ordered, and its first 48 bits give the batch's creation time. */
export function newBatchId(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function batchTime(batchId: string): number {
  return parseInt(batchId.replace(/-/g, '').slice(0, 12), 16);
}

/**
 * `mem_` + a ULID whose time part is the batch's creation time and whose random part is derived
 * from (batch id, item index). Ids sort by time, and a resumed batch writes the same ids again,
 * so an upsert can never store one memory twice.
 */
export function memoryId(batchId: string, index: number): string {
  const digest = createHash('sha256').update(`${batchId}:${index}`).digest();
  let random = '';
  // 16 Crockford base-32 characters = 80 bits, taken 5 bits at a time from the digest.
  for (let bit = 0; bit < 80; bit += 5) {
    const word = (digest[bit >> 3] << 8) | digest[(bit >> 3) + 1];
    random += CROCKFORD[(word >> (11 - (bit & 7))) & 31];
  }
  return `mem_${encodeTime(batchTime(batchId), 10)}${random}`;
}

/** Standard Webhooks `webhook-id`: one per batch notification, the same on every retry and replay. */
export function webhookId(batchId: string): string {
  return `msg_${batchId}`;
}
