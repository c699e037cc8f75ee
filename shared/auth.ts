import { createHash, randomBytes } from 'node:crypto';
import { ApiError } from './errors';
import type { ApiKeyStore } from './storage/apiKeyStore';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return `pmk_${randomBytes(24).toString('base64url')}`;
}

/** The key a Papr client sends: `X-API-Key`, or `Authorization: Bearer <key>`. */
export function presentedKey(headers: { get(name: string): string | null }): string | undefined {
  const apiKey = headers.get('x-api-key')?.trim();
  if (apiKey) return apiKey;
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.get('authorization')?.trim() ?? '');
  return bearer?.[1].trim() || undefined;
}

const CACHE_MS = 30_000;

/**
 * Resolves an API key to its tenant: first the static `API_KEYS` setting, then the `apikeys`
 * table. Table answers are cached for 30 s, so a revocation takes at most that long to bite.
 */
export class Authenticator {
  private readonly cache = new Map<string, { tenantId: string | undefined; until: number }>();

  constructor(
    private readonly staticKeys: Map<string, string>,
    private readonly keyStore: ApiKeyStore,
  ) {}

  async tenantFor(key: string | undefined): Promise<string> {
    if (!key) throw unauthorized('Missing API key: send X-API-Key or Authorization: Bearer');
    const hash = hashApiKey(key);
    const fixed = this.staticKeys.get(hash);
    if (fixed) return fixed;
    const cached = this.cache.get(hash);
    let tenantId = cached && cached.until > Date.now() ? cached.tenantId : undefined;
    if (!cached || cached.until <= Date.now()) {
      const record = await this.keyStore.find(hash);
      tenantId = record && !record.revokedAt ? record.tenantId : undefined;
      if (this.cache.size >= 10_000) this.cache.clear(); // bounded: unknown keys must not grow memory
      this.cache.set(hash, { tenantId, until: Date.now() + CACHE_MS });
    }
    if (!tenantId) throw unauthorized('Invalid API key');
    return tenantId;
  }
}

function unauthorized(message: string): ApiError {
  return new ApiError(401, 'unauthorized', message);
}
