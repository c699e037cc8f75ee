import { describe, expect, it } from 'vitest';
import { parseSettings } from '../shared/settings';

const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

describe('settings', () => {
  it("use the guide's names and defaults", () => {
    const s = parseSettings(base);
    expect(s.webhook).toMatchObject({ maxRetries: 3, retryDelaySeconds: 1, timeoutMs: 5000, serviceBusMaxRetries: 5, allowHttp: false, allowPrivateNetworks: false });
    expect(s.batch).toMatchObject({ maxMemories: 1000, maxBodyBytes: 10 * 1024 * 1024 });
    expect(s.memory.maxContentChars).toBe(15000);
    expect(s.serviceBus).toBeUndefined();
    expect(parseSettings({ ...base, AZURE_SERVICE_BUS_CONNECTION_STRING: 'Endpoint=sb://x/', WEBHOOK_SECRET_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') }).serviceBus?.queueName).toBe('batch-notifications');
  });

  it.each([
    [{ WEBHOOK_MAX_RETRIES: 'three' }, 'WEBHOOK_MAX_RETRIES'],
    [{ BATCH_MAX_MEMORIES: '0' }, 'BATCH_MAX_MEMORIES'],
    [{ MEMORY_MAX_CONTENT_CHARS: '40000' }, 'MEMORY_MAX_CONTENT_CHARS'],
    [{ WEBHOOK_ALLOW_HTTP: 'maybe' }, 'WEBHOOK_ALLOW_HTTP must be true or false'],
    [{ LOG_LEVEL: 'LOUD' }, 'LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR'],
    [{ WEBHOOK_SECRET_ENCRYPTION_KEY: 'c2hvcnQ=' }, 'WEBHOOK_SECRET_ENCRYPTION_KEY: must be 32 random bytes'],
    [{ API_KEYS: 'tenant:not-a-hash' }, 'API_KEYS entries must look like'],
  ])('refuse %j with a message naming the setting', (env, message) => {
    expect(() => parseSettings({ ...base, ...env })).toThrow(message);
  });

  it('refuse to start without any storage', () => {
    expect(() => parseSettings({})).toThrow(/MEMORY_STORAGE_CONNECTION: set MEMORY_STORAGE_CONNECTION or AzureWebJobsStorage/);
    expect(parseSettings({ MEMORY_STORAGE_ACCOUNT_NAME: 'acct' }).storage).toEqual({ accountName: 'acct' });
  });
});
