import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startAzurite, isListening, type RunningAzurite } from './azurite';
import { loadDefinitions, startLocalHost } from './localHost';
import { loadLocalSettings } from './localSettings';
import { consumeQueue } from './localQueue';

const AZURITE_PORTS = { blob: 10000, queue: 10001, table: 10002 };

function funcAvailable(): boolean {
  if (process.env.START_WITH === 'builtin') return false;
  if (process.env.START_WITH === 'func') return true;
  return spawnSync('func', ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' }).status === 0;
}

async function main(): Promise<void> {
  const { created, path } = loadLocalSettings();
  if (created) console.log(`Created ${path} from local.settings.sample.json`);

  let azurite: RunningAzurite | undefined;
  const usesAzurite = [process.env.MEMORY_STORAGE_CONNECTION, process.env.AzureWebJobsStorage].some((v) => v?.includes('UseDevelopmentStorage=true'));
  if (usesAzurite && !(await isListening(AZURITE_PORTS.table))) {
    azurite = await startAzurite(AZURITE_PORTS);
    console.log(`Started Azurite (in memory) on ports ${AZURITE_PORTS.blob}/${AZURITE_PORTS.queue}/${AZURITE_PORTS.table}`);
  } else if (usesAzurite) console.log(`Using the Azurite already listening on port ${AZURITE_PORTS.table}`);

  const port = Number(process.env.PORT ?? (JSON.parse(readFileSync(path, 'utf8')) as { Host?: { LocalHttpPort?: number } }).Host?.LocalHttpPort ?? 7071);
  const stopAzurite = async () => azurite && (await azurite.stop());

  if (funcAvailable()) {
    console.log('Mode: Azure Functions Core Tools (func start)');
    const func = spawn('func', ['start', '--port', String(port)], { stdio: 'inherit', shell: process.platform === 'win32' });
    const forward = (signal: NodeJS.Signals) => func.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    func.on('exit', async (code) => {
      await stopAzurite();
      process.exit(code ?? 0);
    });
    return;
  }

  const definitions = loadDefinitions();
  const { getApp } = require('../shared/app') as typeof import('../shared/app');
  const app = getApp();
  const queue = app.settings.serviceBus ? consumeQueue(definitions, app.settings.serviceBus) : undefined;
  const host = await startLocalHost(definitions, port, process.env.HOST ?? '127.0.0.1', queue?.sendOutput);
  console.log(`Mode: built-in local host (Azure Functions Core Tools not found), ${app.settings.serviceBus ? `Service Bus queue ${app.settings.serviceBus.queueName}` : 'direct webhook delivery'}`);
  for (const d of definitions) {
    if (d.trigger === 'http') console.log(`  ${d.name}: [${(d.options.methods ?? []).join(',')}] ${host.url}/api/${d.options.route}`);
    else console.log(`  ${d.name}: serviceBusQueue ${d.options.queueName}`);
  }
  console.log(`Ready on ${host.url}`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('Shutting down...');
    await host.close();
    await queue?.close();
    await Promise.race([app.direct.drain(), new Promise((r) => setTimeout(r, 5000))]);
    await stopAzurite();
    process.exit(0);
  };
  process.on('SIGINT', shutdown).on('SIGTERM', shutdown);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
