import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, __dirname.includes(`${join('dist', 'scripts')}`) ? '../..' : '..');

/**
 * Creates local.settings.json from the sample when it is missing, then copies its Values into
 * process.env the way `func start` does: values already in the environment win.
 */
export function loadLocalSettings(root = ROOT): { created: boolean; path: string } {
  const path = join(root, 'local.settings.json');
  const created = !existsSync(path);
  if (created) copyFileSync(join(root, 'local.settings.sample.json'), path);
  const values = (JSON.parse(readFileSync(path, 'utf8')) as { Values?: Record<string, string> }).Values ?? {};
  for (const [name, value] of Object.entries(values)) if (process.env[name] === undefined) process.env[name] = String(value);
  return { created, path };
}
