import { getApp } from '../shared/app';
import { loadLocalSettings } from './localSettings';

const usage = `usage: npm run dlq -- list [--max N]
       npm run dlq -- replay [--batch <batch_id>]`;

/** Inspect and replay the completion queue's dead letters: the same code as the admin endpoints. */
async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const option = (name: string) => (rest.indexOf(`--${name}`) >= 0 ? rest[rest.indexOf(`--${name}`) + 1] : undefined);
  if (command !== 'list' && command !== 'replay') {
    console.error(usage);
    return 2;
  }
  loadLocalSettings();
  const sb = getApp().serviceBus;
  if (!sb) {
    console.error('Service Bus delivery is not configured: set AZURE_SERVICE_BUS_CONNECTION_STRING (and WEBHOOK_SECRET_ENCRYPTION_KEY).');
    return 1;
  }
  try {
    if (command === 'list') {
      const letters = await sb.deadLetters.list(Number(option('max') ?? 100));
      for (const d of letters) console.log([d.enqueued_at, d.batch_id, d.target_host, d.reason, `attempts=${d.attempts}`, d.last_error].join('\t'));
      console.log(`${letters.length} dead-lettered webhook(s)`);
      return 0;
    }
    const report = await sb.deadLetters.replay(option('batch'));
    console.log(`replayed ${report.replayed.length}: ${report.replayed.join(', ') || '-'}`);
    for (const f of report.failed) console.log(`left in the dead-letter queue: ${f.batch_id ?? '(unreadable message)'}: ${f.error}`);
    return report.failed.length ? 1 : 0;
  } finally {
    await sb.port.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(e.message);
    process.exit(1);
  },
);
