import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { submitBatch, getStatus, useApp } from './support/harness';

const run = promisify(execFile);
const keys = (...args: string[]) => run('npm', ['run', '--silent', 'keys', '--', ...args], { env: process.env });

describe('API keys managed with `npm run keys` (apikeys table in Azurite)', () => {
  beforeAll(() => useApp());

  it('creates a key that authenticates as its tenant, lists it by hash only, and revokes it', async () => {
    const created = await keys('create', '--tenant', 'tenant-cli', '--name', 'ci');
    const key = /key:\s+(\S+)/.exec(created.stdout)![1];
    const prefix = /hash:\s+(\S+)/.exec(created.stdout)![1];

    const res = await submitBatch({ memories: [{ content: 'from a CLI key' }] }, {}, key);
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe('tenant-cli');

    const listed = (await keys('list')).stdout;
    expect(listed).toContain(prefix);
    expect(listed).toContain('tenant-cli');
    expect(listed).not.toContain(key);

    await keys('revoke', prefix);
    useApp(); // a fresh process: no 30 s cache of the key's earlier answer
    const after = await submitBatch({ memories: [{ content: 'revoked' }] }, {}, key);
    expect(after.status).toBe(401);
    expect((await getStatus(res.body.batch_id, key)).status).toBe(401);
  });

  it('prints the hash form for the API_KEYS setting', async () => {
    const { stdout } = await keys('hash', 'dev-local-key');
    expect(stdout.trim()).toBe('3700285e3c8496a57e45eb1ccd43f2424852788576961320fbb31f86f17edb61');
  });
});
