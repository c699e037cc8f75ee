import { getApp } from '../shared/app';
import { generateApiKey, hashApiKey } from '../shared/auth';
import { loadLocalSettings } from './localSettings';

const usage = `usage: npm run keys -- create --tenant <id> [--name <label>]
       npm run keys -- list
       npm run keys -- revoke <hash-prefix>
       npm run keys -- hash <key>          (for the API_KEYS setting)`;

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
}

/** Manages API keys in the `apikeys` table. Keys are printed once, at creation; only hashes are kept. */
async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'hash' && rest[0]) {
    console.log(hashApiKey(rest[0]));
    return 0;
  }
  if (process.env.AzureWebJobsStorage === undefined && process.env.MEMORY_STORAGE_CONNECTION === undefined) loadLocalSettings();
  const { apiKeys } = getApp();
  switch (command) {
    case 'create': {
      const tenantId = option(rest, 'tenant');
      if (!tenantId || !/^[A-Za-z0-9_.-]{1,64}$/.test(tenantId)) break;
      const key = generateApiKey();
      const keyHash = hashApiKey(key);
      await apiKeys.add({ keyHash, tenantId, name: option(rest, 'name') ?? '', createdAt: new Date().toISOString(), revokedAt: null });
      console.log(`tenant: ${tenantId}\nkey:    ${key}\nhash:   ${keyHash.slice(0, 12)}\nStore the key now: it is not shown again.`);
      return 0;
    }
    case 'list':
      for (const k of await apiKeys.list()) {
        console.log([k.keyHash.slice(0, 12), k.tenantId, k.name || '-', k.createdAt, k.revokedAt ? `revoked ${k.revokedAt}` : 'active'].join('\t'));
      }
      return 0;
    case 'revoke': {
      if (!rest[0] || rest[0].length < 8) break;
      const revoked = await apiKeys.revoke(rest[0], new Date().toISOString());
      console.log(revoked.length ? `revoked ${revoked.map((k) => `${k.keyHash.slice(0, 12)} (${k.tenantId})`).join(', ')}` : 'no active key matches');
      return revoked.length ? 0 : 1;
    }
  }
  console.error(usage);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(e.message);
    process.exit(1);
  },
);
